package store

import (
	"context"
	"database/sql"
	"time"
)

// The SQLite claim runs two prepared statements (parsing these texts would
// cost more than running them): the contacts of the oldest pending messages,
// and the step of the one chosen.
const (
	sqliteCandidatesSQL = `SELECT i.contact_id FROM inbox i JOIN contacts c ON c.id = i.contact_id
WHERE i.state = 0 AND (c.hold_until IS NULL OR c.hold_until <= ?) ORDER BY i.id LIMIT ?`
	sqliteLoadSQL = "SELECT " + workColumns + `, c.version FROM contacts c LEFT JOIN sessions s ON s.contact_id = c.id
JOIN inbox i ON i.contact_id = c.id AND i.state = 0
WHERE c.id = ? AND (c.hold_until IS NULL OR c.hold_until <= ?) ORDER BY i.wa_ts, i.arrival, i.id`
)

// candidateBatch is how many pending messages one look at the inbox reads.
// Their contacts queue in the store (Store.candidates) and the next claims
// take them from there, so the inbox is read once per batch, not per step.
const candidateBatch = 64

// sqliteStatements prepares the claim statements on first use.
func (s *Store) sqliteStatements(ctx context.Context) (candidates, load *sql.Stmt, err error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.candidatesStmt == nil {
		if s.candidatesStmt, err = s.rdb.DB.PrepareContext(ctx, sqliteCandidatesSQL); err != nil {
			return nil, nil, err
		}
	}
	if s.loadStmt == nil {
		if s.loadStmt, err = s.rdb.DB.PrepareContext(ctx, sqliteLoadSQL); err != nil {
			return nil, nil, err
		}
	}
	return s.candidatesStmt, s.loadStmt, nil
}

// sqliteClaim picks the contact of the oldest pending message that is not
// held by a backoff nor by a step running in this process, marks it in
// flight, and loads its step. A queued candidate may have been served since
// it was queued (it had messages from two looks), or held by a backoff (its
// step failed); then it loads nothing and the next one is tried.
func (s *Store) sqliteClaim(ctx context.Context, now time.Time) (*Work, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	candidates, load, err := s.sqliteStatements(ctx)
	if err != nil {
		return nil, classify(err)
	}
	for range 8 {
		contactID, err := s.sqlitePick(ctx, candidates, now)
		if err != nil || contactID == "" {
			return nil, err
		}
		var w *Work
		s.calls.Add(1)
		rows, err := load.QueryContext(ctx, contactID, now.UnixMicro())
		if err == nil {
			w, _, err = s.scanWork(rows, now)
			rows.Close()
		}
		if err != nil {
			s.release(contactID)
			return nil, classify(err)
		}
		if w != nil {
			return w, nil
		}
		s.release(contactID)
	}
	return nil, nil
}

// sqlitePick chooses and marks in flight the contact to claim ("" for none):
// the first queued candidate not in flight, looking at the inbox again when
// the queue runs dry.
func (s *Store) sqlitePick(ctx context.Context, candidates *sql.Stmt, now time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := s.nextCandidate(); id != "" {
		return id, nil
	}
	full, err := s.lookForCandidates(ctx, candidates, now)
	if err != nil {
		return "", err
	}
	if id := s.nextCandidate(); id != "" || !full {
		return id, nil
	}
	// Every message looked at belongs to a contact in flight (their
	// contacts have many messages pending): look past them.
	return s.pickPastInflight(ctx, now)
}

// nextCandidate takes the first queued candidate not in flight and marks it
// in flight. Candidates in flight are dropped: their newer messages are
// found again by a later look. s.mu is held.
func (s *Store) nextCandidate() string {
	for len(s.candidates) > 0 {
		id := s.candidates[0]
		s.candidates = s.candidates[1:]
		if _, busy := s.inflight[id]; !busy {
			s.inflight[id] = struct{}{}
			return id
		}
	}
	return ""
}

// lookForCandidates queues the contacts of the oldest pending messages, in
// order, each once. full says the look found as many messages as it asked
// for (there may be more). s.mu is held.
func (s *Store) lookForCandidates(ctx context.Context, candidates *sql.Stmt, now time.Time) (full bool, err error) {
	s.calls.Add(1)
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
			s.candidates = append(s.candidates, id)
		}
	}
	return n == candidateBatch, classify(rows.Err())
}

// pickPastInflight finds the oldest pending message of a contact not in
// flight. s.mu is held.
func (s *Store) pickPastInflight(ctx context.Context, now time.Time) (string, error) {
	q := s.sql().raw("SELECT i.contact_id FROM inbox i JOIN contacts c ON c.id = i.contact_id WHERE i.state = 0 AND ",
		"(c.hold_until IS NULL OR c.hold_until <= ").time(now).raw(") AND i.contact_id NOT IN (")
	busy := make([]string, 0, len(s.inflight))
	for id := range s.inflight {
		busy = append(busy, id)
	}
	q.strs(busy).raw(") ORDER BY i.id LIMIT 1")
	var id string
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error { return scanOne(rows, &id) })
	if err == errNoRows {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	s.inflight[id] = struct{}{}
	return id, nil
}
