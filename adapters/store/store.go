package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// DefaultURL is where the embedded store lives when no URL is configured.
const DefaultURL = "./data/samvad.db"

// Options tune a Store. The zero value is usable: every field has a default.
type Options struct {
	// Clock tells the store the time: due times, leases, session expiry and
	// every timestamp it writes. Tests pass a clock they can move. Default: time.Now.
	Clock func() time.Time

	// MaxAttempts is how many times a failing step is tried for the oldest
	// pending message of a contact before that message is parked. Default 5.
	MaxAttempts int
	// MaxSendAttempts is how many times MarkRetry lets an outbox row be
	// retried before it fails for good. Default 16: with the default
	// backoff, a reply outlasts a Graph API outage of 22 to 44 minutes
	// (depending on the jitter).
	// Release (pacing, a throttled number) does not count as an attempt.
	MaxSendAttempts int
	// BackoffBase and BackoffMax bound the exponential backoff of failed steps
	// and retried sends: attempt n waits BackoffBase·2^(n-1), at most
	// BackoffMax. Defaults 2s and 5m.
	BackoffBase time.Duration
	BackoffMax  time.Duration

	// SecretKey encrypts integration access tokens at rest (AES-GCM). It must
	// be 16, 24 or 32 bytes (AES-128/192/256). Without it the store refuses
	// to save an access token: tokens are never stored in clear.
	SecretKey []byte

	// Apology produces the message queued for a citizen whose message was
	// parked after MaxAttempts failed steps, so they get an answer instead of
	// silence. Nil: nothing is queued (the event log still says so).
	Apology func(c Contact) OutboundMessage

	// GrievanceReference generates a candidate grievance reference. The store
	// retries with a fresh candidate when one is already taken. Default:
	// "GRV-YY-XXXX-XX" with letters and digits that survive being read aloud.
	GrievanceReference func(now time.Time) string

	// NoMigrate skips the migrations Open normally runs; Open then fails if
	// the schema is not current (run Migrate, or `samvad migrate`).
	NoMigrate bool

	// migrateUpTo (tests only) stops the migrations after the one of that
	// name, to test a later migration on data written before it.
	migrateUpTo string

	// MaxOpenConns caps the Postgres connection pool. A worker holds one
	// connection for the duration of its step; up to half the pool is kept
	// for steps, a quarter for senders and an eighth for other writes
	// (ingest first), with their prepared statements and settings; the rest
	// serves reads. Default 32; at least 8.
	MaxOpenConns int
	// ConnectTimeout bounds dialling Postgres, so that a store that is down
	// fails fast. Default 3s.
	ConnectTimeout time.Duration
	// Durable makes SQLite fsync every commit (synchronous=FULL). By default
	// SQLite runs WAL with synchronous=NORMAL: a commit survives a crash of
	// the process (kill -9) but the last commits may be lost on power loss.
	Durable bool
	// PollInterval is the longest Wait sleeps when nothing wakes it (work
	// ingested by another process, a backoff coming due). Default 1s.
	PollInterval time.Duration
	// StepBatch is the most contacts one Postgres step transaction claims
	// and steps when many are waiting (see ProcessNext). Default 8; 1 steps
	// one contact per transaction; at most MaxStepBatch.
	StepBatch int
}

// MaxStepBatch is the largest Options.StepBatch.
const MaxStepBatch = 256

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.MaxSendAttempts <= 0 {
		o.MaxSendAttempts = 16
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 2 * time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 5 * time.Minute
	}
	if o.BackoffMax < o.BackoffBase {
		o.BackoffMax = o.BackoffBase
	}
	if o.GrievanceReference == nil {
		o.GrievanceReference = defaultGrievanceReference
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 32
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 3 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.StepBatch <= 0 {
		o.StepBatch = 8
	}
	return o
}

