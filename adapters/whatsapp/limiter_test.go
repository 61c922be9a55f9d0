package whatsapp

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

func TestLimiterPairBurstThenOnePerInterval(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	for i := range 20 {
		if w := l.Reserve("P", "citizen", t0); w != 0 {
			t.Fatalf("message %d of the burst waits %v", i+1, w)
		}
	}
	// Then one message per 6 seconds.
	for i := 1; i <= 3; i++ {
		if w := l.Reserve("P", "citizen", t0); w != time.Duration(i)*6*time.Second {
			t.Fatalf("message %d waits %v, want %v", 20+i, w, time.Duration(i)*6*time.Second)
		}
	}
	// Another citizen of the same number is not held back.
	if w := l.Reserve("P", "other", t0); w != 0 {
		t.Errorf("other citizen waits %v", w)
	}
	// 23 bookings fill the bucket until t0+138s; the burst refills one
	// message per 6 s after that point minus the 114 s tolerance.
	if w := l.Reserve("P", "citizen", t0.Add(30*time.Second)); w != 0 {
		t.Errorf("after 30s the booked-out citizen waits %v", w)
	}
	if w := l.Reserve("P", "citizen", t0.Add(30*time.Second)); w != 0 {
		t.Errorf("second at 30s waits %v", w)
	}
	if w := l.Reserve("P", "citizen", t0.Add(30*time.Second)); w != 6*time.Second {
		t.Errorf("third at 30s waits %v, want 6s", w)
	}
}

func TestLimiterNumberRate(t *testing.T) {
	l := NewLimiter(LimiterConfig{NumberRate: 10})
	for i := range 10 {
		if w := l.Reserve("P", fmt.Sprint(i), t0); w != 0 {
			t.Fatalf("send %d waits %v", i, w)
		}
	}
	if w := l.Reserve("P", "x", t0); w != 100*time.Millisecond {
		t.Errorf("11th waits %v, want 100ms", w)
	}
	if w := l.Reserve("Q", "x", t0); w != 0 {
		t.Errorf("another number waits %v", w)
	}
	// Default 80/s: the 81st message in one instant waits 12.5 ms.
	d := NewLimiter(LimiterConfig{})
	var last time.Duration
	for i := range 81 {
		last = d.Reserve("P", fmt.Sprint(i), t0)
	}
	if last != 12500*time.Microsecond {
		t.Errorf("81st at 80/s waits %v", last)
	}
	// A per-number rate overrides the default.
	d.SetNumberRate("BIG", 1000)
	for i := range 1000 {
		if w := d.Reserve("BIG", fmt.Sprint(i), t0); w != 0 {
			t.Fatalf("upgraded number send %d waits %v", i, w)
		}
	}
	if w := d.Reserve("BIG", "y", t0); w != time.Millisecond {
		t.Errorf("1001st at 1000/s waits %v", w)
	}
}

func TestLimiterHolds(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	l.HoldRecipient("P", "c", t0.Add(64*time.Second))
	if w := l.Reserve("P", "c", t0); w != 64*time.Second {
		t.Errorf("held citizen waits %v", w)
	}
	if w := l.Reserve("P", "d", t0); w != 0 {
		t.Errorf("other citizen waits %v", w)
	}
	l.HoldNumber("P", t0.Add(time.Minute))
	if w := l.Reserve("P", "e", t0); w != time.Minute {
		t.Errorf("held number waits %v", w)
	}
	// A hold never shortens an existing wait.
	l.HoldRecipient("P", "c", t0)
	if w := l.Reserve("P", "c", t0); w < 64*time.Second {
		t.Errorf("earlier hold shortened the wait to %v", w)
	}
}

// A message that may not go within the limit is not booked: what it
// would have waited stays the next message's wait, not one interval more.
func TestLimiterReserveWithinBooksOnlyWhatFits(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	for range 20 {
		l.Reserve("P", "c", t0)
	}
	for range 3 {
		if w, ok := l.ReserveWithin("P", "c", t0, 5*time.Second); ok || w != 6*time.Second {
			t.Fatalf("past the burst: wait %v, ok %v; want 6s and not booked", w, ok)
		}
	}
	if w, ok := l.ReserveWithin("P", "c", t0, 6*time.Second); !ok || w != 6*time.Second {
		t.Fatalf("within the limit: wait %v, ok %v; want 6s, booked", w, ok)
	}
	if w := l.Reserve("P", "c", t0); w != 12*time.Second {
		t.Fatalf("the next message waits %v, want 12s", w)
	}
	// Refused messages leave the number's bucket alone too.
	n := NewLimiter(LimiterConfig{NumberRate: 1})
	n.HoldRecipient("P", "held", t0.Add(time.Minute))
	if _, ok := n.ReserveWithin("P", "held", t0, time.Second); ok {
		t.Fatal("a held citizen's message was booked")
	}
	if w, ok := n.ReserveWithin("P", "free", t0, 0); !ok || w != 0 {
		t.Fatalf("another citizen after a refused message: wait %v, ok %v; want 0, booked", w, ok)
	}
}

func TestLimiterForgetsIdleEntries(t *testing.T) {
	// A high number rate keeps the number's bucket out of the way.
	l := NewLimiter(LimiterConfig{NumberRate: 1e6})
	for i := range 10000 {
		l.Reserve("P", fmt.Sprintf("citizen-%d", i), t0)
	}
	if _, pairs := l.Len(); pairs != 10000 {
		t.Fatalf("%d pairs", pairs)
	}
	// Six seconds later every citizen's bucket is full again; the next
	// sweep (at most a minute later) forgets them.
	l.Reserve("P", "new", t0.Add(time.Minute))
	numbers, pairs := l.Len()
	if pairs != 1 || numbers != 1 {
		t.Errorf("after the sweep: %d numbers, %d pairs", numbers, pairs)
	}
	// Forgetting changes nothing: a forgotten citizen gets a full burst.
	for i := range 20 {
		if w := l.Reserve("P", "citizen-1", t0.Add(time.Minute)); w != 0 {
			t.Fatalf("burst message %d waits %v", i, w)
		}
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(LimiterConfig{NumberRate: 100})
	var mu sync.Mutex
	var waits []time.Duration
	var wg sync.WaitGroup
	for g := range 50 {
		wg.Go(func() {
			for i := range 40 {
				w := l.Reserve("P", fmt.Sprintf("%d-%d", g, i), t0)
				mu.Lock()
				waits = append(waits, w)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// 2000 bookings at 100/s with a burst of 100: 100 at once, then one
	// every 10 ms, each slot given exactly once.
	slices.Sort(waits)
	for i, w := range waits {
		want := time.Duration(max(0, i-99)) * 10 * time.Millisecond
		if w != want {
			t.Fatalf("booking %d waits %v, want %v", i, w, want)
		}
	}
}

func BenchmarkLimiterReserve(b *testing.B) {
	l := NewLimiter(LimiterConfig{})
	now := t0
	i := 0
	for b.Loop() {
		i++
		now = now.Add(time.Millisecond)
		l.Reserve("P", fmt.Sprint(i%5000), now)
	}
}
