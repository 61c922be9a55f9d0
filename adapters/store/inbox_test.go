package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestIngestDeduplicatesRedeliveries(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		first := []Inbound{
			inbound("911111111111", "wamid.A1", now, "hi"),
			inbound("911111111111", "wamid.A2", now.Add(time.Second), "1"),
			inbound("922222222222", "wamid.B1", now, "namaste"),
		}
		if r := e.ingest(first...); r.Messages != 3 || r.Duplicates != 0 {
			t.Fatalf("first delivery: %+v, want 3 new", r)
		}
		if r := e.ingest(first...); r.Messages != 0 || r.Duplicates != 3 {
			t.Fatalf("same batch again: %+v, want 3 duplicates", r)
		}
		overlap := []Inbound{first[1], inbound("922222222222", "wamid.B2", now.Add(2*time.Second), "2"), first[2]}
		if r := e.ingest(overlap...); r.Messages != 1 || r.Duplicates != 2 {
			t.Fatalf("overlapping batch: %+v, want 1 new and 2 duplicates", r)
		}
		twice := inbound("933333333333", "wamid.C1", now, "x")
		if r := e.ingest(twice, twice); r.Messages != 1 || r.Duplicates != 1 {
			t.Fatalf("a wamid twice in one batch: %+v, want 1 new and 1 duplicate", r)
		}

		// Meta re-delivers concurrently: eight POSTs of the same batch at once.
		var batch []Inbound
		for i := range 5 {
			batch = append(batch, inbound("944444444444", fmt.Sprintf("wamid.D%d", i), now.Add(time.Duration(i)*time.Second), "d"))
		}
		var mu sync.Mutex
		var total IngestResult
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := e.s.Ingest(ctx, Batch{Messages: batch})
				if err != nil {
					t.Errorf("concurrent ingest: %v", err)
					return
				}
				mu.Lock()
				total.Messages += r.Messages
				total.Duplicates += r.Duplicates
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		if total.Messages != 5 || total.Duplicates != 35 {
			t.Fatalf("8 concurrent deliveries of 5 messages: %+v, want 5 new and 35 duplicates", total)
		}
		if pending, _, _ := e.depths(); pending != 10 {
			t.Fatalf("pending inbox rows = %d, want 10", pending)
		}

		// Each stored message reaches a handler exactly once.
		seen := map[string]int{}
		e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
			for _, m := range w.Messages {
				seen[m.Wamid]++
			}
			return &Outcome{}, nil
		})
		if len(seen) != 10 {
			t.Fatalf("handled %d distinct messages, want 10: %v", len(seen), seen)
		}
		for wamid, n := range seen {
			if n != 1 {
				t.Errorf("%s handled %d times", wamid, n)
			}
		}
		// A re-delivery after processing is still a duplicate, not new work.
		if r := e.ingest(first...); r.Messages != 0 || r.Duplicates != 3 {
			t.Fatalf("re-delivery after processing: %+v, want 3 duplicates", r)
		}
		if pending, _, _ := e.depths(); pending != 0 {
			t.Fatalf("pending after re-delivery = %d, want 0", pending)
		}
	})
}

func TestIngestRejectsBadInputWithoutWriting(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		for name, m := range map[string]Inbound{
			"empty wamid":         inbound("911111111111", "", now, "x"),
			"empty contact key":   inbound("", "w1", now, "x"),
			"control char in key": inbound("91\n1", "w1", now, "x"),
			"bad integration":     {Integration: "a/b", Wamid: "w1", ContactKey: "1"},
		} {
			_, err := e.s.Ingest(context.Background(), Batch{Messages: []Inbound{inbound("955555555555", "ok", now, "fine"), m}})
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		if pending, _, _ := e.depths(); pending != 0 {
			t.Fatalf("a rejected batch left %d inbox rows", pending)
		}
		// Text with quotes, a '?', NUL and invalid UTF-8 is stored safely.
		odd := inbound("955555555555", "w'?\x00", now, "it's 100% ok? \x00 \xff")
		odd.Input = []byte{0, 1, 2, '\'', '?'}
		if r := e.ingest(odd); r.Messages != 1 {
			t.Fatalf("odd text: %+v", r)
		}
		e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
			if string(w.Messages[0].Input) != string(odd.Input) {
				t.Errorf("input bytes changed: %q", w.Messages[0].Input)
			}
			return &Outcome{}, nil
		})
	})
}

