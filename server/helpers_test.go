package server

import (
	"context"
	"testing"
)

// newTestServer builds (but does not start) a self-contained server for the
// tests of this package; edit may change its configuration first. Tests in
// other packages use internal/servertest.
func newTestServer(t testing.TB, edit func(*Config)) *Server {
	t.Helper()
	cfg := SandboxConfig("..", t.TempDir())
	cfg.AllowUnconnected = true // the tests call no department system
	if edit != nil {
		edit(cfg)
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	srv, err := New(context.Background(), cfg, NewLogger(testLog{t}, "text", cfg.LogLevel))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// testLog sends log lines to the test log.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
