package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

// capture is a handler that keeps the Work it was given and answers with
// outcome.
func capture(got **Work, outcome func(w *Work) *Outcome) Handler {
	return func(ctx context.Context, w *Work) (*Outcome, error) {
		c := *w
		c.Messages = append([]Message{}, w.Messages...)
		*got = &c
		return outcome(w), nil
	}
}

func TestSessionsExpireAndStartFresh(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		key := "911111111111"
		step := func(wamid string, outcome func(w *Work) *Outcome) *Work {
			t.Helper()
			e.ingest(inbound(key, wamid, e.clock.Now(), wamid))
			var w *Work
			if ok, err := e.s.ProcessNext(ctx, capture(&w, outcome)); !ok || err != nil {
				t.Fatalf("%s: ok=%v err=%v", wamid, ok, err)
			}
			return w
		}
		keep := func(state string, ttl time.Duration) func(*Work) *Outcome {
			return func(*Work) *Outcome {
				return &Outcome{Session: []byte(state), SessionExpires: e.clock.Now().Add(ttl), Flow: "grievance", FlowVersion: "v1"}
			}
		}

		w := step("w1", keep("s1", 30*time.Minute))
		if w.Session != nil || w.SessionExpired || !w.Contact.New || w.Conversation != 1 || !w.NewConversation {
			t.Fatalf("first contact: %+v", w)
		}
		e.clock.Advance(10 * time.Minute)
		w = step("w2", keep("s2", 30*time.Minute))
		if string(w.Session) != "s1" || w.SessionExpired || w.Contact.New || w.Conversation != 1 || w.NewConversation ||
			w.Flow != "grievance" || w.FlowVersion != "v1" || w.SessionErr != nil {
			t.Fatalf("live session: %+v", w)
		}
		if !w.SessionExpires.Equal(e.clock.Now().Add(20 * time.Minute)) {
			t.Fatalf("session expires %v, want %v", w.SessionExpires, e.clock.Now().Add(20*time.Minute))
		}
		// Expiry is per the Outcome: 30 minutes after the last step.
		e.clock.Advance(30 * time.Minute)
		w = step("w3", func(*Work) *Outcome { return &Outcome{} })
		if w.Session != nil || !w.SessionExpired || w.Conversation != 2 || !w.NewConversation {
			t.Fatalf("expired session: %+v", w)
		}
		// The outcome deleted the session: the next step starts fresh, and
		// this time nothing expired.
		w = step("w4", keep("s4", time.Hour))
		if w.Session != nil || w.SessionExpired || w.Conversation != 3 {
			t.Fatalf("deleted session: %+v", w)
		}
		hist := e.history(key)
		if len(hist) != 4 || hist[0].Conversation != 1 || hist[1].Conversation != 1 || hist[2].Conversation != 2 || hist[3].Conversation != 3 {
			t.Fatalf("history conversations: %+v", hist)
		}

		// PurgeExpired removes what has expired, and only that.
		if n, err := e.s.PurgeExpired(ctx, e.clock.Now().Add(59*time.Minute)); err != nil || n != 0 {
			t.Fatalf("purge before expiry: %d %v", n, err)
		}
		if n, err := e.s.PurgeExpired(ctx, e.clock.Now().Add(61*time.Minute)); err != nil || n != 1 {
			t.Fatalf("purge after expiry: %d %v, want 1", n, err)
		}
		w = step("w5", keep("s5", time.Hour))
		if w.Session != nil || w.SessionExpired {
			t.Fatalf("after purge: %+v", w)
		}
	})
}

func TestContactChangesAndProfileRefresh(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		key := "922222222222"
		m := inbound(key, "w1", e.clock.Now(), "hi")
		m.ProfileName, m.UserID = "Asha", ""
		e.ingest(m)
		hindi, out := "hi", true
		e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
			if w.Contact.Name != "Asha" || !w.Contact.New {
				t.Errorf("work contact = %+v", w.Contact)
			}
			return &Outcome{Session: []byte("x"), Language: &hindi, OptedOut: &out,
				Events: []engine.Event{testEvent("language_changed"), testEvent("opted_out")}}, nil
		})
		m2 := inbound(key, "w2", e.clock.Now().Add(time.Minute), "START")
		m2.ProfileName, m2.UserID, m2.Username = "Asha K", "IN.123", "asha"
		e.ingest(m2)
		var w *Work
		e.drain(capture(&w, func(*Work) *Outcome { return &Outcome{Session: []byte("y")} }))
		if w.Contact.Language != "hi" || !w.Contact.OptedOut || w.Contact.New || w.Contact.Name != "Asha K" || w.Contact.UserID != "IN.123" {
			t.Fatalf("second step contact = %+v", w.Contact)
		}
		c, err := e.s.Contact(ctx, ContactID("city", key))
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "Asha K" || c.Username != "asha" || c.UserID != "IN.123" || c.Language != "hi" || !c.OptedOut ||
			!c.LastSeen.Equal(e.clock.Now().Add(time.Minute)) || !c.FirstSeen.Equal(e.clock.Now()) {
			t.Fatalf("stored contact = %+v", c)
		}
		if ec := c.Engine(); ec.ID != key || ec.Phone != key || ec.Language != "hi" || !ec.OptedOut {
			t.Fatalf("engine contact = %+v", ec)
		}
		evs, err := e.s.Events(ctx, c.ID)
		if err != nil || len(evs) != 2 || evs[0].Kind != "language_changed" || evs[1].Kind != "opted_out" || evs[0].At.IsZero() {
			t.Fatalf("events = %+v %v", evs, err)
		}
		if _, err := e.s.Contact(ctx, ContactID("city", "nobody")); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown contact: %v", err)
		}
	})
}

