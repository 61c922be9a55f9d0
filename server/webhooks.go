package server

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server/outhook"
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// minWebhookSecret is the shortest signing secret accepted.
const minWebhookSecret = 16

// problems says what is wrong with a department's webhook settings.
func (w *DepartmentWebhook) problems(where string) []string {
	var out []string
	u, err := url.Parse(w.URL)
	switch {
	case w.URL == "":
		out = append(out, where+": url is required")
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		out = append(out, where+": url must be an absolute https:// address")
	case u.Scheme == "http" && !loopback(u.Hostname()):
		out = append(out, where+": url must be https:// (plain http only to this machine)")
	}
	if !envNameRE.MatchString(w.SecretEnv) {
		out = append(out, where+": secret_env must name the environment variable that holds the signing secret")
	}
	for _, e := range w.Events {
		if !contains(store.WebhookEvents, e) {
			out = append(out, fmt.Sprintf("%s: event %q is not one of %s", where, e, strings.Join(store.WebhookEvents, ", ")))
		}
	}
	return out
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// newDeliverer builds the outgoing webhook from the departments that have
// one, reading each signing secret from its environment variable. It runs
// even when none has one, slowly, to clear away the case changes queued
// for nobody.
func (s *Server) newDeliverer(getenv func(string) (string, bool)) (*outhook.Deliverer, error) {
	hooks := map[string]outhook.Hook{}
	for _, d := range s.cfg.Departments {
		w := d.Webhook
		if w == nil {
			continue
		}
		if p := w.problems("departments (" + d.ID + ").webhook"); len(p) > 0 {
			return nil, fmt.Errorf("config: %s", strings.Join(p, "; "))
		}
		secret, _ := getenv(w.SecretEnv)
		if len(strings.TrimSpace(secret)) < minWebhookSecret {
			return nil, fmt.Errorf("config: departments (%s).webhook: the environment variable %s must hold the signing secret, at least %d characters",
				d.ID, w.SecretEnv, minWebhookSecret)
		}
		hooks[d.ID] = outhook.Hook{URL: w.URL, Secret: []byte(strings.TrimSpace(secret)), Events: w.Events}
	}
	depts := map[string]string{}
	for id, in := range s.integrations {
		depts[id] = in.cfg.Department
	}
	opts := outhook.Options{Store: s.store, Hooks: hooks, Departments: depts, Clock: s.now, Log: s.log}
	if len(hooks) == 0 {
		opts.Interval = 30 * time.Second
	}
	return outhook.New(opts), nil
}

// startWebhooks runs the outgoing webhook until the server stops.
func (s *Server) startWebhooks() {
	ctx, cancel := context.WithCancel(context.Background())
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.outhook.Run(ctx) }()
	go func() { defer s.wg.Done(); <-s.stop; cancel() }()
}
