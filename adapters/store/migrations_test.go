package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Migration 4 opens exactly the outbox rows that were queued or in flight,
// and the queue takes up from there: the open row is claimed, the closed
// ones never are.
func TestOutboxOpenFlagMigration(t *testing.T) {
	eachStoreWith(t, func(o *Options) { o.migrateUpTo = "20261121000002" }, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		var at any = now.UnixMicro() // SQLite keeps times as microseconds
		if e.pg() {
			at = now
		}
		if _, err := e.s.drv.DB().ExecContext(ctx, "INSERT INTO contacts (id, integration_id, key, first_seen, last_seen) VALUES ('city/1', 'city', '1', ?, ?)", at, at); err != nil {
			t.Fatal(err)
		}
		for seq, status := range []int{2, 5, 0, 1} {
			if _, err := e.s.drv.DB().ExecContext(ctx, "INSERT INTO outbox (contact_id, seq, integration_id, conversation, payload, status, due_at, lease_until, created_at) "+
				"VALUES ('city/1', ?, 'city', 1, ?, ?, ?, ?, ?)", seq+1, []byte("p"), status, at, at, at); err != nil {
				t.Fatal(err)
			}
		}
		opts := e.opts
		opts.migrateUpTo = ""
		s := e.open(opts)
		got := map[int64]bool{}
		rows, err := s.drv.DB().DB.QueryContext(ctx, "SELECT seq, is_open FROM outbox ORDER BY seq")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var seq int64
			var open bool
			if err := rows.Scan(&seq, &open); err != nil {
				t.Fatal(err)
			}
			got[seq] = open
		}
		rows.Close()
		if want := map[int64]bool{1: false, 2: false, 3: true, 4: true}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("is_open by seq after migrating = %v, want %v", got, want)
		}
		e.clock.Advance(2 * e.opts.BackoffMax)
		claimed, err := s.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(claimed) != 1 || claimed[0].Seq != 3 {
			t.Fatalf("claim after migrating = %+v (%v), want the queued row (seq 3) alone", claimed, err)
		}
	})
}
