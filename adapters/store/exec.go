package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
)

// batch runs before, then final (a statement whose rows go to scan), then
// after, as one atomic unit, and returns once it is committed:
//
//   - Postgres: the texts go as one simple-protocol query: one round trip, run
//     by the server as one implicit transaction (any error rolls all of it
//     back), on a write connection (queue settings, see queueSettings).
//     Only final may return rows. Any part may be built in prepared mode
//     (sqlStep): its statements then run as EXECUTE of statements prepared
//     once per connection.
//   - SQLite: one write transaction on the single writer connection, each
//     statement prepared once and reused.
//
// Any of the parts may be nil or empty; scan may be nil when final is. On
// SQLite final may be several statements (one per row, see sqlText.each);
// scan is called for the rows of each.
func (s *Store) batch(ctx context.Context, before, final, after *sqlText, scan func(*sql.Rows) error) error {
	if err := s.check(); err != nil {
		return err
	}
	if s.pg {
		s.calls.Add(1)
		c, err := s.writeConns.take(ctx)
		if err != nil {
			return err
		}
		q, names := pgMessage(c, before, final, after)
		if final.empty() {
			_, err = c.conn.ExecContext(ctx, q)
		} else {
			err = s.pgQuery(ctx, c, q, scan)
		}
		if err == nil {
			for _, n := range names {
				c.prepared[n] = true
			}
		}
		s.writeConns.done(c, err == nil)
		return err
	}
	stmts := append(append(append([]stmt{}, before.statements()...), final.statements()...), after.statements()...)
	nBefore, nFinal := len(before.statements()), len(final.statements())
	prepared, err := s.prepareAll(ctx, stmts)
	if err != nil {
		return err
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		for i, st := range stmts {
			s.calls.Add(1)
			ps := tx.StmtContext(ctx, prepared[i])
			if i >= nBefore && i < nBefore+nFinal {
				// The final part may be one statement per row: scan sees
				// the rows of each.
				rows, err := ps.QueryContext(ctx, st.args...)
				if err != nil {
					return err
				}
				err = scan(rows)
				if cerr := rows.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
				continue
			}
			if _, err := ps.ExecContext(ctx, st.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// execPrepared runs SQLite statements, prepared beforehand with
// prepareAll, in tx, and returns the rows affected by the first.
func (s *Store) execPrepared(ctx context.Context, tx *sql.Tx, stmts []stmt, prepared []*sql.Stmt) (int64, error) {
	var first int64
	for i, st := range stmts {
		s.calls.Add(1)
		res, err := tx.StmtContext(ctx, prepared[i]).ExecContext(ctx, st.args...)
		if err != nil {
			return 0, err
		}
		if i == 0 {
			first, _ = res.RowsAffected()
		}
	}
	return first, nil
}

// maxPrepared bounds the SQLite statement cache. Texts differ only by the
// number of rows a statement writes, so a few dozen cover the usual shapes.
const maxPrepared = 256

// prepareAll returns the prepared statement of each text from the cache,
// preparing the missing ones on the writer. Preparing takes SQLite's one
// writer connection, so it must never be called inside a write
// transaction: callers prepare first, then begin, and the transaction's
// StmtContext reuses the statement already prepared on that connection.
func (s *Store) prepareAll(ctx context.Context, stmts []stmt) ([]*sql.Stmt, error) {
	out := make([]*sql.Stmt, len(stmts))
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	if s.prepCache == nil {
		s.prepCache = make(map[string]*sql.Stmt)
	}
	for i, st := range stmts {
		if p, ok := s.prepCache[st.text]; ok {
			out[i] = p
			continue
		}
		if len(s.prepCache) >= maxPrepared {
			s.evictPrepared(stmts)
		}
		s.calls.Add(1)
		p, err := s.db.DB.PrepareContext(ctx, st.text)
		if err != nil {
			return nil, err
		}
		s.prepCache[st.text] = p
		out[i] = p
	}
	return out, nil
}

// evictPrepared closes a cached statement that keeps is not using.
func (s *Store) evictPrepared(keep []stmt) {
	for text, p := range s.prepCache {
		if !slices.ContainsFunc(keep, func(st stmt) bool { return st.text == text }) {
			p.Close()
			delete(s.prepCache, text)
			return
		}
	}
}

// writeTx runs fn in a write transaction on the store's main pool and
// commits it. On SQLite that is BEGIN IMMEDIATE on the one writer
// connection.
func (s *Store) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	s.calls.Add(1)
	tx, err := s.db.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	s.calls.Add(1)
	return tx.Commit()
}

// queryRows runs a read and hands its rows to scan.
func (s *Store) queryRows(ctx context.Context, q *sqlText, scan func(*sql.Rows) error) error {
	if err := s.check(); err != nil {
		return err
	}
	s.calls.Add(1)
	var rows *sql.Rows
	var err error
	if s.pg {
		rows, err = s.rdb.DB.QueryContext(ctx, q.pgText())
	} else {
		st := q.statements()
		if len(st) != 1 {
			return fmt.Errorf("store: a read must be one statement, got %d", len(st))
		}
		rows, err = s.rdb.DB.QueryContext(ctx, st[0].text, st[0].args...)
	}
	if err != nil {
		return classify(err)
	}
	defer rows.Close()
	if err := scan(rows); err != nil {
		return classify(err)
	}
	if err := rows.Err(); err != nil {
		return classify(err)
	}
	return classify(rows.Close())
}

// exists runs a write that returns rows and says whether it returned any.
func (s *Store) exists(ctx context.Context, q *sqlText) (bool, error) {
	found := false
	err := s.batch(ctx, nil, q, nil, func(rows *sql.Rows) error {
		for rows.Next() {
			found = true
		}
		return rows.Err()
	})
	return found, classify(err)
}

// scanEach calls fn for every row.
func scanEach(rows *sql.Rows, fn func() error) error {
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanOne scans the first row, or returns errNoRows.
func scanOne(rows *sql.Rows, dest ...any) error {
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errNoRows
	}
	return rows.Scan(dest...)
}

// signal wakes goroutines waiting for work, as many as there is new work
// for: notify(n) puts up to n tokens in the channel and each waiter that
// receives takes one, so one new message wakes one worker rather than all of
// them (the others would each run a claim that finds nothing). Tokens keep
// while nobody waits, so a notify between a waiter's check for work and its
// wait is not lost. close wakes everyone for good.
//
// A worker that just finished a step asks more() whether to claim again at
// once: only when a token is there (it takes it) or tokens were dropped
// because the channel was full (a burst: then claims go on until one finds
// nothing). Otherwise it waits: claiming again after every step, as a
// worker would without tokens, finds nothing almost every time at a steady
// rate.
//
// armed counts tokens given that no claim has followed yet (a claim starting
// counts against it whether a token or a timer started it). A claim that
// starts after new work was committed sees that work, so while one is still
// to come, new work need not wake anyone else (notifyUnarmed): on Postgres a
// claim takes many contacts, and every extra wake-up there would be an
// empty claim.
type signal struct {
	mu       sync.Mutex
	ch       chan struct{}
	closed   bool
	overflow bool
	armed    int
}

// signalTokens bounds the tokens kept: enough for a pool of workers, few
// enough that a burst that found them all busy leaves few empty claims.
const signalTokens = 16

func newSignal() *signal { return &signal{ch: make(chan struct{}, signalTokens)} }

// wait returns the channel to receive a token from.
func (g *signal) wait() <-chan struct{} { return g.ch }

// notify lets up to n waiters through.
func (g *signal) notify(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.give(n)
}

// notifyUnarmed is notify less the claims still to come.
func (g *signal) notifyUnarmed(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.give(n - g.armed)
}

// give puts up to n tokens in the channel; g.mu is held.
func (g *signal) give(n int) {
	for i := 0; i < n && !g.closed; i++ {
		select {
		case g.ch <- struct{}{}:
			g.armed++
		default:
			g.overflow = true
			return
		}
	}
}

// claiming records that a claim is starting.
func (g *signal) claiming() {
	g.mu.Lock()
	g.armed = max(g.armed-1, 0)
	g.mu.Unlock()
}

// more reports whether there may be more work than tokens say: it takes a
// token if there is one, or reports a past overflow.
func (g *signal) more() bool {
	select {
	case <-g.ch:
		return true
	default:
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.overflow || g.closed
}

// take drops up to n tokens: wake-ups for work that was done meanwhile.
func (g *signal) take(n int) {
	for range n {
		select {
		case <-g.ch:
			g.claiming() // no claim follows this token
		default:
			return
		}
	}
}

// settle records that a claim found nothing: the tokens count the work again.
func (g *signal) settle() {
	g.mu.Lock()
	g.overflow = false
	g.mu.Unlock()
}

func (g *signal) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		close(g.ch)
	}
}
