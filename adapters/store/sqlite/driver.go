// Package sqlite is the store's SQLite driver: the embedded database, one
// file, for one process.
//
// All writes go through one connection, so none ever meets SQLITE_BUSY,
// while reads use a pool of read-only connections in WAL mode. Values
// travel as parameters, and every statement text is prepared once and
// kept. The claim of a contact is held in the process; claims take their
// contacts from a queue filled by one look at the 64 oldest pending
// messages. Workers' steps share commits: while one commit runs, the steps
// that finish queue and go together in the next transaction (if it fails,
// each is written again alone, so a failing step fails alone). Its
// migrations are the .sql files under migrations/, embedded in the binary
// and applied with bun/migrate.
//
// Package store opens it for "sqlite:PATH", "file:PATH" and plain paths;
// no one else needs to.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/schema"
	"modernc.org/sqlite"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// DefaultPath is where the embedded store lives when no path is given.
const DefaultPath = "./data/samvad.db"

// Driver is the SQLite driver. It is safe for concurrent use by the
// goroutines of one process.
type Driver struct {
	// db has exactly one connection and runs every write: writes are
	// serialised in the process and never meet SQLITE_BUSY.
	db *bun.DB
	// rdb is a pool of read-only connections (WAL lets them read while the
	// writer writes).
	rdb  *bun.DB
	path string

	closed atomic.Bool
	calls  atomic.Int64

	// prepared statements of the writer (see prepareAll) and of the
	// claim's reads (see statements).
	prepMu         sync.Mutex
	prepCache      map[string]*sql.Stmt
	stmtMu         sync.Mutex
	candidatesStmt *sql.Stmt
	loadStmt       *sql.Stmt

	// inflight holds the contacts whose step is running in this process:
	// it is the claim itself. candidates queues the contacts of pending
	// messages for the next claims (see pick).
	mu         sync.Mutex
	inflight   map[string]struct{}
	candidates []string

	// steps queues steps to write together (see writeSteps).
	steps *driver.Group[*stepWrite]

	// serial is the last case serial drawn (see NextSerials).
	serialMu   sync.Mutex
	serial     uint64
	serialRead bool
}

var _ driver.Driver = (*Driver)(nil)

// Path turns a store URL into a file path: "sqlite:PATH", "sqlite://PATH",
// "file:PATH" or a plain path; "" is DefaultPath.
func Path(url string) (string, error) {
	path := url
	switch {
	case path == "":
		path = DefaultPath
	case strings.HasPrefix(path, "sqlite://"):
		path = strings.TrimPrefix(path, "sqlite://")
	case strings.HasPrefix(path, "sqlite:"):
		path = strings.TrimPrefix(path, "sqlite:")
	case strings.HasPrefix(path, "file:"):
		path = strings.TrimPrefix(path, "file:")
	}
	if strings.Contains(url, "://") && !strings.HasPrefix(url, "sqlite://") {
		return "", fmt.Errorf("unsupported store URL scheme in %q (want postgres://, postgresql://, sqlite:PATH or a file path)", redactURL(url))
	}
	if path == "" || strings.ContainsAny(path, "?#") || strings.ContainsRune(path, 0) {
		return "", fmt.Errorf("SQLite path %q: must be a non-empty file path without '?' or '#'", path)
	}
	return path, nil
}

// redactURL drops the password from a database URL for error messages.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	creds := u[scheme+3 : at]
	if i := strings.IndexByte(creds, ':'); i >= 0 {
		return u[:scheme+3] + creds[:i] + ":***" + u[at:]
	}
	return u
}

