package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server"
)

// configPath resolves --config: the flag, else ./samvad.yaml when present,
// else defaults only.
func configPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if _, err := os.Stat("samvad.yaml"); err == nil {
		return "samvad.yaml"
	}
	return ""
}

// loadConfig parses a command's --config flag and loads the configuration,
// holding it to what the command uses; when it returns no configuration the
// command ends with the code (0 after -h).
func loadConfig(cmd string, args []string, use server.Use, stdout, stderr io.Writer) (*server.Config, int) {
	cfg, _, code := loadConfigFlags(cmd, args, use, stdout, stderr, nil)
	return cfg, code
}

// loadConfigFlags is loadConfig for a command with flags of its own, which
// define adds (it may be nil); it also returns the parsed flags, whose
// Args() are the command's arguments.
func loadConfigFlags(cmd string, args []string, use server.Use, stdout, stderr io.Writer, define func(*flag.FlagSet)) (*server.Config, *flag.FlagSet, int) {
	fs := newFlags(cmd)
	cfgFlag := fs.String("config", "", "configuration file (default ./samvad.yaml when present)")
	if define != nil {
		define(fs)
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return nil, nil, code
	}
	cfg, err := server.LoadConfigFor(configPath(*cfgFlag), os.Environ(), use)
	if err != nil {
		fmt.Fprintf(stderr, "samvad %s: %v\n", cmd, err)
		return nil, nil, 2
	}
	return cfg, fs, 0
}

// runServe runs the service until interrupted. SIGHUP reloads the flows.
func runServe(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, code := loadConfig("serve", args, server.ForServe, stdout, stderr)
	if cfg == nil {
		return code
	}
	log := server.NewLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "samvad serve:", err)
		return 1
	}
	if err := srv.Start(ctx); err != nil {
		fmt.Fprintln(stderr, "samvad serve:", err)
		if errors.Is(err, syscall.EADDRINUSE) {
			fmt.Fprintf(stderr, "  another program listens there; choose another address with --config or SAMVAD_LISTEN=127.0.0.1:8081\n")
		}
		_ = srv.Shutdown(context.Background())
		return 1
	}
	printWelcome(ctx, stdout, stderr, srv, cfg)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	for {
		select {
		case <-hup:
			if err := srv.Reload(ctx); err != nil {
				log.Error("reload refused; the running flows stay", "err", err)
			}
			continue
		case <-ctx.Done():
		}
		break
	}
	log.Info("shutting down: finishing the work in hand")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintln(stderr, "samvad serve:", err)
		return 1
	}
	return 0
}

// printWelcome says where the service is. The simulator's address comes
// last: it is the line a newcomer looks for.
func printWelcome(ctx context.Context, w, stderr io.Writer, srv *server.Server, cfg *server.Config) {
	b := server.ReadBuild()
	build := b.Version
	if b.Commit != "" {
		build += ", commit " + b.ShortCommit()
	}
	fmt.Fprintf(w, "\nSamvad %s is running on %s\n", build, srv.URL())
	for _, in := range cfg.Integrations {
		fmt.Fprintf(w, "  Webhook of %s: %s/api/v1/integration/whatsapp/%s/callback\n", in.ID, cfg.PublicURL, in.ID)
	}
	metrics := srv.URL() + "/metrics (an admin's key)"
	if a := srv.MetricsAddr(); a != "" {
		metrics = "http://" + a + "/metrics"
	}
	fmt.Fprintf(w, "  Health: %s/healthz  Metrics: %s\n  Ctrl-C stops; kill -HUP %d reloads the flows.\n", srv.URL(), metrics, os.Getpid())
	printLocalAccess(ctx, w, stderr, srv)
	fmt.Fprintf(w, "\nThe console for agents and officers: %s/console/\n", srv.URL())
	if *cfg.Simulator {
		fmt.Fprintf(w, "\nChat as a citizen (type \"hi\" or \"नमस्ते\"): %s/simulator\n", srv.URL())
	}
}

// runMigrate applies database migrations and exits.
func runMigrate(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, code := loadConfig("migrate", args, server.ForStore, stdout, stderr)
	if cfg == nil {
		return code
	}
	st, err := store.Open(context.Background(), cfg.DatabaseURL, store.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "samvad migrate:", err)
		return 1
	}
	defer st.Close()
	fmt.Fprintf(stdout, "the %s store is up to date\n", st.Dialect())
	return 0
}

// printLocalAccess prints, when the simulator is on, an admin key and a
// console login of its department (kept in the data directory).
func printLocalAccess(ctx context.Context, stdout, stderr io.Writer, srv *server.Server) {
	acc, ok, err := srv.SimulatorAccess(ctx)
	switch {
	case !ok:
		return
	case err != nil:
		fmt.Fprintln(stderr, "samvad serve: no local admin key or login:", err)
		return
	}
	fmt.Fprintf(stdout, "\nAPI key (admin, %s): %s  (kept in %s)\n", acc.Department, acc.Key, acc.KeyFile)
	fmt.Fprintf(stdout, "  curl -s -H 'Authorization: Bearer %s' %s/api/v1/me\n", acc.Key, srv.URL())
	if acc.Password != "" {
		fmt.Fprintf(stdout, "Console login: %s / %s  (kept in %s)\n", acc.Login, acc.Password, acc.PasswordFile)
	}
}
