// Package servertest runs a complete Samvad server for tests: the embedded
// SQLite store in the test's temporary directory, the shipped flows and
// locales, the simulator, on a free 127.0.0.1 port. It is for tests only
// and imports package testing; nothing in the samvad binary imports it.
package servertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samvad/samvad/server"
)

// Start runs a complete server on a free 127.0.0.1 port and returns its
// base URL and a function that shuts it down.
func Start(t testing.TB) (baseURL string, stop func()) {
	t.Helper()
	srv := New(t, nil)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return srv.URL(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}
}

// New builds (but does not start) a server. edit, when given, may change the
// configuration first (the database URL, integrations).
func New(t testing.TB, edit func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.SandboxConfig(moduleRoot(t), t.TempDir())
	cfg.AllowUnconnected = true // a test that calls a department system connects it in edit
	if edit != nil {
		edit(cfg)
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := server.NewLogger(testWriter{t}, "text", cfg.LogLevel)
	srv, err := server.New(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// testWriter sends log lines to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// moduleRoot finds the directory holding go.mod, from the test's directory up.
func moduleRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
