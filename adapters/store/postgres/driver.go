// Package postgres is the store's Postgres driver: the production
// database, shared by any number of processes.
//
// It keeps small pools of its own connections for the hot work (steps,
// sends, other writes), each with the session settings of its kind and
// the statements prepared on it, so that a statement is prepared and run
// in the same round trip; it sends each hot-path write as one
// simple-protocol message (one round trip, one implicit transaction);
// claims contacts with row locks (FOR NO KEY UPDATE SKIP LOCKED), several
// per transaction; batches concurrent MarkSent calls through the
// mark_outbox_sent function; and starts each queue's claims at a floor,
// the least open id. Its migrations are the .sql files under migrations/,
// embedded in the binary and applied with bun/migrate.
//
// Package store opens it for "postgres://" and "postgresql://" URLs; no
// one else needs to.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// Driver is the Postgres driver. It is safe for concurrent use.
type Driver struct {
	cfg    driver.Config
	sqldb  *sql.DB
	db     *bun.DB
	closed atomic.Bool
	// calls counts round trips (statements or batches sent).
	calls atomic.Int64

	// stepConns, sendConns and writeConns keep connections for steps, for
	// the outbox and for other writes (see connPool).
	stepConns  *connPool
	sendConns  *connPool
	writeConns *connPool
	// inboxFloor and outboxFloor bound where claims start looking.
	inboxFloor  *queueFloor
	outboxFloor *queueFloor
	// markSents queues MarkSent calls to write together.
	markSents *driver.Group[*markSentJob]
}

var _ driver.Driver = (*Driver)(nil)

// Open opens the database at url (pgdriver URL syntax; unknown query
// parameters such as search_path are set on each connection). It does not
// dial: Ping does.
func Open(url string, cfg driver.Config) (*Driver, error) {
	connector := pgdriver.NewConnector(
		pgdriver.WithDialTimeout(cfg.ConnectTimeout),
		pgdriver.WithReadTimeout(time.Minute),
		pgdriver.WithWriteTimeout(30*time.Second),
		pgdriver.WithTracing(false),
		pgdriver.WithDSN(url),
	)
	sqldb := sql.OpenDB(connector)
	sqldb.SetMaxOpenConns(cfg.MaxOpenConns)
	sqldb.SetMaxIdleConns(cfg.MaxOpenConns)
	d := &Driver{
		cfg:         cfg,
		sqldb:       sqldb,
		stepConns:   newConnPool(sqldb, cfg.MaxOpenConns/2, stepSettings),
		sendConns:   newConnPool(sqldb, cfg.MaxOpenConns/4, queueSettings),
		writeConns:  newConnPool(sqldb, cfg.MaxOpenConns/8, queueSettings),
		inboxFloor:  &queueFloor{minSQL: "SELECT min(id) FROM inbox WHERE state = 0"},
		outboxFloor: &queueFloor{minSQL: "SELECT min(id) FROM outbox WHERE is_open"},
	}
	d.db = bun.NewDB(sqldb, pgdialect.New())
	d.db.AddQueryHook(driver.CountQueries{N: &d.calls})
	d.markSents = d.markSentGroup()
	return d, nil
}

// Dialect is "postgres".
func (d *Driver) Dialect() string { return "postgres" }

// Caps: status webhooks (three per reply) hold at most two of the write
// connections (four by default) at once, so that a citizen's message,
// whose webhook is answered only after its commit, rarely waits for one;
// claims take several contacts.
func (d *Driver) Caps() driver.Caps {
	return driver.Caps{IngestLoops: 4, StatusLoops: 2, BatchSteps: true, RowLocks: true}
}

// DB is bun over the pool.
func (d *Driver) DB() *bun.DB { return d.db }

// ReadDB is DB: Postgres reads and writes on one pool.
func (d *Driver) ReadDB() *bun.DB { return d.db }

// Calls counts round trips.
func (d *Driver) Calls() int64 { return d.calls.Load() }

// Ping checks that the database answers.
func (d *Driver) Ping(ctx context.Context) error {
	if d.closed.Load() {
		return driver.ErrClosed
	}
	d.calls.Add(1)
	return d.Classify(d.sqldb.PingContext(ctx))
}