// Open opens (creating it and its directory on first start) the file at
// path.
func Open(path string, cfg driver.Config) (*Driver, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create directory for %s: %w", path, err)
		}
	}
	syncMode := "NORMAL"
	if cfg.Durable {
		syncMode = "FULL"
	}
	common := "_busy_timeout=10000&_foreign_keys=1&_pragma=temp_store(memory)&_synchronous=" + syncMode
	// The writer keeps a larger page cache: it is the one connection whose
	// cache stays valid from one transaction to the next.
	writer, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_journal_mode=WAL&_pragma=cache_size(-32000)&"+common)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer connection: database/sql queues writers in the process, so a
	// write never waits on SQLite's own lock (and never sees SQLITE_BUSY).
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	writer.SetConnMaxLifetime(0)
	// Make sure the file exists and is in WAL mode before readers open it.
	if err := writer.Ping(); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, classify(err))
	}
	reader, err := sql.Open("sqlite", "file:"+path+"?_query_only=1&"+common)
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	n := max(2*runtime.GOMAXPROCS(0), 4)
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	d := &Driver{path: path, inflight: make(map[string]struct{})}
	d.db = bun.NewDB(writer, sqlitedialect.New())
	d.rdb = bun.NewDB(reader, sqlitedialect.New())
	d.db.AddQueryHook(driver.CountQueries{N: &d.calls})
	d.rdb.AddQueryHook(driver.CountQueries{N: &d.calls})
	d.steps = d.stepGroup()
	return d, nil
}

// Dialect is "sqlite".
func (d *Driver) Dialect() string { return "sqlite" }

// Caps: one writer, so one ingest transaction at a time (statuses share
// it: there are no row locks to wait on), and one contact per claim.
func (d *Driver) Caps() driver.Caps { return driver.Caps{IngestLoops: 1} }

// DB is bun over the writer.
func (d *Driver) DB() *bun.DB { return d.db }

// ReadDB is bun over the readers.
func (d *Driver) ReadDB() *bun.DB { return d.rdb }

// Calls counts round trips (statements run).
func (d *Driver) Calls() int64 { return d.calls.Load() }

// Path is the database file.
func (d *Driver) Path() string { return d.path }

// Ping checks that both pools answer.
func (d *Driver) Ping(ctx context.Context) error {
	if d.closed.Load() {
		return driver.ErrClosed
	}
	d.calls.Add(1)
	if err := d.db.DB.PingContext(ctx); err != nil {
		return classify(err)
	}
	return classify(d.rdb.DB.PingContext(ctx))
}

// Close closes the statements and both pools.
func (d *Driver) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	d.stmtMu.Lock()
	for _, st := range []*sql.Stmt{d.candidatesStmt, d.loadStmt} {
		if st != nil {
			st.Close()
		}
	}
	d.stmtMu.Unlock()
	d.prepMu.Lock()
	for _, st := range d.prepCache {
		st.Close()
	}
	d.prepCache = nil
	d.prepMu.Unlock()
	err := d.db.Close()
	if e := d.rdb.Close(); err == nil {
		err = e
	}
	return err
}

func (d *Driver) check() error {
	if d.closed.Load() {
		return driver.ErrClosed
	}
	return nil
}

// Warnings: none.
func (d *Driver) Warnings(context.Context) ([]string, error) { return nil, nil }

// Classify wraps errors that mean the database is away as ErrUnavailable.
func (d *Driver) Classify(err error) error { return classify(err) }

func classify(err error) error { return driver.Classify(err, down) }

func unavailable(err error) bool { return driver.IsUnavailable(err, down) }

// down is the SQLite part of the test: BUSY, LOCKED, READONLY, IOERR,
// FULL, CANTOPEN.
func down(err error) (bool, bool) {
	var sqliteErr *sqlite.Error
	if !errors.As(err, &sqliteErr) {
		return false, false
	}
	switch sqliteErr.Code() & 0xff {
	case 5, 6, 8, 10, 13, 14:
		return true, true
	}
	return false, true
}

// UniqueViolation says err is a duplicate key: SQLITE_CONSTRAINT_PRIMARYKEY
// (1555) or SQLITE_CONSTRAINT_UNIQUE (2067).
func (d *Driver) UniqueViolation(err error) bool {
	var sqliteErr *sqlite.Error
	return errors.As(err, &sqliteErr) && (sqliteErr.Code() == 1555 || sqliteErr.Code() == 2067)
}

// NextSerials draws n case serial numbers. The one process on the file
// counts on from the greatest serial stored, which it reads the first time.
func (d *Driver) NextSerials(ctx context.Context, n int) ([]uint64, error) {
	d.serialMu.Lock()
	defer d.serialMu.Unlock()
	if !d.serialRead {
		var last sql.NullInt64
		if err := d.db.NewRaw("SELECT max(serial) FROM grievances").Scan(ctx, &last); err != nil {
			return nil, classify(err)
		}
		d.serial, d.serialRead = uint64(max(last.Int64, 0)), true
	}
	out := make([]uint64, n)
	for i := range out {
		d.serial++
		out[i] = d.serial
	}
	return out, nil
}

