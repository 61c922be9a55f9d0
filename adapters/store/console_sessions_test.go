package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConsoleSessions(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		hash := strings.Repeat("ab", 32)
		cs := ConsoleSession{IDHash: hash, UserID: "u1", Actor: "Asha", Role: "agent", Department: "city",
			Created: now, Expires: now.Add(time.Hour)}
		if err := e.s.CreateConsoleSession(ctx, cs); err != nil {
			t.Fatal(err)
		}
		if err := e.s.CreateConsoleSession(ctx, cs); err == nil {
			t.Fatal("a second session under the same hash was stored")
		}
		got, err := e.s.ConsoleSessionByHash(ctx, hash)
		if err != nil || got.Actor != "Asha" || got.Role != "agent" || got.Department != "city" || !got.Expires.Equal(cs.Expires) {
			t.Fatalf("session = %+v, %v", got, err)
		}
		if _, err := e.s.ConsoleSessionByHash(ctx, strings.Repeat("cd", 32)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("an unknown session: %v, want ErrNotFound", err)
		}
		e.clock.Advance(time.Hour)
		if _, err := e.s.ConsoleSessionByHash(ctx, hash); !errors.Is(err, ErrNotFound) {
			t.Fatalf("an expired session: %v, want ErrNotFound", err)
		}
		// A new session sweeps the expired one away.
		other := cs
		other.IDHash, other.Created, other.Expires = strings.Repeat("ef", 32), e.clock.Now(), e.clock.Now().Add(time.Hour)
		if err := e.s.CreateConsoleSession(ctx, other); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := e.s.drv.DB().DB.QueryRowContext(ctx, "SELECT count(*) FROM console_sessions").Scan(&left); err != nil || left != 1 {
			t.Fatalf("%d sessions left after the sweep (%v), want 1", left, err)
		}
		if n, err := e.s.DeleteConsoleSessionsOf(ctx, "u1"); err != nil || n != 1 {
			t.Fatalf("deleting u1's sessions: %d, %v", n, err)
		}
		if err := e.s.DeleteConsoleSession(ctx, other.IDHash); err != nil {
			t.Fatalf("ending a session already gone: %v", err)
		}
	})
}

func TestConsoleSessionRefusesIncompleteOnes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	now := e.clock.Now()
	for name, cs := range map[string]ConsoleSession{
		"short hash": {IDHash: "ab", UserID: "u", Role: "agent", Department: "d", Created: now, Expires: now.Add(time.Hour)},
		"no role":    {IDHash: strings.Repeat("a", 64), UserID: "u", Department: "d", Created: now, Expires: now.Add(time.Hour)},
		"expired":    {IDHash: strings.Repeat("a", 64), UserID: "u", Role: "agent", Department: "d", Created: now, Expires: now},
	} {
		if err := e.s.CreateConsoleSession(context.Background(), cs); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}