// Store is the state store. It is safe for concurrent use by any number of
// goroutines; on Postgres, any number of processes may share one database.
type Store struct {
	opts Options
	now  func() time.Time
	pg   bool
	// db runs writes (and, on Postgres, everything). On SQLite it has exactly
	// one connection: writes are serialised in the process and never meet
	// SQLITE_BUSY.
	db *bun.DB
	// rdb runs reads. On SQLite it is a separate pool of read-only
	// connections (WAL lets them read while the writer writes); on Postgres
	// it is db.
	rdb  *bun.DB
	aead cipher.AEAD
	// path is the SQLite file ("" on Postgres).
	path string

	closed atomic.Bool
	// calls counts database round trips (statements or batches sent), for
	// Stats and the benchmarks.
	calls atomic.Int64

	// inflight holds the contacts whose step is running in this process. On
	// SQLite it is the claim itself; on Postgres the row lock is.
	mu       sync.Mutex
	inflight map[string]struct{}
	// candidates queues the contacts of pending messages for the next
	// SQLite claims (see sqlitePick).
	candidates []string

	// SQLite's prepared statements (see prepareAll and sqliteStatements).
	prepMu         sync.Mutex
	prepCache      map[string]*sql.Stmt
	stmtMu         sync.Mutex
	candidatesStmt *sql.Stmt
	loadStmt       *sql.Stmt

	wakeInbox  *signal
	wakeOutbox *signal

	// Ingest calls queue here and are written together (see Ingest).
	ingests       *group[*ingestJob]
	statusIngests *group[*ingestJob]
	// Postgres MarkSent calls queue here and are written together (see
	// writeMarkSent).
	markSents *group[*markSentJob]
	// SQLite steps queue here and are written together (see writeSteps).
	steps *group[*stepWrite]

	// stepConns and sendConns keep Postgres connections for steps and for
	// the outbox (see pgConn).
	stepConns  *connPool
	sendConns  *connPool
	writeConns *connPool
	// inboxFloor and outboxFloor bound where Postgres claims start looking.
	inboxFloor  *queueFloor
	outboxFloor *queueFloor

	// testForceReload makes every Postgres claim take the reload path (tests).
	testForceReload bool
	// soloClaims is how many Postgres claims are still to take one contact
	// each, after a batch of steps failed to commit (see pgStepBatch).
	soloClaims atomic.Int64
	// deferred are contacts whose steps gave way (Work.BeforeNetwork).
	deferred deferredSteps
	// marking holds the wamids whose MarkSent is under way (see expected).
	marking sync.Map
	// heldReferences are the grievance references drawn by steps whose
	// transactions have not ended yet (see Work.AddGrievance).
	heldReferences referenceHolds
	// referencePool has references checked free ahead of the steps that
	// lodge grievances.
	referencePool referencePool
}

// Open opens the store at url and, unless opts.NoMigrate, brings its schema up
// to date.
//
//   - "postgres://…" or "postgresql://…" opens Postgres (pgdriver URL syntax;
//     unknown query parameters such as search_path are set on each connection).
//   - "sqlite:PATH", "file:PATH" or a plain file path opens the embedded
//     SQLite store, creating the file and its directory on first start.
//     An empty url means DefaultURL.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if opts.StepBatch > MaxStepBatch {
		return nil, fmt.Errorf("store: StepBatch must be at most %d, got %d", MaxStepBatch, opts.StepBatch)
	}
	if opts.MaxOpenConns < 8 {
		return nil, fmt.Errorf("store: MaxOpenConns must be at least 8 (steps, sends, writes and reads each need connections of their own), got %d", opts.MaxOpenConns)
	}
	s := &Store{
		opts:        opts,
		now:         opts.Clock,
		inflight:    make(map[string]struct{}),
		wakeInbox:   newSignal(),
		wakeOutbox:  newSignal(),
		stepConns:   newConnPool(opts.MaxOpenConns/2, stepSettings),
		sendConns:   newConnPool(opts.MaxOpenConns/4, queueSettings),
		writeConns:  newConnPool(opts.MaxOpenConns/8, queueSettings),
		inboxFloor:  &queueFloor{minSQL: "SELECT min(id) FROM inbox WHERE state = 0"},
		outboxFloor: &queueFloor{minSQL: "SELECT min(id) FROM outbox WHERE is_open"},
	}
	if len(opts.SecretKey) > 0 {
		block, err := aes.NewCipher(opts.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("store: secret key: must be 16, 24 or 32 bytes, got %d", len(opts.SecretKey))
		}
		if s.aead, err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("store: secret key: %w", err)
		}
	}
	var err error
	switch {
	case strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://"):
		err = s.openPostgres(url)
	default:
		err = s.openSQLite(url)
	}
	if err != nil {
		return nil, err
	}
	// Status webhooks (three per reply) hold at most two of the write
	// connections (four by default) at once, so that a citizen's message,
	// whose webhook is answered only after its commit, rarely waits for one.
	s.ingests, s.statusIngests = s.ingestGroup(4), s.ingestGroup(2)
	s.steps = s.sqliteStepGroup()
	s.markSents = s.markSentGroup()
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", redactURL(url), err)
	}
	if opts.NoMigrate {
		err = s.checkSchema(ctx)
	} else {
		err = s.Migrate(ctx)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openPostgres(url string) error {
	connector := pgdriver.NewConnector(
		pgdriver.WithDialTimeout(s.opts.ConnectTimeout),
		pgdriver.WithReadTimeout(time.Minute),
		pgdriver.WithWriteTimeout(30*time.Second),
		pgdriver.WithTracing(false),
		pgdriver.WithDSN(url),
	)
	sqldb := sql.OpenDB(connector)
	sqldb.SetMaxOpenConns(s.opts.MaxOpenConns)
	sqldb.SetMaxIdleConns(s.opts.MaxOpenConns)
	s.pg = true
	s.stepConns.db, s.sendConns.db, s.writeConns.db = sqldb, sqldb, sqldb
	s.db = bun.NewDB(sqldb, pgdialect.New())
	s.rdb = s.db
	return nil
}

// sqlitePath turns a store URL into a file path.
func sqlitePath(url string) (string, error) {
	path := url
	switch {
	case path == "":
		path = DefaultURL
	case strings.HasPrefix(path, "sqlite://"):
		path = strings.TrimPrefix(path, "sqlite://")
	case strings.HasPrefix(path, "sqlite:"):
		path = strings.TrimPrefix(path, "sqlite:")
	case strings.HasPrefix(path, "file:"):
		path = strings.TrimPrefix(path, "file:")
	}
	if strings.Contains(url, "://") && !strings.HasPrefix(url, "sqlite://") {
		return "", fmt.Errorf("store: unsupported store URL scheme in %q (want postgres://, postgresql://, sqlite:PATH or a file path)", redactURL(url))
	}
	if path == "" || strings.ContainsAny(path, "?#") || strings.ContainsRune(path, 0) {
		return "", fmt.Errorf("store: SQLite path %q: must be a non-empty file path without '?' or '#'", path)
	}
	return path, nil
}

func (s *Store) openSQLite(url string) error {
	path, err := sqlitePath(url)
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("store: create directory for %s: %w", path, err)
		}
	}
	syncMode := "NORMAL"
	if s.opts.Durable {
		syncMode = "FULL"
	}
	common := "_busy_timeout=10000&_foreign_keys=1&_pragma=temp_store(memory)&_synchronous=" + syncMode
	// The writer keeps a larger page cache: it is the one connection whose
	// cache stays valid from one transaction to the next.
	writer, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_journal_mode=WAL&_pragma=cache_size(-32000)&"+common)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
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
		return fmt.Errorf("store: open %s: %w", path, classify(err))
	}
	reader, err := sql.Open("sqlite", "file:"+path+"?_query_only=1&"+common)
	if err != nil {
		writer.Close()
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	n := 2 * runtime.GOMAXPROCS(0)
	if n < 4 {
		n = 4
	}
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	s.db = bun.NewDB(writer, sqlitedialect.New())
	s.rdb = bun.NewDB(reader, sqlitedialect.New())
	s.path = path
	return nil
}

