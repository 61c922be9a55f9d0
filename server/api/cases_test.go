package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/internal/testdb"
)

// fakeNotifier records the notices; a citizen of optedOut is refused.
type fakeNotifier struct {
	mu       sync.Mutex
	notices  []CaseNotice
	optedOut string
}

func (f *fakeNotifier) NotifyCase(_ context.Context, n CaseNotice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n.ContactID == f.optedOut {
		return ErrOptedOut
	}
	f.notices = append(f.notices, n)
	return nil
}

func (f *fakeNotifier) all() []CaseNotice {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]CaseNotice(nil), f.notices...)
}

// fakeAuditor records the changes.
type fakeAuditor struct {
	mu      sync.Mutex
	changes []Change
}

func (f *fakeAuditor) Record(_ context.Context, c Change) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes = append(f.changes, c)
	return nil
}

// casesEnv is an API over a fresh store of a dialect, with the health
// department owning integration city and the water department pipes.
type casesEnv struct {
	t       *testing.T
	h       http.Handler
	st      *store.Store
	now     time.Time
	notices *fakeNotifier
	audit   *fakeAuditor
}

func newCasesEnv(t *testing.T, dialect string) *casesEnv {
	t.Helper()
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st, err := store.Open(context.Background(), testdb.URL(t, dialect), store.Options{Clock: clock, SecretKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &casesEnv{t: t, st: st, now: now, notices: &fakeNotifier{optedOut: "city/919800000011"}, audit: &fakeAuditor{}}
	a := New(Options{
		Store: st,
		Keys: StaticKeys{
			"k-agent":  {KeyID: "1", Actor: "anil", Role: RoleAgent, Department: "health"},
			"k-viewer": {KeyID: "2", Actor: "vik", Role: RoleViewer, Department: "health"},
			"k-super":  {KeyID: "3", Actor: "sunita", Role: RoleSupervisor, Department: "health"},
			"k-water":  {KeyID: "4", Actor: "wasim", Role: RoleAdmin, Department: "water"},
		},
		Departments: map[string]Department{
			"health": {ID: "health", Integrations: []string{"city"}},
			"water":  {ID: "water", Integrations: []string{"pipes"}},
		},
		CursorKey: []byte("0123456789abcdef0123456789abcdef"),
		Audit:     e.audit,
		Notifier:  e.notices,
		CasePolicy: func(kind string) casework.Policy {
			return casework.Policy{Days: map[string]int{"water": 3}, Default: 7, Levels: []string{"ward", "zone", "collector"}}
		},
		Clock: clock,
	})
	r := mux.NewRouter()
	a.Mount(r)
	e.h = r
	return e
}

// lodge stores a case and returns its reference.
func (e *casesEnv) lodge(integration, key, status, category string, due time.Time) string {
	e.t.Helper()
	ref, err := e.st.CreateGrievance(context.Background(), store.Grievance{Integration: integration, ContactID: integration + "/" + key,
		Category: category, Description: "no water since Monday", Status: status, Due: due})
	if err != nil {
		e.t.Fatal(err)
	}
	return ref
}

// call makes a request and decodes the answer into v (when not nil).
func (e *casesEnv) call(method, path, key, body string, want int, v any) string {
	e.t.Helper()
	rec := do(e.h, method, path, key, body)
	if rec.Code != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body.String(), want)
	}
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, rec.Body.String())
		}
	}
	return rec.Body.String()
}

func eachDialect(t *testing.T, fn func(t *testing.T, e *casesEnv)) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, newCasesEnv(t, d))
		})
	}
}