func TestStepRollsBackOnHandlerError(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		key := "911111111111"
		e.ingest(inbound(key, "w1", e.clock.Now(), "hi"))
		boom := errors.New("service down")
		ok, err := e.s.ProcessNext(ctx, func(ctx context.Context, w *Work) (*Outcome, error) {
			if _, err := w.AddGrievance(ctx, Grievance{Category: "roads", Description: "pothole"}); err != nil {
				t.Errorf("add grievance: %v", err)
			}
			return &Outcome{Session: []byte("half-done"), Outbox: []OutboundMessage{{Payload: []byte("half a reply")}}}, boom
		})
		var serr *StepError
		if !ok || !errors.As(err, &serr) || !errors.Is(err, boom) || serr.Parked || serr.Attempts != 1 || !serr.Recorded {
			t.Fatalf("failed step: ok=%v err=%v, want a recorded StepError for attempt 1 wrapping the handler's error", ok, err)
		}
		if strings := fmt.Sprint(err); contains(strings, key) {
			t.Errorf("step error shows the phone number: %s", strings)
		}
		e.assertNothingFrom(key)

		// Held back by the backoff (1s) …
		e.clock.Advance(999 * time.Millisecond)
		if ok, err := e.s.ProcessNext(ctx, reply(0, e.clock)); ok || err != nil {
			t.Fatalf("during backoff: ok=%v err=%v, want nothing to do", ok, err)
		}
		// … then processed once, with the attempt counted.
		e.clock.Advance(time.Millisecond)
		var attempts int
		ok, err = e.s.ProcessNext(ctx, func(ctx context.Context, w *Work) (*Outcome, error) {
			attempts = w.Messages[0].Attempts
			if w.Session != nil {
				t.Errorf("the failed step's session leaked: %q", w.Session)
			}
			return reply(0, e.clock)(ctx, w)
		})
		if !ok || err != nil || attempts != 1 {
			t.Fatalf("retry: ok=%v err=%v attempts=%d", ok, err, attempts)
		}
		if got := payloads(e.outbox(key)); len(got) != 1 || got[0] != "re:hi" {
			t.Fatalf("outbox after retry = %q, want one reply", got)
		}
		if gs, _ := e.s.GrievancesOfContact(ctx, ContactID("city", key)); len(gs) != 0 {
			t.Fatalf("the failed step's grievance exists: %+v", gs)
		}
		if e.drain(reply(0, e.clock)) != 0 {
			t.Fatal("the message was processed twice")
		}
	})
}

// assertNothingFrom checks that no effect of a step for key is visible.
func (e *env) assertNothingFrom(key string) {
	e.t.Helper()
	if rs := e.outbox(key); len(rs) != 0 {
		e.t.Fatalf("outbox rows visible after rollback: %q", payloads(rs))
	}
	for _, h := range e.history(key) {
		if h.Direction == "out" {
			e.t.Fatalf("history visible after rollback: %+v", h)
		}
	}
	if evs, _ := e.s.Events(context.Background(), ContactID("city", key)); len(evs) != 0 {
		e.t.Fatalf("events visible after rollback: %+v", evs)
	}
	if pending, _, _ := e.depths(); pending == 0 {
		e.t.Fatal("the message is no longer pending after rollback")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestStepRollsBackWhenCancelledMidway(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		key := "922222222222"
		e.ingest(inbound(key, "w1", e.clock.Now(), "hi"))

		// Shutdown: the context is cancelled while the handler runs; the
		// handler ignores it and returns an outcome, which must not be kept.
		ctx, cancel := context.WithCancel(context.Background())
		ok, err := e.s.ProcessNext(ctx, func(_ context.Context, w *Work) (*Outcome, error) {
			cancel()
			return reply(0, e.clock)(context.Background(), w)
		})
		if !ok || !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled step: ok=%v err=%v, want context.Canceled", ok, err)
		}
		e.assertNothingFrom(key)

		// A deadline counts as an attempt (a message that hangs the handler
		// must end up parked), and rolls back too.
		dctx, dcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer dcancel()
		ok, err = e.s.ProcessNext(dctx, func(ctx context.Context, w *Work) (*Outcome, error) {
			if w.Messages[0].Attempts != 0 {
				t.Errorf("cancellation counted as an attempt: %d", w.Messages[0].Attempts)
			}
			<-ctx.Done()
			return &Outcome{Outbox: []OutboundMessage{{Payload: []byte("late")}}}, ctx.Err()
		})
		var serr *StepError
		if !ok || !errors.As(err, &serr) || serr.Attempts != 1 {
			t.Fatalf("timed-out step: ok=%v err=%v, want StepError attempt 1", ok, err)
		}
		e.assertNothingFrom(key)

		e.clock.Advance(time.Hour)
		if n := e.drain(reply(0, e.clock)); n != 1 {
			t.Fatalf("steps after recovery = %d, want 1", n)
		}
		if got := payloads(e.outbox(key)); len(got) != 1 || got[0] != "re:hi" {
			t.Fatalf("outbox = %q, want exactly one reply", got)
		}
	})
}

