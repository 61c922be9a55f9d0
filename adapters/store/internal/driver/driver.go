// Package driver is the line between package store and the databases it
// runs on. Store holds everything that is the same on every database — the
// public API, validation, grouping of concurrent calls, the wake-up
// signals, backoff, token sealing, grievance references, and the queries
// outside the hot path, which it writes with bun's query builder — and
// talks to one Driver, which owns what differs: connections and pools,
// prepared statements, batched commits, the claims of the inbox and the
// outbox, the writes of a step, and the migrations of its schema.
//
// The types here are what the two sides say to each other: plain rows and
// parameters, no SQL. Each driver (adapters/store/postgres,
// adapters/store/sqlite) must pass the store's conformance suite
// (adapters/store/storetest).
package driver

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"
)

// Driver is one database under the store.
type Driver interface {
	// Dialect names the database: "postgres" or "sqlite".
	Dialect() string
	// Caps says how the store should drive it.
	Caps() Caps
	// DB is bun over the pool that writes; ReadDB over the one that reads
	// (the same on Postgres). Queries outside the hot path use them.
	DB() *bun.DB
	ReadDB() *bun.DB
	// Calls counts database round trips, bun's included.
	Calls() int64
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close closes every connection. The driver is unusable after it.
	Close() error
	// Migrate applies the embedded migrations not yet applied (up to and
	// including upTo when it is not ""); CheckSchema fails unless all are.
	Migrate(ctx context.Context, upTo string) error
	CheckSchema(ctx context.Context, upTo string) error
	// MigrationNames lists the embedded migrations, in the order they run.
	MigrationNames() []string
	// Warnings lists settings of the database that work against the store.
	Warnings(ctx context.Context) ([]string, error)
	// Classify wraps an error that means the database is away as
	// ErrUnavailable (see Classify).
	Classify(err error) error
	// UniqueViolation says err is a duplicate key.
	UniqueViolation(err error) bool
	// NextSerials draws n case serial numbers, each never drawn before (a
	// sequence on Postgres; a count in the one process on SQLite).
	NextSerials(ctx context.Context, n int) ([]uint64, error)

	// Ingest writes a combined webhook batch in one transaction and returns
	// the keys of the inbox rows it inserted (duplicates return nothing).
	Ingest(ctx context.Context, in *Ingest) ([]InboxKey, error)
	// Claim claims the contacts of up to limit pending messages due at now
	// and loads their steps. The claim must be ended: Commit, Rollback or
	// RecordFailure, then Close.
	Claim(ctx context.Context, now time.Time, limit int) (Claim, error)
	// HoldContacts keeps claims off the contacts until release is called,
	// once no step of them runs (SQLite, where claims are held in the
	// process; a no-op where row locks do it).
	HoldContacts(ctx context.Context, ids ...string) (release func(), err error)
	// InboxReopened says an inbox row under the claims' floor is pending
	// again (a parked message requeued).
	InboxReopened(id int64)

	// ClaimOutbox leases up to limit due outbox rows until leaseUntil,
	// only the first open row of each contact.
	ClaimOutbox(ctx context.Context, now time.Time, limit int, leaseUntil time.Time) ([]OutboxRow, error)
	// MarkSent marks a claimed row sent with wamid at at: applied says it
	// was in flight, next that its contact has another message waiting.
	MarkSent(ctx context.Context, id int64, wamid string, at time.Time) (applied, next bool, err error)
	// MarkRetry, MarkFailed and Release change a claimed row; applied is
	// false when it was not in flight. status is the row's status after.
	MarkRetry(ctx context.Context, m *RetryMark) (applied bool, status int, err error)
	MarkFailed(ctx context.Context, m *FailMark) (applied bool, err error)
	Release(ctx context.Context, id int64, due time.Time) (applied bool, err error)
}

// Caps are how a driver wants to be driven.
type Caps struct {
	// IngestLoops is how many ingest transactions may be in flight;
	// StatusLoops, how many for batches of statuses alone (0: they share
	// the ingest ones).
	IngestLoops, StatusLoops int
	// BatchSteps says one claim takes several contacts, and one commit
	// writes their steps together (Postgres).
	BatchSteps bool
	// RowLocks says writers lock the rows they change (SELECT … FOR
	// UPDATE) to keep out of one another's way (Postgres; SQLite has one
	// writer).
	RowLocks bool
}

