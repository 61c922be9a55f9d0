package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMoveContactToANewNumber(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const oldKey, newKey = "919811111111", "919822222222"
		oldID, newID := ContactID("city", oldKey), ContactID("city", newKey)
		e.ingest(inbound(oldKey, "w1", e.clock.Now(), "hi"))
		e.drain(reply(0, e.clock))
		if _, err := e.s.CreateGrievance(ctx, Grievance{Integration: "city", ContactID: oldID, Category: "water"}); err != nil {
			t.Fatal(err)
		}
		e.ingest(inbound(oldKey, "w2", e.clock.Now(), "still there?")) // pending when the number changes

		got, err := e.s.MoveContact(ctx, ContactMove{Integration: "city", From: oldKey, To: newKey})
		if err != nil || got != MoveDone {
			t.Fatalf("move: %q %v, want %q", got, err, MoveDone)
		}
		if _, err := e.s.Contact(ctx, oldID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the old contact after the move: %v, want ErrNotFound", err)
		}
		c, err := e.s.Contact(ctx, newID)
		if err != nil || c.Key != newKey || c.WaID != newKey || c.Name != "Citizen "+oldKey || c.New {
			t.Fatalf("the new contact = %+v %v, want the old one's record under the new number", c, err)
		}
		if gs, err := e.s.GrievancesOfContact(ctx, newID); err != nil || len(gs) != 1 || gs[0].Category != "water" {
			t.Fatalf("grievances under the new number = %+v %v", gs, err)
		}
		if h, err := e.s.History(ctx, newID, 10); err != nil || len(h) != 2 || h[0].Summary != "hi" {
			t.Fatalf("history under the new number = %+v %v, want the message and its reply", h, err)
		}
		rows := e.outbox(newKey)
		if len(rows) != 1 || rows[0].WaID != newKey {
			t.Fatalf("outbox under the new number = %+v, want the unsent reply addressed to it", rows)
		}
		// The pending message is stepped as the moved contact, in its session.
		var session string
		e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
			out, err := reply(0, e.clock)(ctx, w)
			if w.Contact.ID != newID {
				t.Errorf("stepped contact %s, want %s", w.Contact.ID, newID)
			}
			session = string(out.Session)
			return out, err
		})
		if session != "hi;still there?;" {
			t.Fatalf("session after the move = %q, want the one begun under the old number", session)
		}

		again, err := e.s.MoveContact(ctx, ContactMove{Integration: "city", From: oldKey, To: newKey})
		if err != nil || again != MoveUnknown {
			t.Fatalf("the same move again: %q %v, want %q", again, err, MoveUnknown)
		}
	})
}

func TestMoveContactToANumberThatHasWritten(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const oldKey, newKey = "919833333333", "919844444444"
		e.ingest(inbound(oldKey, "w1", e.clock.Now(), "hi"), inbound(newKey, "w2", e.clock.Now(), "hello"))
		e.drain(reply(0, e.clock))
		if _, err := e.s.CreateGrievance(ctx, Grievance{Integration: "city", ContactID: ContactID("city", oldKey), Category: "roads"}); err != nil {
			t.Fatal(err)
		}
		got, err := e.s.MoveContact(ctx, ContactMove{Integration: "city", From: oldKey, To: newKey})
		if err != nil || got != MoveMerged {
			t.Fatalf("move: %q %v, want %q", got, err, MoveMerged)
		}
		if gs, _ := e.s.GrievancesOfContact(ctx, ContactID("city", newKey)); len(gs) != 1 || gs[0].Category != "roads" {
			t.Fatalf("grievances of the new number = %+v, want the old number's", gs)
		}
		if h, _ := e.s.History(ctx, ContactID("city", oldKey), 10); len(h) != 2 {
			t.Fatalf("the old contact's history = %+v, want it kept", h)
		}
		if rows := e.outbox(oldKey); len(rows) != 1 || rows[0].WaID != newKey {
			t.Fatalf("the old contact's unsent reply = %+v, want it addressed to the new number", rows)
		}
		if rows := e.outbox(newKey); len(rows) != 1 || rows[0].WaID != newKey {
			t.Fatalf("the new contact's own reply = %+v", rows)
		}
	})
}

func TestMoveContactRefusesBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, m := range []ContactMove{
			{Integration: "", From: "9198", To: "9199"},
			{Integration: "city", From: "", To: "9199"},
			{Integration: "city", From: "9198", To: strings.Repeat("9", 300)},
		} {
			if _, err := e.s.MoveContact(ctx, m); !errors.Is(err, ErrInvalid) {
				t.Errorf("move %+v: %v, want ErrInvalid", m, err)
			}
		}
		if got, err := e.s.MoveContact(ctx, ContactMove{Integration: "city", From: "9198", To: "9199"}); err != nil || got != MoveUnknown {
			t.Fatalf("moving a number never seen: %q %v, want %q", got, err, MoveUnknown)
		}
	})
}

// A move waits for a step of the old contact that is under way, so that the
// step's writes move with the rest rather than land on a contact that is gone.
func TestMoveContactWaitsForAStepUnderWay(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const oldKey, newKey = "919855555555", "919866666666"
		e.ingest(inbound(oldKey, "w1", e.clock.Now(), "hi"))
		inStep, release := make(chan struct{}), make(chan struct{})
		stepped := make(chan error, 1)
		go func() {
			_, err := e.s.ProcessNext(ctx, func(ctx context.Context, w *Work) (*Outcome, error) {
				close(inStep)
				<-release
				return reply(0, e.clock)(ctx, w)
			})
			stepped <- err
		}()
		<-inStep
		moved := make(chan string, 1)
		go func() {
			got, err := e.s.MoveContact(ctx, ContactMove{Integration: "city", From: oldKey, To: newKey})
			if err != nil {
				t.Errorf("move: %v", err)
			}
			moved <- got
		}()
		select {
		case got := <-moved:
			t.Fatalf("the move finished (%q) while a step of the contact was under way", got)
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		if err := <-stepped; err != nil {
			t.Fatalf("the step: %v", err)
		}
		if got := <-moved; got != MoveDone {
			t.Fatalf("move after the step: %q, want %q", got, MoveDone)
		}
		if h := e.history(newKey); len(h) != 2 || h[1].Summary != "re hi" {
			t.Fatalf("history under the new number = %+v, want the step's message and reply", h)
		}
		if rows := e.outbox(newKey); len(rows) != 1 || rows[0].WaID != newKey {
			t.Fatalf("the step's reply = %+v, want it under and addressed to the new number", rows)
		}
		// The moved contact's counters include that step: its next message
		// and reply take the next places in the history.
		e.ingest(inbound(newKey, "w2", e.clock.Now(), "again"))
		e.drain(reply(0, e.clock))
		if h := e.history(newKey); len(h) != 4 || h[3].Summary != "re again" || h[3].Seq != h[1].Seq+2 {
			t.Fatalf("history after the new number's message = %+v", h)
		}
	})
}
