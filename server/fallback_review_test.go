package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samvad/samvad/internal/testdb"
)

// An officer reads what the fallback told a citizen and marks it, over
// HTTP with a real key; another department's key sees nothing of it.
func TestFallbackReviewOverHTTP(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			url := testdb.URL(t, dialect)
			c := startSimWith(t, "919833334444", func(cfg *Config) { cfg.DatabaseURL = url })
			c.english()
			c.say("How long does a complaint take?")
			ctx := context.Background()
			_, key, err := c.srv.store.CreateAPIKey(ctx, simulatorDepartment, "agent", "officer")
			if err != nil {
				t.Fatal(err)
			}
			_, other, err := c.srv.store.CreateAPIKey(ctx, "health", "admin", "elsewhere")
			if err != nil {
				t.Fatal(err)
			}
			call := func(key, method, path, body string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				rec := httptest.NewRecorder()
				c.srv.Handler().ServeHTTP(rec, req)
				return rec
			}
			rec := call(key, "GET", "/api/v1/fallback?kind=used", "")
			var page struct {
				Items []struct {
					ID, Citizen, Kind string
					Record            struct{ Q, Answer string }
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &page); rec.Code != 200 || err != nil || len(page.Items) != 1 {
				t.Fatalf("list: %d %s", rec.Code, rec.Body)
			}
			it := page.Items[0]
			if it.Citizen != "••••4444" || it.Kind != "used" || !strings.Contains(it.Record.Q, "complaint") || it.Record.Answer == "" {
				t.Fatalf("item %+v", it)
			}
			if strings.Contains(rec.Body.String(), "919833334444") {
				t.Fatal("the citizen's number is in the answer")
			}
			if rec := call(other, "GET", "/api/v1/fallback", ""); rec.Code != 200 || strings.Contains(rec.Body.String(), it.ID) {
				t.Fatalf("another department: %d %s", rec.Code, rec.Body)
			}
			if rec := call(other, "POST", "/api/v1/fallback/"+it.ID+"/review", `{"verdict":"wrong"}`); rec.Code != 404 {
				t.Fatalf("another department's review: %d %s", rec.Code, rec.Body)
			}
			if rec := call(key, "POST", "/api/v1/fallback/"+it.ID+"/review", `{"verdict":"meh"}`); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"verdict"`) {
				t.Fatalf("a bad verdict: %d %s", rec.Code, rec.Body)
			}
			if rec := call(key, "GET", "/api/v1/fallback?cursor=AAAA", ""); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"cursor"`) {
				t.Fatalf("a made-up cursor: %d %s", rec.Code, rec.Body)
			}
			rec = call(key, "POST", "/api/v1/fallback/"+it.ID+"/review", `{"verdict":"right","note":"good"}`)
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"verdict":"right"`) {
				t.Fatalf("review: %d %s", rec.Code, rec.Body)
			}
			if rec := call(key, "GET", "/api/v1/fallback?unreviewed=true&kind=used", ""); !strings.Contains(rec.Body.String(), `"items":[]`) {
				t.Fatalf("still unreviewed: %s", rec.Body)
			}
			entries, err := c.srv.store.AuditLog(ctx, simulatorDepartment, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range entries {
				found = found || (e.Action == "fallback.review" && e.Target == "fallback/"+it.ID)
			}
			if !found {
				t.Fatalf("the review is not in the audit log: %+v", entries)
			}
		})
	}
}