// InboxReopened does nothing: SQLite claims keep no floor.
func (d *Driver) InboxReopened(int64) {}

// args starts a statement in Args mode.
func args() *sqlb.Builder { return sqlb.New(sqlb.Args, schema.QueryGen{}) }

// batch runs before, then final (a statement whose rows go to scan), then
// after, in one write transaction on the writer, each statement prepared
// once and reused, and returns once it is committed. Any part may be nil
// or empty; final may be several statements (one per chunk of rows, see
// sqlb.Builder.Each): scan is called for the rows of each.
func (d *Driver) batch(ctx context.Context, before, final, after *sqlb.Builder, scan func(*sql.Rows) error) error {
	if err := d.check(); err != nil {
		return err
	}
	stmts := append(append(append([]sqlb.Stmt{}, before.Statements()...), final.Statements()...), after.Statements()...)
	nBefore, nFinal := len(before.Statements()), len(final.Statements())
	prepared, err := d.prepareAll(ctx, stmts)
	if err != nil {
		return err
	}
	return d.writeTx(ctx, func(tx *sql.Tx) error {
		for i, st := range stmts {
			d.calls.Add(1)
			ps := tx.StmtContext(ctx, prepared[i])
			if i >= nBefore && i < nBefore+nFinal {
				rows, err := ps.QueryContext(ctx, st.Args...)
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
			if _, err := ps.ExecContext(ctx, st.Args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// execPrepared runs statements, prepared beforehand with prepareAll, in
// tx, and returns the rows affected by the first.
func (d *Driver) execPrepared(ctx context.Context, tx *sql.Tx, stmts []sqlb.Stmt, prepared []*sql.Stmt) (int64, error) {
	var first int64
	for i, st := range stmts {
		d.calls.Add(1)
		res, err := tx.StmtContext(ctx, prepared[i]).ExecContext(ctx, st.Args...)
		if err != nil {
			return 0, err
		}
		if i == 0 {
			first, _ = res.RowsAffected()
		}
	}
	return first, nil
}

// maxPrepared bounds the statement cache. Texts differ only by the number
// of rows a statement writes, so a few dozen cover the usual shapes.
const maxPrepared = 256

// prepareAll returns the prepared statement of each text from the cache,
// preparing the missing ones on the writer. Preparing takes the one writer
// connection, so it must never be called inside a write transaction:
// callers prepare first, then begin, and the transaction's StmtContext
// reuses the statement already prepared on that connection.
func (d *Driver) prepareAll(ctx context.Context, stmts []sqlb.Stmt) ([]*sql.Stmt, error) {
	out := make([]*sql.Stmt, len(stmts))
	d.prepMu.Lock()
	defer d.prepMu.Unlock()
	if d.prepCache == nil {
		d.prepCache = make(map[string]*sql.Stmt)
	}
	for i, st := range stmts {
		if p, ok := d.prepCache[st.Text]; ok {
			out[i] = p
			continue
		}
		if len(d.prepCache) >= maxPrepared {
			d.evictPrepared(stmts)
		}
		d.calls.Add(1)
		p, err := d.db.DB.PrepareContext(ctx, st.Text)
		if err != nil {
			return nil, err
		}
		d.prepCache[st.Text] = p
		out[i] = p
	}
	return out, nil
}

// evictPrepared closes a cached statement that keep is not using.
func (d *Driver) evictPrepared(keep []sqlb.Stmt) {
	for text, p := range d.prepCache {
		if !slices.ContainsFunc(keep, func(st sqlb.Stmt) bool { return st.Text == text }) {
			p.Close()
			delete(d.prepCache, text)
			return
		}
	}
}

// writeTx runs fn in a write transaction (BEGIN IMMEDIATE on the one
// writer connection) and commits it.
func (d *Driver) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	d.calls.Add(1)
	tx, err := d.db.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	d.calls.Add(1)
	return tx.Commit()
}
