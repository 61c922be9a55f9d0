package docs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp/templates"
	"github.com/samvad/samvad/engine/locale"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server"
	"github.com/samvad/samvad/server/api"
	"github.com/samvad/samvad/server/outhook"
)

// section returns the text of a "## " section of a document.
func section(t *testing.T, doc, title string) string {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("%s has no section %q", doc, title)
	}
	if end := strings.Index(rest, "\n## "); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

var (
	shBlockRE = regexp.MustCompile("(?s)```sh\n(.*?)```")
	curlArgRE = regexp.MustCompile(`-H "([^"]*)"|-H '([^']*)'|-d '([^']*)'|'(http[^']*)'|(http://\S+)`)
)

// curlRequests reads the curl commands of a section's sh blocks.
func curlRequests(t *testing.T, text string) []*http.Request {
	t.Helper()
	var out []*http.Request
	for _, block := range shBlockRE.FindAllStringSubmatch(text, -1) {
		joined := strings.ReplaceAll(block[1], "\\\n", " ")
		for _, line := range strings.Split(joined, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "curl ") {
				continue
			}
			var headers []string
			var body, url string
			for _, m := range curlArgRE.FindAllStringSubmatch(line, -1) {
				switch {
				case m[1] != "" || m[2] != "":
					headers = append(headers, m[1]+m[2])
				case m[3] != "":
					body = m[3]
				default:
					url = m[4] + m[5]
				}
			}
			method := http.MethodGet
			if body != "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, url, strings.NewReader(body))
			for _, h := range headers {
				k, v, _ := strings.Cut(h, ": ")
				req.Header.Set(k, strings.ReplaceAll(v, "$SAMVAD_KEY", "doc-key"))
			}
			out = append(out, req)
		}
	}
	return out
}

// The Templates section's example file loads, and its curl commands
// answer as it says, with the shipped templates.
func TestTemplatesDocExamples(t *testing.T) {
	ex := examples(t, "api.md")
	reg, problems := templates.Load([]templates.File{{Path: "water.yaml", Content: []byte(ex["flows/templates/water.yaml"])}})
	if len(problems) > 0 {
		t.Fatalf("the example template: %v", problems.Err())
	}
	if m, err := reg.Check("water_supply_restored", "hi", map[string]string{"ward": "12", "since": "2026-12-07"}); err != nil ||
		!strings.Contains(m.Preview, "वार्ड 12 में") {
		t.Fatalf("the example template filled: %+v, %v", m, err)
	}

	paths, _ := filepath.Glob("../flows/templates/*.yaml")
	var files []templates.File
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		files = append(files, templates.File{Path: p, Content: b})
	}
	shipped, problems := templates.Load(files)
	cat, more := locale.LoadDir("../locales")
	if problems = append(problems, more...); problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	shipped.WithLocales(cat)
	for _, name := range []string{"grievance_status_update", "grievance_escalated", "appointment_reminder", "tax_due_reminder", "application_ready"} {
		if _, ok := shipped.Get(name); !ok {
			t.Errorf("api.md names %s, which is not shipped", name)
		}
	}
	a := api.New(api.Options{Keys: api.StaticKeys{"doc-key": {Actor: "doc", Role: api.RoleViewer, Department: "health"}},
		Templates: func() *templates.Registry { return shipped }})
	r := mux.NewRouter()
	a.Mount(r)
	reqs := curlRequests(t, section(t, "api.md", "Templates"))
	if len(reqs) != 2 {
		t.Fatalf("%d curl commands in Templates, want 2", len(reqs))
	}
	wants := []string{`"translations":{"hi":`, `"preview":"*कर देय है*`}
	for i, req := range reqs {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), wants[i]) {
			t.Errorf("%s %s: %d %s", req.Method, req.URL, rec.Code, rec.Body)
		}
	}
}

// The Outgoing webhook section's configuration loads, and its worked
// signature is the one Samvad sends and accepts.
func TestOutgoingWebhookDocExamples(t *testing.T) {
	text := section(t, "api.md", "Outgoing webhook")
	yamlBlock := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(text)
	path := filepath.Join(t.TempDir(), "samvad.yaml")
	if yamlBlock == nil || os.WriteFile(path, []byte(yamlBlock[1]), 0o600) != nil {
		t.Fatal("no configuration example")
	}
	cfg, err := server.LoadConfigFor(path, nil, server.ForStore)
	if err != nil {
		t.Fatalf("the configuration example: %v", err)
	}
	if w := cfg.Departments[0].Webhook; w == nil || w.SecretEnv != "HEALTH_WEBHOOK_SECRET" || len(w.Events) != 3 {
		t.Fatalf("webhook read as %+v", w)
	}
	body := regexp.MustCompile("(?s)```json\n(.*?)\n```").FindStringSubmatch(text)
	sig := regexp.MustCompile(`sha256=[0-9a-f]{64}`).FindString(text)
	if body == nil || sig == "" || !json.Valid([]byte(body[1])) {
		t.Fatal("no example body or signature")
	}
	const secret, ts = "change-me-to-a-long-random-secret", "1796635800"
	if !strings.Contains(text, secret) || !strings.Contains(text, ts) {
		t.Fatal("the worked example's secret or timestamp moved")
	}
	if got := outhook.Sign([]byte(secret), ts, []byte(body[1])); got != sig {
		t.Errorf("the documented signature is %s; Samvad signs %s", sig, got)
	}

	st, err := store.Open(context.Background(), testdb.URL(t, "sqlite"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.QueueWebhook(context.Background(), store.Delivery{Department: "health", Event: "handoff", Payload: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Options{Store: st, Keys: api.StaticKeys{"doc-key": {Actor: "doc", Role: api.RoleSupervisor, Department: "health"}},
		CursorKey: []byte("0123456789abcdef0123456789abcdef")})
	r := mux.NewRouter()
	a.Mount(r)
	reqs := curlRequests(t, text)
	if len(reqs) != 1 {
		t.Fatalf("%d curl commands in Outgoing webhook, want 1", len(reqs))
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, reqs[0])
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"items":[]`) {
		t.Errorf("%s: %d %s", reqs[0].URL, rec.Code, rec.Body)
	}
}
