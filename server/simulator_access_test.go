package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samvad/samvad/internal/testdb"
)

// The simulator's admin key and login are kept across restarts while they
// work, and replaced when the key is revoked or the password file edited.
func TestSimulatorAccessIsKeptAndRenewed(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := testdb.URL(t, dialect)
			media := filepath.Join(t.TempDir(), "data", "media")
			open := func() *Server {
				srv := newTestServer(t, func(c *Config) { c.DatabaseURL, c.MediaDir = url, media })
				t.Cleanup(func() { _ = srv.Shutdown(ctx) })
				return srv
			}
			srv := open()
			first, ok, err := srv.SimulatorAccess(ctx)
			if err != nil || !ok || !strings.HasPrefix(first.Key, "sk_") || len(first.Password) < 12 {
				t.Fatalf("first: %+v, %v, %v", first, ok, err)
			}
			if k, err := srv.store.AuthenticateKey(ctx, first.Key); err != nil || k.Role != "admin" || k.Department != "simulator" {
				t.Fatalf("the key: %+v, %v", k, err)
			}
			if _, err := srv.store.VerifyPassword(ctx, "admin", first.Password); err != nil {
				t.Fatalf("the login: %v", err)
			}
			again, _, err := open().SimulatorAccess(ctx)
			if err != nil || again.Key != first.Key || again.Password != first.Password {
				t.Fatalf("after a restart: %+v, %v; want the same key and password", again, err)
			}

			k, _ := srv.store.AuthenticateKey(ctx, first.Key)
			if _, err := srv.store.RevokeAPIKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(first.PasswordFile, []byte("not the password\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			renewed, _, err := open().SimulatorAccess(ctx)
			if err != nil || renewed.Key == first.Key || renewed.Password == first.Password {
				t.Fatalf("after revoking: %+v, %v; want a new key and password", renewed, err)
			}
			if b, _ := os.ReadFile(renewed.KeyFile); strings.TrimSpace(string(b)) != renewed.Key {
				t.Errorf("the key file holds %q", b)
			}
			if _, err := srv.store.VerifyPassword(ctx, "admin", renewed.Password); err != nil {
				t.Errorf("the new password: %v", err)
			}
			if b, n, err := srv.store.VerifyAudit(ctx); b != nil || n != 4 || err != nil {
				t.Errorf("audit: %v %d %v (want key, user, key, password)", b, n, err)
			}
		})
	}
}

func TestSimulatorAccessOffWithoutTheSimulator(t *testing.T) {
	t.Parallel()
	off := false
	srv := newTestServer(t, func(c *Config) {
		c.Simulator = &off
		c.Integrations = []Integration{{ID: "city", PhoneNumberID: "1", AppSecret: "s", AccessToken: "t", VerifyToken: "v"}}
	})
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	if _, ok, err := srv.SimulatorAccess(context.Background()); ok || err != nil {
		t.Errorf("without the simulator: %v, %v", ok, err)
	}
}