func TestCasesLifeOverHTTP(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, e *casesEnv) {
		ref := e.lodge("city", "919812345678", "open", "water", e.now.Add(48*time.Hour))
		e.lodge("city", "919800000011", "lodged", "roads", e.now.Add(-time.Hour))
		e.lodge("city", "919800000022", "in_progress", "roads", e.now.Add(-time.Hour))
		other := e.lodge("pipes", "919800000033", "lodged", "water", e.now.Add(time.Hour))

		var page CasePage
		e.call("GET", "/api/v1/cases", "k-viewer", "", 200, &page)
		if len(page.Cases) != 3 || page.NextCursor != "" {
			t.Fatalf("list: %+v", page)
		}
		for _, c := range page.Cases {
			if c.Integration != "city" || strings.Contains(c.Citizen, "123456") {
				t.Fatalf("listed %+v", c)
			}
		}
		e.call("GET", "/api/v1/cases?status=lodged", "k-viewer", "", 200, &page)
		if len(page.Cases) != 2 {
			t.Fatalf("lodged (with the legacy open): %+v", page.Cases)
		}
		e.call("GET", "/api/v1/cases?overdue=true", "k-viewer", "", 200, &page)
		if len(page.Cases) != 2 || !page.Cases[0].Overdue {
			t.Fatalf("overdue: %+v", page.Cases)
		}
		for query, want := range map[string]int{"category=roads": 2, "kind=grievance": 3, "kind=ration_card": 0, "assigned=none": 3,
			"assigned=Ravi+Kumar": 0, "status=in_progress&category=roads": 1} {
			e.call("GET", "/api/v1/cases?"+query, "k-viewer", "", 200, &page)
			if len(page.Cases) != want {
				t.Errorf("%s: %d cases, want %d", query, len(page.Cases), want)
			}
		}
		e.call("GET", "/api/v1/cases?limit=2", "k-viewer", "", 200, &page)
		if len(page.Cases) != 2 || page.NextCursor == "" {
			t.Fatalf("first page: %+v", page)
		}
		var second CasePage
		e.call("GET", "/api/v1/cases?limit=2&cursor="+page.NextCursor, "k-viewer", "", 200, &second)
		if len(second.Cases) != 1 || second.NextCursor != "" || second.Cases[0].Reference == page.Cases[1].Reference {
			t.Fatalf("second page: %+v", second)
		}

		var d CaseDetail
		e.call("GET", "/api/v1/cases/"+strings.ToLower(ref), "k-viewer", "", 200, &d)
		if d.Reference != ref || d.Status != "lodged" || d.Citizen != "••••5678" || len(d.Moves) != 0 {
			t.Fatalf("detail for a viewer: %+v", d)
		}
		e.call("POST", "/api/v1/cases/"+ref+"/assign", "k-agent", `{"officer":"Ravi Kumar"}`, 200, &d)
		if d.Status != "assigned" || d.AssignedTo != "Ravi Kumar" || d.Notified != "queued" {
			t.Fatalf("assigned: %+v", d)
		}
		if body := e.call("POST", "/api/v1/cases/"+ref+"/assign", "k-agent", `{"officer":"Meena"}`, 403, nil); !strings.Contains(body, "reassigning") {
			t.Fatalf("an agent reassigning: %s", body)
		}
		e.call("POST", "/api/v1/cases/"+ref+"/move", "k-agent", `{"to":"in_progress"}`, 200, &d)
		e.call("POST", "/api/v1/cases/"+ref+"/remarks", "k-agent", `{"text":"pipe ordered"}`, 200, &d)
		e.call("POST", "/api/v1/cases/"+ref+"/move", "k-agent", `{"to":"resolved","remark":"The pipe was replaced."}`, 200, &d)
		if d.Status != "resolved" || d.Resolved == nil || d.Note != "The pipe was replaced." {
			t.Fatalf("resolved: %+v", d)
		}
		body := e.call("POST", "/api/v1/cases/"+ref+"/move", "k-agent", `{"to":"reopened"}`, 403, nil)
		if !strings.Contains(body, "supervisor") {
			t.Fatalf("an agent reopening: %s", body)
		}
		e.now = e.now.Add(24 * time.Hour)
		e.call("POST", "/api/v1/cases/"+ref+"/move", "k-super", `{"to":"reopened","remark":"The citizen says it leaks."}`, 200, &d)
		if d.Status != "reopened" || d.Due == nil || !d.Due.After(e.now.Add(2*24*time.Hour)) {
			t.Fatalf("reopened: %+v", d)
		}

		e.call("GET", "/api/v1/cases/"+ref, "k-viewer", "", 200, &d)
		var actions []string
		for _, h := range d.History {
			actions = append(actions, h.Action+":"+h.To)
		}
		if got := strings.Join(actions, " "); got != "assign:assigned move:in_progress remark: move:resolved move:reopened" {
			t.Fatalf("history: %s", got)
		}
		if len(d.Remarks) != 3 || d.Remarks[0].Remark != "pipe ordered" || d.Remarks[0].Actor != "anil" {
			t.Fatalf("remarks: %+v", d.Remarks)
		}

		notices := e.notices.all()
		var told []string
		for _, n := range notices {
			if n.Reference != ref || n.ContactID != "city/919812345678" {
				t.Fatalf("notice %+v", n)
			}
			told = append(told, string(n.Status))
		}
		if got := strings.Join(told, " "); got != "assigned in_progress resolved reopened" {
			t.Fatalf("the citizen was told %s", got)
		}
		if notices[2].Remark != "The pipe was replaced." {
			t.Fatalf("the resolution's remark: %+v", notices[2])
		}
		if n := len(e.audit.changes); n != 5 {
			t.Fatalf("%d changes audited, want 5", n)
		}
		if c := e.audit.changes[3]; c.Action != "case.move" || c.Actor != "anil" || c.Target != "case/"+ref {
			t.Fatalf("audited %+v", c)
		}
		deliveries, err := e.st.WebhookDeliveries(context.Background(), store.WebhookQuery{Department: "health", Limit: 20})
		if err != nil || len(deliveries) != 5 {
			t.Fatalf("%d case_changed deliveries for the department, want 5: %v", len(deliveries), err)
		}
		var last store.CaseChange
		for _, dl := range deliveries {
			var c store.CaseChange
			_ = json.Unmarshal(dl.Payload, &c)
			if c.Status == "reopened" {
				last = c
			}
		}
		if last.Reference != ref || last.PreviousStatus != "resolved" || last.Actor != "sunita" || last.Note != "The citizen says it leaks." {
			t.Fatalf("the reopening's delivery: %+v", last)
		}

		// The opted-out citizen's case changes, and nobody tells them.
		page = CasePage{}
		e.call("GET", "/api/v1/cases?status=lodged", "k-viewer", "", 200, &page)
		e.call("POST", "/api/v1/cases/"+page.Cases[0].Reference+"/move", "k-agent", `{"to":"rejected","remark":"not ours"}`, 200, &d)
		if d.Notified != "opted_out" || len(e.notices.all()) != len(notices) {
			t.Fatalf("an opted-out citizen: %+v", d)
		}

		// Another department's case is not there.
		e.call("GET", "/api/v1/cases/"+other, "k-agent", "", 404, nil)
		e.call("POST", "/api/v1/cases/"+other+"/move", "k-super", `{"to":"resolved"}`, 404, nil)
		e.call("GET", "/api/v1/cases/"+ref, "k-water", "", 404, nil)
		e.call("GET", "/api/v1/cases/"+other, "k-water", "", 200, nil)
	})
}

