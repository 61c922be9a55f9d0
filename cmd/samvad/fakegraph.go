package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
)

// runFakegraph serves a fake WhatsApp Graph API on 127.0.0.1, for trying a
// real `samvad serve` configuration (or a load run) without Meta: point
// graph.base_url at it, and give it the integration's callback URL and app
// secret so that it posts signed status webhooks back. Faults can be
// injected into a share of the sends, to see how the service rides them
// out.
func runFakegraph(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("fakegraph")
	listen := fs.String("listen", "127.0.0.1:8090", "address to listen on (loopback only)")
	token := fs.String("token", "", "the access token requests must carry (default: any)")
	phoneID := fs.String("phone-number-id", "", "the only phone number id sends may use (default: any)")
	callback := fs.String("callback", "", "webhook callback URL for status webhooks (default: none)")
	secret := fs.String("app-secret", "", "app secret that signs the status webhooks")
	delay := fs.Duration("status-delay", 100*time.Millisecond, "delay before each status webhook")
	failRate := fs.Float64("fail-rate", 0, "share of sends (0 to 1) that meet the fault below")
	failCode := fs.Int("fail-code", 131000, "Graph error code of the fault (130429 throttled, 131047 outside the 24-hour window, 131000 server error, …)")
	failStatus := fs.Int("fail-http-status", 0, "HTTP status of the fault (default: the one Meta uses for the code)")
	hang := fs.Bool("hang", false, "the fault never answers, as a stuck upstream (the client times out)")
	latency := fs.Duration("latency", 0, "delay every answer to a send by this much")
	printEach := fs.Bool("print", false, "print each message received (recipient, type, text) as it comes")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if err := checkFakegraphFlags(*listen, *callback, *secret, *failRate); err != nil {
		fmt.Fprintln(stderr, "samvad fakegraph:", err)
		return 2
	}
	fake := graphsim.New(graphsim.Options{AccessToken: *token, PhoneNumberID: *phoneID, CallbackURL: *callback,
		AppSecret: *secret, StatusDelay: *delay})
	if *failRate > 0 {
		fake.FailFraction(*failRate, graphsim.Fault{Code: *failCode, HTTPStatus: *failStatus, Hang: *hang})
	}
	fake.SetLatency(*latency)
	url, err := fake.Start(*listen)
	if err != nil {
		fmt.Fprintln(stderr, "samvad fakegraph:", err)
		return 1
	}
	fmt.Fprintf(stdout, "fake Graph API on %s (set graph.base_url to it); Ctrl-C stops\n", url)
	if *failRate > 0 {
		what := fmt.Sprintf("error %d", *failCode)
		if *hang {
			what = "no answer"
		}
		fmt.Fprintf(stdout, "%.0f%% of sends get %s\n", 100**failRate, what)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *printEach {
		printMessages(ctx, fake, stdout)
	}
	<-ctx.Done()
	fmt.Fprintf(stdout, "%d messages received, %d sends refused as malformed\n", len(fake.Messages()), len(fake.RejectedSends()))
	_ = fake.Close()
	return 0
}

// checkFakegraphFlags refuses what the fake must not do: listen beyond this
// machine (it accepts any token) or post unsigned webhooks.
func checkFakegraphFlags(listen, callback, secret string, failRate float64) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %v", listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--listen %q: the fake listens on loopback only (127.0.0.1, ::1 or localhost)", listen)
	}
	if callback != "" && secret == "" {
		return fmt.Errorf("--callback needs --app-secret, to sign the webhooks")
	}
	if failRate < 0 || failRate > 1 {
		return fmt.Errorf("--fail-rate %v is not between 0 and 1", failRate)
	}
	return nil
}

// printMessages prints each message the fake accepts, until ctx ends.
func printMessages(ctx context.Context, fake *graphsim.Server, w io.Writer) {
	go func() {
		seen := 0
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			ms := fake.Messages()
			for _, m := range ms[seen:] {
				fmt.Fprintf(w, "→ %s %s: %q\n", m.To, m.Type, m.Text)
			}
			seen = len(ms)
		}
	}()
}
