package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

// handOff is a handler that hands every contact to the queue "desk" and
// keeps a session, answering nothing.
func handOff(ctx context.Context, w *Work) (*Outcome, error) {
	return &Outcome{Session: []byte("s"), Handoff: &engine.Handoff{Queue: "desk", Reason: "test"},
		Events: []engine.Event{{Kind: engine.EventHandoff, Flow: "officer"}}}, nil
}

// Two processes looking for reminders at once remind each citizen once;
// an internal item is neither in the history nor the citizen's last
// message; unread counts the citizen's messages after read_seq.
func TestConversationsOfTheInbox(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		start := e.clock.Now()
		e.ingest(inbound("9101", "w1", start, "help"))
		e.drain(handOff)
		internal := inbound("9101", InternalPrefix+"staff:1", start.Add(time.Hour), "[staff reply]")
		e.ingest(internal)
		e.drain(handOff)
		if last, err := e.s.LastInbound(ctx, ContactID("city", "9101")); err != nil || !last.Equal(start.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("last inbound %v %v, want %v", last, err, start)
		}
		cs, err := e.s.Conversations(ctx, ConversationFilter{Integrations: []string{"city"}, Status: ConversationHandedOver})
		if err != nil || len(cs) != 1 {
			t.Fatalf("handed over: %+v %v", cs, err)
		}
		c := cs[0]
		if c.Unread != 1 || c.Queue != "desk" || c.LastDirection != "in" {
			t.Fatalf("the conversation: %+v", c)
		}
		if hs := e.history("9101"); len(hs) != 1 {
			t.Fatalf("an internal item reached the history: %+v", hs)
		}
		// The live stream sees the integration's activity, and no other's.
		acts, err := e.s.ActivitySince(ctx, []string{"city"}, start.Add(-time.Minute))
		if err != nil || len(acts) == 0 || acts[0].ContactID != c.ContactID {
			t.Fatalf("activity: %+v %v", acts, err)
		}
		if acts, err := e.s.ActivitySince(ctx, []string{"town"}, start.Add(-time.Minute)); err != nil || len(acts) != 0 {
			t.Fatalf("another integration's activity: %+v %v", acts, err)
		}
		e.clock.Advance(2 * time.Hour)
		other := e.open(e.opts)
		due := func(string) time.Time { return e.clock.Now().Add(-30 * time.Minute) }
		var wg sync.WaitGroup
		var mu sync.Mutex
		claimed := 0
		for _, s := range []*Store{e.s, other, e.s, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.DueReminders(ctx, []string{"city"}, due)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				claimed += len(got)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if claimed != 1 {
			t.Fatalf("%d reminders claimed", claimed)
		}
		read := int64(1)
		if _, after, err := e.s.ChangeConversation(ctx, c.ConversationRef, ConversationChange{ReadSeq: &read, Responded: true}); err != nil ||
			after.Unread != 0 || after.FirstResponse.IsZero() {
			t.Fatalf("after read: %+v %v", after, err)
		}
		if _, err := e.s.ConversationByRef(ctx, ConversationRef{ContactID: c.ContactID, Seq: 9}); err == nil {
			t.Fatal("a conversation that does not exist was found")
		}
	})
}
