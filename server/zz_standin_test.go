package server_test

// TEMPORARY stand-in for server.StartTestServer (not committed).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samvad/samvad/server"
)

func startSimulatorServer(t testing.TB) (string, func()) {
	dir := t.TempDir()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg, err := server.LoadConfig("", []string{
		"SAMVAD_LISTEN=127.0.0.1:0",
		"SAMVAD_DATABASE_URL=sqlite:" + filepath.Join(dir, "samvad.db"),
		"SAMVAD_SECRET_KEY=" + hex.EncodeToString(key),
		"SAMVAD_FLOWS=../flows", "SAMVAD_LOCALES=../locales",
		"SAMVAD_MEDIA_DIR=" + filepath.Join(dir, "media"),
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s.URL(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	}
}

func TestZZServe(t *testing.T) {
	if testing.Short() || !testing.Verbose() {
		t.Skip()
	}
	url, stop := startSimulatorServer(t)
	defer stop()
	t.Log("URL", url)
	_ = os.WriteFile("/tmp/standin/url", []byte(url), 0o644)
	time.Sleep(120 * time.Second)
}
