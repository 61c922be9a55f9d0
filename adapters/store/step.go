package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// A step, on every database: the driver claims contacts and loads their
// steps (Driver.Claim), the store runs the handler for each and turns its
// Outcome into a driver.Step (or its failure into a driver.Failure), and
// the driver writes them (Claim.Commit).
//
// On Postgres (Caps.BatchSteps) one transaction claims up to
// Options.StepBatch contacts, and their steps share the commit: a step
// that fails is recorded in the same transaction as the others. If the
// commit itself fails, which of the steps is at fault is unknown: the
// next claims then take one contact each for a while, so that the one at
// fault fails alone and is counted against its own message. On SQLite a
// claim is one contact, held in the process, and the driver writes the
// steps of several workers in shared commits.

// stepBatchBudget is how long a batch keeps starting steps. A claimed
// contact whose step has not started by then is left for the next claim
// (the commit releases it), so that one slow step (a department's API, say)
// does not hold up many citizens. The steps that ran before a slow one do
// wait for it, though: their replies leave with the batch's commit. So a
// step about to wait on the network calls Work.BeforeNetwork, which gives
// it up when steps ran before it (it rolls back, uncounted, and its
// contact runs first of a later batch): no citizen waits on another's call.
const stepBatchBudget = 20 * time.Millisecond

// process claims and steps contacts. A claim can come up empty-handed when
// the contacts it locked turn out to have been served just before; then it
// looks again (a few times at most).
func (s *Store) process(ctx context.Context, run *stepRun) (bool, error) {
	for range 3 {
		processed, again, err := s.processClaim(ctx, run)
		if !again {
			return processed, err
		}
	}
	return false, nil
}

// stepBatch is what one claim's steps write.
type stepBatch struct {
	commit   driver.Commit
	leased   []*Work        // contacts whose first reply is handed back
	steps    []*driver.Step // their writes, in the same order
	failures []*StepError   // failed steps, recorded in the batch
	ran      []*Work        // contacts whose steps ran (deferred ones not)
	left     int            // contacts claimed but left for a later claim
	queued   bool           // some step queued replies for the senders
}

// processClaim claims contacts, runs their steps and writes them. again
// says the claim locked only contacts that had just been served, so
// looking again may find work.
func (s *Store) processClaim(ctx context.Context, run *stepRun) (processed, again bool, err error) {
	if err := s.check(); err != nil {
		return false, false, err
	}
	limit := s.opts.StepBatch
	for n := s.soloClaims.Load(); n > 0; n = s.soloClaims.Load() {
		if s.soloClaims.CompareAndSwap(n, n-1) {
			limit = 1
			break
		}
	}
	now := s.now().UTC()
	s.wakeInbox.claiming()
	cl, err := s.drv.Claim(ctx, now, limit)
	if err != nil {
		return false, false, s.classify(err)
	}
	defer cl.Close()
	loads := cl.Loads()
	if len(loads) == 0 {
		cl.Rollback()
		return false, cl.Claimed() > 0, nil
	}
	works := make([]*Work, len(loads))
	for i, l := range loads {
		works[i] = s.newWork(l, now)
	}
	b, err := s.runSteps(ctx, run, works)
	if err != nil {
		cl.Rollback()
		return true, false, err
	}
	run.stepped = len(b.ran)
	if len(b.failures) > 0 {
		// A failure is recorded even when ctx has run out (a step that
		// timed out must count as an attempt); the steps that succeeded
		// did so before it ran out.
		var cancel context.CancelFunc
		ctx, cancel = bookkeepingContext(ctx)
		defer cancel()
	}
	b.commit.LeaseFrom = s.now().UTC()
	b.commit.LeaseUntil = b.commit.LeaseFrom.Add(run.lease)
	ids, err := cl.Commit(ctx, &b.commit)
	if err != nil {
		return true, false, s.stepsFailed(ctx, cl, b, err)
	}
	s.stepsCommitted(b, ids, run, cl.Claimed() == limit)
	return true, false, b.err()
}

// runSteps runs the claimed contacts' steps, within stepBatchBudget after
// the first, and gathers what they write. A cancelled ctx rolls back the
// whole batch (shutting down is no step's fault).
func (s *Store) runSteps(ctx context.Context, run *stepRun, works []*Work) (*stepBatch, error) {
	b := &stepBatch{}
	s.deferredFirst(works)
	start := time.Now()
	for i, w := range works {
		if i > 0 && time.Since(start) > stepBatchBudget {
			b.left += len(works) - i
			break
		}
		w.shared = i > 0
		out, herr := s.runHandler(ctx, run.h, w)
		w.finish()
		if w.wasDeferred() {
			s.deferred.add(w.Contact.ID)
			b.left++
			continue
		}
		b.ran = append(b.ran, w)
		now := s.now().UTC()
		if herr != nil {
			if wasCancelled(ctx) {
				return nil, fmt.Errorf("store: step cancelled, rolled back: %w", herr)
			}
			f := s.failure(w, herr, now)
			b.commit.Writes = append(b.commit.Writes, driver.Write{Failure: f})
			b.failures = append(b.failures, &StepError{Contact: maskedContact(w.Contact.ID), Message: w.Messages[0].ID,
				Attempts: f.Attempts, Parked: f.Parked, Err: herr})
			continue
		}
		st := s.stepWrite(w, out, now, run.lease > 0)
		b.commit.Writes = append(b.commit.Writes, driver.Write{Step: st})
		if st.Leased != nil {
			b.leased, b.steps = append(b.leased, w), append(b.steps, st)
		} else if len(out.Outbox) > 0 {
			b.queued = true
		}
	}
	return b, nil
}

