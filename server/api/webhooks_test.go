package api

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/internal/testdb"
)

// A supervisor sees the department's deliveries, newest first, a page at
// a time, by status; another department's are not there.
func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			st, h := storeAPI(t, dialect)
			ctx := context.Background()
			key := func(role, dept string) string {
				_, secret, err := st.CreateAPIKey(ctx, dept, role, "desk")
				if err != nil {
					t.Fatal(err)
				}
				return secret
			}
			sup, agent, police := key("supervisor", "health"), key("agent", "health"), key("supervisor", "police")
			for _, d := range []store.Delivery{
				{Department: "health", Event: "handoff", Payload: json.RawMessage(`{"n":1}`)},
				{Integration: "h", Event: "case_changed", Payload: json.RawMessage(`{"n":2}`)},
				{Department: "police", Event: "handoff", Payload: json.RawMessage(`{"n":3}`)},
				{Department: "health", Event: "handoff", Payload: json.RawMessage(`{"n":4}`)},
			} {
				if _, err := st.QueueWebhook(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			claimed, err := st.ClaimWebhooks(ctx, "me", 1, time.Minute)
			if err != nil || len(claimed) != 1 {
				t.Fatalf("claim: %v %v", claimed, err)
			}
			if err := st.WebhookFailed(ctx, claimed[0].ID, "me", "outhook: HTTP 500: down", time.Time{}); err != nil {
				t.Fatal(err)
			}

			var page DeliveryPage
			rec := do(h, "GET", "/api/v1/webhook/deliveries?limit=2", sup, "")
			if err := json.Unmarshal(rec.Body.Bytes(), &page); rec.Code != 200 || err != nil {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if len(page.Items) != 2 || string(page.Items[0].Data) != `{"n":4}` || string(page.Items[1].Data) != `{"n":2}` ||
				page.Items[0].NextAttempt == nil || page.NextCursor == "" {
				t.Fatalf("first page: %s", rec.Body)
			}
			rec = do(h, "GET", "/api/v1/webhook/deliveries?limit=2&cursor="+url.QueryEscape(page.NextCursor), sup, "")
			var rest DeliveryPage
			if err := json.Unmarshal(rec.Body.Bytes(), &rest); err != nil || len(rest.Items) != 1 ||
				rest.Items[0].Status != "failed" || rest.Items[0].LastError != "outhook: HTTP 500: down" || rest.Items[0].Attempts != 1 {
				t.Fatalf("second page: %s", rec.Body)
			}
			rec = do(h, "GET", "/api/v1/webhook/deliveries?status=failed", police, "")
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"items":[]`) {
				t.Fatalf("another department's failure: %s", rec.Body)
			}
			cases := []struct {
				name, path, key string
				status          int
				want            string
			}{
				{"no key", "/api/v1/webhook/deliveries", "", 401, "API key is required"},
				{"agent", "/api/v1/webhook/deliveries", agent, 403, "needs the supervisor role"},
				{"bad status", "/api/v1/webhook/deliveries?status=lost", sup, 400, `"field":"status"`},
				{"unknown parameter", "/api/v1/webhook/deliveries?event=x", sup, 400, `"field":"event"`},
				{"bad limit", "/api/v1/webhook/deliveries?limit=500", sup, 400, `"field":"limit"`},
				{"edited cursor", "/api/v1/webhook/deliveries?cursor=" + page.NextCursor[:len(page.NextCursor)-2] + "AA", sup, 400, `"field":"cursor"`},
				{"failed only", "/api/v1/webhook/deliveries?status=failed", sup, 200, `"n":1`},
			}
			for _, c := range cases {
				rec := do(h, "GET", c.path, c.key, "")
				if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
					t.Errorf("%s: %d %s, want %d with %q", c.name, rec.Code, rec.Body, c.status, c.want)
				}
			}
		})
	}
}
