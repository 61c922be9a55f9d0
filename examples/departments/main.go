// Command departments serves sample department APIs on the loopback
// interface, with seeded data for districts of Maharashtra, West Bengal,
// Odisha and Tamil Nadu, so that Samvad's shipped flows have real systems to
// call in a demo or a test:
//
//   - vaccination sessions, booking and certificates, shaped like Co-WIN's
//     public v2 API;
//   - a ration card registry;
//   - property tax: properties, dues, a payment page, receipts;
//   - hospital beds and oxygen by district.
//
// The offices, officials, fair-price shops and helplines are CSV tables in
// flows/tables/, read by Samvad's table connector, not served here.
//
//	go run ./examples/departments --listen 127.0.0.1:8090 [--today 2026-05-14]
//	    [--fault path=/api/pds/,mode=error] …
//
// It listens only on a loopback address. With DEPARTMENTS_API_KEY set, every
// API call must carry the key. examples/departments/README.md lists every
// endpoint with a curl example.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// apiKeyEnv names the environment variable that holds the optional API key.
const apiKeyEnv = "DEPARTMENTS_API_KEY"

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string, stderr *os.File) error {
	fl := flag.NewFlagSet("departments", flag.ContinueOnError)
	fl.SetOutput(stderr)
	listen := fl.String("listen", "127.0.0.1:8090", "loopback `address` to listen on")
	todayFlag := fl.String("today", "", "the `date` (YYYY-MM-DD) sessions and dues count from; the clock's date if unset")
	var faults []*fault
	fl.Func("fault", "inject a fault: `path=/prefix,mode=slow|error|html|huge|shape|drop[,delay=…,status=…,size=…,times=…]` (repeatable)", func(spec string) error {
		f, err := parseFault(spec)
		faults = append(faults, f)
		return err
	})
	if err := fl.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback(*listen); err != nil {
		return err
	}
	cfg := Config{Now: time.Now, APIKey: os.Getenv(apiKeyEnv), Faults: faults,
		Log: slog.New(slog.NewTextHandler(stderr, nil))}
	if *todayFlag != "" {
		day, err := time.ParseInLocation(time.DateOnly, *todayFlag, ist)
		if err != nil {
			return fmt.Errorf("departments: --today %q: want a date like 2026-05-14", *todayFlag)
		}
		// The given day, at the clock's time of day, so that timestamps move.
		cfg.Today = day
		cfg.Now = func() time.Time {
			t := time.Now().In(ist)
			return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), t.Second(), 0, ist)
		}
	}
	srv, err := newServer(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("departments: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	auth := "off"
	if cfg.APIKey != "" {
		auth = "on (" + apiKeyEnv + ")"
	}
	cfg.Log.Info("sample departments listening", "url", "http://"+ln.Addr().String(), "today", srv.today.Format(time.DateOnly),
		"api_key", auth, "faults", len(faults))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("departments: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("departments: %w", err)
	}
	return nil
}

// checkLoopback refuses any address that is not on the loopback interface:
// the sample data must never be reachable from another machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("departments: --listen %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("departments: --listen %q: only a loopback address (127.0.0.1, [::1], localhost) is allowed", addr)
	}
	return nil
}
