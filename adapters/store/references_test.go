package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// Steps lodging grievances take references from a pool that one query
// checks referencePoolSize at a time; a reference pooled too long is let go
// and the pool drawn again.
func TestReferencesComeFromAPoolCheckedAhead(t *testing.T) {
	var drawn atomic.Int64
	gen := func(time.Time) string { return fmt.Sprintf("GRV-%d", drawn.Add(1)) }
	eachStoreWith(t, func(o *Options) { o.GrievanceReference = gen }, func(t *testing.T, e *env) {
		drawn.Store(0)
		lodge := func(key string) string {
			e.ingest(inbound(key, "w-"+key, e.clock.Now(), "submit"))
			var ref string
			e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
				var err error
				ref, err = WorkFrom(ctx).AddGrievance(ctx, Grievance{Category: "water"})
				return &Outcome{}, err
			})
			return ref
		}
		if ref := lodge("919800000000"); ref != "GRV-1" || drawn.Load() != referencePoolSize {
			t.Fatalf("first grievance: %q after %d draws, want GRV-1 from one refill of %d", ref, drawn.Load(), referencePoolSize)
		}
		for i := 1; i < referencePoolSize; i++ {
			lodge(fmt.Sprintf("9198000000%02d", i))
		}
		if drawn.Load() != referencePoolSize {
			t.Fatalf("after %d grievances the generator ran %d times, want %d (one refill)", referencePoolSize, drawn.Load(), referencePoolSize)
		}
		if ref := lodge("919811111111"); ref != fmt.Sprintf("GRV-%d", referencePoolSize+1) {
			t.Fatalf("grievance %d: %q, want the first of the second refill", referencePoolSize+1, ref)
		}

		// The rest of that refill grows too old to trust: it is let go.
		e.clock.Advance(referencePoolAge + time.Second)
		want := fmt.Sprintf("GRV-%d", 2*referencePoolSize+1)
		if ref := lodge("919822222222"); ref != want {
			t.Fatalf("after %v: %q, want %s from a fresh refill", referencePoolAge+time.Second, ref, want)
		}
		if e.s.heldReferences.held("city", fmt.Sprintf("GRV-%d", referencePoolSize+2)) {
			t.Fatalf("a reference too old to use is still held")
		}
		if !e.s.heldReferences.held("city", fmt.Sprintf("GRV-%d", 2*referencePoolSize+2)) {
			t.Fatalf("a pooled reference is not held: another step could draw it")
		}
	})
}
