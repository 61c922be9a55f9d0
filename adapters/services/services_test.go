package services

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/script"
)

// pensionDecl declares a department API the tests serve on 127.0.0.1.
const pensionDecl = `connector: pensions
operations:
  pension.status:
    path: /v1/pensions/{args.ppo}
    query: {lang: args.lang}
    args: {ppo: string, lang: optional string}
    timeout: 300ms
    retries: 2
    result:
      status: body.status
      amount: body.monthly_amount
      name: body.holder.name
    outcomes:
      not_found: status == 404
  pension.apply:
    method: POST
    path: /v1/applications
    args: {name: string, year: number}
    body:
      applicant:
        name: args.name
        birth_year: args.year
      channel: '"whatsapp"'
      consent: true
    result: {reference: body.id}
    outcomes:
      duplicate: status == 409
`

// fakePensions is a department API with faults chosen per test.
type fakePensions struct {
	calls atomic.Int32
	fail  atomic.Int32 // answer 503 to this many requests first
	seen  atomic.Value // the last request
}

func (f *fakePensions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	f.seen.Store(r.Clone(context.Background()))
	if f.fail.Load() > 0 {
		f.fail.Add(-1)
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	switch {
	case r.URL.Path == "/v1/pensions/PPO-404":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"no such pension"}`)
	case r.URL.Path == "/v1/pensions/slow":
		time.Sleep(time.Second)
	case r.URL.Path == "/v1/pensions/html":
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>maintenance</html>")
	case r.URL.Path == "/v1/pensions/huge":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"`+strings.Repeat("x", 10<<20)+`"}`)
	case r.URL.Path == "/v1/pensions/shape":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `["not", "an", "object"]`)
	case r.URL.Path == "/v1/pensions/crash":
		http.Error(w, "stack trace", http.StatusInternalServerError)
	case r.URL.Path == "/v1/pensions/away":
		http.Redirect(w, r, "http://198.51.100.7/steal", http.StatusFound)
	case strings.HasPrefix(r.URL.Path, "/v1/pensions/"):
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprintf(w, `{"status":"active","monthly_amount":3000,"holder":{"name":"Kamala Devi"},"ppo":%q}`, strings.TrimPrefix(r.URL.Path, "/v1/pensions/"))
	case r.URL.Path == "/v1/applications" && r.Method == http.MethodPost:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"PEN-2026-0001"}`)
	default:
		http.NotFound(w, r)
	}
}

const secret = "s3cr3t-pension-token-do-not-print"

func loadPensions(t testing.TB) (*Registry, *fakePensions) {
	t.Helper()
	fake := &fakePensions{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	r, problems := Load([]File{{Path: "pensions.yaml", Content: []byte(pensionDecl)}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	err := r.Bind(Deployment{Connections: map[string]Connection{"pensions": {BaseURL: srv.URL + "/", Auth: Auth{Env: "PENSION_TOKEN"}}},
		Getenv: func(k string) (string, bool) { return secret, k == "PENSION_TOKEN" }})
	if err != nil {
		t.Fatal(err)
	}
	return r, fake
}

func TestHTTPOperation(t *testing.T) {
	t.Parallel()
	r, fake := loadPensions(t)
	res, err := r.Call(context.Background(), "pension.status", map[string]any{"ppo": "MH/2019 04", "lang": "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if res["outcome"] != "ok" || res["status"] != "active" || res["amount"] != 3000.0 || res["name"] != "Kamala Devi" {
		t.Fatalf("result %v", res)
	}
	req := fake.seen.Load().(*http.Request)
	if req.URL.EscapedPath() != "/v1/pensions/MH%2F2019%2004" || req.URL.Query().Get("lang") != "hi" {
		t.Fatalf("the placeholder was not escaped into one segment: %s ? %s", req.URL.EscapedPath(), req.URL.RawQuery)
	}
	if req.Header.Get("Authorization") != "Bearer "+secret {
		t.Fatalf("auth header %q", req.Header.Get("Authorization"))
	}
	res, err = r.Call(context.Background(), "pension.status", map[string]any{"ppo": "PPO-404"})
	if err != nil || res["outcome"] != "not_found" {
		t.Fatalf("a declared 404: %v %v", res, err)
	}
	if q := fake.seen.Load().(*http.Request).URL.RawQuery; q != "" {
		t.Fatalf("an optional argument left out went as %q", q)
	}
}

func TestPOSTBodyFromTemplate(t *testing.T) {
	t.Parallel()
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 1000)
		n, _ := r.Body.Read(b)
		body = string(b[:n])
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"PEN-1"}`)
	}))
	defer srv.Close()
	r, problems := Load([]File{{Path: "p.yaml", Content: []byte(pensionDecl)}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	if err := r.Bind(Deployment{Connections: map[string]Connection{"pensions": {BaseURL: srv.URL}}}); err != nil {
		t.Fatal(err)
	}
	res, err := r.Call(context.Background(), "pension.apply", map[string]any{"name": "Asha \"A\" Rao", "year": 1958.0})
	if err != nil || res["reference"] != "PEN-1" {
		t.Fatalf("%v %v", res, err)
	}
	want := `{"applicant":{"birth_year":1958,"name":"Asha \"A\" Rao"},"channel":"whatsapp","consent":true}`
	if body != want {
		t.Fatalf("body %s, want %s", body, want)
	}
}

// A department API that is slow, down, failing, answering HTML, 10 MB or
// the wrong shape gives an error that names the operation and the reason,
// within the timeout, and never the secret.
func TestFaultsBecomeClearErrors(t *testing.T) {
	t.Parallel()
	r, _ := loadPensions(t)
	cases := map[string]string{
		"slow":  "did not answer within 300ms",
		"html":  "answered 200 with text/html, not JSON",
		"huge":  "more than the response limit",
		"shape": "does not have what result.status reads",
		"crash": "answered 500 Internal Server Error",
		"away":  "redirected away from its base URL",
	}
	for ppo, want := range cases {
		start := time.Now()
		res, err := r.Call(context.Background(), "pension.status", map[string]any{"ppo": ppo})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "pension.status: ") {
			t.Errorf("%s: %v, %v; want an error saying %q", ppo, res, err, want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the secret is in the error: %v", ppo, err)
		}
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("%s: took %v with a 300ms timeout", ppo, d)
		}
	}
	down, problems := Load([]File{{Path: "p.yaml", Content: []byte(pensionDecl)}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	if err := down.Bind(Deployment{Connections: map[string]Connection{"pensions": {BaseURL: "http://127.0.0.1:1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := down.Call(context.Background(), "pension.status", map[string]any{"ppo": "x"}); err == nil || !strings.Contains(err.Error(), "could not be reached") {
		t.Errorf("a server that is down: %v", err)
	}
}

// A GET is retried when the API is busy; a POST never is.
func TestRetriesOnlyIdempotentRequests(t *testing.T) {
	t.Parallel()
	r, fake := loadPensions(t)
	fake.fail.Store(2)
	if res, err := r.Call(context.Background(), "pension.status", map[string]any{"ppo": "A1"}); err != nil || res["outcome"] != "ok" {
		t.Fatalf("GET after two 503s: %v %v", res, err)
	}
	if n := fake.calls.Load(); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	fake.calls.Store(0)
	fake.fail.Store(1)
	if _, err := r.Call(context.Background(), "pension.apply", map[string]any{"name": "A", "year": 1950.0}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("POST after a 503: %v", err)
	}
	if n := fake.calls.Load(); n != 1 {
		t.Fatalf("the POST was sent %d times", n)
	}
}

func TestArgumentsAreChecked(t *testing.T) {
	t.Parallel()
	r, _ := loadPensions(t)
	for args, want := range map[*map[string]any]string{
		{"lang": "hi"}:                "argument ppo is required",
		{"ppo": "1", "pension": "no"}: "argument pension is not declared (it takes lang, ppo)",
	} {
		if _, err := r.Call(context.Background(), "pension.status", *args); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want %q", *args, err, want)
		}
	}
	if _, err := r.Call(context.Background(), "pension.stauts", nil); !errors.Is(err, engine.ErrUnknownService) || !strings.Contains(err.Error(), `did you mean "pension.status"`) {
		t.Errorf("an unknown operation: %v", err)
	}
}

// Every problem of the declarations is reported at once, where it is.
func TestDeclarationProblems(t *testing.T) {
	t.Parallel()
	bad := `connector: pensions
operations:
  pension.book:
    method: POST
    path: /v1/book?x=1
    retries: 2
    args: {ppo: strng}
    result:
      ok: body.id +
  Bad Name:
    table: nowhere
    lookup: args.pin
  offices.by_pin:
    table: ofices
    lookup: args.pin
    args: {pin: string}
tables:
  offices:
    file: missing.csv
`
	_, problems := Load([]File{{Path: "flows/services/bad.yaml", Content: []byte(bad)}})
	got := problems.Err().Error()
	for _, want := range []string{
		`flows/services/bad.yaml:5:11: error: operation pension.book: path "/v1/book?x=1" holds a query`,
		`flows/services/bad.yaml:6:14: error: operation pension.book: a POST request is not retried`,
		`flows/services/bad.yaml:7:17: error: operation pension.book: argument ppo has type "strng"`,
		`flows/services/bad.yaml:9:19: error: expression ` + "`body.id +`: unexpected token EOF",
		`flows/services/bad.yaml:10:3: error: operation "Bad Name" must be dotted lower-case names`,
		`flows/services/bad.yaml:14:12: error: operation offices.by_pin: no table "ofices" is declared; did you mean "offices"?`,
		`flows/services/bad.yaml:18:3: error: table offices: stat flows/services/missing.csv`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

// Bind names every missing connection and secret at once, and no secret.
func TestBindProblems(t *testing.T) {
	t.Parallel()
	r, problems := Load([]File{{Path: "p.yaml", Content: []byte(pensionDecl)}, {Path: "q.yaml", Content: []byte("connector: ration\noperations: {}\n")}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	err := r.Bind(Deployment{Connections: map[string]Connection{
		"pensions": {BaseURL: "ftp://pensions", Auth: Auth{Env: "NOT_SET"}},
		"pension":  {BaseURL: "http://127.0.0.1:9"},
	}, Getenv: func(string) (string, bool) { return "", false }})
	if err == nil {
		t.Fatal("bound")
	}
	for _, want := range []string{
		"connector ration (declared in q.yaml) has no connection",
		`connectors.pensions.base_url "ftp://pensions" must be an http:// or https:// address`,
		"connectors.pensions.auth.env names NOT_SET, which is not set",
		`connectors.pension is configured, but no declaration names connector pension; did you mean "pensions"?`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

const officesCSV = `pincode,office,address,latitude,longitude
400051,H/East Ward Office,"Plot 137, TPS V, Bandra East",19.0596,72.8406
400050,H/West Ward Office,"St Martin Road, Bandra West",19.0544,72.8295
751001,Bhubaneswar Zone 1,"Kharavela Nagar",20.2700,85.8400
`

const officesDecl = `tables:
  offices:
    file: offices.csv
    key: pincode
    location: [latitude, longitude]
operations:
  offices.by_pin:
    table: offices
    lookup: args.pin
    args: {pin: string}
    result:
      name: row.office
      address: row.address
  offices.nearest:
    table: offices
    nearest: {latitude: args.place.latitude, longitude: args.place.longitude}
    limit: 2
    within_km: 50
    args: {place: location}
`

func TestTableOperations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "offices.csv"), []byte(officesCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	r, problems := Load([]File{{Path: filepath.Join(dir, "offices.yaml"), Content: []byte(officesDecl)}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	ctx := context.Background()
	res, err := r.Call(ctx, "offices.by_pin", map[string]any{"pin": "४०००५१"})
	if err != nil || res["name"] != "H/East Ward Office" || res["outcome"] != "ok" {
		t.Fatalf("by pin: %v %v", res, err)
	}
	if res, err := r.Call(ctx, "offices.by_pin", map[string]any{"pin": "110001"}); err != nil || res["outcome"] != "not_found" {
		t.Fatalf("an unknown pin: %v %v", res, err)
	}
	res, err = r.Call(ctx, "offices.nearest", map[string]any{"place": map[string]any{"latitude": 19.06, "longitude": 72.84}})
	rows, _ := res["rows"].([]any)
	if err != nil || len(rows) != 2 || rows[0].(map[string]any)["office"] != "H/East Ward Office" || res["count"] != 2.0 {
		t.Fatalf("nearest: %v %v", res, err)
	}
	if d := rows[0].(map[string]any)["distance_km"].(float64); d > 0.5 {
		t.Fatalf("nearest office %v km away", d)
	}
	ops := r.Operations()
	if got := ops["offices.nearest"]; strings.Join(got.Returns, ",") != "rows,row,count,outcome" || strings.Join(got.Outcomes, ",") != "not_found" {
		t.Fatalf("signature %+v", got)
	}
}

// fakeCasebook keeps cases in memory for the built-in operations.
type fakeCasebook struct{ cases map[string]Case }

func (b *fakeCasebook) Lodge(_ context.Context, c NewCase) (string, error) {
	ref := fmt.Sprintf("%s-26-0000-%04d", c.Series, len(b.cases)+1)
	b.cases[ref] = Case{Reference: ref, Kind: c.Kind, Title: c.Title, Status: "lodged", Due: c.Due}
	return ref, nil
}

func (b *fakeCasebook) Find(_ context.Context, ref string) (Case, error) {
	if ref == "GRV-26-4821-7305-A" {
		return Case{}, ErrNotYours
	}
	for k, c := range b.cases {
		if strings.HasPrefix(ref, k) {
			return c, nil
		}
	}
	return Case{}, ErrNotFound
}

func TestBuiltinOperations(t *testing.T) {
	t.Parallel()
	decl := `operations:
  ration.apply:
    builtin: request.submit
    request: {kind: ration_card, series: RCA, title: New ration card, days: 30}
    args: {head: string, members: number}
  grievance.status:
    builtin: grievance.status
    args: {reference: string}
`
	r, problems := Load([]File{{Path: "b.yaml", Content: []byte(decl)}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	book := &fakeCasebook{cases: map[string]Case{}}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	if err := r.Bind(Deployment{Casebook: book, Clock: func() time.Time { return now }}); err != nil {
		t.Fatal(err)
	}
	res, err := r.Call(context.Background(), "ration.apply", map[string]any{"head": "Asha", "members": 4.0})
	if err != nil || res["reference"] != "RCA-26-0000-0001" || res["days"] != 30.0 || res["due"] != "2027-01-06" {
		t.Fatalf("submit: %v %v", res, err)
	}
	if res, _ := r.Call(context.Background(), "grievance.status", map[string]any{"reference": "grv 26 4821 7305 a"}); res["outcome"] != "not_yours" {
		t.Fatalf("another citizen's complaint: %v", res)
	}
	if res, _ := r.Call(context.Background(), "grievance.status", map[string]any{"reference": "no"}); res["outcome"] != "not_found" {
		t.Fatalf("not a reference: %v", res)
	}
}

func (b *fakeCasebook) Reopen(_ context.Context, ref, _ string, _ time.Duration, _ casework.Policy) error {
	c, err := b.Find(context.Background(), ref)
	if err != nil {
		return err
	}
	if c.Status != "resolved" {
		return ErrNotResolved
	}
	return nil
}

func TestReopenBuiltin(t *testing.T) {
	t.Parallel()
	decl := "operations:\n  grievance.reopen:\n    builtin: grievance.reopen\n    args: {reference: string, reason: string}\n"
	r, problems := Load([]File{{Path: "r.yaml", Content: []byte(decl)}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	resolved, lodged := script.FormatReference("GRV", 2026, 1), script.FormatReference("GRV", 2026, 2)
	book := &fakeCasebook{cases: map[string]Case{resolved: {Status: "resolved"}, lodged: {Status: "lodged"}}}
	if err := r.Bind(Deployment{Casebook: book}); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		resolved: "ok", lodged: "not_resolved", "GRV-26-4821-7305-A": "not_yours",
		script.FormatReference("GRV", 2026, 3): "not_found", "x": "not_found",
	} {
		res, err := r.Call(context.Background(), "grievance.reopen", map[string]any{"reference": ref, "reason": "still broken"})
		if err != nil || res["outcome"] != want {
			t.Errorf("%s: %v %v, want %s", ref, res, err, want)
		}
	}
	if sig := r.Operations()["grievance.reopen"]; strings.Join(sig.Outcomes, ",") != "not_found,not_yours,not_resolved,too_late" {
		t.Errorf("outcomes %v", sig.Outcomes)
	}
}

// The service levels declared where cases are lodged are each kind's
// policy; status look-ups declare none.
func TestCasePolicies(t *testing.T) {
	t.Parallel()
	decl := `operations:
  grievance.lodge:
    builtin: grievance.lodge
    request: {days: 9, days_by_category: {water: 2}}
    args: {category: string, description: string}
  ration.apply:
    builtin: request.submit
    request: {kind: ration_card, series: RCA}
    args: {name: string}
  grievance.status:
    builtin: grievance.status
    args: {reference: string}
`
	r, problems := Load([]File{{Path: "p.yaml", Content: []byte(decl)}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	got := r.CasePolicies()
	if len(got) != 2 || got["grievance"].DaysFor("water") != 2 || got["grievance"].DaysFor("roads") != 9 ||
		got["ration_card"].DaysFor("x") != casework.DefaultPolicy.Default || len(got["ration_card"].Levels) == 0 {
		t.Fatalf("policies %+v", got)
	}
	var none *Registry
	if got := none.CasePolicies(); len(got) != 0 {
		t.Fatalf("a nil registry: %v", got)
	}
}

// A resolved grievance's look-up says whether its reopen period is still
// open, by the reopen_days declared on the look-up.
func TestStatusSaysWhetherAResolvedCaseMayBeReopened(t *testing.T) {
	t.Parallel()
	decl := "operations:\n  grievance.status:\n    builtin: grievance.status\n    request: {reopen_days: 30}\n    args: {reference: string}\n"
	r, problems := Load([]File{{Path: "s.yaml", Content: []byte(decl)}})
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	recent, old, open := script.FormatReference("GRV", 2026, 1), script.FormatReference("GRV", 2026, 2), script.FormatReference("GRV", 2026, 3)
	now := time.Now()
	book := &fakeCasebook{cases: map[string]Case{
		recent: {Kind: "grievance", Status: "resolved", Updated: now.Add(-20 * 24 * time.Hour)},
		old:    {Kind: "grievance", Status: "resolved", Updated: now.Add(-40 * 24 * time.Hour)},
		open:   {Kind: "grievance", Status: "in_progress", Updated: now},
	}}
	if err := r.Bind(Deployment{Casebook: book}); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]bool{recent: true, old: false, open: false} {
		res, err := r.Call(context.Background(), "grievance.status", map[string]any{"reference": ref})
		if err != nil || res["reopenable"] != want {
			t.Errorf("%s: %v %v, want reopenable %v", ref, res, err, want)
		}
	}
}
