package api

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/whatsapp/templates"
)

// templatesAPI serves the shipped templates.
func templatesAPI(t *testing.T) http.Handler {
	t.Helper()
	paths, _ := filepath.Glob("../../flows/templates/*.yaml")
	var files []templates.File
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, templates.File{Path: p, Content: b})
	}
	reg, problems := templates.Load(files)
	if len(files) == 0 || problems.HasErrors() {
		t.Fatalf("templates: %d files, %v", len(files), problems.Err())
	}
	a := New(Options{
		Keys:        StaticKeys{"k-viewer": {KeyID: "2", Actor: "vik", Role: RoleViewer, Department: "health"}},
		Departments: map[string]Department{"health": {ID: "health", TimeZone: time.UTC}},
		CursorKey:   []byte("0123456789abcdef0123456789abcdef"),
		Templates:   func() *templates.Registry { return reg },
	})
	r := mux.NewRouter()
	a.Mount(r)
	return r
}

func TestListTemplates(t *testing.T) {
	t.Parallel()
	h := templatesAPI(t)
	rec := do(h, "GET", "/api/v1/templates", "k-viewer", "")
	var all struct{ Templates []templateView }
	if err := json.Unmarshal(rec.Body.Bytes(), &all); rec.Code != 200 || err != nil {
		t.Fatalf("%d %s %v", rec.Code, rec.Body, err)
	}
	if len(all.Templates) != 5 || all.Templates[0].Name != "application_ready" || len(all.Templates[0].Translations) != 6 {
		t.Fatalf("list: %+v", all.Templates)
	}
	rec = do(h, "GET", "/api/v1/templates?language=ta", "k-viewer", "")
	var ta struct{ Templates []templateView }
	if err := json.Unmarshal(rec.Body.Bytes(), &ta); err != nil || len(ta.Templates) != 5 {
		t.Fatalf("%s %v", rec.Body, err)
	}
	for _, v := range ta.Templates {
		if len(v.Translations) != 1 || v.Translations["ta"] == nil || v.Translations["ta"].Body == "" {
			t.Errorf("%s: translations %v", v.Name, v.Translations)
		}
	}
	rec = do(h, "GET", "/api/v1/templates?language=fr", "k-viewer", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `{"templates":[]}`) {
		t.Errorf("no template in fr: %d %s", rec.Code, rec.Body)
	}
	empty := New(Options{Keys: StaticKeys{"k": {Role: RoleViewer}}})
	r := mux.NewRouter()
	empty.Mount(r)
	if rec := do(r, "GET", "/api/v1/templates", "k", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `{"templates":[]}`) {
		t.Errorf("no registry: %d %s", rec.Code, rec.Body)
	}
}

func TestTemplateErrors(t *testing.T) {
	t.Parallel()
	h := templatesAPI(t)
	good := `"params":{"reference":"GRV-26-4821-7305-A","level":"the Collector","due":"2026-12-21"}`
	cases := []struct {
		name, method, path, key, body string
		status                        int
		want                          string
	}{
		{"no key", "GET", "/api/v1/templates", "", "", 401, "API key is required"},
		{"check no key", "POST", "/api/v1/templates/check", "", "{}", 401, "API key is required"},
		{"unknown query", "GET", "/api/v1/templates?lang=hi", "k-viewer", "", 400, `"field":"lang"`},
		{"bad language", "GET", "/api/v1/templates?language=Hindi", "k-viewer", "", 400, `"field":"language"`},
		{"no template", "POST", "/api/v1/templates/check", "k-viewer", `{"language":"hi"}`, 400, `"field":"template","reason":"required"`},
		{"no language", "POST", "/api/v1/templates/check", "k-viewer", `{"template":"x"}`, 400, `"field":"language","reason":"required"`},
		{"unknown field", "POST", "/api/v1/templates/check", "k-viewer", `{"template":"x","language":"hi","colour":1}`, 400, `"field":"colour"`},
		{"unknown template", "POST", "/api/v1/templates/check", "k-viewer", `{"template":"x","language":"hi"}`, 400, `"field":"template","reason":"no approved template \"x\""`},
		{"unknown language", "POST", "/api/v1/templates/check", "k-viewer", `{"template":"grievance_escalated","language":"fr",` + good + `}`, 400, `"field":"language"`},
		{"missing param", "POST", "/api/v1/templates/check", "k-viewer", `{"template":"grievance_escalated","language":"hi","params":{}}`, 400, `"field":"params.reference","reason":"required (a reference)"`},
		{"bad date", "POST", "/api/v1/templates/check", "k-viewer", `{"template":"grievance_escalated","language":"hi","params":{"reference":"GRV-26-4821-7305-A","level":"x","due":"tomorrow"}}`, 400, `"field":"params.due"`},
		{"ok", "POST", "/api/v1/templates/check", "k-viewer", `{"template":"grievance_escalated","language":"hi",` + good + `}`, 200, `इस पर 21 December 2026 तक`}, // without locale files, English months
	}
	for _, c := range cases {
		rec := do(h, c.method, c.path, c.key, c.body)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, rec.Code, rec.Body.String(), c.status, c.want)
		}
	}
}
