package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A status webhook written while MarkSent of its message is still being
// written must not be lost: without the wamid locks the status finds no
// row with that wamid (MarkSent has not committed) and MarkSent does not
// see the status (not committed either), and the row stays "sent".
func TestPostgresStatusDuringMarkSentIsNotLost(t *testing.T) {
	key := "919800000009"
	e, row, run := raceSetup(t, key)
	ctx := context.Background()
	// MarkSent's write, not committed yet.
	run("BEGIN")
	run(fmt.Sprintf("SELECT * FROM mark_outbox_sent(ARRAY[%d]::bigint[], ARRAY['wamid.race']::text[], ARRAY[now()]::timestamptz[])", row.ID))
	done := make(chan error, 1)
	go func() {
		_, err := e.s.Ingest(ctx, Batch{Statuses: []Status{{Integration: "city", Wamid: "wamid.race", Status: "read", Timestamp: e.clock.Now()}}})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // the status's write runs (or waits) meanwhile
	run("COMMIT")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r := e.outbox(key)[0]; r.Status != "read" || r.ProviderWamid != "wamid.race" {
		t.Fatalf("outbox row %+v, want read: the status was lost", r)
	}
}

// The other order: a status's write holds the wamid when MarkSent comes;
// MarkSent waits for it and then applies it.
func TestPostgresMarkSentDuringAStatusAppliesIt(t *testing.T) {
	key := "919800000010"
	e, row, run := raceSetup(t, key)
	ctx := context.Background()
	// A status webhook's write, not committed yet, as Ingest makes it.
	run("BEGIN")
	run("CALL lock_outbound_wamids(ARRAY['wamid.race2'])")
	run(`INSERT INTO statuses (wamid, status, rank, integration_id, at, recipient, received_at)
		VALUES ('wamid.race2', 'read', 4, 'city', now(), '', now())`)
	done := make(chan error, 1)
	go func() { done <- e.s.MarkSent(ctx, row.ID, "wamid.race2") }()
	time.Sleep(300 * time.Millisecond) // MarkSent runs (or waits) meanwhile
	run("COMMIT")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r := e.outbox(key)[0]; r.Status != "read" {
		t.Fatalf("outbox row %+v, want read: MarkSent missed the status", r)
	}
}

// A status that overtakes the send's response while its MarkSent is under
// way is no news: it gets no note in the event log; one for an id nobody is
// marking does.
func TestStatusDuringMarkSentIsNotNoted(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.s.marking.Store("wamid.coming", struct{}{})
		defer e.s.marking.Delete("wamid.coming")
		_, err := e.s.Ingest(ctx, Batch{Statuses: []Status{
			{Integration: "city", Wamid: "wamid.coming", Status: "sent", Timestamp: e.clock.Now()},
			{Integration: "city", Wamid: "wamid.nobody", Status: "sent", Timestamp: e.clock.Now()},
		}})
		if err != nil {
			t.Fatal(err)
		}
		logs, err := e.s.EventLog(ctx, "city", 10)
		if err != nil {
			t.Fatal(err)
		}
		if n := countKind(logs, "status_unmatched"); n != 1 || !strings.Contains(logs[0].Message, "wamid.nobody") {
			t.Fatalf("%d status_unmatched notes (%+v), want one, for wamid.nobody", n, logs)
		}
	})
}

// raceSetup gives a contact one reply claimed for sending (row), and run, a
// connection of its own on which a test holds a transaction open.
func raceSetup(t *testing.T, key string) (e *env, row OutboxMessage, run func(q string)) {
	t.Helper()
	e = newEnv(t, "postgres", nil)
	ctx := context.Background()
	e.ingest(inbound(key, "wamid.in", e.clock.Now(), "hi"))
	e.drain(reply(0, e.clock))
	rows := e.claim(1, time.Minute)
	if len(rows) != 1 {
		t.Fatalf("claimed %d rows, want 1", len(rows))
	}
	conn, err := e.s.drv.DB().DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return e, rows[0], func(q string) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
