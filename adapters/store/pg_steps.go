package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
)

// Steps on Postgres. One transaction claims up to Options.StepBatch
// contacts (BEGIN and the claim go in one round trip), runs their steps one
// after another, and writes all their outcomes with COMMIT (one more round
// trip). When few citizens are waiting a claim finds one contact, and a
// step is exactly a transaction of its own; under load, contacts share the
// claim, the commit and its wait for the disk, which is most of what a
// step costs the database.
//
// A step that fails is recorded in the same transaction as the others. If
// the commit itself fails, which of the steps is at fault is unknown: the
// next claims then take one contact each for a while, so that the one at
// fault fails alone and is counted against its own message.

// stepBatchBudget is how long a batch keeps starting steps. A claimed
// contact whose step has not started by then is left for the next claim
// (the commit releases it), so that one slow step (a department's API, say)
// does not hold up many citizens. The steps that ran before a slow one do
// wait for it, though: their replies leave with the batch's commit. So a
// step about to wait on the network calls Work.BeforeNetwork, which gives
// it up when steps ran before it (it rolls back, uncounted, and its
// contact runs first of a later batch): no citizen waits on another's call.
const stepBatchBudget = 20 * time.Millisecond

// pgBatch is what one step transaction writes.
type pgBatch struct {
	parts    []*sqlText
	leased   []leasedReply // first replies handed back to the caller
	failures []*StepError  // failed steps, recorded in the batch
	ran      []*Work       // contacts whose steps ran (deferred ones not)
	left     int           // contacts claimed but left for a later claim
	queued   bool          // some step queued replies for the senders
}

// pgStepBatch claims and steps contacts on c. healthy is false when c must
// not be used again; again says the claim locked only contacts that had
// just been served, so looking again may find work.
func (s *Store) pgStepBatch(ctx context.Context, c *pgConn, run *stepRun) (processed, again, healthy bool, err error) {
	works, limit, claimed, err := s.pgClaimWorks(ctx, c, s.now().UTC())
	if err != nil {
		return false, false, s.pgRollback(c), classify(err)
	}
	if len(works) == 0 {
		return false, claimed > 0, s.pgRollback(c), nil
	}
	defer releaseReferences(works)
	b, err := s.runSteps(ctx, run, works)
	if err != nil {
		return true, false, s.pgRollback(c), err
	}
	run.stepped = len(b.ran)
	leaseFrom := s.now().UTC()
	if len(b.failures) > 0 {
		// A failure is recorded even when ctx has run out (a step that
		// timed out must count as an attempt); the steps that succeeded
		// did so before it ran out.
		var cancel context.CancelFunc
		ctx, cancel = bookkeepingContext(ctx)
		defer cancel()
	}
	ids, err := s.pgCommitBatch(ctx, c, b, leaseFrom, run.lease)
	if err != nil {
		healthy, err := s.pgBatchFailed(ctx, c, b.ran, err)
		return true, false, healthy, err
	}
	s.batchCommitted(b, ids, leaseFrom, run, claimed == limit)
	return true, false, true, b.err()
}

// releaseReferences lets go of the references the steps of a batch drew,
// once its transaction has ended.
func releaseReferences(works []*Work) {
	for _, w := range works {
		w.releaseReferences()
	}
}

// pgClaimWorks begins the transaction and claims contacts, reloading those
// that a step changed since the claim's snapshot (see claimSQL) and dropping
// those whose messages turn out to be served. claimed counts the contacts
// locked, limit is how many the claim could have taken.
func (s *Store) pgClaimWorks(ctx context.Context, c *pgConn, now time.Time) (works []*Work, limit, claimed int, err error) {
	limit = s.opts.StepBatch
	for n := s.soloClaims.Load(); n > 0; n = s.soloClaims.Load() {
		if s.soloClaims.CompareAndSwap(n, n-1) {
			limit = 1
			break
		}
	}
	rows, err := s.pgClaim(ctx, c, now, limit)
	if err != nil {
		return nil, limit, 0, err
	}
	ws, snapshots, err := s.scanWorks(rows, now)
	rows.Close()
	if err != nil {
		return nil, limit, 0, err
	}
	for i, w := range ws {
		if snapshots[i] != w.version || s.testForceReload {
			s.calls.Add(1)
			if w, err = s.pgReload(ctx, c.conn, w.Contact.ID, now); err != nil {
				return nil, limit, 0, err
			}
		}
		if w != nil {
			works = append(works, w)
		}
	}
	return works, limit, len(ws), nil
}

