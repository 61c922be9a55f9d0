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
		if e.s.pg {
			// Hold the send connections until every call has queued, so
			// that the batches are as large as they can be and the test
			// does not depend on the scheduler's timing.
			release := holdConns(t, e.s.sendConns)
			close(start)
			waitForQueue(e.s.markSents)
			release()
		} else {
			close(start)
		}
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
		if !e.s.pg {
			return
		}
		// Only the contacts with a message waiting woke a sender (SQLite
		// wakes one for every row sent).
		if n := len(e.s.wakeOutbox.ch); n != len(twice) || e.s.wakeOutbox.overflow {
			t.Errorf("%d wake-ups (overflow %v), want %d: one per contact with a message waiting", n, e.s.wakeOutbox.overflow, len(twice))
		}
		var rows, transactions int
		if err := e.s.db.DB.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT xmin::text) FROM outbox WHERE sent_at = (SELECT max(sent_at) FROM outbox)").
			Scan(&rows, &transactions); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d rows marked sent at once, in %d transactions", rows, transactions)
		if want := len(fresh) + len(twice) + len(early) + len(repeat) + len(race); rows != want || transactions > 5 {
			t.Errorf("%d rows marked sent at once in %d transactions, want %d rows in at most 5", rows, transactions, want)
		}
	})
}

// drainWakeUps takes every pending wake-up of the outbox's signal.
func drainWakeUps(s *Store) {
	for len(s.wakeOutbox.ch) > 0 {
		<-s.wakeOutbox.ch
	}
	s.wakeOutbox.settle()
}

// holdConns takes every connection of p; release gives them back.
func holdConns(t *testing.T, p *connPool) (release func()) {
	t.Helper()
	var held []*pgConn
	for range cap(p.slots) {
		c, err := p.take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	return func() {
		for _, c := range held {
			p.give(c)
		}
	}
}

// waitForQueue waits until g's queue has stopped growing for 100 ms (or
// 5 s have passed).
func waitForQueue[J any](g *group[J]) {
	last, still := -1, 0
	for deadline := time.Now().Add(5 * time.Second); still < 20 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		g.mu.Lock()
		n := len(g.queue)
		g.mu.Unlock()
		if n > 0 && n == last {
			still++
		} else {
			still = 0
		}
		last = n
	}
}

// waitForQueueLen waits until g's writer is running and n jobs wait for it.
func waitForQueueLen[J any](t *testing.T, g *group[J], n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		g.mu.Lock()
		queued, running := len(g.queue), g.running
		g.mu.Unlock()
		if queued == n && running > 0 {
			return
		}
	}
	t.Fatalf("the group never had %d jobs queued behind a running writer", n)
}

// On Postgres, a row that makes its shared transaction fail fails alone:
// the others of its batch are written again without it.
func TestMarkSentBatchFailureFailsAlone(t *testing.T) {
	e := newEnv(t, "postgres", nil)
	ctx := context.Background()
	e.exec(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'poisoned wamid'; END $$;
		CREATE TRIGGER refuse_poison BEFORE UPDATE ON outbox FOR EACH ROW
		WHEN (NEW.provider_wamid = 'wamid.poison') EXECUTE FUNCTION refuse_poison()`)
	var keys []string
	for i := range 20 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	queue(e, 1, keys...)
	ms := e.claim(100, time.Hour)
	errs := make([]error, len(ms))
	wamid := func(i int) string {
		if i == 7 {
			return "wamid.poison"
		}
		return "wamid." + ms[i].WaID
	}
	release := holdConns(t, e.s.sendConns)
	calls := e.s.calls.Load()
	var wg sync.WaitGroup
	mark := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.s.MarkSent(ctx, ms[i].ID, wamid(i))
		}()
	}
	// The first call is taken by the group's writer, which then waits for
	// a connection; the others queue behind it, the poisoned one last, so
	// that it is written among others rather than alone.
	mark(0)
	waitForQueueLen(t, e.s.markSents, 0)
	for i := 1; i < len(ms); i++ {
		if i != 7 {
			mark(i)
		}
	}
	waitForQueueLen(t, e.s.markSents, len(ms)-2)
	mark(7)
	waitForQueueLen(t, e.s.markSents, len(ms)-1)
	release()
	wg.Wait()
	if n := e.s.calls.Load() - calls; n < 4 {
		t.Fatalf("%d round trips for %d marks, want a shared one that failed and its rows written alone", n, len(ms))
	}
	for i, m := range ms {
		r := e.outbox(m.WaID)[0]
		switch {
		case i == 7 && (errs[i] == nil || !strings.Contains(errs[i].Error(), "poisoned wamid") || r.Status != "sending"):
			t.Errorf("poisoned row: MarkSent = %v, row %s; want the trigger's error and the row still sending", errs[i], r.Status)
		case i != 7 && (errs[i] != nil || r.Status != "sent" || r.ProviderWamid != wamid(i)):
			t.Errorf("row %d of the batch: MarkSent = %v, row %s with %q; want nil, sent with %q", i, errs[i], r.Status, r.ProviderWamid, wamid(i))
		}
	}
}
