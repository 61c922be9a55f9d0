package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A connPool opens at most its size, runs its settings on each connection,
// and hands a given-back connection (with what it prepared) to the next
// caller.
func TestPostgresConnPool(t *testing.T) {
	s := newEnv(t, "postgres", nil).s
	ctx := context.Background()
	p := newConnPool(1, queueSettings)
	p.db = s.db.DB
	defer p.close()

	c, err := p.take(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var setting string
	if err := c.conn.QueryRowContext(ctx, "SHOW enable_bitmapscan").Scan(&setting); err != nil || setting != "off" {
		t.Fatalf("enable_bitmapscan on a pool connection: %q (%v), want off", setting, err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := p.take(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second take from a pool of one: %v, want it to wait until the deadline", err)
	}
	c.prepared["x"] = true
	p.give(c)
	again, err := p.take(ctx)
	if err != nil || again != c || !again.prepared["x"] {
		t.Fatalf("take after give: %p (%v), want the same connection %p with its prepared statements", again, err, c)
	}
	p.discard(again)
	fresh, err := p.take(ctx)
	if err != nil || fresh == c || len(fresh.prepared) != 0 {
		t.Fatalf("take after discard: %p (%v), want a new connection", fresh, err)
	}
	p.give(fresh)
}

// Steps may commit without waiting for the disk only because every send
// claim commits synchronously (see stepSettings): pin both.
func TestPostgresStepAndSendCommitModes(t *testing.T) {
	s := newEnv(t, "postgres", nil).s
	for _, tc := range []struct {
		name string
		pool *connPool
		want string
	}{{"step", s.stepConns, "off"}, {"send", s.sendConns, "on"}} {
		c, err := tc.pool.take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var mode string
		err = c.conn.QueryRowContext(context.Background(), "SHOW synchronous_commit").Scan(&mode)
		tc.pool.give(c)
		if err != nil || mode != tc.want {
			t.Errorf("synchronous_commit on a %s connection: %q (%v), want %s", tc.name, mode, err, tc.want)
		}
	}
}