// deferredFirst moves to the front the first contact whose step was
// deferred before (see Work.BeforeNetwork), so that it runs with no step
// before it.
func (s *Store) deferredFirst(works []*Work) {
	for i, w := range works {
		if s.deferred.take(w.Contact.ID) {
			works[0], works[i] = works[i], works[0]
			return
		}
	}
}

// deferredSteps are the contacts whose steps were deferred in this process
// and have not run since. It is a hint: a contact another process serves
// stays until the set is cleared for being large.
type deferredSteps struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (d *deferredSteps) add(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ids == nil || len(d.ids) >= 10000 {
		d.ids = make(map[string]bool)
	}
	d.ids[id] = true
}

// take reports whether id was deferred, and forgets it.
func (d *deferredSteps) take(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.ids[id] {
		return false
	}
	delete(d.ids, id)
	return true
}

// stepsFailed handles a batch whose commit failed.
func (s *Store) stepsFailed(ctx context.Context, cl driver.Claim, b *stepBatch, err error) error {
	if !s.caps.BatchSteps && len(b.failures) == 1 && len(b.commit.Writes) == 1 {
		// A failure written alone that could not be written stays
		// unrecorded: the step will simply run again.
		return b.failures[0]
	}
	if wasCancelled(ctx) || s.isUnavailable(err) || errors.Is(err, ErrConflict) {
		return fmt.Errorf("store: step rolled back: %w", s.classify(err))
	}
	if len(b.ran) > 1 {
		s.soloClaims.Store(int64(2 * len(b.ran)))
		s.wakeInbox.notify(len(b.ran))
		return fmt.Errorf("store: %d steps written together were rolled back; their contacts are stepped one at a time next: %w",
			len(b.ran), s.classify(err))
	}
	// The outcome itself could not be written (a bug in what the handler
	// returned, most likely): count it against the message like any failure.
	return s.recordFailure(ctx, cl, b.ran[0], fmt.Errorf("writing the outcome: %w", err))
}

// recordFailure records a failed step whose write failed, in a
// transaction of its own.
func (s *Store) recordFailure(ctx context.Context, cl driver.Claim, w *Work, cause error) error {
	bctx, cancel := bookkeepingContext(ctx)
	defer cancel()
	f := s.failure(w, cause, s.now().UTC())
	serr := &StepError{Contact: maskedContact(w.Contact.ID), Message: w.Messages[0].ID, Attempts: f.Attempts, Err: cause}
	recorded, err := cl.RecordFailure(bctx, w.load, f)
	if err == nil && recorded {
		serr.Recorded, serr.Parked = true, f.Parked
		if f.Parked {
			s.wakeOutbox.notify(1)
			s.wakeInbox.notify(1) // the contact's later messages may go on now
		}
	}
	return serr
}

// stepsCommitted hands the leased replies back and wakes whoever has work
// now: senders for queued replies and apologies, workers for contacts left
// over or released by a parked message. full says the claim took as many
// contacts as it could, so more are likely waiting.
func (s *Store) stepsCommitted(b *stepBatch, ids map[string]int64, run *stepRun, full bool) {
	for i, w := range b.leased {
		if id, ok := ids[w.Contact.ID]; ok {
			run.leased = append(run.leased, leasedMessage(w, b.steps[i], id, b.commit.LeaseFrom))
		}
	}
	if b.queued {
		s.wakeOutbox.notify(1)
	}
	parked := 0
	for _, f := range b.failures {
		f.Recorded = true
		if f.Parked {
			parked++
		}
	}
	if parked > 0 {
		s.wakeOutbox.notify(parked)
		s.wakeInbox.notify(parked)
	}
	if !s.caps.BatchSteps {
		return
	}
	switch {
	case b.left > 0:
		s.wakeInbox.notify(b.left)
	case full:
		s.wakeInbox.notify(1) // there are likely more waiting
	default:
		// Wake-ups for other contacts of this batch were for work it did.
		s.wakeInbox.take(len(b.ran) - 1)
	}
}

// err is the batch's failed steps as one error (nil when none failed).
func (b *stepBatch) err() error {
	switch len(b.failures) {
	case 0:
		return nil
	case 1:
		return b.failures[0]
	}
	errs := make([]error, len(b.failures))
	for i, f := range b.failures {
		errs[i] = f
	}
	return errors.Join(errs...)
}
