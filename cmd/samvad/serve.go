package main

import (
	"context"
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

// loadConfig parses a command's --config flag and loads the configuration;
// on failure it reports and returns the exit code.
func loadConfig(cmd string, args []string, stderr io.Writer) (*server.Config, int) {
	cfg, _, code := loadConfigFlags(cmd, args, stderr, nil)
	return cfg, code
}

// loadConfigFlags is loadConfig for a command with flags of its own, which
// define adds (it may be nil); it also returns the parsed flags, whose
// Args() are the command's arguments.
func loadConfigFlags(cmd string, args []string, stderr io.Writer, define func(*flag.FlagSet)) (*server.Config, *flag.FlagSet, int) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgFlag := fs.String("config", "", "configuration file (default ./samvad.yaml when present)")
	if define != nil {
		define(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, 2
	}
	cfg, err := server.LoadConfig(configPath(*cfgFlag), os.Environ())
	if err != nil {
		fmt.Fprintf(stderr, "samvad %s: %v\n", cmd, err)
		return nil, nil, 2
	}
	return cfg, fs, 0
}

// runServe runs the service until interrupted. SIGHUP reloads the flows.
func runServe(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, code := loadConfig("serve", args, stderr)
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
		return 1
	}
	printWelcome(stdout, srv, cfg)
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

func printWelcome(w io.Writer, srv *server.Server, cfg *server.Config) {
	fmt.Fprintf(w, "\nSamvad is running on %s\n", srv.URL())
	if *cfg.Simulator {
		fmt.Fprintf(w, "  Simulator:  %s/simulator   (chat as a citizen; try \"hi\")\n", srv.URL())
	}
	for _, in := range cfg.Integrations {
		fmt.Fprintf(w, "  Webhook of %s: %s/api/v1/integration/whatsapp/%s/callback\n", in.ID, cfg.PublicURL, in.ID)
	}
	fmt.Fprintf(w, "  Health: %s/healthz  Metrics: %s/metrics\n  Ctrl-C stops; kill -HUP %d reloads the flows.\n\n", srv.URL(), srv.URL(), os.Getpid())
}

// runMigrate applies database migrations and exits.
func runMigrate(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, code := loadConfig("migrate", args, stderr)
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
