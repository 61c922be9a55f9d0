package store

import (
	"context"
	"database/sql"
	"sync"
)

// batch runs before, then final (a statement whose rows go to scan), then
// after, as one atomic unit, and returns once it is committed:
//
//   - Postgres: the texts go as one simple-protocol query: one round trip, run
//     by the server as one implicit transaction (any error rolls all of it
//     back). Only final may return rows.
//   - SQLite: one write transaction on the single writer connection.
//
// Any of the texts may be empty; scan may be nil when final is empty.
func (s *Store) batch(ctx context.Context, before, final, after string, scan func(*sql.Rows) error) error {
	if err := s.check(); err != nil {
		return err
	}
	if s.pg {
		s.calls.Add(1)
		q := before + final + after
		if final == "" {
			_, err := s.db.DB.ExecContext(ctx, q)
			return err
		}
		rows, err := s.db.DB.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := scan(rows); err != nil {
			return err
		}
		return rows.Close()
	}
	return s.sqliteTx(ctx, func(tx *sql.Tx) error {
		if before != "" {
			s.calls.Add(1)
			if _, err := tx.ExecContext(ctx, before); err != nil {
				return err
			}
		}
		if final != "" {
			s.calls.Add(1)
			rows, err := tx.QueryContext(ctx, final)
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
		}
		if after != "" {
			s.calls.Add(1)
			if _, err := tx.ExecContext(ctx, after); err != nil {
				return err
			}
		}
		return nil
	})
}

// sqliteTx runs fn in a write transaction (BEGIN IMMEDIATE on the one writer
// connection) and commits it.
func (s *Store) sqliteTx(ctx context.Context, fn func(*sql.Tx) error) error {
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
func (s *Store) queryRows(ctx context.Context, q string, scan func(*sql.Rows) error) error {
	if err := s.check(); err != nil {
		return err
	}
	s.calls.Add(1)
	rows, err := s.rdb.DB.QueryContext(ctx, q)
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

// signal wakes every goroutine waiting on it; waiters take the channel
// before checking for work, so no wake-up is lost in between.
type signal struct {
	mu     sync.Mutex
	ch     chan struct{}
	closed bool
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

// wait returns a channel that is closed at the next notify.
func (g *signal) wait() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ch
}

func (g *signal) notify() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	close(g.ch)
	g.ch = make(chan struct{})
}

func (g *signal) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		close(g.ch)
	}
}