// Dialect names the database behind the store: "postgres" or "sqlite".
func (s *Store) Dialect() string {
	if s.pg {
		return "postgres"
	}
	return "sqlite"
}

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.calls.Add(1)
	if err := s.db.PingContext(ctx); err != nil {
		return classify(err)
	}
	if s.rdb != s.db {
		if err := s.rdb.PingContext(ctx); err != nil {
			return classify(err)
		}
	}
	return nil
}

// Warnings lists settings of the database that work against the store, for
// the operator to read at start. On Postgres: autovacuum turned off. The
// inbox and outbox rows are each updated once and then left, so their
// tables and indexes fill with dead rows that every claim steps over,
// unless autovacuum clears them (the migrations tune it for those tables).
func (s *Store) Warnings(ctx context.Context) ([]string, error) {
	if !s.pg {
		return nil, nil
	}
	var autovacuum string
	err := s.queryRows(ctx, s.sql().raw("SELECT current_setting('autovacuum')"), func(rows *sql.Rows) error {
		return scanOne(rows, &autovacuum)
	})
	if err != nil {
		return nil, fmt.Errorf("store: reading the database's settings: %w", err)
	}
	if autovacuum == "off" {
		return []string{"Postgres runs with autovacuum = off: the inbox and outbox tables will fill with dead rows and " +
			"every claim will slow down as they grow; turn autovacuum on (the store tunes it for those tables)"}, nil
	}
	return nil, nil
}

// Close closes the database. Calls after Close fail with ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.wakeInbox.close()
	s.wakeOutbox.close()
	s.stepConns.close()
	s.sendConns.close()
	s.writeConns.close()
	s.stmtMu.Lock()
	for _, st := range []*sql.Stmt{s.candidatesStmt, s.loadStmt} {
		if st != nil {
			st.Close()
		}
	}
	s.stmtMu.Unlock()
	s.prepMu.Lock()
	for _, st := range s.prepCache {
		st.Close()
	}
	s.prepCache = nil
	s.prepMu.Unlock()
	err := s.db.Close()
	if s.rdb != s.db {
		if e := s.rdb.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Stats are counters for metrics.
type Stats struct {
	// Calls is the number of database round trips the store has made: one per
	// statement or per batch of statements sent together.
	Calls int64
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats { return Stats{Calls: s.calls.Load()} }

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

// check returns ErrClosed after Close.
func (s *Store) check() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}

var errNoRows = errors.New("no rows")
