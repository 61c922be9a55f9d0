package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const card = "/api/pds/v1/ration-cards/MH-12-3344-556"

func TestFaultModesByHeader(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	r := s.get(t, card, "X-Sample-Fault: error")
	wantError(t, r, http.StatusInternalServerError, "INTERNAL_ERROR", "")
	wantError(t, s.get(t, card, "X-Sample-Fault: mode=error,status=503"), http.StatusServiceUnavailable, "INTERNAL_ERROR", "")

	html := s.get(t, card, "X-Sample-Fault: html")
	if html.status != http.StatusOK || !strings.HasPrefix(html.header.Get("Content-Type"), "text/html") || !strings.Contains(string(html.body), "<h1>") {
		t.Errorf("html: %d %s %.60s", html.status, html.header.Get("Content-Type"), html.body)
	}
	if r := s.get(t, card, "X-Sample-Fault: mode=html,status=502"); r.status != http.StatusBadGateway {
		t.Errorf("html with a status: %d", r.status)
	}

	shape := s.get(t, card, "X-Sample-Fault: shape")
	var anything any
	if shape.status != http.StatusOK || json.Unmarshal(shape.body, &anything) != nil {
		t.Fatalf("shape: %d %s", shape.status, shape.body)
	}
	if _, isObject := anything.(map[string]any); isObject {
		t.Errorf("shape answered an object, the shape asked for: %s", shape.body)
	}

	for _, size := range []int{1, 13, 1000, 5000, 100_003} {
		huge := s.get(t, card, "X-Sample-Fault: mode=huge,size="+itoa(size))
		if len(huge.body) != max(size, 13) || huge.header.Get("Content-Length") != itoa(len(huge.body)) || !json.Valid(huge.body) {
			t.Errorf("huge of %d: %d bytes, Content-Length %s, valid JSON %v", size, len(huge.body), huge.header.Get("Content-Length"), json.Valid(huge.body))
		}
	}
	if huge := s.get(t, card, "X-Sample-Fault: huge"); len(huge.body) != defaultSize {
		t.Errorf("huge by default: %d bytes", len(huge.body))
	}

	wantError(t, s.get(t, card, "X-Sample-Fault: mode=melt"), http.StatusBadRequest, "BAD_INPUT", "X-Sample-Fault")
	if !strings.Contains(s.log.String(), "fault=shape") {
		t.Errorf("the log does not say which fault was injected:\n%s", s.log)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestFaultByQueryParameter(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	wantError(t, s.get(t, card+"?_fault=error"), http.StatusInternalServerError, "INTERNAL_ERROR", "")
	if r := s.get(t, card+"?_fault=mode%3Dhtml%2Cstatus%3D503"); r.status != http.StatusServiceUnavailable {
		t.Errorf("html by query with a status: %d", r.status)
	}
}

func TestFaultRulesMatchByPathAndCountDown(t *testing.T) {
	t.Parallel()
	rule, err := parseFault("path=/api/pds/,mode=error,times=2")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, func(c *Config) { c.Faults = []*fault{rule} })
	if r := s.get(t, "/api/health/v1/beds?district_id=446"); r.status != http.StatusOK {
		t.Errorf("another path is faulted: %d", r.status)
	}
	for range 2 {
		wantError(t, s.get(t, card), http.StatusInternalServerError, "INTERNAL_ERROR", "")
	}
	if r := s.get(t, card); r.status != http.StatusOK {
		t.Errorf("after its 2 times the rule still fails: %d", r.status)
	}
}

func TestFaultRulesCanBeSetWhileRunning(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	added := s.do(t, "POST", "/_sample/faults", "path=/api/health/,mode=html")
	if added.status != http.StatusCreated || added.json(t)["mode"] != "html" {
		t.Fatalf("adding a rule: %d %s", added.status, added.body)
	}
	if r := s.get(t, "/api/health/v1/beds?district_id=446"); !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("the rule is not applied: %s", r.body)
	}
	rules := list(t, s.get(t, "/_sample/faults").json(t), "faults")
	if len(rules) != 1 || rules[0]["used"] != 1.0 || rules[0]["spec"] != "path=/api/health/,mode=html" {
		t.Errorf("rules %v", rules)
	}
	// A rule on every path still leaves the rules themselves reachable.
	s.do(t, "POST", "/_sample/faults", "path=/,mode=error")
	if r := s.do(t, "DELETE", "/_sample/faults", ""); r.status != http.StatusNoContent {
		t.Fatalf("clearing: %d", r.status)
	}
	if r := s.get(t, "/api/health/v1/beds?district_id=446"); r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("after clearing: %d %s", r.status, r.header.Get("Content-Type"))
	}
	wantError(t, s.do(t, "POST", "/_sample/faults", "path=api,mode=slow"), http.StatusBadRequest, "BAD_INPUT", "body")
}

func TestParseFaultSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	f, err := parseFault("slow")
	if err != nil || f.Mode != "slow" || f.Delay != defaultDelay || f.Path != "" {
		t.Errorf("slow: %+v %v", f, err)
	}
	f, err = parseFault(" path=/api/v2/ , mode=slow , delay=250ms ")
	if err != nil || f.Delay != 250*time.Millisecond || f.Path != "/api/v2/" {
		t.Errorf("with spaces: %+v %v", f, err)
	}
	for spec, says := range map[string]string{
		"":                     "mode must be",
		"mode=boom":            "mode must be",
		"mode=slow,delay=soon": "delay=soon",
		"mode=slow,delay=1h":   "delay=1h",
		"mode=error,status=99": "status=99",
		"mode=huge,size=0":     "size=0",
		"mode=error,times=0":   "times=0",
		"mode=error,colour=re": "unknown key",
		"path=x,mode=error":    "path must start with /",
	} {
		if _, err := parseFault(spec); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: %v, want it to say %q", spec, err, says)
		}
	}
}

// The slow and drop modes need a real connection.
func TestSlowAndDroppedAnswersOverTheNetwork(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	ts := httptest.NewServer(s)
	defer ts.Close()

	get := func(ctx context.Context, fault string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+card, nil)
		req.Header.Set("X-Sample-Fault", fault)
		return ts.Client().Do(req)
	}
	// A caller that gives up gets no answer; the server stops waiting too.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if resp, err := get(ctx, "mode=slow,delay=1m"); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		if resp != nil {
			resp.Body.Close()
		}
		t.Errorf("a one-minute delay answered within 50 ms: %v", err)
	}
	// A short delay, then the normal answer.
	resp, err := get(context.Background(), "mode=slow,delay=10ms")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Ramesh Dattatray Kale") {
		t.Errorf("slow then normal: %d %s", resp.StatusCode, body)
	}
	// Dropped: the connection closes without a status line.
	if resp, err := get(context.Background(), "drop"); err == nil {
		resp.Body.Close()
		t.Errorf("a dropped request answered %d", resp.StatusCode)
	}
	// The server is still there.
	if resp, err := get(context.Background(), ""); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("after the faults: %v", err)
	} else {
		resp.Body.Close()
	}
}
