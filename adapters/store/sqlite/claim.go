package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// The claim runs two prepared statements (parsing these texts would cost
// more than running them): the contacts of the oldest pending messages,
// and the step of the one chosen.
const (
	candidatesSQL = `SELECT i.contact_id FROM inbox i JOIN contacts c ON c.id = i.contact_id
WHERE i.state = 0 AND (c.hold_until IS NULL OR c.hold_until <= ?) ORDER BY i.id LIMIT ?`
	loadSQL = "SELECT " + sqlb.WorkColumns + `, c.version FROM contacts c LEFT JOIN sessions s ON s.contact_id = c.id
JOIN inbox i ON i.contact_id = c.id AND i.state = 0
WHERE c.id = ? AND (c.hold_until IS NULL OR c.hold_until <= ?) ORDER BY i.wa_ts, i.arrival, i.id`
)

// bookkeepingTimeout bounds the writes that run after their caller's
// context may have ended (a step's shared commit, a failure's record).
const bookkeepingTimeout = 10 * time.Second

// candidateBatch is how many pending messages one look at the inbox reads.
// Their contacts queue in the store (Driver.candidates) and the next claims
// take them from there, so the inbox is read once per batch, not per step.
const candidateBatch = 64

// statements prepares the claim statements on first use.
func (d *Driver) statements(ctx context.Context) (candidates, load *sql.Stmt, err error) {
	d.stmtMu.Lock()
	defer d.stmtMu.Unlock()
	if d.candidatesStmt == nil {
		if d.candidatesStmt, err = d.rdb.DB.PrepareContext(ctx, candidatesSQL); err != nil {
			return nil, nil, err
		}
	}
	if d.loadStmt == nil {
		if d.loadStmt, err = d.rdb.DB.PrepareContext(ctx, loadSQL); err != nil {
			return nil, nil, err
		}
	}
	return d.candidatesStmt, d.loadStmt, nil
}

// Claim picks the contact of the oldest pending message that is not held
// by a backoff nor by a step running in this process, marks it in flight,
// and loads its step: one contact whatever the limit. A queued candidate
// may have been served since it was queued (it had messages from two
// looks), or held by a backoff (its step failed); then it loads nothing
// and the next one is tried.
func (d *Driver) Claim(ctx context.Context, now time.Time, _ int) (driver.Claim, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	candidates, load, err := d.statements(ctx)
	if err != nil {
		return nil, classify(err)
	}
	for range 8 {
		contactID, err := d.pick(ctx, candidates, now)
		if err != nil || contactID == "" {
			return &claim{d: d}, err
		}
		var loads []*driver.StepLoad
		d.calls.Add(1)
		rows, err := load.QueryContext(ctx, contactID, now.UnixMicro())
		if err == nil {
			loads, _, err = sqlb.ScanLoads(rows)
			rows.Close()
		}
		if err != nil {
			d.release(contactID)
			return nil, classify(err)
		}
		if len(loads) > 0 {
			return &claim{d: d, load: loads[0]}, nil
		}
		d.release(contactID)
	}
	return &claim{d: d}, nil
}

// pick chooses and marks in flight the contact to claim ("" for none):
// the first queued candidate not in flight, looking at the inbox again when
// the queue runs dry.
func (d *Driver) pick(ctx context.Context, candidates *sql.Stmt, now time.Time) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id := d.nextCandidate(); id != "" {
		return id, nil
	}
	full, err := d.lookForCandidates(ctx, candidates, now)
	if err != nil {
		return "", err
	}
	if id := d.nextCandidate(); id != "" || !full {
		return id, nil
	}
	// Every message looked at belongs to a contact in flight (their
	// contacts have many messages pending): look past them.
	return d.pickPastInflight(ctx, now)
}

// nextCandidate takes the first queued candidate not in flight and marks it
// in flight. Candidates in flight are dropped: their newer messages are
// found again by a later look. d.mu is held.
func (d *Driver) nextCandidate() string {
	for len(d.candidates) > 0 {
		id := d.candidates[0]
		d.candidates = d.candidates[1:]
		if _, busy := d.inflight[id]; !busy {
			d.inflight[id] = struct{}{}
			return id
		}
	}
	return ""
}

// lookForCandidates queues the contacts of the oldest pending messages, in
// order, each once. full says the look found as many messages as it asked
// for (there may be more). d.mu is held.
func (d *Driver) lookForCandidates(ctx context.Context, candidates *sql.Stmt, now time.Time) (full bool, err error) {
	d.calls.Add(1)
	rows, err := candidates.QueryContext(ctx, now.UnixMicro(), candidateBatch)
	if err != nil {
		return false, classify(err)
	}
	defer rows.Close()
	seen := make(map[string]bool, candidateBatch)
	n := 0
	for rows.Next() {
		n++
		var id string
		if err := rows.Scan(&id); err != nil {
			return false, classify(err)
		}
		if !seen[id] {
			seen[id] = true
			d.candidates = append(d.candidates, id)
		}
	}
	return n == candidateBatch, classify(rows.Err())
}

