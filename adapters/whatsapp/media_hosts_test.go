package whatsapp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestMediaHostAllowed(t *testing.T) {
	t.Parallel()
	meta := &Client{}
	for host, want := range map[string]bool{
		"lookaside.fbsbx.com":          true,
		"LOOKASIDE.fbsbx.com.":         true,
		"graph.facebook.com":           true, // the Graph API's own host
		"scontent.xx.fbcdn.net":        true,
		"mmg.whatsapp.net":             true,
		"fbcdn.net":                    false, // "*." means a host under it
		"evil-fbcdn.net":               false,
		"lookaside.fbsbx.com.evil.org": false,
		"169.254.169.254":              false,
		"":                             false,
	} {
		if got := meta.MediaHostAllowed(host); got != want {
			t.Errorf("default list, %q: %v, want %v", host, got, want)
		}
	}
	own := &Client{BaseURL: "http://127.0.0.1:8090", MediaHosts: []string{"files.example.gov.in"}}
	for host, want := range map[string]bool{"127.0.0.1": true, "files.example.gov.in": true, "lookaside.fbsbx.com": false} {
		if got := own.MediaHostAllowed(host); got != want {
			t.Errorf("own list, %q: %v, want %v", host, got, want)
		}
	}
}

// A lookup that names a media URL on another host: the download is
// refused, and that host never sees the token.
func TestDownloadRefusesAnotherHost(t *testing.T) {
	t.Parallel()
	var tokenSeen atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			tokenSeen.Store(true)
		}
		_, _ = w.Write([]byte("jpeg"))
	}))
	defer elsewhere.Close()
	other := strings.Replace(elsewhere.URL, "127.0.0.1", "localhost", 1)
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"m","url":"` + other + `/file","mime_type":"image/jpeg","file_size":4}`))
	}))
	defer graph.Close()
	c := &Client{BaseURL: graph.URL, AccessToken: testToken}
	_, _, err := c.Download(context.Background(), "m", 100)
	if !errors.Is(err, ErrMediaHost) || Classify(err) != Permanent || !strings.Contains(err.Error(), `"localhost"`) {
		t.Fatalf("download from another host: %v", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Error("the error shows the token")
	}
	if tokenSeen.Load() {
		t.Error("the other host was sent the token")
	}
	// Allowed by the list, the same file downloads.
	c.MediaHosts = []string{"localhost"}
	if data, _, err := c.Download(context.Background(), "m", 100); err != nil || string(data) != "jpeg" {
		t.Errorf("an allowed host: %q, %v", data, err)
	}
}
