package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// A parked message is listed with why it failed, and once the cause is
// mended a requeue steps it again like a new message.
func TestParkedMessageIsListedAndRequeued(t *testing.T) {
	eachStoreWith(t, func(o *Options) { o.MaxAttempts = 1 }, func(t *testing.T, e *env) {
		ctx := context.Background()
		const key = "919876500001"
		e.ingest(inbound(key, "w1", e.clock.Now(), "poison"), inbound("919876500002", "w2", e.clock.Now(), "poison"))
		var seen [][]string
		broken := poisonHandler(e, &seen)
		for {
			ok, _ := e.s.ProcessNext(ctx, broken)
			if !ok {
				break
			}
		}
		parked, err := e.s.ParkedMessages(ctx, "city", 10)
		if err != nil || len(parked) != 2 {
			t.Fatalf("parked messages = %+v %v, want both", parked, err)
		}
		p := parked[0]
		if p.ContactID != ContactID("city", key) || p.Wamid != "w1" || p.Summary != "poison" || p.Attempts != 1 ||
			!strings.Contains(p.LastError, "engine cannot handle this message") || !p.ParkedAt.Equal(e.clock.Now()) {
			t.Fatalf("parked message = %+v", p)
		}
		if other, _ := e.s.ParkedMessages(ctx, "town", 10); len(other) != 0 {
			t.Fatalf("another integration's parked messages = %+v, want none", other)
		}

		// A later message is served; on Postgres the claims' floor (see
		// postgres.queueFloor) moves past the parked rows once it is read
		// again, at most 100 ms later.
		e.ingest(inbound("919876500003", "w3", e.clock.Now(), "hello"))
		time.Sleep(110 * time.Millisecond)
		if steps := e.drain(reply(0, e.clock)); steps != 1 {
			t.Fatalf("steps for the later message = %d, want 1", steps)
		}

		// Requeue the first by id (the unknown id is skipped), once mended.
		n, err := e.s.RequeueParked(ctx, "city", []int64{p.ID, 999999})
		if err != nil || n != 1 {
			t.Fatalf("requeue: %d %v, want 1", n, err)
		}
		if n, _ := e.s.RequeueParked(ctx, "city", []int64{p.ID}); n != 0 {
			t.Fatalf("requeueing it again: %d, want 0 (it is no longer parked)", n)
		}
		if steps := e.drain(reply(0, e.clock)); steps != 1 {
			t.Fatalf("steps after the requeue = %d, want 1", steps)
		}
		if got := payloads(e.outbox(key)); !slices.Equal(got, []string{"apology for " + key, "re:poison"}) {
			t.Fatalf("outbox = %q, want the apology, then the answer to the requeued message", got)
		}
		if _, _, left := e.depths(); left != 1 {
			t.Fatalf("parked after requeueing one = %d, want 1", left)
		}
		// nil requeues the rest.
		if n, err := e.s.RequeueParked(ctx, "", nil); err != nil || n != 1 {
			t.Fatalf("requeue all: %d %v, want 1", n, err)
		}
		logs, err := e.s.EventLog(ctx, "city", 10)
		if err != nil {
			t.Fatal(err)
		}
		requeued := 0
		for _, l := range logs {
			if l.Kind == "message_requeued" {
				requeued++
				if strings.Contains(l.Message, key) {
					t.Errorf("event log holds the phone number: %q", l.Message)
				}
			}
		}
		if requeued != 2 {
			t.Fatalf("event log has %d message_requeued entries, want 2: %+v", requeued, logs)
		}
	})
}