// Config is what a driver takes from the store's options.
type Config struct {
	// MaxOpenConns caps the Postgres pool; ConnectTimeout bounds dialling.
	MaxOpenConns   int
	ConnectTimeout time.Duration
	// Durable makes SQLite fsync every commit.
	Durable bool
	// ForceReload (tests) makes every Postgres claim reload its contacts.
	ForceReload bool
}

// Status ranks: the order a sent message moves through. Failed is terminal.
const (
	RankQueued    = 0
	RankSending   = 1
	RankSent      = 2
	RankDelivered = 3
	RankRead      = 4
	RankFailed    = 5
)

// StatusRank is the rank of a WhatsApp status name; 0 for one the store
// does not apply.
func StatusRank(s string) int {
	switch s {
	case "sent":
		return RankSent
	case "delivered":
		return RankDelivered
	case "read", "played":
		return RankRead
	case "failed":
		return RankFailed
	}
	return 0
}

// Inbound is a validated citizen message for the inbox.
type Inbound struct {
	ContactID, Integration, Wamid, ContactKey string
	WaID, UserID, ProfileName, Username       string
	Type, Summary                             string
	Timestamp                                 time.Time
	Input, Raw                                []byte
	// Pos is the message's place in the write (it orders arrival).
	Pos int
}

// Status is one delivery report for a message the bot sent.
type Status struct {
	Integration, Wamid, Status string
	Timestamp                  time.Time
	Recipient                  string
	ErrorCode                  int
	ErrorTitle, ErrorDetails   string
}

// LogEntry is one row of an integration's event log.
type LogEntry struct {
	ID                                int64
	Integration, Level, Kind, Message string
	Data                              []byte
	At                                time.Time
}

// Ingest is one transaction of webhook batches, combined and in key order
// (so that concurrent writers lock rows in the same order).
type Ingest struct {
	Now time.Time
	// Contacts are the messages' contacts (one message each), created when
	// new; Messages go to the inbox.
	Contacts, Messages []Inbound
	// All are the distinct statuses to record; Best, the highest of each
	// wamid, to apply.
	All, Best []Status
	Log       []LogEntry
	// Expected says a MarkSent of the wamid is under way in this process
	// (a status for it is then no news for the event log).
	Expected func(wamid string) bool
}

// InboxKey names an inbox row.
type InboxKey struct{ ContactID, Wamid string }

// Contact is a contact row as a step loads it.
type Contact struct {
	ID, Integration, Key, WaID, UserID, Name, Username, Language string
	OptedOut                                                     bool
	FirstSeen, LastSeen                                          time.Time
}

// Message is a pending inbox row as a step loads it, with the profile it
// came with.
type Message struct {
	ID                                  int64
	Wamid, Type, Summary                string
	Input                               []byte
	Attempts                            int
	Timestamp, Received                 time.Time
	WaID, UserID, ProfileName, Username string
}

// StepLoad is a claimed contact: its row, its session and its pending
// messages, oldest first (WhatsApp timestamp, then arrival).
type StepLoad struct {
	Contact                Contact
	Steps, Version, MsgSeq int64
	Conversations          int
	// HasSession says a session row exists; its columns follow.
	HasSession        bool
	State             []byte
	Checksum          sql.NullInt64
	Flow, FlowVersion string
	Conversation      int
	Updated, Expires  time.Time
	Messages          []Message
	// OutboxOpen says the contact has a message not yet sent or failed.
	OutboxOpen bool
}

// Claim is a claimed set of contacts (on Postgres, an open transaction
// holding their rows).
type Claim interface {
	// Loads are the claimed contacts' steps.
	Loads() []*StepLoad
	// Claimed counts the contacts locked, those found served since
	// included (then Loads has fewer, and claiming again may find more).
	Claimed() int
	// Commit writes the steps and ends the claim's transaction. It
	// returns the ids of the leased rows, by contact.
	Commit(ctx context.Context, c *Commit) (leased map[string]int64, err error)
	// Rollback ends the claim's transaction writing nothing.
	Rollback()
	// RecordFailure records a failed step after a Commit failed, in a
	// transaction of its own, unless the contact changed since it was
	// loaded. recorded says it was written.
	RecordFailure(ctx context.Context, load *StepLoad, f *Failure) (recorded bool, err error)
	// Close lets go of the claim's contacts and connection.
	Close()
}