// Close closes the pools and the database.
func (d *Driver) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	d.stepConns.close()
	d.sendConns.close()
	d.writeConns.close()
	return d.db.Close()
}

// check returns ErrClosed after Close.
func (d *Driver) check() error {
	if d.closed.Load() {
		return driver.ErrClosed
	}
	return nil
}

// Warnings: autovacuum turned off. The inbox and outbox rows are each
// updated once and then left, so their tables and indexes fill with dead
// rows that every claim steps over, unless autovacuum clears them (the
// migrations tune it for those tables).
func (d *Driver) Warnings(ctx context.Context) ([]string, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	var autovacuum string
	if err := d.db.NewSelect().ColumnExpr("current_setting('autovacuum')").Scan(ctx, &autovacuum); err != nil {
		return nil, d.Classify(err)
	}
	if autovacuum == "off" {
		return []string{"Postgres runs with autovacuum = off: the inbox and outbox tables will fill with dead rows and " +
			"every claim will slow down as they grow; turn autovacuum on (the store tunes it for those tables)"}, nil
	}
	return nil, nil
}

// Classify wraps errors that mean the database is away as ErrUnavailable.
func (d *Driver) Classify(err error) error { return driver.Classify(err, down) }

// down is the Postgres part of the test: connection exceptions, shutdown,
// too many connections, disk full, and serialization failures and
// deadlocks (retry later).
func down(err error) (bool, bool) {
	var pgErr pgdriver.Error
	if !errors.As(err, &pgErr) {
		return false, false
	}
	code := pgErr.Field('C')
	switch {
	case strings.HasPrefix(code, "08"),
		code == "57P01", code == "57P02", code == "57P03",
		code == "53300", code == "53100",
		code == "40001", code == "40P01":
		return true, true
	}
	return false, true
}

func (d *Driver) unavailable(err error) bool { return driver.IsUnavailable(err, down) }

// UniqueViolation says err is a duplicate key.
func (d *Driver) UniqueViolation(err error) bool {
	var pgErr pgdriver.Error
	return errors.As(err, &pgErr) && pgErr.Field('C') == "23505"
}

// NextSerials draws n numbers from the case_serial sequence, in one round
// trip. A sequence hands a number out once, to every process, without
// waiting on another's transaction.
func (d *Driver) NextSerials(ctx context.Context, n int) ([]uint64, error) {
	var out []uint64
	err := d.db.NewRaw("SELECT nextval('case_serial') FROM generate_series(1, ?)", n).Scan(ctx, &out)
	if err != nil {
		return nil, d.Classify(err)
	}
	return out, nil
}

// HoldContacts does nothing: a step's row lock keeps others off.
func (d *Driver) HoldContacts(context.Context, ...string) (func(), error) { return func() {}, nil }

// InboxReopened lowers the inbox floor to id.
func (d *Driver) InboxReopened(id int64) { d.inboxFloor.lower(id) }

// literal starts a statement in Literal mode; prepared, in Prepared mode.
func (d *Driver) literal() *sqlb.Builder  { return sqlb.New(sqlb.Literal, d.db.QueryGen()) }
func (d *Driver) prepared() *sqlb.Builder { return sqlb.New(sqlb.Prepared, d.db.QueryGen()) }

// batch runs before, then final (whose rows go to scan), then after, as one
// simple-protocol message on a write connection: one round trip, run by
// the server as one implicit transaction (any error rolls all of it back).
// Any part may be nil or empty, or built in Prepared mode: its statements
// then run as EXECUTE of statements prepared once per connection. Only
// final may return rows; scan may be nil when final is empty.
func (d *Driver) batch(ctx context.Context, before, final, after *sqlb.Builder, scan func(*sql.Rows) error) error {
	if err := d.check(); err != nil {
		return err
	}
	d.calls.Add(1)
	c, err := d.writeConns.take(ctx)
	if err != nil {
		return err
	}
	q, names := message(c, before, final, after)
	if final.Empty() {
		_, err = c.conn.ExecContext(ctx, q)
	} else {
		err = query(ctx, c, q, scan)
	}
	c.remember(names, err)
	d.writeConns.done(c, err == nil)
	return err
}

// errNoRows is scanOne's error for no row.
var errNoRows = errors.New("postgres: no rows")

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
