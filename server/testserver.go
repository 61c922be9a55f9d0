package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// StartTestServer runs a complete server for tests in other packages: the
// embedded SQLite store in a temporary directory, the shipped flows and
// locale files, the simulator, on a free 127.0.0.1 port. It returns the base
// URL and a function that shuts the server down.
func StartTestServer(t testing.TB) (baseURL string, stop func()) {
	t.Helper()
	srv := NewTestServer(t, nil)
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

// NewTestServer builds (but does not start) a server for tests. edit, when
// given, may change the configuration first (the database URL, integrations).
func NewTestServer(t testing.TB, edit func(*Config)) *Server {
	t.Helper()
	root := moduleRoot(t)
	dir := t.TempDir()
	on := true
	cfg := &Config{Listen: "127.0.0.1:0", DatabaseURL: "sqlite:" + filepath.Join(dir, "samvad.db"),
		Flows: filepath.Join(root, "flows"), Locales: filepath.Join(root, "locales"),
		MediaDir: filepath.Join(dir, "media"), Simulator: &on, LogLevel: "warn"}
	if edit != nil {
		edit(cfg)
	}
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := NewLogger(testWriter{t}, "text", cfg.LogLevel)
	srv, err := New(context.Background(), cfg, log)
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