func TestCorruptSessionIsReportedWithItsBytes(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		key := "933333333333"
		e.ingest(inbound(key, "w1", e.clock.Now(), "hi"))
		e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
			return &Outcome{Session: []byte("good state")}, nil
		})
		// Someone (a bad migration, a disk error) changes the stored state.
		if _, err := e.s.drv.DB().ExecContext(context.Background(), "UPDATE sessions SET state = ?", []byte("garbage")); err != nil {
			t.Fatal(err)
		}
		e.ingest(inbound(key, "w2", e.clock.Now(), "again"))
		var w *Work
		e.drain(capture(&w, func(w *Work) *Outcome {
			// The caller restarts the citizen with a fresh session.
			return &Outcome{Session: []byte("fresh")}
		}))
		if w.SessionErr == nil || !IsCorruptSession(w.SessionErr) || string(w.Session) != "garbage" {
			t.Fatalf("corrupt session: err=%v session=%q, want the error and the stored bytes", w.SessionErr, w.Session)
		}
		if strings.Contains(w.SessionErr.Error(), "garbage") {
			t.Errorf("the error shows the state: %v", w.SessionErr)
		}
		// The fresh state repaired the row.
		e.ingest(inbound(key, "w3", e.clock.Now(), "and again"))
		e.drain(capture(&w, func(w *Work) *Outcome { return &Outcome{Session: w.Session} }))
		if w.SessionErr != nil || string(w.Session) != "fresh" {
			t.Fatalf("after repair: err=%v session=%q", w.SessionErr, w.Session)
		}
		// A missing state is reported the same way.
		e.exec("UPDATE sessions SET state = NULL")
		e.ingest(inbound(key, "w4", e.clock.Now(), "once more"))
		e.drain(capture(&w, func(w *Work) *Outcome { return &Outcome{Session: []byte("x")} }))
		if !IsCorruptSession(w.SessionErr) {
			t.Fatalf("missing state: err=%v", w.SessionErr)
		}
	})
}

// A worker waiting on InboxSignal is woken by an ingest in this process:
// nothing polls here, so only the signal can wake it.
func TestInboxSignalWakesIdleWorkers(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx, cancel := context.WithCancel(context.Background())
		var mu sync.Mutex
		handled := map[string]bool{}
		done := make(chan error, 2)
		for range 2 {
			go func() {
				done <- waitAndStep(ctx, e.s, func(ctx context.Context, w *Work) (*Outcome, error) {
					mu.Lock()
					for _, m := range w.Messages {
						handled[m.Wamid] = true
					}
					mu.Unlock()
					return &Outcome{}, nil
				}, func(err error) { t.Errorf("step: %v", err) })
			}()
		}
		time.Sleep(50 * time.Millisecond) // let both workers go idle
		e.ingest(inbound("911111111111", "w1", e.clock.Now(), "hi"), inbound("922222222222", "w2", e.clock.Now(), "hello"))
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			n := len(handled)
			mu.Unlock()
			if n == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the workers handled %d of 2 messages: they did not wake on ingest", n)
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		for range 2 {
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("a worker returned %v, want context.Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("a worker did not stop when its context was cancelled")
			}
		}
	})
}

// waitAndStep is the worker loop the package doc shows: step while there
// is work, then wait for the inbox's signal (no timer), until ctx ends.
func waitAndStep(ctx context.Context, s *Store, h Handler, onError func(error)) error {
	for {
		wake := s.InboxSignal()
		ok, err := s.ProcessNext(ctx, h)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			onError(err)
		}
		if ok {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}
