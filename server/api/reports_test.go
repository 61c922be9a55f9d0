package api

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/internal/testdb"
)

// reportsNow is the test's clock: 3 June 2026, 10:00 in India.
var reportsNow = time.Date(2026, 6, 3, 4, 30, 0, 0, time.UTC)

// reportsAPI serves the reports over a store holding, on 2 June 2026 in
// India, two citizens of integration "a" (department health) who each ran
// flow "ration" once (one completed), one citizen of "z" (department
// police), and a grievance in Mumbai.
func reportsAPI(t *testing.T, dialect string) http.Handler {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, testdb.URL(t, dialect), store.Options{Clock: func() time.Time { return reportsNow },
		SecretKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	day := time.Date(2026, 6, 2, 6, 0, 0, 0, time.UTC)
	var msgs []store.Inbound
	for i, c := range []struct{ in, key string }{{"a", "1"}, {"a", "2"}, {"z", "3"}} {
		msgs = append(msgs, store.Inbound{Integration: c.in, Wamid: "w" + c.key, ContactKey: c.key, WaID: c.key, Type: "text",
			Timestamp: day.Add(time.Duration(i) * time.Minute), Summary: "hi", Input: []byte("hi")})
	}
	if _, err := s.Ingest(ctx, store.Batch{Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	handler := func(ctx context.Context, w *store.Work) (*store.Outcome, error) {
		evs := []engine.Event{{Kind: engine.EventFlowStarted, Flow: "ration", At: day}, {Kind: engine.EventNodeEntered, Flow: "ration", Node: "ask", At: day}}
		if w.Contact.Key == "1" {
			evs = append(evs, engine.Event{Kind: engine.EventFlowCompleted, Flow: "ration", At: day})
		}
		return &store.Outcome{Session: []byte("s"), Events: evs, Outbox: []store.OutboundMessage{{Type: "text", Summary: "=hello", Payload: []byte("p")}}}, nil
	}
	for {
		ok, err := s.ProcessNext(ctx, handler)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	if _, err := s.CreateGrievance(ctx, store.Grievance{Integration: "a", Category: "water", PinCode: "400001", Due: reportsNow.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	a := New(Options{Store: s, Clock: func() time.Time { return reportsNow },
		Keys: StaticKeys{
			"k-viewer": {KeyID: "1", Actor: "vik", Role: RoleViewer, Department: "health"},
			"k-none":   {KeyID: "2", Actor: "nobody", Role: RoleNone, Department: "health"},
		},
		Departments: map[string]Department{
			"health": {ID: "health", TimeZone: kolkata, Integrations: []string{"a", "b"}},
			"police": {ID: "police", TimeZone: kolkata, Integrations: []string{"z"}},
		},
		CursorKey: []byte("0123456789abcdef0123456789abcdef"),
		Districts: map[string]string{"400": "Mumbai"},
	})
	r := mux.NewRouter()
	a.Mount(r)
	return r
}

func TestReportsOverHTTP(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			h := reportsAPI(t, dialect)
			cases := []struct {
				name, path, key string
				status          int
				want            string
			}{
				{"flows", "/api/v1/reports/flows?from=2026-06-01&to=2026-06-03", "k-viewer", 200,
					`"rows":[{"flow":"ration","started":2,"completed":1,"completion_rate":0.5}]`},
				{"funnel of a service", "/api/v1/reports/funnel?from=2026-06-02&to=2026-06-02&service=ration", "k-viewer", 200,
					`"rows":[{"flow":"ration","node":"ask","entered":2,"dropped":1}]`},
				{"messages default range", "/api/v1/reports/messages", "k-viewer", 200, `{"day":"2026-06-02","in":2,"out":0},{"day":"2026-06-03","in":0,"out":2}]`},
				{"messages of one integration", "/api/v1/reports/messages?from=2026-06-02&to=2026-06-02&integration=b", "k-viewer", 200, `"rows":[{"day":"2026-06-02","in":0,"out":0}]`},
				{"messages csv", "/api/v1/reports/messages?from=2026-06-01&to=2026-06-02&format=csv", "k-viewer", 200, "day,in,out\n2026-06-01,0,0\n2026-06-02,2,0\n"},
				{"cases csv", "/api/v1/reports/cases?from=2026-06-03&to=2026-06-03&format=csv", "k-viewer", 200,
					"kind,category,status,district,cases,open,breached,age_0_7,age_8_30,age_31_90,age_over_90\ngrievance,water,open,Mumbai,1,1,0,1,0,0,0\n"},
				{"citizens", "/api/v1/reports/citizens?from=2026-06-02&to=2026-06-02", "k-viewer", 200, `"rows":[{"day":"2026-06-02","citizens":2,"new":2,"returning":0}]`},
				{"list", "/api/v1/reports", "k-viewer", 200, `"name":"failed-sends"`},
				{"another department's integration", "/api/v1/reports/messages?integration=z", "k-viewer", 404, `"field":"integration"`},
				{"unknown report", "/api/v1/reports/nothing", "k-viewer", 404, `no report is called \"nothing\"`},
				{"bad from", "/api/v1/reports/messages?from=June", "k-viewer", 400, `"field":"from"`},
				{"to before from", "/api/v1/reports/messages?from=2026-06-02&to=2026-06-01", "k-viewer", 400, `"field":"to"`},
				{"too long", "/api/v1/reports/messages?from=2020-06-02&to=2026-06-01", "k-viewer", 400, `"field":"from"`},
				{"service not kept", "/api/v1/reports/messages?service=ration", "k-viewer", 400, `"field":"service"`},
				{"bad format", "/api/v1/reports/messages?format=xml", "k-viewer", 400, `"field":"format"`},
				{"unknown parameter", "/api/v1/reports/messages?color=red", "k-viewer", 400, `"field":"color"`},
				{"no key", "/api/v1/reports/messages", "", 401, "API key is required"},
				{"no role", "/api/v1/reports/messages", "k-none", 403, "needs the viewer role"},
			}
			for _, c := range cases {
				rec := do(h, http.MethodGet, c.path, c.key, "")
				if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
					t.Errorf("%s: %d %s\nwant %d with %q", c.name, rec.Code, rec.Body.String(), c.status, c.want)
				}
			}
			rec := do(h, http.MethodGet, "/api/v1/reports/reply-times?from=2026-06-02&to=2026-06-02", "k-viewer", "")
			var rep Report
			if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil || rep.Zone != "Asia/Kolkata" || rep.From != "2026-06-02" {
				t.Errorf("reply-times: %s (%v)", rec.Body.String(), err)
			}
		})
	}
}

func TestCSVCellsAreNotFormulas(t *testing.T) {
	t.Parallel()
	for in, want := range map[any]string{"=1+1": "'=1+1", "water": "water", nil: "", json.Number("12"): "12", "-x": "'-x", true: "true"} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestReportExamplesInTheDocs runs the curl examples of docs/api.md's
// Reports section against the test API.
func TestReportExamplesInTheDocs(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## Reports\n")
	section, _, _ = strings.Cut(section, "\n## ") // up to the next section
	if !ok {
		t.Fatal("docs/api.md has no Reports section")
	}
	h := reportsAPI(t, "sqlite")
	urls := regexp.MustCompile(`http://127\.0\.0\.1:8080(/api/v1/[^' \n]*)`).FindAllStringSubmatch(section, -1)
	if len(urls) < 3 {
		t.Fatalf("found %d examples", len(urls))
	}
	for _, u := range urls {
		if rec := do(h, http.MethodGet, u[1], "k-viewer", ""); rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", u[1], rec.Code, rec.Body.String())
		}
	}
	for _, name := range ReportNames() {
		if !strings.Contains(section, "| `"+name+"` |") {
			t.Errorf("the Reports section has no row for %s", name)
		}
	}
}
