package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// markCall is one MarkSent call of TestConcurrentMarkSent and what it must
// return: nil (want == ""), or an error wrapping is whose text contains want.
type markCall struct {
	id    int64
	wamid string
	is    error
	want  string
	// race: one of two calls for the row with different wamids (one wins).
	race bool
	err  error
}

// Many MarkSent calls at once, of every kind, each get their own answer;
// on Postgres the rows they change are written in a few shared
// transactions, not one each.
func TestConcurrentMarkSent(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		keys := func(prefix string, n int) []string {
			var out []string
			for i := range n {
				out = append(out, fmt.Sprintf("%s%03d", prefix, i))
			}
			return out
		}
		fresh, twice, same, other, early := keys("f", 120), keys("n", 10), keys("s", 15), keys("d", 15), keys("p", 2)
		repeat, race, invalid := keys("t", 5), keys("u", 5), keys("v", 1)
		queue(e, 1, slices.Concat(fresh, same, other, early, repeat, race, invalid)...)
		queue(e, 2, twice...)
		ids := map[string]int64{}
		var maxID int64
		for _, m := range e.claim(1000, time.Hour) {
			ids[m.WaID] = m.ID
			maxID = max(maxID, m.ID)
		}
		for _, k := range slices.Concat(same, other) {
			if err := e.s.MarkSent(ctx, ids[k], "wamid."+k); err != nil {
				t.Fatal(err)
			}
		}
		// Webhooks that overtook the sends' responses.
		if _, err := e.s.Ingest(ctx, Batch{Statuses: []Status{
			{Integration: "city", Wamid: "wamid.p000", Status: "sent"},
			{Integration: "city", Wamid: "wamid.p000", Status: "delivered"},
			{Integration: "city", Wamid: "wamid.p001", Status: "failed", ErrorCode: 131026, ErrorTitle: "undeliverable"},
		}}); err != nil {
			t.Fatal(err)
		}

		var calls []*markCall
		add := func(id int64, wamid string, is error, want string) *markCall {
			c := &markCall{id: id, wamid: wamid, is: is, want: want}
			calls = append(calls, c)
			return c
		}
		for _, k := range slices.Concat(fresh, twice, early, same) {
			add(ids[k], "wamid."+k, nil, "")
		}
		for _, k := range twice {
			add(e.outbox(k)[1].ID, "wamid.second."+k, ErrNotInFlight, "(it is queued)")
		}
		for _, k := range other {
			add(ids[k], "wamid.other."+k, ErrNotInFlight, "(it is sent)")
		}
		for i := range 15 {
			add(maxID+1000+int64(i), "wamid.nobody", ErrNotFound, "")
		}
		for _, k := range repeat { // the same call twice at once: both succeed
			add(ids[k], "wamid."+k, nil, "")
			add(ids[k], "wamid."+k, nil, "")
		}
		var races [][2]*markCall
		for _, k := range race { // two wamids for one row: one wins (checked below)
			a, b := add(ids[k], "wamid.a."+k, nil, ""), add(ids[k], "wamid.b."+k, nil, "")
			a.race, b.race = true, true
			races = append(races, [2]*markCall{a, b})
		}
		add(ids[invalid[0]], "", ErrInvalid, "1 to 512 bytes")
		add(ids[invalid[0]], strings.Repeat("w", 513), ErrInvalid, "1 to 512 bytes")

		e.clock.Advance(time.Second)
		sentAt := e.clock.Now()
		drainWakeUps(e.s)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c.err = e.s.MarkSent(ctx, c.id, c.wamid)
			}()
		}
		close(start)
		wg.Wait()

		for _, c := range calls {
			switch {
			case c.race:
			case c.is == nil:
				if c.err != nil {
					t.Errorf("MarkSent(%d, %q) = %v, want nil", c.id, c.wamid, c.err)
				}
			case !errors.Is(c.err, c.is) || !strings.Contains(fmt.Sprint(c.err), c.want):
				t.Errorf("MarkSent(%d, %q) = %v, want %v %s", c.id, c.wamid, c.err, c.is, c.want)
			}
		}
		for i, k := range race {
			a, b := races[i][0], races[i][1]
			winner := a
			if a.err != nil {
				winner = b
			}
			loser := map[*markCall]*markCall{a: b, b: a}[winner]
			if winner.err != nil || !errors.Is(loser.err, ErrNotInFlight) || !strings.Contains(loser.err.Error(), "(it is sent)") {
				t.Errorf("%s: two wamids at once returned %v and %v, want nil and ErrNotInFlight (it is sent)", k, a.err, b.err)
			}
			if r := e.outbox(k)[0]; r.ProviderWamid != winner.wamid {
				t.Errorf("%s: provider wamid %q, want the winner's %q", k, r.ProviderWamid, winner.wamid)
			}
		}
		for _, k := range slices.Concat(fresh, twice, same, repeat) {
			if r := e.outbox(k)[0]; r.Status != "sent" || r.ProviderWamid != "wamid."+k {
				t.Errorf("%s: %s with wamid %q, want sent with wamid.%s", k, r.Status, r.ProviderWamid, k)
			}
		}
		for _, k := range other {
			if r := e.outbox(k)[0]; r.ProviderWamid != "wamid."+k {
				t.Errorf("%s: wamid %q, want the first one, wamid.%s", k, r.ProviderWamid, k)
			}
		}
		if r := e.outbox("p000")[0]; r.Status != "delivered" || !r.SentAt.Equal(sentAt) {
			t.Errorf("p000: %s sent at %s, want delivered (a status that came before) sent at %s", r.Status, r.SentAt, sentAt)
		}
		if r := e.outbox("p001")[0]; r.Status != "failed" || r.ErrorCode != 131026 || r.ErrorTitle != "undeliverable" {
			t.Errorf("p001: %+v, want failed with 131026 (a status that came before)", r)
		}
		if r := e.outbox(invalid[0])[0]; r.Status != "sending" {
			t.Errorf("%s: %s after invalid wamids, want still sending", invalid[0], r.Status)
		}
		if got := claimed(e.claim(1000, time.Hour)); len(got) != len(twice) {
			t.Errorf("claim after the marks = %v, want the second message of each of %v", got, twice)
		}
		if !e.pg() {
			return
		}
		// Only the contacts with a message waiting woke a sender (SQLite
		// wakes one for every row sent).
		if n := len(e.s.wakeOutbox.ch); n != len(twice) || e.s.wakeOutbox.overflow {
			t.Errorf("%d wake-ups (overflow %v), want %d: one per contact with a message waiting", n, e.s.wakeOutbox.overflow, len(twice))
		}
		// That the rows were written in a few shared transactions is the
		// Postgres driver's to show (TestMarkSentsShareTransactions).
	})
}

// drainWakeUps takes every pending wake-up of the outbox's signal.
func drainWakeUps(s *Store) {
	for len(s.wakeOutbox.ch) > 0 {
		<-s.wakeOutbox.ch
	}
	s.wakeOutbox.settle()
}