// Commit is what one claim writes.
type Commit struct {
	// Writes are the steps, in the order they ran.
	Writes []Write
	// LeaseFrom and LeaseUntil time the leased replies' claims.
	LeaseFrom, LeaseUntil time.Time
}

// Write is one step's outcome: either a Step or a Failure.
type Write struct {
	Step    *Step
	Failure *Failure
}

// Target is the contact a step writes, as it stands after the step.
type Target struct {
	ID, Integration, WaID, UserID, Name, Username string
	LastSeen                                      time.Time
	// Conversation is the step's; NewConversation says it opens it.
	Conversation    int
	NewConversation bool
}

// Step is a successful step's writes.
type Step struct {
	Contact Target
	Now     time.Time
	// MessageIDs are the inbox rows it handled, to mark done.
	MessageIDs []int64
	// Session is the new state; nil deletes the session and closes the
	// conversation.
	Session           []byte
	Checksum          int64
	Flow, FlowVersion string
	SessionExpires    time.Time
	// Handoff, when not nil, hands the conversation to the agent inbox.
	Handoff *Handoff
	// MsgSeq and Conversations are the contact's counters after the step.
	MsgSeq        int64
	Conversations int
	Language      *string
	OptedOut      *bool
	History       []HistoryEntry
	// Outbox are queued numbered after OutboxSeq.
	OutboxSeq  int64
	Outbox     []OutboundMessage
	Events     []Event
	Log        []LogEntry
	Grievances []Grievance
	// Leased, when not nil, is the first reply, queued already claimed.
	Leased *Leased
}

// Failure is a failed step, recorded against its oldest message: a retry
// after HoldUntil, or, when Parked, the message set aside with the
// apology queued.
type Failure struct {
	Contact   Target
	Now       time.Time
	MessageID int64
	Attempts  int
	Reason    string
	Parked    bool
	HoldUntil time.Time
	// For a parked message: its history row and the apology's, the
	// apology queued after OutboxSeq, and the contact's counters after.
	History       []HistoryEntry
	OutboxSeq     int64
	Outbox        []OutboundMessage
	MsgSeq        int64
	Conversations int
	Log           LogEntry
}

// Handoff is a conversation handed to the agent inbox.
type Handoff struct{ Queue, Reason string }

// HistoryEntry is one message of the conversation history.
type HistoryEntry struct {
	Seq                             int64
	Direction, Wamid, Type, Summary string
	Status                          int
	At                              time.Time
	// Actor is the staff member who sent an outbound message ("" for the
	// bot's own).
	Actor string
}

// OutboundMessage is a reply for the outbox.
type OutboundMessage struct {
	Type, Summary string
	Payload       []byte
}

// Leased is a step's first reply, queued already claimed.
type Leased struct {
	Seq     int64
	Message OutboundMessage
}

// Event is an analytics event.
type Event struct {
	Kind, Flow, Node, Detail string
	At                       time.Time
}

// Grievance is a case row: a grievance or a service request.
type Grievance struct {
	Integration, Reference, ContactID, Category, Description, PinCode string
	Kind, Title, Note                                                 string
	Fields                                                            []byte
	Serial                                                            uint64
	// HasLocation says the location columns are set.
	HasLocation                   bool
	Latitude, Longitude           float64
	LocationName, LocationAddress string
	Attachments                   []byte
	Status                        string
	Due, Created, Updated         time.Time
}

// OutboxRow is an outbox row as a claim returns it.
type OutboxRow struct {
	ID                     int64
	ContactID, Integration string
	WaID, UserID           string
	Seq                    int64
	Conversation           int
	Type, Summary          string
	Payload                []byte
	Attempts, Claims       int
	Created                time.Time
}

// RetryMark puts a claimed row back for a retry, or fails it for good at
// its MaxAttempts-th attempt (then Note goes to the event log).
type RetryMark struct {
	ID          int64
	Now         time.Time
	Code        int
	Reason      string
	MaxAttempts int
	// Due[n] is when the row is due again after attempt n+1.
	Due  []time.Time
	Note string
}

// FailMark fails a claimed row for good; Note goes to the event log.
type FailMark struct {
	ID     int64
	Now    time.Time
	Code   int
	Reason string
	Note   string
}
