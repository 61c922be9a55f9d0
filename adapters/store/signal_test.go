package store

import "testing"

// A worker claims again right after a step only when a wake-up is pending,
// or when more messages came than wake-ups could be kept for, until a claim
// finds nothing.
func TestSignalMore(t *testing.T) {
	g := newSignal()
	if g.more() {
		t.Fatal("more() on a fresh signal: true, want false")
	}
	g.notify(1)
	if !g.more() {
		t.Fatal("more() after one notify: false, want true")
	}
	if g.more() {
		t.Fatal("more() once the token is taken: true, want false")
	}

	g.notify(signalTokens + 5)
	for i := 0; i < signalTokens+10; i++ {
		if !g.more() {
			t.Fatalf("more() call %d after an overflowing burst: false, want true until a claim finds nothing", i)
		}
	}
	g.settle()
	if g.more() {
		t.Fatal("more() after settle with no tokens left: true, want false")
	}
	g.close()
	if !g.more() {
		t.Fatal("more() on a closed signal: false, want true (the caller must see the store closed)")
	}
}

// New work wakes no one while a claim that will see it is still to come.
func TestSignalNotifyUnarmed(t *testing.T) {
	g := newSignal()
	tokens := func() int { return len(g.ch) }
	g.notifyUnarmed(1)
	if tokens() != 1 {
		t.Fatalf("first message: %d tokens, want 1", tokens())
	}
	g.notifyUnarmed(1)
	if tokens() != 1 {
		t.Fatalf("a second message before any claim: %d tokens, want still 1 (the coming claim sees it)", tokens())
	}
	<-g.ch
	g.claiming()
	g.notifyUnarmed(2)
	if tokens() != 2 {
		t.Fatalf("after the claim started: %d tokens, want 2", tokens())
	}
	g.take(2)
	g.notifyUnarmed(1)
	if tokens() != 1 {
		t.Fatalf("tokens dropped by take must not count as claims to come: %d tokens, want 1", tokens())
	}
}
