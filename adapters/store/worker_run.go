package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// bookkeepingTimeout bounds the short writes that record a failed step, which
// run even when the step's own context has run out.
const bookkeepingTimeout = 10 * time.Second

func bookkeepingContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
}

// claimSQL claims the contacts of the oldest pending messages (up to limit
// messages, so at most limit contacts) whose contacts are neither held by a
// backoff nor locked by another worker, and loads their steps in the same
// statement, one contact after another. now is an SQL expression for the
// current time.
//
// The message rows are locked with their contacts so that Postgres
// re-checks them when a concurrent step changed them after this statement's
// snapshot: a message served in between is skipped, not claimed again. The
// rest of the load still reads the snapshot; the last column is a contact's
// version as the snapshot saw it, while the locked row is the newest
// version. If they differ, a step for that contact committed between the
// snapshot and the lock, its loaded messages may be stale, and the caller
// reloads it.
//
// floor is an SQL expression for the inbox's floor (see queueFloor). The
// contact's messages are a LATERAL subquery kept apart from the join (OFFSET
// 0), so that they are always looked up by contact. Joined plainly, a plan
// made while the inbox looked empty read every pending message of every
// contact and kept the claimed one's (1,645 rows for 1, in a logged plan).
func claimSQL(now, floor, limit string) string {
	return `WITH l AS (
	SELECT c.* FROM inbox i JOIN contacts c ON c.id = i.contact_id
	WHERE i.state = 0 AND i.id >= ` + floor + ` AND (c.hold_until IS NULL OR c.hold_until <= ` + now + `)
	ORDER BY i.id
	LIMIT ` + limit + `
	FOR NO KEY UPDATE OF c, i SKIP LOCKED
), c AS (SELECT DISTINCT ON (l.id) l.* FROM l ORDER BY l.id)
SELECT ` + workColumns + `, (SELECT v.version FROM contacts v WHERE v.id = c.id)
FROM c LEFT JOIN sessions s ON s.contact_id = c.id
JOIN LATERAL (SELECT * FROM inbox WHERE inbox.contact_id = c.id AND inbox.state = 0 OFFSET 0) i ON true
ORDER BY c.id, i.wa_ts, i.arrival, i.id`
}

// pgClaimStatement names the claim prepared on a step connection: planning
// that query costs more than running it, so each connection plans it once
// (PREPARE) and then runs it with EXECUTE, in the same round trip as BEGIN.
const pgClaimStatement = "samvad_claim_v7"

// pgClaim begins the step's transaction and claims up to limit contacts, in
// one round trip.
func (s *Store) pgClaim(ctx context.Context, c *pgConn, now time.Time, limit int) (*sql.Rows, error) {
	floor := s.inboxFloor.get(ctx, c)
	q := s.sql()
	if !c.prepared[pgClaimStatement] {
		q.raw("PREPARE ", pgClaimStatement, " (timestamptz, bigint, bigint) AS ", claimSQL("$1", "$2", "$3"), ";\n")
	}
	q.raw("BEGIN;\nEXECUTE ", pgClaimStatement, "(").time(now).raw(", ").int(floor).raw(", ").int(int64(limit)).raw(")")
	s.wakeInbox.claiming()
	s.calls.Add(1)
	rows, err := c.conn.QueryContext(ctx, q.pgText())
	if err == nil {
		c.prepared[pgClaimStatement] = true
	}
	return rows, err
}

func (s *Store) processPostgres(ctx context.Context, run *stepRun) (bool, error) {
	// A claim can come up empty-handed when the contact it locked turns out
	// to have been served just before; then look again (a few times at most).
	for range 3 {
		c, err := s.stepConns.take(ctx)
		if err != nil {
			return false, classify(err)
		}
		processed, again, healthy, err := s.pgStepBatch(ctx, c, run)
		s.stepConns.done(c, healthy)
		if !again {
			return processed, err
		}
	}
	return false, nil
}

