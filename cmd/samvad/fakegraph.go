package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/samvad/samvad/adapters/whatsapp/fakegraph"
)

// runFakegraph serves a fake WhatsApp Graph API on 127.0.0.1, for trying a
// real `samvad serve` configuration (or a load run) without Meta: point
// graph.base_url at it, and give it the integration's callback URL and app
// secret so that it posts signed status webhooks back.
func runFakegraph(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fakegraph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8090", "address to listen on (loopback only)")
	token := fs.String("token", "", "the access token requests must carry (default: any)")
	phoneID := fs.String("phone-number-id", "", "the only phone number id sends may use (default: any)")
	callback := fs.String("callback", "", "webhook callback URL for status webhooks (default: none)")
	secret := fs.String("app-secret", "", "app secret that signs the status webhooks")
	delay := fs.Duration("status-delay", 100*time.Millisecond, "delay before each status webhook")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *callback != "" && *secret == "" {
		fmt.Fprintln(stderr, "samvad fakegraph: --callback needs --app-secret, to sign the webhooks")
		return 2
	}
	fake := fakegraph.New(fakegraph.Options{AccessToken: *token, PhoneNumberID: *phoneID, CallbackURL: *callback,
		AppSecret: *secret, StatusDelay: *delay})
	url, err := fake.Start(*listen)
	if err != nil {
		fmt.Fprintln(stderr, "samvad fakegraph:", err)
		return 1
	}
	fmt.Fprintf(stdout, "fake Graph API on %s (set graph.base_url to it); Ctrl-C stops\n", url)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Fprintf(stdout, "%d messages received\n", len(fake.Messages()))
	_ = fake.Close()
	return 0
}