func TestOutcomeThatCannotBeWrittenRollsBack(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		key := "933333333333"
		e.ingest(inbound(key, "w1", e.clock.Now(), "hi"))
		// A trigger makes the events insert (the last part of the outcome) fail.
		failOnInsert(e, "events")
		withEvent := func(ctx context.Context, w *Work) (*Outcome, error) {
			out, _ := reply(0, e.clock)(ctx, w)
			out.Events = append(out.Events, testEvent("flow_started"))
			return out, nil
		}
		ok, err := e.s.ProcessNext(context.Background(), withEvent)
		var serr *StepError
		if !ok || !errors.As(err, &serr) || !serr.Recorded || serr.Attempts != 1 {
			t.Fatalf("unwritable outcome: ok=%v err=%v, want a recorded StepError", ok, err)
		}
		e.assertNothingFrom(key)
		if _, err := e.s.Contact(context.Background(), ContactID("city", key)); err != nil {
			t.Fatal(err)
		}
		dropFailOnInsert(e, "events")
		e.clock.Advance(time.Minute)
		if n := e.drain(withEvent); n != 1 {
			t.Fatalf("steps = %d, want 1", n)
		}
		if got := payloads(e.outbox(key)); len(got) != 1 {
			t.Fatalf("outbox = %q, want one reply", got)
		}
	})
}

// failOnInsert installs a trigger that makes every insert into table fail.
func failOnInsert(e *env, table string) {
	if e.pg() {
		e.exec(`CREATE OR REPLACE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$`)
		e.exec("CREATE TRIGGER fail_insert BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION fail_insert()")
		return
	}
	e.exec("CREATE TRIGGER fail_insert BEFORE INSERT ON " + table + " BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END")
}

func dropFailOnInsert(e *env, table string) {
	if e.pg() {
		e.exec("DROP TRIGGER fail_insert ON " + table)
		return
	}
	e.exec("DROP TRIGGER fail_insert")
}

// Small ingests go as prepared statements on Postgres, large ones as text
// (up to 8 rows, see postgres.maxPreparedIngestRows): both store every
// field. That a shape prepared on a connection is run again without
// preparing it anew is the driver's to show (TestSmallIngestsStayPrepared).
func TestIngestSmallAndLargeBatches(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		var all []Inbound
		for _, size := range []int{1, 8, 9, 40} {
			var batch []Inbound
			for i := range size {
				key := fmt.Sprintf("9177%04d%04d", size, i%7) // several messages per citizen
				batch = append(batch, inbound(key, fmt.Sprintf("wamid.S%d.%d", size, i), now.Add(time.Duration(i)*time.Second), fmt.Sprintf("text '%d' of %d", i, size)))
			}
			// One message is new twice over: a re-delivery in the batch.
			batch = append(batch, batch[0])
			if r := e.ingest(batch...); r.Messages != size || r.Duplicates != 1 {
				t.Fatalf("a batch of %d messages and a repeat: %+v, want %d new and 1 duplicate", size, r, size)
			}
			all = append(all, batch[:size]...)
		}
		if r := e.ingest(all[0]); r.Messages != 0 || r.Duplicates != 1 {
			t.Fatalf("re-delivery of a prepared-path message: %+v", r)
		}
		want := map[string]Inbound{}
		for _, m := range all {
			want[m.Wamid] = m
		}
		e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
			for _, m := range w.Messages {
				in, ok := want[m.Wamid]
				if !ok {
					t.Errorf("%s handled twice or never ingested", m.Wamid)
					continue
				}
				delete(want, m.Wamid)
				if m.Summary != in.Summary || string(m.Input) != string(in.Input) || m.Type != "text" || !m.Timestamp.Equal(in.Timestamp) ||
					w.Contact.Key != in.ContactKey {
					t.Errorf("%s came back as %+v (contact %q), want summary %q, input %q, at %v, contact %q",
						m.Wamid, m, w.Contact.Key, in.Summary, in.Input, in.Timestamp, in.ContactKey)
				}
			}
			return &Outcome{}, nil
		})
		if len(want) != 0 {
			t.Fatalf("%d messages never handled", len(want))
		}
	})
}
