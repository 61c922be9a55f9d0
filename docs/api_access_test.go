package docs_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server/api"
)

// TestAccessDocExamples runs the curl of api.md's Access section against
// the API over a store, with a key made as `samvad keys create` makes it,
// and checks that the answer has the fields the page's example shows.
func TestAccessDocExamples(t *testing.T) {
	text := section(t, "api.md", "Access: keys, accounts and the audit log")
	ctx := context.Background()
	st, err := store.Open(ctx, testdb.URL(t, "sqlite"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, key, err := st.CreateAPIKey(ctx, "health", "admin", "front desk, Pune")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^sk_[0-9a-f]{8}_\S{40,}$`).MatchString(key) || !strings.Contains(text, "sk_, a prefix anyone may see") {
		t.Errorf("the key %q is not as the page describes it", key)
	}
	a := api.New(api.Options{Store: st, Keys: api.StoreKeys{Store: st}, Audit: api.StoreAudit{Store: st},
		Departments: map[string]api.Department{"health": {ID: "health"}}, CursorKey: []byte("0123456789abcdef0123456789abcdef")})
	r := mux.NewRouter()
	a.Mount(r)
	for i := 0; i < 2; i++ {
		if _, err := st.AppendAudit(ctx, store.AuditEntry{Department: "health", Actor: "front desk, Pune (key x)", KeyID: "key_1", Action: "case.move",
			Target: "case/GRV-1", Before: json.RawMessage(`{"status":"lodged"}`), After: json.RawMessage(`{"status":"in_progress"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := curlRequests(t, text)
	if len(reqs) != 4 {
		t.Fatalf("%d curl commands in the section, want 4", len(reqs))
	}
	var made struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	var got struct {
		Items []map[string]any `json:"items"`
	}
	for i, req := range reqs {
		req.Header.Set("Authorization", "Bearer "+key)
		if strings.HasSuffix(req.URL.Path, "/revoke") { // curl -X POST
			req.Method = "POST"
			req.URL.Path = "/api/v1/keys/" + made.ID + "/revoke"
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code/100 != 2 {
			t.Fatalf("%s %s: %d %s", req.Method, req.URL, rec.Code, rec.Body)
		}
		switch i {
		case 1:
			if err := json.Unmarshal(rec.Body.Bytes(), &made); err != nil || !strings.HasPrefix(made.Key, "sk_") {
				t.Fatalf("the key made: %s", rec.Body)
			}
		case 2:
			if !strings.Contains(rec.Body.String(), `"revoked_at":"`) {
				t.Errorf("revoke: %s", rec.Body)
			}
		case 3:
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Items) != 4 {
				t.Fatalf("the audit log: %s", rec.Body)
			}
		}
	}
	example := regexp.MustCompile("(?s)```json\n(.*?)```").FindStringSubmatch(text)
	var doc struct {
		Items []map[string]any `json:"items"`
	}
	if example == nil || json.Unmarshal([]byte(example[1]), &doc) != nil || len(doc.Items) != 1 {
		t.Fatalf("the page's JSON example does not read")
	}
	if want, have := fieldsOf(doc.Items[0]), fieldsOf(got.Items[0]); want != have {
		t.Errorf("the example's fields %s, the API's %s", want, have)
	}
}

// fieldsOf lists an object's fields, sorted.
func fieldsOf(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