// pgReload loads the claimed contact's step again with a fresh snapshot.
func (s *Store) pgReload(ctx context.Context, conn *sql.Conn, contactID string, now time.Time) (*Work, error) {
	rows, err := conn.QueryContext(ctx, s.loadWorkSQL(contactID))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	w, _, err := s.scanWork(rows, now)
	return w, err
}

// pgRecordFailure records a failed step whose transaction is gone (rolled
// back): it locks the contact again, gives up if another step got to it in
// between, and writes failureSQL and commits. healthy is false when c must
// not be used again.
func (s *Store) pgRecordFailure(ctx context.Context, c *pgConn, w *Work, cause error) (healthy bool, err error) {
	bctx, cancel := bookkeepingContext(ctx)
	defer cancel()
	serr := &StepError{Contact: maskedContact(w.Contact.ID), Message: w.Messages[0].ID, Err: cause}
	s.calls.Add(1)
	rows, err := c.conn.QueryContext(bctx, s.sql().raw("BEGIN;\nSELECT version FROM contacts WHERE id = ").str(w.Contact.ID).raw(" FOR NO KEY UPDATE").pgText())
	if err != nil {
		return s.pgRollback(c), serr
	}
	var version int64
	err = scanOne(rows, &version)
	rows.Close()
	if err != nil || version != w.version {
		return s.pgRollback(c), serr
	}
	q, parked, attempts := s.failureSQL(w, cause, s.now().UTC())
	serr.Parked, serr.Attempts = parked, attempts
	text, names := pgStepText(c, q)
	s.calls.Add(1)
	if _, err := c.conn.ExecContext(bctx, text+"COMMIT;"); err != nil {
		s.pgRollback(c)
		serr.Parked = false
		return false, serr
	}
	c.remember(names, nil)
	serr.Recorded = true
	if parked {
		s.wakeOutbox.notify(1)
		s.wakeInbox.notify(1) // the contact's later messages may go on now
	}
	return true, serr
}

// pgRollback ends the connection's transaction. It reports whether the
// connection is still usable.
func (s *Store) pgRollback(c *pgConn) bool {
	return s.pgEnd(c, "ROLLBACK")
}

// pgReset rolls back and drops the connection's prepared statements, for
// when it is unknown which of them a failed message prepared.
func (s *Store) pgReset(c *pgConn) bool {
	clear(c.prepared)
	return s.pgEnd(c, "ROLLBACK; DEALLOCATE ALL")
}

func (s *Store) pgEnd(c *pgConn, text string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.calls.Add(1)
	_, err := c.conn.ExecContext(ctx, text)
	return err == nil
}

func (s *Store) processSQLite(ctx context.Context, run *stepRun) (bool, error) {
	now := s.now().UTC()
	w, err := s.sqliteClaim(ctx, now)
	if err != nil || w == nil {
		return false, err
	}
	defer s.release(w.Contact.ID)
	defer w.releaseReferences() // after the write below
	out, herr := s.runHandler(ctx, run.h, w)
	w.finish()
	if herr != nil {
		if wasCancelled(ctx) {
			return true, fmt.Errorf("store: step cancelled, rolled back: %w", herr)
		}
		return true, s.sqliteRecordFailure(ctx, w, herr)
	}
	now = s.now().UTC()
	markDone, rest, leased := s.stepSQL(w, out, now, run.lease > 0)
	stmts := append(markDone.statements(), rest.statements()...)
	if leased != nil {
		stmts = append(stmts, s.leasedRowsSQL([]leasedReply{*leased}, now, now.Add(run.lease)).statements()...)
	}
	prepared, err := s.prepareAll(ctx, stmts)
	write := &stepWrite{stmts: stmts, prepared: prepared, want: int64(len(w.Messages)), returnsID: leased != nil}
	if err == nil {
		err = s.writeStep(ctx, write)
	}
	if err != nil {
		if wasCancelled(ctx) || isUnavailable(err) || errors.Is(err, ErrConflict) {
			return true, fmt.Errorf("store: step rolled back: %w", classify(err))
		}
		return true, s.sqliteRecordFailure(ctx, w, fmt.Errorf("writing the outcome: %w", err))
	}
	switch {
	case leased != nil:
		run.leased = append(run.leased, leased.message(write.id, now))
	case len(out.Outbox) > 0:
		s.wakeOutbox.notify(1)
	}
	return true, nil
}

