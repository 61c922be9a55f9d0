package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

// ingestContacts queues one message from each of n contacts, oldest first.
func (e *env) ingestContacts(n int, text func(i int) string) []string {
	e.t.Helper()
	var keys []string
	for i := range n {
		key := fmt.Sprintf("9198%08d", i)
		keys = append(keys, key)
		e.ingest(inbound(key, "w"+key, e.clock.Now().Add(time.Duration(i)*time.Millisecond), text(i)))
	}
	return keys
}

// handled records which contacts a handler was called for, and in how many
// ProcessNext calls.
type handled struct {
	mu   sync.Mutex
	keys []string
}

func (h *handled) wrap(next Handler) Handler {
	return func(ctx context.Context, w *Work) (*Outcome, error) {
		h.mu.Lock()
		h.keys = append(h.keys, w.Contact.Key)
		h.mu.Unlock()
		return next(ctx, w)
	}
}

func TestPostgresOneCallStepsSeveralContacts(t *testing.T) {
	e := newEnv(t, "postgres", func(o *Options) { o.StepBatch = 4 })
	keys := e.ingestContacts(6, func(i int) string { return fmt.Sprint("m", i) })
	var seen handled
	stepped, leased, err := e.s.ProcessNextAndLease(context.Background(), seen.wrap(reply(0, e.clock)), time.Minute)
	if stepped != 4 || err != nil {
		t.Fatalf("first call: stepped %d, err %v; want the batch of 4", stepped, err)
	}
	if len(seen.keys) != 4 {
		t.Fatalf("the handler was called for %v, want the batch of 4", seen.keys)
	}
	if len(leased) != 4 {
		t.Fatalf("handed back %d replies, want one per contact: %+v", len(leased), leased)
	}
	for _, m := range leased {
		i := slices.Index(keys, m.WaID)
		if i < 0 || string(m.Payload) != fmt.Sprint("re:m", i) || m.ContactID != ContactID("city", m.WaID) {
			t.Errorf("leased reply %+v does not belong to its contact", m)
		}
		if err := e.s.MarkSent(context.Background(), m.ID, "wamid.out."+m.WaID); err != nil {
			t.Errorf("mark %d sent: %v", m.ID, err)
		}
	}
	if n := e.drain(reply(0, e.clock)); n != 2 {
		t.Fatalf("the rest: %d steps, want 2", n)
	}
	for i, key := range keys {
		if got := payloads(e.outbox(key)); !slices.Equal(got, []string{fmt.Sprint("re:m", i)}) {
			t.Errorf("contact %d outbox %q", i, got)
		}
	}
}

func TestPostgresFailedStepInABatchIsRecordedAlone(t *testing.T) {
	e := newEnv(t, "postgres", nil)
	keys := e.ingestContacts(3, func(i int) string { return map[bool]string{true: "poison", false: "fine"}[i == 1] })
	var seen [][]string
	ok, err := e.s.ProcessNext(context.Background(), poisonHandler(e, &seen))
	var serr *StepError
	if !ok || !errors.As(err, &serr) || !serr.Recorded || serr.Attempts != 1 {
		t.Fatalf("batch with a failing step: ok=%v err=%v, want a recorded StepError", ok, err)
	}
	if len(seen) != 3 {
		t.Fatalf("stepped %v, want all three contacts in one call", seen)
	}
	for i, key := range keys {
		want := []string{"re:fine"}
		if i == 1 {
			want = nil
		}
		if got := payloads(e.outbox(key)); !slices.Equal(got, want) {
			t.Errorf("contact %d outbox %q, want %q", i, got, want)
		}
	}
	e.clock.Advance(time.Hour) // past the backoff
	if _, err := e.s.ProcessNext(context.Background(), poisonHandler(e, &seen)); !errors.As(err, &serr) || serr.Attempts != 2 {
		t.Fatalf("the poison's next step: %v, want attempt 2", err)
	}
}

