package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// twoReplies answers every step with two messages.
func twoReplies(_ context.Context, w *Work) (*Outcome, error) {
	m := w.Messages[0]
	return &Outcome{Session: []byte("s"), Outbox: []OutboundMessage{
		{Type: "text", Summary: "first " + m.Summary, Payload: []byte("1:" + string(m.Input))},
		{Type: "interactive", Summary: "second", Payload: []byte("2:" + string(m.Input))},
	}}, nil
}

func (e *env) stepLeasing(h Handler, lease time.Duration) *OutboxMessage {
	e.t.Helper()
	stepped, leased, err := e.s.ProcessNextAndLease(context.Background(), h, lease)
	if stepped != 1 || err != nil {
		e.t.Fatalf("step: stepped %d contacts, err %v; want one", stepped, err)
	}
	switch len(leased) {
	case 0:
		return nil
	case 1:
		return &leased[0]
	}
	e.t.Fatalf("one contact's step handed back %d replies: %+v", len(leased), leased)
	return nil
}

func TestProcessNextAndLeaseHandsBackTheFirstReply(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.ingest(inbound("919800000001", "wamid.1", e.clock.Now(), "hi"))
		leased := e.stepLeasing(twoReplies, time.Minute)
		if leased == nil {
			t.Fatal("no reply handed back")
		}
		if string(leased.Payload) != "1:hi" || leased.Type != "text" || leased.Summary != "first hi" || leased.Claims != 1 ||
			leased.WaID != "919800000001" || leased.Integration != "city" || leased.Conversation != 1 || leased.Seq != 2 {
			t.Fatalf("leased row: %+v", leased)
		}
		// The second reply waits behind the leased one, which no claim returns.
		if rows := e.claim(10, time.Minute); len(rows) != 0 {
			t.Fatalf("claimed %d rows while the head is leased: %+v", len(rows), rows)
		}
		if err := e.s.MarkSent(context.Background(), leased.ID, "wamid.out.1"); err != nil {
			t.Fatalf("mark the leased row sent: %v", err)
		}
		rows := e.claim(10, time.Minute)
		if len(rows) != 1 || string(rows[0].Payload) != "2:hi" || rows[0].Seq != 3 {
			t.Fatalf("after the head was sent, claimed %+v", rows)
		}
		hist := e.history("919800000001")
		if len(hist) != 3 || hist[1].Wamid != "wamid.out.1" || hist[1].Status != "sent" {
			t.Fatalf("history: %+v", hist)
		}
	})
}

func TestProcessNextAndLeaseQueuesBehindAnUnsentReply(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.ingest(inbound("919800000002", "wamid.1", e.clock.Now(), "one"))
		first := e.stepLeasing(reply(0, e.clock), time.Minute)
		if first == nil {
			t.Fatal("the first step handed nothing back")
		}
		e.ingest(inbound("919800000002", "wamid.2", e.clock.Now().Add(time.Second), "two"))
		if second := e.stepLeasing(reply(0, e.clock), time.Minute); second != nil {
			t.Fatalf("a reply was handed back while an earlier one is unsent: %+v", second)
		}
		if err := e.s.MarkFailed(context.Background(), first.ID, 131026, "undeliverable"); err != nil {
			t.Fatal(err)
		}
		rows := e.claim(10, time.Minute)
		if len(rows) != 1 || string(rows[0].Payload) != "re:two" {
			t.Fatalf("claimed %+v, want the second reply", rows)
		}
	})
}

func TestProcessNextAndLeaseRowIsClaimedAgainAfterItsLease(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.ingest(inbound("919800000003", "wamid.1", e.clock.Now(), "hi"))
		leased := e.stepLeasing(reply(0, e.clock), 30*time.Second)
		if leased == nil {
			t.Fatal("nothing handed back")
		}
		e.clock.Advance(29 * time.Second)
		if rows := e.claim(10, time.Minute); len(rows) != 0 {
			t.Fatalf("claimed within the lease: %+v", rows)
		}
		e.clock.Advance(2 * time.Second)
		rows := e.claim(10, time.Minute)
		if len(rows) != 1 || rows[0].ID != leased.ID || rows[0].Claims != 2 {
			t.Fatalf("after the lease, claimed %+v (leased id %d)", rows, leased.ID)
		}
		// The row is the new holder's now, as after any lost lease.
		if err := e.s.MarkSent(context.Background(), rows[0].ID, "wamid.out.2"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestProcessNextAndLeaseWithoutRepliesOrLease(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.ingest(inbound("919800000004", "wamid.1", e.clock.Now(), "hi"))
		silent := func(context.Context, *Work) (*Outcome, error) { return &Outcome{Session: []byte("s")}, nil }
		if leased := e.stepLeasing(silent, time.Minute); leased != nil {
			t.Fatalf("a step without replies handed back %+v", leased)
		}
		e.ingest(inbound("919800000004", "wamid.2", e.clock.Now().Add(time.Second), "again"))
		if leased := e.stepLeasing(reply(0, e.clock), 0); leased != nil {
			t.Fatalf("lease 0 handed back %+v", leased)
		}
		if rows := e.claim(10, time.Minute); len(rows) != 1 || string(rows[0].Payload) != "re:again" {
			t.Fatalf("with lease 0 the reply is queued for a claim; claimed %+v", rows)
		}
		if _, _, err := e.s.ProcessNextAndLease(context.Background(), reply(0, e.clock), -time.Second); !errors.Is(err, ErrInvalid) {
			t.Fatalf("negative lease: %v, want ErrInvalid", err)
		}
	})
}