func TestCasesRefuseBadInput(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, e *casesEnv) {
		ref := e.lodge("city", "919812345678", "lodged", "water", e.now.Add(time.Hour))
		long := strings.Repeat("x", 2049)
		cases := []struct {
			name, method, path, key, body string
			status                        int
			want                          string
		}{
			{"no key", "GET", "/api/v1/cases", "", "", 401, "API key is required"},
			{"wrong key", "GET", "/api/v1/cases/" + ref, "nope", "", 401, "not known"},
			{"viewer moves", "POST", "/api/v1/cases/" + ref + "/move", "k-viewer", `{"to":"resolved"}`, 403, "agent role"},
			{"bad status", "GET", "/api/v1/cases?status=done", "k-viewer", "", 400, `"field":"status"`},
			{"bad overdue", "GET", "/api/v1/cases?overdue=maybe", "k-viewer", "", 400, `"field":"overdue"`},
			{"bad limit", "GET", "/api/v1/cases?limit=500", "k-viewer", "", 400, `"field":"limit"`},
			{"bad cursor", "GET", "/api/v1/cases?cursor=abc", "k-viewer", "", 400, `"field":"cursor"`},
			{"no such case", "GET", "/api/v1/cases/GRV-26-0000-0000-X", "k-viewer", "", 404, "no case"},
			{"forbidden move", "POST", "/api/v1/cases/" + ref + "/move", "k-agent", `{"to":"closed"}`, 400, "may move to assigned, in_progress, resolved, rejected"},
			{"no target", "POST", "/api/v1/cases/" + ref + "/move", "k-agent", `{"remark":"x"}`, 400, `"field":"to"`},
			{"unknown status", "POST", "/api/v1/cases/" + ref + "/move", "k-agent", `{"to":"done"}`, 400, `"field":"to"`},
			{"long remark", "POST", "/api/v1/cases/" + ref + "/move", "k-agent", `{"to":"resolved","remark":"` + long + `"}`, 400, `"field":"remark"`},
			{"unknown field", "POST", "/api/v1/cases/" + ref + "/move", "k-agent", `{"status":"resolved"}`, 400, `"field":"status"`},
			{"no officer", "POST", "/api/v1/cases/" + ref + "/assign", "k-agent", `{"officer":" "}`, 400, `"field":"officer"`},
			{"empty remark", "POST", "/api/v1/cases/" + ref + "/remarks", "k-agent", `{"text":""}`, 400, `"field":"text"`},
			{"not JSON", "POST", "/api/v1/cases/" + ref + "/remarks", "k-agent", `{"text":`, 400, "cut short"},
		}
		for _, c := range cases {
			rec := do(e.h, c.method, c.path, c.key, c.body)
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
				t.Errorf("%s: %d %s, want %d with %q", c.name, rec.Code, rec.Body.String(), c.status, c.want)
			}
		}
		var d CaseDetail
		e.call("GET", "/api/v1/cases/"+url.PathEscape(ref), "k-agent", "", 200, &d)
		if d.Status != "lodged" || len(d.History) != 0 || len(e.audit.changes) != 0 || len(e.notices.all()) != 0 {
			t.Fatalf("refused requests changed the case: %+v", d)
		}
		// A closed case moves no further and is not assigned.
		e.call("POST", "/api/v1/cases/"+ref+"/move", "k-agent", `{"to":"rejected"}`, 200, nil)
		e.call("POST", "/api/v1/cases/"+ref+"/move", "k-agent", `{"to":"closed"}`, 200, nil)
		if body := e.call("POST", "/api/v1/cases/"+ref+"/move", "k-super", `{"to":"reopened"}`, 400, nil); !strings.Contains(body, "moves no further") {
			t.Fatalf("a closed case: %s", body)
		}
		e.call("POST", "/api/v1/cases/"+ref+"/assign", "k-agent", `{"officer":"Ravi"}`, 409, nil)
	})
}
