package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samvad/samvad/server/outhook"
)

const hookSecret = "a-signing-secret-for-tests"

// A handoff in the simulator, and the citizen's next message, reach the
// department's system as signed POSTs.
func TestHandoffsReachTheDepartmentsSystem(t *testing.T) {
	var (
		mu    sync.Mutex
		posts []map[string]any
		bad   int
		skew  atomic.Int64
	)
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := outhook.Verify([]byte(hookSecret), r.Header, body, now(), 5*time.Minute); err != nil {
			bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p map[string]any
		_ = json.Unmarshal(body, &p)
		posts = append(posts, p)
	}))
	defer receiver.Close()
	t.Setenv("SAMVAD_TEST_HOOK_SECRET", hookSecret)
	srv := newTestServer(t, func(c *Config) {
		c.Clock = now
		c.Departments = []Department{{ID: simulatorDepartment, Webhook: &DepartmentWebhook{URL: receiver.URL + "/samvad",
			SecretEnv: "SAMVAD_TEST_HOOK_SECRET", Events: []string{"handoff", "handoff_message"}}}}
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	c := &simChat{t: t, srv: srv, citizen: "919811111112"}
	expectReply(t, c.say("hi"), "Choose your language")
	c.send(map[string]any{"type": "list_reply", "id": "en", "title": "English"})
	c.say("talk to an officer")
	if rec := c.api(http.MethodPost, "/simulator/api/send", map[string]any{"citizen": c.citizen, "type": "text", "text": "my water has been off for 3 days"}); rec.Code != 200 {
		t.Fatalf("send: %d", rec.Code)
	}
	time.Sleep(300 * time.Millisecond) // the step commits
	skew.Store(int64(time.Minute))     // past the tail's settle time
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(posts)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 2 || bad != 0 {
		t.Fatalf("%d posts (%d badly signed): %v", len(posts), bad, posts)
	}
	events := map[string]map[string]any{}
	for _, p := range posts {
		events[p["event"].(string)] = p
		if p["department"] != simulatorDepartment {
			t.Errorf("department %v", p["department"])
		}
	}
	h, m := events["handoff"], events["handoff_message"]
	if h == nil || m == nil {
		t.Fatalf("posts: %v", posts)
	}
	data := h["data"].(map[string]any)
	if data["integration"] != simulatorID || data["flow"] != "officer" || data["queue"] == "" || !strings.HasSuffix(data["contact_id"].(string), c.citizen) {
		t.Errorf("handoff data: %v", data)
	}
}

func TestWebhookConfiguration(t *testing.T) {
	cases := []struct {
		hook DepartmentWebhook
		want string
	}{
		{DepartmentWebhook{SecretEnv: "X"}, "url is required"},
		{DepartmentWebhook{URL: "ftp://x.example", SecretEnv: "X"}, "absolute https://"},
		{DepartmentWebhook{URL: "/relative", SecretEnv: "X"}, "absolute https://"},
		{DepartmentWebhook{URL: "http://dept.example.gov.in/x", SecretEnv: "X"}, "plain http only to this machine"},
		{DepartmentWebhook{URL: "https://dept.example.gov.in/x", SecretEnv: "the secret"}, "secret_env must name"},
		{DepartmentWebhook{URL: "https://dept.example.gov.in/x", SecretEnv: "X", Events: []string{"grievance"}}, `event "grievance" is not one of handoff, handoff_message, case_changed`},
	}
	for _, c := range cases {
		cfg := Config{Departments: []Department{{ID: "health", TimeZone: "Asia/Kolkata", Webhook: &c.hook}}}
		got := strings.Join(cfg.departmentProblems(), "; ")
		if !strings.Contains(got, c.want) || !strings.Contains(got, "departments[0] (health).webhook") {
			t.Errorf("%+v: %q, want %q", c.hook, got, c.want)
		}
	}
	ok := Config{Departments: []Department{{ID: "health", TimeZone: "Asia/Kolkata", Webhook: &DepartmentWebhook{
		URL: "http://127.0.0.1:9/x", SecretEnv: "HEALTH_HOOK_SECRET"}}}}
	if p := ok.departmentProblems(); len(p) != 0 {
		t.Errorf("a loopback http hook: %v", p)
	}
	s := &Server{cfg: &ok}
	for _, env := range []map[string]string{{}, {"HEALTH_HOOK_SECRET": "short"}} {
		_, err := s.newDeliverer(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err == nil || !strings.Contains(err.Error(), "HEALTH_HOOK_SECRET must hold the signing secret, at least 16 characters") {
			t.Errorf("secret %v: %v", env, err)
		}
	}
	d, err := s.newDeliverer(func(string) (string, bool) { return "long-enough-secret-value", true })
	if err != nil || d == nil {
		t.Errorf("a good hook: %v, %v", d, err)
	}
	none := &Server{cfg: &Config{}}
	if d, err := none.newDeliverer(func(string) (string, bool) { return "", false }); d == nil || err != nil {
		t.Errorf("no hook: %v, %v (it runs, to clear what was queued for nobody)", d, err)
	}
}

// The templates are read at start and again on a reload; a broken one is
// refused with its position and the running ones stay.
func TestAReloadBringsNewTemplates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyDir(t, "../flows", filepath.Join(dir, "flows"))
	copyDir(t, "../locales", filepath.Join(dir, "locales"))
	srv := newTestServer(t, func(cfg *Config) {
		cfg.Flows, cfg.Locales = filepath.Join(dir, "flows"), filepath.Join(dir, "locales")
	})
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	if _, ok := srv.templates().Get("tax_due_reminder"); !ok || len(srv.templates().Names()) != 5 {
		t.Fatalf("templates at start: %v", srv.templates().Names())
	}
	m, err := srv.templates().Check("grievance_escalated", "mr", map[string]string{"reference": "GRV-26-4821-7305-A", "level": "x", "due": "2026-12-21"})
	if err != nil || !strings.Contains(m.Preview, "21 डिसेंबर 2026") {
		t.Fatalf("dates in the language's months: %v %v", m, err)
	}
	water := "templates:\n  water_back:\n    category: UTILITY\n    parameters: [{name: ward}]\n    en: {body: \"Water is back in ward {{1}} today.\"}\n"
	path := filepath.Join(dir, "flows", "templates", "water.yaml")
	if err := os.WriteFile(path, []byte(water), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.templates().Get("water_back"); !ok {
		t.Fatalf("after the reload: %v", srv.templates().Names())
	}
	if err := os.WriteFile(path, []byte(strings.Replace(water, "ward {{1}} today.", "ward {{1}}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "water.yaml:5:") {
		t.Fatalf("a broken template was loaded: %v", err)
	}
	if _, ok := srv.templates().Get("water_back"); !ok {
		t.Fatal("the running templates were dropped")
	}
}

// The simulator shows a template message as the citizen reads it.
func TestTheSimulatorShowsATemplatesText(t *testing.T) {
	c := startSim(t)
	m, err := c.srv.templates().Check("appointment_reminder", "hi", map[string]string{
		"service": "आधार अपडेट", "office": "वार्ड 12 नागरिक सेवा केंद्र", "date": "2026-12-21", "time": "10:30"})
	if err != nil {
		t.Fatal(err)
	}
	m.Outgoing.To = c.citizen
	if _, err := c.srv.integrations[simulatorID].run.Client.Send(context.Background(), &m.Outgoing); err != nil {
		t.Fatal(err)
	}
	rec := c.api(http.MethodGet, "/simulator/api/messages?citizen="+c.citizen, nil)
	var res struct {
		Messages []struct {
			Preview string `json:"preview"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || len(res.Messages) != 1 {
		t.Fatalf("%s %v", rec.Body, err)
	}
	if got := res.Messages[0].Preview; got != m.Preview || !strings.Contains(got, "21 दिसंबर 2026 को 10:30 बजे वार्ड 12") {
		t.Fatalf("preview %q, want %q", got, m.Preview)
	}
}