// pickPastInflight finds the oldest pending message of a contact not in
// flight. d.mu is held.
func (d *Driver) pickPastInflight(ctx context.Context, now time.Time) (string, error) {
	q := args().Raw("SELECT i.contact_id FROM inbox i JOIN contacts c ON c.id = i.contact_id WHERE i.state = 0 AND ",
		"(c.hold_until IS NULL OR c.hold_until <= ").Time(now).Raw(") AND i.contact_id NOT IN (")
	busy := make([]string, 0, len(d.inflight))
	for id := range d.inflight {
		busy = append(busy, id)
	}
	q.Strs(busy).Raw(") ORDER BY i.id LIMIT 1")
	st := q.Statements()[0]
	d.calls.Add(1)
	var id string
	err := d.rdb.DB.QueryRowContext(ctx, st.Text, st.Args...).Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", classify(err)
	}
	d.inflight[id] = struct{}{}
	return id, nil
}

// release lets go of a contact in flight.
func (d *Driver) release(contactID string) {
	d.mu.Lock()
	delete(d.inflight, contactID)
	d.mu.Unlock()
}

// HoldContacts marks contacts in flight, so that no step claims them, once
// no step is running for any of them; release lets them go.
func (d *Driver) HoldContacts(ctx context.Context, ids ...string) (release func(), err error) {
	for {
		d.mu.Lock()
		busy := false
		for _, id := range ids {
			_, running := d.inflight[id]
			busy = busy || running
		}
		if !busy {
			for _, id := range ids {
				d.inflight[id] = struct{}{}
			}
			d.mu.Unlock()
			return func() {
				for _, id := range ids {
					d.release(id)
				}
			}, nil
		}
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, classify(ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// claim is one contact held in flight in this process (or none).
type claim struct {
	d    *Driver
	load *driver.StepLoad
}

func (cl *claim) Loads() []*driver.StepLoad {
	if cl.load == nil {
		return nil
	}
	return []*driver.StepLoad{cl.load}
}

func (cl *claim) Claimed() int { return len(cl.Loads()) }

// Commit writes the step. A successful step queues for a shared commit
// (see writeSteps) and fails with ErrConflict when its messages were not
// all pending any more (another process on the file); a failure is
// recorded in a transaction of its own.
func (cl *claim) Commit(ctx context.Context, cm *driver.Commit) (map[string]int64, error) {
	d := cl.d
	if len(cm.Writes) != 1 {
		return nil, nil
	}
	if f := cm.Writes[0].Failure; f != nil {
		return nil, d.writeFailure(ctx, f)
	}
	s := cm.Writes[0].Step
	markDone, rest := args(), args()
	sqlb.Step(markDone, rest, s)
	stmts := append(markDone.Statements(), rest.Statements()...)
	if s.Leased != nil {
		q := args()
		sqlb.Leased(q, []*driver.Step{s}, cm.LeaseFrom, cm.LeaseUntil)
		stmts = append(stmts, q.Statements()...)
	}
	prepared, err := d.prepareAll(ctx, stmts)
	if err != nil {
		return nil, err
	}
	w := &stepWrite{stmts: stmts, prepared: prepared, want: int64(len(s.MessageIDs)), returnsID: s.Leased != nil}
	if err := d.writeStep(ctx, w); err != nil {
		return nil, err
	}
	if s.Leased != nil {
		return map[string]int64{s.Contact.ID: w.id}, nil
	}
	return nil, nil
}

// writeFailure records f in a transaction of its own.
func (d *Driver) writeFailure(ctx context.Context, f *driver.Failure) error {
	q := args()
	sqlb.Failure(q, f)
	stmts := q.Statements()
	prepared, err := d.prepareAll(ctx, stmts)
	if err != nil {
		return err
	}
	return d.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := d.execPrepared(ctx, tx, stmts, prepared)
		return err
	})
}

// Rollback does nothing: no transaction is open while a step runs.
func (cl *claim) Rollback() {}

// RecordFailure records f (the contact is still held).
func (cl *claim) RecordFailure(ctx context.Context, _ *driver.StepLoad, f *driver.Failure) (bool, error) {
	if err := cl.d.writeFailure(ctx, f); err != nil {
		return false, err
	}
	return true, nil
}

// Close lets go of the contact.
func (cl *claim) Close() {
	if cl.load != nil {
		cl.d.release(cl.load.Contact.ID)
		cl.load = nil
	}
}
