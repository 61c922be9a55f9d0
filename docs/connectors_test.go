package docs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/server"
)

// The chapter "Connecting a department system" of flows.md, run as a
// department would: its declaration loads, its configuration binds to a
// fake of the API on 127.0.0.1, `samvad call` prints what the chapter
// shows, lint checks the flow against the declaration, and the flow
// answers a citizen from the live (fake) API, or says the system is down.
func TestConnectingADepartmentSystem(t *testing.T) {
	ex := examples(t, "flows.md")
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer pension-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/pensions/MH-2019-0417":
			fmt.Fprint(w, `{"holder":{"name":"Kamala Devi"},"status":"active","monthly_amount":3000}`)
		case "/api/v1/pensions/DOWN":
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"no such pension"}`)
		}
	}))
	defer api.Close()

	// 1 and 2: the declaration and the deployment.
	reg, problems := services.Load([]services.File{{Path: "flows/services/pensions.yaml", Content: []byte(ex["flows/services/pensions.yaml"])}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	cfgPath := filepath.Join(t.TempDir(), "samvad.yaml")
	if err := os.WriteFile(cfgPath, []byte(ex["samvad.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := server.LoadConfigFor(cfgPath, nil, server.ForStore)
	if err != nil {
		t.Fatal(err)
	}
	conn := cfg.Connectors["pensions"]
	if conn.BaseURL != "https://pensions.example.gov.in/api" || conn.Auth.Env != "PENSIONS_TOKEN" {
		t.Fatalf("the chapter's configuration reads as %+v", conn)
	}
	conn.BaseURL = api.URL + "/api"
	getenv := func(k string) (string, bool) { return "pension-token", k == "PENSIONS_TOKEN" }
	if err := reg.Bind(services.Deployment{Connections: map[string]services.Connection{"pensions": conn}, Getenv: getenv}); err != nil {
		t.Fatal(err)
	}

	// 3: samvad call prints the mapped result as the chapter shows it.
	call := regexp.MustCompile("(?s)<!-- example: call -->\n```\n\\$ samvad call pension.status ppo=(\\S+)\n(.*?)```").
		FindStringSubmatch(readDoc(t, "flows.md"))
	if call == nil {
		t.Fatal("flows.md has no samvad call example")
	}
	res, err := reg.Call(context.Background(), "pension.status", map[string]any{"ppo": call[1]})
	if err != nil {
		t.Fatal(err)
	}
	printed, _ := json.MarshalIndent(res, "", "  ")
	if got, want := string(printed)+"\n", call[2]; got != want {
		t.Fatalf("samvad call prints\n%s\nthe chapter shows\n%s", got, want)
	}

	// 4: the flow loads against the declaration; a misread field does not.
	load := func(flow string) (*engine.Library, string) {
		src, l := engine.ReadSources("../locales/en.yaml", "../flows/main.yaml", "../flows/language.yaml")
		for i, f := range src.Locales {
			src.Locales[i].Content = append(append([]byte{}, f.Content...), "\n"+ex["locales/en.yaml"]...)
		}
		src.Flows = append(src.Flows, engine.File{Path: "flows/pension.yaml", Content: []byte(flow)})
		lib, more := engine.LoadSources(src, engine.LoadOptions{Operations: reg.Operations(), Languages: []string{"en"}})
		l = append(l, more...)
		if l.HasErrors() {
			return nil, l.Err().Error()
		}
		return lib, ""
	}
	lib, problem := load(ex["flows/pension.yaml"])
	if lib == nil {
		t.Fatal(problem)
	}
	if _, problem := load(strings.Replace(ex["flows/pension.yaml"], "vars.found.amount", "vars.found.amout", 1)); !strings.Contains(problem, "amout") {
		t.Fatalf("a field the operation does not return: %q", problem)
	}

	// A citizen, against the fake API.
	eng, err := engine.New(lib, engine.Config{Services: reg, DefaultLanguage: "en", Clock: &engine.FixedClock{T: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	for ppo, want := range map[string]string{
		"MH-2019-0417": "Kamala Devi: your pension of ₹3,000 a month is being paid.",
		"MH-0000-0000": "I could not find that PPO number.",
		"DOWN":         "The pension department's system is not answering right now",
	} {
		sess := &engine.Session{Lang: "en"}
		contact := &engine.Contact{ID: "919800000001", Language: "en"}
		var r engine.Result
		var said []string
		for _, text := range []string{"pension", ppo} {
			if err := eng.Step(context.Background(), sess, contact, engine.Input{Kind: engine.InputText, Text: text}, &r); err != nil {
				t.Fatal(err)
			}
			for _, o := range r.Outputs {
				said = append(said, o.Text)
			}
		}
		if !strings.Contains(strings.Join(said, "\n"), want) {
			t.Errorf("PPO %s: the citizen was told %q, want %q", ppo, said, want)
		}
	}
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
