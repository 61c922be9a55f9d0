package docs_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server/api"
)

var jsonBlockRE = regexp.MustCompile("(?s)```json\n(.*?)```")

// The Cases section's curl commands answer as it says, in order, against
// a case lodged under the reference the page uses; the case the page
// shows has the fields a real answer has.
func TestCasesDocExamples(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "doc.db"), store.Options{SecretKey: []byte("0123456789abcdef0123456789abcdef"),
		CaseReference: func(string, int, uint64) string { return "GRV-26-4821-7305-A" }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateGrievance(ctx, store.Grievance{Integration: "city", ContactID: "city/919812345678", Category: "water",
		Description: "no water since Monday", Status: "in_progress", Due: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	a := api.New(api.Options{Store: st, CursorKey: []byte("0123456789abcdef0123456789abcdef"),
		Keys:        api.StaticKeys{"doc-key": {Actor: "anil", Role: api.RoleSupervisor, Department: "health"}},
		Departments: map[string]api.Department{"health": {ID: "health", Integrations: []string{"city"}}}})
	r := mux.NewRouter()
	a.Mount(r)
	text := section(t, "api.md", "Cases")
	reqs := curlRequests(t, text)
	wants := []string{`"reference":"GRV-26-4821-7305-A"`, `"description":"no water since Monday"`, `"assigned_to":"Ravi Kumar"`,
		`"remark":"New pipe ordered from the stores"`, `"status":"resolved"`}
	if len(reqs) != len(wants) {
		t.Fatalf("%d curl commands in Cases, want %d", len(reqs), len(wants))
	}
	for i, req := range reqs {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), wants[i]) {
			t.Errorf("%s %s: %d %s, want %s", req.Method, req.URL, rec.Code, rec.Body.String(), wants[i])
		}
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, curlRequests(t, "```sh\ncurl -s -H \"Authorization: Bearer $SAMVAD_KEY\" http://127.0.0.1:8080/api/v1/cases/GRV-26-4821-7305-A\n```")[0])
	var real, shown map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &real); err != nil {
		t.Fatal(err)
	}
	blocks := jsonBlockRE.FindAllStringSubmatch(text, -1)
	if len(blocks) != 1 {
		t.Fatalf("%d JSON examples in Cases, want 1", len(blocks))
	}
	if err := json.Unmarshal([]byte(blocks[0][1]), &shown); err != nil {
		t.Fatalf("the example case is not JSON: %v", err)
	}
	delete(real, "pin_code")
	delete(real, "fields")
	if got, want := keysOf(shown), keysOf(real); got != want {
		t.Errorf("the page shows the fields %s; an answer has %s", got, want)
	}
}

func keysOf(m map[string]any) string {
	var ks []string
	for k := range m {
		if k != "notified" && k != "level_name" {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
