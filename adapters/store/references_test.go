package store

import (
	"context"
	"errors"
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

// Another process may lodge a reference this process has pooled (it checks
// only the table). The step whose commit then fails runs again at once with
// another reference, and the attempt does not count against the message.
func TestReferenceTakenByAnotherProcessRetriesTheStep(t *testing.T) {
	e := newEnv(t, "postgres", func(o *Options) { o.GrievanceReference = sequenceRefs("GRV-X", "GRV-Y") })
	other := e.open(Options{GrievanceReference: sequenceRefs("GRV-X")})
	ctx := context.Background()
	e.ingest(inbound("919877000001", "w1", e.clock.Now(), "submit"))
	var refs []string
	h := func(ctx context.Context, w *Work) (*Outcome, error) {
		ref, err := WorkFrom(ctx).AddGrievance(ctx, Grievance{Category: "water"})
		if err != nil {
			return nil, err
		}
		refs = append(refs, ref)
		if len(refs) == 1 { // the other process lodges the same reference first
			if got, err := other.CreateGrievance(ctx, Grievance{Integration: "city", Category: "roads"}); err != nil || got != "GRV-X" {
				t.Fatalf("the other process: %q %v", got, err)
			}
		}
		return &Outcome{Outbox: []OutboundMessage{{Payload: []byte("registered " + ref)}}}, nil
	}
	ok, err := e.s.ProcessNext(ctx, h)
	var serr *StepError
	if !ok || !errors.Is(err, ErrConflict) || errors.As(err, &serr) {
		t.Fatalf("the step whose reference was taken: ok=%v err=%v, want a rollback with ErrConflict, not a recorded failure", ok, err)
	}
	if ok, err := e.s.ProcessNext(ctx, h); !ok || err != nil {
		t.Fatalf("the step again, at once: ok=%v err=%v", ok, err)
	}
	if len(refs) != 2 || refs[1] != "GRV-Y" {
		t.Fatalf("references drawn = %q, want GRV-X, then GRV-Y", refs)
	}
	if got := payloads(e.outbox("919877000001")); len(got) != 1 || got[0] != "registered GRV-Y" {
		t.Fatalf("outbox = %q, want the one reply with GRV-Y", got)
	}
}