// runSteps runs the claimed contacts' steps, within stepBatchBudget after
// the first, and gathers what they write. A cancelled ctx rolls back the
// whole batch (shutting down is no step's fault).
func (s *Store) runSteps(ctx context.Context, run *stepRun, works []*Work) (*pgBatch, error) {
	b := &pgBatch{}
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
			q, parked, attempts := s.failureSQL(w, herr, now)
			b.parts = append(b.parts, q)
			b.failures = append(b.failures, &StepError{Contact: maskedContact(w.Contact.ID), Message: w.Messages[0].ID,
				Attempts: attempts, Parked: parked, Err: herr})
			continue
		}
		markDone, rest, leased := s.stepSQL(w, out, now, run.lease > 0)
		b.parts = append(b.parts, markDone, rest)
		if leased != nil {
			b.leased = append(b.leased, *leased)
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

// pgCommitBatch writes a batch and commits, in one round trip. With leased
// replies the commit waits for the disk (see ProcessNextAndLease), and the
// leased rows' ids are returned by contact.
func (s *Store) pgCommitBatch(ctx context.Context, c *pgConn, b *pgBatch, leaseFrom time.Time, lease time.Duration) (map[string]int64, error) {
	s.calls.Add(1)
	if len(b.leased) == 0 {
		text, names := pgStepText(c, b.parts...)
		_, err := c.conn.ExecContext(ctx, text+"COMMIT;")
		c.remember(names, err)
		return nil, err
	}
	parts := append(b.parts[:len(b.parts):len(b.parts)], s.leasedRowsSQL(b.leased, leaseFrom, leaseFrom.Add(lease)))
	text, names := pgStepText(c, parts...)
	ids := make(map[string]int64, len(b.leased))
	err := s.pgQuery(ctx, c, text+"SET LOCAL synchronous_commit = on;\nCOMMIT;", func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			var contact string
			var id int64
			err := rows.Scan(&contact, &id)
			ids[contact] = id
			return err
		})
	})
	c.remember(names, err)
	return ids, err
}

// pgBatchFailed handles a batch whose commit failed; ran are the contacts
// whose steps it held.
func (s *Store) pgBatchFailed(ctx context.Context, c *pgConn, ran []*Work, err error) (healthy bool, _ error) {
	// Which of the PREPAREs ran is unknown now: forget them all.
	if !s.pgReset(c) {
		return false, fmt.Errorf("store: step rolled back: %w", classify(err))
	}
	if wasCancelled(ctx) || isUnavailable(err) {
		return true, fmt.Errorf("store: step rolled back: %w", classify(err))
	}
	if len(ran) > 1 {
		s.soloClaims.Store(int64(2 * len(ran)))
		s.wakeInbox.notify(len(ran))
		return true, fmt.Errorf("store: %d steps written together were rolled back; their contacts are stepped one at a time next: %w",
			len(ran), classify(err))
	}
	if referenceTaken(err) {
		// Another process lodged a grievance under the reference this step
		// drew (see referencePool) and committed first. Nothing is wrong
		// with the message: it runs again at once, drawing another, and the
		// attempt does not count.
		s.wakeInbox.notify(1)
		return true, fmt.Errorf("store: step rolled back, to run again at once: %w: another process took its grievance reference first", ErrConflict)
	}
	// The outcome itself could not be written (a bug in what the handler
	// returned, most likely): count it against the message like any failure.
	return s.pgRecordFailure(ctx, c, ran[0], fmt.Errorf("writing the outcome: %w", err))
}

// referenceTaken says err is the grievances table refusing a reference
// that is already there.
func referenceTaken(err error) bool {
	var pgErr pgdriver.Error
	return errors.As(err, &pgErr) && pgErr.Field('C') == "23505" && pgErr.Field('n') == "grievances_pkey"
}

// batchCommitted hands the leased replies back and wakes whoever has work
// now: senders for queued replies and apologies, workers for contacts left
// over or released by a parked message. full says the claim took as many
// contacts as it could, so more are likely waiting.
func (s *Store) batchCommitted(b *pgBatch, ids map[string]int64, leaseFrom time.Time, run *stepRun, full bool) {
	for _, r := range b.leased {
		if id, ok := ids[r.w.Contact.ID]; ok {
			run.leased = append(run.leased, r.message(id, leaseFrom))
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
func (b *pgBatch) err() error {
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
