package store

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/engine"
)

// A delivery is queued once per key, claimed by one owner at a time,
// retried when due again, and given up with its reason.
func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		d := Delivery{Department: "health", Event: WebhookCaseChanged, Key: "k1", Payload: json.RawMessage(`{"reference":"GRV-1"}`)}
		for i, want := range []bool{true, false} {
			if queued, err := e.s.QueueWebhook(ctx, d); err != nil || queued != want {
				t.Fatalf("queue %d: %v, %v", i, queued, err)
			}
		}
		if _, err := e.s.QueueWebhook(ctx, Delivery{Department: "health", Event: "x", Payload: json.RawMessage(`[1]`)}); err == nil {
			t.Fatal("a payload that is not an object was queued")
		}
		if _, err := e.s.QueueWebhook(ctx, Delivery{Event: "x", Payload: json.RawMessage(`{}`)}); err == nil {
			t.Fatal("a delivery with no department was queued")
		}
		// Inside another write: rolled back with it.
		err := e.s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := QueueWebhook(ctx, tx, Delivery{Department: "health", Event: "x", Payload: json.RawMessage(`{}`)}, e.clock.Now()); err != nil {
				return err
			}
			return errRollback
		})
		if err == nil {
			t.Fatal("the rollback was lost")
		}
		a, err := e.s.ClaimWebhooks(ctx, "a", 10, time.Minute)
		if err != nil || len(a) != 1 || a[0].Attempts != 1 || string(a[0].Payload) != `{"reference":"GRV-1"}` || a[0].Key != "k1" {
			t.Fatalf("claim a: %+v, %v", a, err)
		}
		if b, err := e.s.ClaimWebhooks(ctx, "b", 10, time.Minute); err != nil || len(b) != 0 {
			t.Fatalf("claim b while a holds the lease: %+v, %v", b, err)
		}
		if err := e.s.WebhookFailed(ctx, a[0].ID, "a", "HTTP 500", e.clock.Now().Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		if b, _ := e.s.ClaimWebhooks(ctx, "b", 10, time.Minute); len(b) != 0 {
			t.Fatalf("claimed before it was due again: %+v", b)
		}
		e.clock.Advance(31 * time.Second)
		b, err := e.s.ClaimWebhooks(ctx, "b", 10, time.Minute)
		if err != nil || len(b) != 1 || b[0].Attempts != 2 || b[0].LastError != "HTTP 500" {
			t.Fatalf("claim b: %+v, %v", b, err)
		}
		// a's late answer does not settle b's lease.
		if err := e.s.WebhookDelivered(ctx, b[0].ID, "a"); err != nil {
			t.Fatal(err)
		}
		if err := e.s.WebhookFailed(ctx, b[0].ID, "b", "HTTP 502", time.Time{}); err != nil {
			t.Fatal(err)
		}
		list, err := e.s.WebhookDeliveries(ctx, WebhookQuery{Department: "health", Limit: 10})
		if err != nil || len(list) != 1 || list[0].Status != DeliveryFailed || list[0].LastError != "HTTP 502" || list[0].Attempts != 2 {
			t.Fatalf("deliveries: %+v, %v", list, err)
		}
		// A lease that ran out is claimed again.
		if _, err := e.s.QueueWebhook(ctx, Delivery{Department: "health", Event: "x", Payload: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
		if c, _ := e.s.ClaimWebhooks(ctx, "c", 10, time.Minute); len(c) != 1 {
			t.Fatalf("claim c: %+v", c)
		}
		e.clock.Advance(61 * time.Second)
		c, _ := e.s.ClaimWebhooks(ctx, "d", 10, time.Minute)
		if len(c) != 1 || c[0].Attempts != 2 {
			t.Fatalf("claim after the lease ran out: %+v", c)
		}
		if err := e.s.WebhookDelivered(ctx, c[0].ID, "d"); err != nil {
			t.Fatal(err)
		}
		list, _ = e.s.WebhookDeliveries(ctx, WebhookQuery{Department: "health", Limit: 1})
		if list[0].Status != DeliveryDelivered || !list[0].Delivered.Equal(e.clock.Now()) {
			t.Fatalf("delivered: %+v", list[0])
		}
		// One nobody is to receive is deleted; old settled ones are pruned.
		if _, err := e.s.QueueWebhook(ctx, Delivery{Department: "health", Event: "x", Payload: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
		d2, _ := e.s.ClaimWebhooks(ctx, "e", 10, time.Minute)
		if err := e.s.DropWebhook(ctx, d2[0].ID, "e"); err != nil {
			t.Fatal(err)
		}
		if n, err := e.s.PruneWebhooks(ctx, e.clock.Now().Add(-61*time.Second)); n != 1 || err != nil {
			t.Fatalf("pruned %d, %v: only the failed one is older", n, err)
		}
		if n, _ := e.s.PruneWebhooks(ctx, e.clock.Now().Add(time.Second)); n != 1 {
			t.Fatalf("pruned %d, want the delivered one", n)
		}
		if list, _ := e.s.WebhookDeliveries(ctx, WebhookQuery{Department: "health", Limit: 10}); len(list) != 0 {
			t.Fatalf("left: %+v", list)
		}
	})
}

type rollback struct{}

func (rollback) Error() string { return "rollback" }

var errRollback = rollback{}

// Two claimers at once never get the same delivery.
func TestWebhookClaimsDoNotOverlap(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for i := 0; i < 40; i++ {
			if _, err := e.s.QueueWebhook(ctx, Delivery{Department: "d", Event: "x", Payload: json.RawMessage(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(owner string) {
				defer wg.Done()
				for {
					got, err := e.s.ClaimWebhooks(ctx, owner, 3, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, d := range got {
						seen[d.ID]++
					}
					mu.Unlock()
				}
			}(string(rune('a' + w)))
		}
		wg.Wait()
		if len(seen) != 40 {
			t.Fatalf("%d deliveries claimed, want 40", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("delivery %d claimed %d times", id, n)
			}
		}
	})
}

// The tail starts at the newest handoff, then hands on each new one once,
// in order, leaving the ones too recent to be sure of for the next read.
func TestTailHandoffs(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		step := func(key, wamid string, kinds ...engine.EventKind) {
			e.ingest(inbound(key, wamid, e.clock.Now(), "hello"))
			if _, err := e.s.ProcessNext(ctx, func(ctx context.Context, w *Work) (*Outcome, error) {
				var evs []engine.Event
				for _, k := range kinds {
					evs = append(evs, engine.Event{Kind: k, Flow: "officer", Node: "talk", Detail: "counter", At: e.clock.Now()})
				}
				return &Outcome{Events: evs}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		var got []HandoffEvent
		tail := func() int {
			n, err := e.s.TailHandoffs(ctx, "webhook", 5*time.Second, 100, func(ctx context.Context, tx bun.IDB, evs []HandoffEvent) error {
				got = append(got, evs...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		step("919800000001", "w1", engine.EventHandoff) // before the tail began: not replayed
		if n := tail(); n != 0 {
			t.Fatalf("first tail read %d", n)
		}
		e.clock.Advance(time.Second)
		step("919800000001", "w2", engine.EventHandoffMessage, engine.EventFlowStarted)
		e.clock.Advance(10 * time.Second)
		step("919800000002", "w3", engine.EventHandoff)
		if n := tail(); n != 1 || got[0].Kind != "handoff_message" || got[0].ContactID == "" || got[0].Integration != "city" {
			t.Fatalf("second tail: %d %+v", n, got)
		}
		if n := tail(); n != 0 {
			t.Fatalf("the recent handoff was read before it settled: %d", n)
		}
		e.clock.Advance(6 * time.Second)
		if n := tail(); n != 1 || got[1].Kind != "handoff" || got[1].Detail != "counter" || got[1].ID <= got[0].ID {
			t.Fatalf("third tail: %d %+v", n, got)
		}
		if n := tail(); n != 0 {
			t.Fatalf("read twice: %d", n)
		}
	})
}

// A case change is queued with the documented fields.
func TestQueueCaseChange(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		err := e.s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
			return QueueCaseChange(ctx, tx, "", CaseChange{Integration: "city", Reference: "GRV-26-4821-7305-A",
				Kind: "grievance", Status: "resolved", PreviousStatus: "in_progress", Actor: "asha"}, e.clock.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := e.s.WebhookDeliveries(ctx, WebhookQuery{Department: "health", Limit: 10}); len(got) != 0 {
			t.Fatalf("another department's deliveries: %+v", got)
		}
		got, _ := e.s.WebhookDeliveries(ctx, WebhookQuery{Department: "health", Integrations: []string{"city"}, Limit: 10})
		want := `{"integration":"city","reference":"GRV-26-4821-7305-A","kind":"grievance","status":"resolved","previous_status":"in_progress","actor":"asha","at":"` +
			e.clock.Now().UTC().Format(time.RFC3339Nano) + `"}`
		if len(got) != 1 || got[0].Event != WebhookCaseChanged || got[0].Department != "" || got[0].Integration != "city" || string(got[0].Payload) != want {
			t.Fatalf("deliveries %+v\nwant payload %s", got, want)
		}
	})
}
