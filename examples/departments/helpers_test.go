package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests run on Thursday 14 May 2026, at 10:30 in the morning in India:
// the first half-year of 2026-27 is due since 30 April.
var (
	testToday = time.Date(2026, time.May, 14, 0, 0, 0, 0, ist)
	testNow   = time.Date(2026, time.May, 14, 10, 30, 0, 0, ist)
)

// clock is a settable time for the server under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// testServer is a server on the test day, with its log in a buffer.
type testServer struct {
	*server
	clock *clock
	log   *syncBuffer
}

func newTestServer(t *testing.T, edit ...func(*Config)) *testServer {
	t.Helper()
	c := &clock{t: testNow}
	buf := &syncBuffer{}
	cfg := Config{Today: testToday, Now: c.Now, Log: slog.New(slog.NewTextHandler(buf, nil))}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{server: s, clock: c, log: buf}
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("the answer is not a JSON object (%v): %.300s", err, r.body)
	}
	return m
}

// do sends a request to the server in process. Headers come as "Name: value".
func (s *testServer) do(t *testing.T, method, target, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.Host = "127.0.0.1:8090"
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (s *testServer) get(t *testing.T, target string, headers ...string) response {
	t.Helper()
	return s.do(t, http.MethodGet, target, "", headers...)
}

// wantError checks an error answer: its status, code and the field named.
func wantError(t *testing.T, r response, status int, code, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	m := r.json(t)
	if m["errorCode"] != code || (field != "" && m["field"] != field) || m["error"] == "" {
		t.Fatalf("error %v, want errorCode %s and field %q", m, code, field)
	}
}

// list reads an array of objects from a decoded answer.
func list(t *testing.T, m map[string]any, key string) []map[string]any {
	t.Helper()
	raw, ok := m[key].([]any)
	if !ok {
		t.Fatalf("%q is not a list in %v", key, m)
	}
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i] = x.(map[string]any)
	}
	return out
}

// syncBuffer is a log buffer that handlers may write from any goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
