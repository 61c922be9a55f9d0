package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/postgres"
	"github.com/samvad/samvad/adapters/store/sqlite"
)

// DefaultURL is where the embedded store lives when no URL is configured.
const DefaultURL = sqlite.DefaultPath

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

	// CaseReference writes the reference of a case (a grievance or a
	// service request) from its series (GRV, RCA…), the year it is lodged
	// and its serial, a number the store draws and never draws again.
	// Different serials must give different references. Default:
	// "GRV-26-00000042"; the server writes them with a check character
	// (casework.Reference).
	CaseReference func(series string, year int, serial uint64) string

	// NoMigrate skips the migrations Open normally runs; Open then fails if
	// the schema is not current (run Migrate, or `samvad migrate`).
	NoMigrate bool

	// migrateUpTo (tests only) stops the migrations after the one of that
	// name, to test a later migration on data written before it.
	migrateUpTo string
	// forceReload (tests only) makes every Postgres claim reload its
	// contacts, as when a step committed between its snapshot and its lock.
	forceReload bool

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
	if o.CaseReference == nil {
		o.CaseReference = defaultCaseReference
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 32
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 3 * time.Second
	}
	if o.StepBatch <= 0 {
		o.StepBatch = 8
	}
	return o
}

// Store is the state store. It is safe for concurrent use by any number of
// goroutines; on Postgres, any number of processes may share one database.
//
// Store holds what is the same on every database; drv, the driver of the
// database at hand (adapters/store/postgres or adapters/store/sqlite), does
// the rest (see the package doc).
type Store struct {
	opts Options
	now  func() time.Time
	drv  driver.Driver
	caps driver.Caps
	aead cipher.AEAD

	closed atomic.Bool

	wakeInbox  *signal
	wakeOutbox *signal

	// Ingest calls queue here and are written together (see Ingest).
	ingests       *driver.Group[*ingestJob]
	statusIngests *driver.Group[*ingestJob]

	// soloClaims is how many claims are still to take one contact each,
	// after a batch of steps failed to commit (see processClaim).
	soloClaims atomic.Int64
	// deferred are contacts whose steps gave way (Work.BeforeNetwork).
	deferred deferredSteps
	// marking holds the wamids whose MarkSent is under way (see expected).
	marking sync.Map
	// serials are case serial numbers drawn ahead for the steps that lodge
	// cases (see Work.AddGrievance).
	serials serialPool
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
		opts:       opts,
		now:        opts.Clock,
		wakeInbox:  newSignal(),
		wakeOutbox: newSignal(),
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
	drv, err := openDriver(url, opts)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s.drv, s.caps = drv, drv.Caps()
	s.ingests = s.ingestGroup(s.caps.IngestLoops)
	s.statusIngests = s.ingests
	if s.caps.StatusLoops > 0 {
		s.statusIngests = s.ingestGroup(s.caps.StatusLoops)
	}
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

// openDriver opens the driver that url names.
func openDriver(url string, opts Options) (driver.Driver, error) {
	cfg := driver.Config{MaxOpenConns: opts.MaxOpenConns, ConnectTimeout: opts.ConnectTimeout,
		Durable: opts.Durable, ForceReload: opts.forceReload}
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return postgres.Open(url, cfg)
	}
	path, err := sqlite.Path(url)
	if err != nil {
		return nil, err
	}
	return sqlite.Open(path, cfg)
}

// Dialect names the database behind the store: "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.drv.Dialect() }

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.drv.Ping(ctx)
}

// Warnings lists settings of the database that work against the store, for
// the operator to read at start. On Postgres: autovacuum turned off. The
// inbox and outbox rows are each updated once and then left, so their
// tables and indexes fill with dead rows that every claim steps over,
// unless autovacuum clears them (the migrations tune it for those tables).
func (s *Store) Warnings(ctx context.Context) ([]string, error) {
	ws, err := s.drv.Warnings(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: reading the database's settings: %w", err)
	}
	return ws, nil
}

// Close closes the database. Calls after Close fail with ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.wakeInbox.close()
	s.wakeOutbox.close()
	return s.drv.Close()
}

// Stats are counters for metrics.
type Stats struct {
	// Calls is the number of database round trips the store has made: one per
	// statement or per batch of statements sent together.
	Calls int64
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats { return Stats{Calls: s.drv.Calls()} }

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
