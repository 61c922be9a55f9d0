package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

func TestHealthzAndMetricsSayTheBuild(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	t.Cleanup(func() { srv.store.Close() })
	b := ReadBuild()
	get := func(path string) string {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, body)
		}
		return string(body)
	}
	if got, want := get("/healthz"), "ok "+b.Version+" "+b.ShortCommit()+"\n"; got != want {
		t.Errorf("/healthz = %q, want %q", got, want)
	}
	want := `samvad_build_info{commit="` + b.ShortCommit() + `",goversion="` + runtime.Version() + `",version="` + b.Version + `"} 1`
	if m := readMetrics(t, srv); !strings.Contains(m, want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

func TestShortCommit(t *testing.T) {
	t.Parallel()
	for b, want := range map[Build]string{
		{}:                               "unknown",
		{Commit: "0123456789abcdef0123"}: "0123456789ab",
		{Commit: "0123456789abcdef0123", Modified: true}: "0123456789ab+dirty",
		{Commit: "abc"}: "abc",
	} {
		if got := b.ShortCommit(); got != want {
			t.Errorf("%+v: %q, want %q", b, got, want)
		}
	}
}
