package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// poisonHandler fails every step that holds the message "poison" and
// answers the others.
func poisonHandler(e *env, seen *[][]string) Handler {
	return func(ctx context.Context, w *Work) (*Outcome, error) {
		var batch []string
		for _, m := range w.Messages {
			batch = append(batch, string(m.Input))
		}
		*seen = append(*seen, batch)
		for _, m := range w.Messages {
			if string(m.Input) == "poison" {
				return nil, errors.New("engine cannot handle this message")
			}
		}
		return reply(0, e.clock)(ctx, w)
	}
}

func TestFailingMessageIsRetriedWithBackoffThenParkedWithApology(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		key := "919876543210"
		now := e.clock.Now()
		e.ingest(inbound(key, "w1", now, "poison"), inbound(key, "w2", now.Add(time.Second), "after"))
		var seen [][]string
		h := poisonHandler(e, &seen)

		// MaxAttempts is 3 and the backoff 1s, 2s: two failures are retried …
		for attempt, wait := range []time.Duration{time.Second, 2 * time.Second} {
			ok, err := e.s.ProcessNext(ctx, h)
			var serr *StepError
			if !ok || !errors.As(err, &serr) || serr.Parked || serr.Attempts != attempt+1 {
				t.Fatalf("attempt %d: ok=%v err=%v", attempt+1, ok, err)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("step error holds the phone number: %v", err)
			}
			e.clock.Advance(wait - time.Millisecond)
			if ok, err := e.s.ProcessNext(ctx, h); ok || err != nil {
				t.Fatalf("attempt %d: the contact was not held back for %s (ok=%v err=%v)", attempt+1, wait, ok, err)
			}
			e.clock.Advance(time.Millisecond)
		}
		// … the third parks the message and queues the apology.
		ok, err := e.s.ProcessNext(ctx, h)
		var serr *StepError
		if !ok || !errors.As(err, &serr) || !serr.Parked || serr.Attempts != 3 {
			t.Fatalf("third attempt: ok=%v err=%v, want parked", ok, err)
		}
		if _, _, parked := e.depths(); parked != 1 {
			t.Fatalf("parked = %d, want 1", parked)
		}
		// The contact's other message goes on at once, after the apology.
		if n := e.drain(h); n != 1 {
			t.Fatalf("steps after parking = %d, want 1", n)
		}
		want := [][]string{{"poison", "after"}, {"poison"}, {"poison"}, {"after"}}
		if !slices.EqualFunc(seen, want, slices.Equal) {
			t.Fatalf("handler saw %v, want %v (after a failure only the oldest message is retried)", seen, want)
		}
		if got := payloads(e.outbox(key)); !slices.Equal(got, []string{"apology for " + key, "re:after"}) {
			t.Fatalf("outbox = %q, want the apology then the reply", got)
		}
		var dirs []string
		for _, h := range e.history(key) {
			dirs = append(dirs, h.Direction+":"+h.Summary+":"+h.Status)
		}
		if want := []string{"in:poison:failed", "out:sorry:queued", "in:after:received", "out:re after:queued"}; !slices.Equal(dirs, want) {
			t.Fatalf("history = %v, want %v", dirs, want)
		}
		logs, err := e.s.EventLog(ctx, "city", 10)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, l := range logs {
			kinds[l.Kind]++
			if strings.Contains(l.Message, key) {
				t.Errorf("event log shows the phone number: %q", l.Message)
			}
		}
		if kinds["step_failed"] != 2 || kinds["message_parked"] != 1 {
			t.Fatalf("event log kinds = %v, want 2 step_failed and 1 message_parked", kinds)
		}
	})
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	eachStoreWith(t, func(o *Options) { o.MaxAttempts = 6; o.BackoffBase = time.Second; o.BackoffMax = 5 * time.Second }, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.ingest(inbound("911111111111", "w1", e.clock.Now(), "poison"))
		var seen [][]string
		h := poisonHandler(e, &seen)
		for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
			if ok, err := e.s.ProcessNext(ctx, h); !ok || err == nil {
				t.Fatalf("failure %d: ok=%v err=%v", i+1, ok, err)
			}
			e.clock.Advance(wait - time.Millisecond)
			if ok, _ := e.s.ProcessNext(ctx, h); ok {
				t.Fatalf("after failure %d the contact came back before %s", i+1, wait)
			}
			e.clock.Advance(time.Millisecond)
		}
		ok, err := e.s.ProcessNext(ctx, h)
		var serr *StepError
		if !ok || !errors.As(err, &serr) || !serr.Parked {
			t.Fatalf("sixth attempt: ok=%v err=%v, want parked", ok, err)
		}
	})
}

func TestHeldContactDoesNotBlockOthers(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		now := e.clock.Now()
		e.ingest(inbound("911111111111", "w1", now, "poison"), inbound("922222222222", "w2", now.Add(time.Second), "fine"))
		var seen [][]string
		h := poisonHandler(e, &seen)
		// On Postgres one call may step both contacts (a batch): the
		// poison fails alone either way.
		if ok, err := e.s.ProcessNext(context.Background(), h); !ok || err == nil {
			t.Fatalf("first step: ok=%v err=%v, want the poison to fail", ok, err)
		}
		e.drain(h) // fails if the held contact is stepped again

		if got := payloads(e.outbox("922222222222")); !slices.Equal(got, []string{"re:fine"}) {
			t.Fatalf("outbox = %q", got)
		}
	})
}