func (s *Store) release(contactID string) {
	s.mu.Lock()
	delete(s.inflight, contactID)
	s.mu.Unlock()
}

func (s *Store) sqliteRecordFailure(ctx context.Context, w *Work, cause error) error {
	bctx, cancel := bookkeepingContext(ctx)
	defer cancel()
	text, parked, attempts := s.failureSQL(w, cause, s.now().UTC())
	serr := &StepError{Contact: maskedContact(w.Contact.ID), Message: w.Messages[0].ID, Attempts: attempts, Err: cause}
	stmts := text.statements()
	prepared, err := s.prepareAll(bctx, stmts)
	if err == nil {
		err = s.writeTx(bctx, func(tx *sql.Tx) error {
			_, err := s.execPrepared(bctx, tx, stmts, prepared)
			return err
		})
	}
	if err == nil {
		serr.Recorded, serr.Parked = true, parked
		if parked {
			s.wakeOutbox.notify(1)
			s.wakeInbox.notify(1)
		}
	}
	return serr
}

// MoreInboxWork tells a worker that just finished a step whether to call
// ProcessNext again at once (true) or to wait on InboxSignal first: true
// when a new message's wake-up is pending (it is taken) or more messages
// came than wake-ups could be kept for. Waiting otherwise saves a claim that
// would find nothing.
func (s *Store) MoreInboxWork() bool { return s.wakeInbox.more() }

// InboxSignal returns the channel that wakes idle workers when new inbox
// work may be there: a message ingested by this process, or a parked
// message releasing its contact. Each new message lets one receive through
// (not every waiter: one message is one worker's work). Wait on it, with a
// timeout (work ingested by other processes and backoffs coming due do not
// signal), when ProcessNext found nothing; a wake-up that came while the
// worker was busy is kept for its next wait. Once the store is closed the
// channel is closed.
func (s *Store) InboxSignal() <-chan struct{} { return s.wakeInbox.wait() }

// MoreOutboxWork is MoreInboxWork for a sender that just claimed rows:
// whether to claim again at once rather than wait on OutboxSignal.
func (s *Store) MoreOutboxWork() bool { return s.wakeOutbox.more() }

// OutboxSignal is InboxSignal for ClaimOutbox: it lets a sender through when
// a step queued messages or a sent or failed row let the next row of its
// contact go.
func (s *Store) OutboxSignal() <-chan struct{} { return s.wakeOutbox.wait() }

// Run calls ProcessNext with h until ctx is done or the store is closed,
// waiting on InboxSignal (or Options.PollInterval) when there is nothing to
// do. Errors go to onError (which may be nil); while the database is
// unavailable Run slows down. A server runs as many Run goroutines as it
// wants workers.
func (s *Store) Run(ctx context.Context, h Handler, onError func(error)) error {
	pause := s.opts.PollInterval / 10
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		wake := s.InboxSignal()
		processed, err := s.ProcessNext(ctx, h)
		if errors.Is(err, ErrClosed) {
			return err
		}
		if err != nil && onError != nil && ctx.Err() == nil {
			onError(err)
		}
		if processed && err == nil && s.MoreInboxWork() {
			continue
		}
		wait := s.opts.PollInterval
		if errors.Is(err, ErrUnavailable) {
			wait = min(wait, pause*5)
		} else if processed && err != nil {
			continue // a failed step: others may be ready
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}