// TestPostgresBatchThatCannotCommitFindsTheStepAtFault: a step whose
// outcome the database refuses rolls back its whole batch; the contacts are
// then stepped one at a time, so the others get through and the failure is
// counted against the right message.
func TestPostgresBatchThatCannotCommitFindsTheStepAtFault(t *testing.T) {
	e := newEnv(t, "postgres", nil)
	e.exec(`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.kind = 'boom' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
CREATE TRIGGER refuse_boom BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_boom()`)
	keys := e.ingestContacts(4, func(i int) string { return map[bool]string{true: "boom", false: "fine"}[i == 2] })
	h := func(ctx context.Context, w *Work) (*Outcome, error) {
		out, err := reply(0, e.clock)(ctx, w)
		if string(w.Messages[0].Input) == "boom" {
			out.Events = append(out.Events, engine.Event{Kind: "boom"})
		}
		return out, err
	}
	ok, err := e.s.ProcessNext(context.Background(), h)
	if !ok || err == nil {
		t.Fatalf("first call: ok=%v err=%v, want the batch rolled back", ok, err)
	}
	for _, key := range keys {
		if got := e.outbox(key); len(got) != 0 {
			t.Fatalf("a rolled-back batch left replies: %s %q", key, payloads(got))
		}
	}
	var failed []*StepError
	for range 10 {
		ok, err := e.s.ProcessNext(context.Background(), h)
		var serr *StepError
		if errors.As(err, &serr) {
			failed = append(failed, serr)
		} else if err != nil {
			t.Fatalf("solo step: %v", err)
		}
		if !ok {
			break
		}
	}
	if len(failed) != 1 || failed[0].Attempts != 1 || failed[0].Contact != maskedContact(ContactID("city", keys[2])) {
		t.Fatalf("failures %v, want one, against the contact at fault", failed)
	}
	for i, key := range keys {
		if got := payloads(e.outbox(key)); (i == 2) != (len(got) == 0) {
			t.Errorf("contact %d outbox %q", i, got)
		}
	}
}

func TestPostgresSlowStepLeavesTheRestOfItsBatch(t *testing.T) {
	e := newEnv(t, "postgres", nil)
	e.ingestContacts(3, func(i int) string { return "hi" })
	var seen handled
	slow := seen.wrap(func(ctx context.Context, w *Work) (*Outcome, error) {
		time.Sleep(stepBatchBudget + 10*time.Millisecond)
		return reply(0, e.clock)(ctx, w)
	})
	if ok, err := e.s.ProcessNext(context.Background(), slow); !ok || err != nil {
		t.Fatalf("first call: %v %v", ok, err)
	}
	if len(seen.keys) != 1 {
		t.Fatalf("a step over the budget was followed by %d more in its batch", len(seen.keys)-1)
	}
	if n := e.drain(reply(0, e.clock)); n != 2 {
		t.Fatalf("the contacts left over: %d steps, want 2", n)
	}
}

// A step about to wait on the network gives way when other steps ran
// before it in the batch, counts no attempt, and runs first next time.
func TestPostgresStepWaitingOnTheNetworkGivesWay(t *testing.T) {
	e := newEnv(t, "postgres", nil)
	keys := e.ingestContacts(3, func(i int) string { return map[bool]string{true: "photo", false: "hi"}[i == 1] })
	var deferred []string
	h := func(ctx context.Context, w *Work) (*Outcome, error) {
		if string(w.Messages[0].Input) == "photo" {
			if err := WorkFrom(ctx).BeforeNetwork(); err != nil {
				deferred = append(deferred, w.Contact.Key)
				return nil, err
			}
		}
		return reply(0, e.clock)(ctx, w)
	}
	stepped, _, err := e.s.ProcessNextAndLease(context.Background(), h, 0)
	if stepped != 2 || err != nil || !slices.Equal(deferred, []string{keys[1]}) {
		t.Fatalf("first call: stepped %d, err %v, deferred %v; want the photo's step deferred, the other two done", stepped, err, deferred)
	}
	if got := e.outbox(keys[1]); len(got) != 0 {
		t.Fatalf("a deferred step wrote replies: %q", payloads(got))
	}
	// A citizen whose contact sorts first arrives; the deferred step still
	// runs first of the next batch, so it does not give way again.
	e.ingest(inbound("919700000000", "w.early", e.clock.Now(), "hi"))
	stepped, _, err = e.s.ProcessNextAndLease(context.Background(), h, 0)
	if stepped != 2 || err != nil || len(deferred) != 1 {
		t.Fatalf("second call: stepped %d, err %v, deferred %v; want both stepped, the photo's first", stepped, err, deferred)
	}
	var attempts int
	if err := e.s.drv.DB().DB.QueryRowContext(context.Background(), "SELECT attempts FROM inbox WHERE wamid = 'w"+keys[1]+"'").Scan(&attempts); err != nil || attempts != 0 {
		t.Fatalf("the deferred message's attempts: %d (%v), want 0", attempts, err)
	}
	if got := payloads(e.outbox(keys[1])); !slices.Equal(got, []string{"re:photo"}) {
		t.Fatalf("the photo's replies: %q", got)
	}
}
