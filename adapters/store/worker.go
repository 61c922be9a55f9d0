package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
	"time"

	"github.com/samvad/samvad/engine"
)

// Contact is a citizen as the store knows them, within one integration.
type Contact struct {
	// ID is ContactID(Integration, Key).
	ID          string
	Integration string
	Key         string
	WaID        string
	UserID      string
	// Name is the WhatsApp profile name.
	Name     string
	Username string
	Language string
	OptedOut bool
	// New is true until a step for this contact has been committed: the
	// citizen's first message ever.
	New       bool
	FirstSeen time.Time
	LastSeen  time.Time
}

// Engine returns the contact as the engine sees it.
func (c Contact) Engine() engine.Contact {
	return engine.Contact{ID: c.Key, Name: c.Name, Phone: c.WaID, Language: c.Language, OptedOut: c.OptedOut, New: c.New}
}

// Message is one pending inbox message handed to a Handler.
type Message struct {
	// ID is the inbox row id (arrival order).
	ID       int64
	Wamid    string
	Type     string
	Summary  string
	Input    []byte
	Attempts int
	// Timestamp is WhatsApp's; Received is when it was ingested.
	Timestamp time.Time
	Received  time.Time
}

// Work is one step: a claimed contact, its session and its pending messages,
// in the order they must be handled. Nobody else works on this contact until
// the step ends.
type Work struct {
	Contact Contact
	// Session is the stored session state, exactly as the caller last wrote
	// it, or nil when there is none or it expired ("start fresh").
	Session []byte
	// SessionExpired says a session existed but had expired, so Session is
	// nil (the engine reports EventSessionExpired).
	SessionExpired bool
	// SessionErr is non-nil when the stored session row fails its integrity
	// check (its state is missing or does not match the checksum written
	// with it). Session still carries the bytes. The caller must not trust
	// them: restart the citizen (fresh session, an apology, an event), which
	// the next Outcome writes back, repairing the row. A session that passes
	// this check but does not decode is the caller's to detect the same way.
	SessionErr error
	// SessionUpdated and SessionExpires are the stored session's times.
	SessionUpdated time.Time
	SessionExpires time.Time
	// Flow and FlowVersion are what the stored session is pinned to, as the
	// last Outcome said.
	Flow        string
	FlowVersion string
	// Conversation numbers the contact's conversations (1, 2, …); a new one
	// starts whenever there is no live session.
	Conversation    int
	NewConversation bool
	// Messages are the pending messages, oldest first (WhatsApp timestamp,
	// then arrival). After a failed step only the oldest is handed over, so a
	// message that keeps failing is the one that gets parked.
	Messages []Message

	store         *Store
	version       int64
	msgSeq        int64
	conversations int
	// outboxOpen says the contact had a message in the outbox not yet sent
	// or failed when the step was claimed: a new reply must wait behind it.
	outboxOpen bool
	// shared says steps of other contacts ran before this one in the same
	// transaction (see BeforeNetwork).
	shared bool
	step   *stepState
}

// stepState is what a step gathers while its handler runs (shared by copies
// of the Work).
type stepState struct {
	mu         sync.Mutex
	grievances []Grievance
	done       bool
	deferred   bool
}

// releaseReferences lets go of the grievance references the step drew: its
// transaction has ended, so they are in the table now or free again. Call it
// once the step's write has committed or rolled back.
func (w *Work) releaseReferences() {
	w.step.mu.Lock()
	defer w.step.mu.Unlock()
	for _, g := range w.step.grievances {
		w.store.heldReferences.release(g.Integration, g.Reference)
	}
	w.step.grievances = nil
}

// ErrStepDeferred is what BeforeNetwork returns to a step that must give
// way: the handler returns it (or any error), and the step is rolled back
// without counting an attempt and runs again soon.
var ErrStepDeferred = errors.New("store: step deferred: it would hold up other citizens' steps while it waits on the network")

// BeforeNetwork is called by a handler (or a connector it calls, with
// WorkFrom) before it waits on the network: a media download, a
// department's API. On Postgres one transaction may carry several
// contacts' steps (see ProcessNext), and the steps run before this one
// would wait for its call, since their replies leave with the commit. So
// when other steps ran before it, BeforeNetwork returns ErrStepDeferred:
// the handler must then stop before the call and return an error; whatever
// it returns is dropped, the step counts no attempt, and its contact runs
// first of a later transaction, where the call holds up no one. Otherwise
// it returns nil.
func (w *Work) BeforeNetwork() error {
	if !w.shared {
		return nil
	}
	w.step.mu.Lock()
	w.step.deferred = true
	w.step.mu.Unlock()
	return ErrStepDeferred
}

// wasDeferred reports whether BeforeNetwork deferred the step.
func (w *Work) wasDeferred() bool {
	w.step.mu.Lock()
	defer w.step.mu.Unlock()
	return w.step.deferred
}

// OutboundMessage is one message for the outbox.
type OutboundMessage struct {
	// Type names the message kind for history (text, interactive, image, …).
	Type string
	// Summary is a short text for the conversation history. It is cut at
	// 4,096 bytes.
	Summary string
	// Payload is the caller's encoding of the message (opaque; the sender
	// gets it back from ClaimOutbox). It must not be empty.
	Payload []byte
}

// Outcome is what a Handler decided; the store writes it in the step's
// transaction.
type Outcome struct {
	// Session is the new session state. Nil deletes the session and closes
	// the conversation: the citizen's next message starts fresh.
	Session []byte
	// SessionExpires is when the session lapses (now + the integration's
	// session duration). Zero: it does not expire.
	SessionExpires time.Time
	// Flow and FlowVersion record which flow version the session is pinned to
	// (see SaveFlowVersion), so operators can tell which versions are in use.
	Flow        string
	FlowVersion string
	// Language and OptedOut change the contact when not nil.
	Language *string
	OptedOut *bool
	// Outbox are the messages to send, in the order they must leave.
	Outbox []OutboundMessage
	// Events are analytics events, in order.
	Events []engine.Event
	// Log are rows for the integration's event log (Integration may be left
	// empty: the contact's is used).
	Log []LogEntry
	// Handoff marks the conversation as handed to the agent inbox.
	Handoff *engine.Handoff
}

// Handler handles one step. It is called inside the step's transaction (on
// Postgres the contact's row stays locked while it runs), must not keep w
// after it returns, and should honour ctx. Returning an error, or ctx being
// cancelled before the step commits, rolls everything back.
type Handler func(ctx context.Context, w *Work) (*Outcome, error)

// StepError is returned by ProcessNext when a step failed and was rolled
// back. The failure was recorded against the oldest message: it is retried
// after a backoff, or, after Options.MaxAttempts, parked.
type StepError struct {
	// Contact is the contact id with the key masked (safe to log).
	Contact string
	// Message is the inbox id of the message the failure was recorded against.
	Message  int64
	Attempts int
	// Parked is true when the message was parked (and the apology queued).
	Parked bool
	// Recorded is false when the failure could not be recorded (the store
	// was unavailable); the step will simply run again.
	Recorded bool
	Err      error
}

func (e *StepError) Error() string {
	what := "will be retried"
	if e.Parked {
		what = "parked"
	}
	return fmt.Sprintf("store: step for contact %s failed (message %d, attempt %d, %s): %v", e.Contact, e.Message, e.Attempts, what, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

type workKey struct{}

// WorkFrom returns the step running in ctx (a Handler's context), or nil. A
// service connector called by the engine during a step uses it to make its
// writes part of the step (see Work.AddGrievance).
func WorkFrom(ctx context.Context) *Work {
	w, _ := ctx.Value(workKey{}).(*Work)
	return w
}

// ProcessNext runs one step: it claims one contact that has pending inbox
// messages due (none held back by a backoff), hands h the contact, its
// session and those messages, and writes h's Outcome — session, contact
// changes, outbox rows, history, events — and marks the messages done, all in
// one transaction. It returns processed=false when there was nothing to do.
//
// On Postgres the claim is a row lock (FOR NO KEY UPDATE SKIP LOCKED) on the
// contact, so any number of goroutines and processes can call ProcessNext at
// once and never work on one contact together. When many contacts are
// waiting, one call claims several (up to Options.StepBatch) and runs their
// steps one after another in one transaction, which costs the database far
// less than a transaction each; h is called once per contact, and a step
// that fails is recorded alone. A slow h holds up the commit of the steps run
// before it in the same call (no new ones start after 20 ms). On SQLite the claim is held in the process
// (the embedded store is for one process) and writes are serialised on the
// single writer connection, where steps of several workers share commits.
//
// When h fails (or the Outcome cannot be written) nothing of the step is
// kept; the oldest message's attempt count goes up and the contact waits a
// backoff before it is tried again, with only that message; after
// Options.MaxAttempts the message is parked, the apology is queued, and the
// contact's other messages go on. The error is then a *StepError (joined
// with the others' when several steps of a batch failed). When ctx
// is cancelled (not timed out) during the step, it is rolled back and counts
// no attempt: shutting down is not the message's fault.
func (s *Store) ProcessNext(ctx context.Context, h Handler) (bool, error) {
	stepped, _, err := s.ProcessNextAndLease(ctx, h, 0)
	return stepped > 0, err
}

// ProcessNextAndLease is ProcessNext for a caller that sends replies itself.
// When a step queues replies and the first of them may leave at once (its
// contact has no earlier message waiting to be sent), that row is queued
// already claimed for lease, as ClaimOutbox would have claimed it, and
// returned once the step has committed (one row per contact stepped, when
// a call steps several): the caller sends it at once, and no sender has to
// claim it. The caller then owes it MarkSent, MarkRetry or
// MarkFailed like any claimed row; if it never gets to that, the lease runs
// out and a sender claims the row again. The rest of the step's replies are
// queued as usual. A step that hands a reply back commits durably (on
// Postgres other steps do not wait for the disk): a reply must never leave
// before the step that made it is safe. lease 0 is ProcessNext.
//
// stepped counts the contacts whose steps ran (the handler was called for
// them), failed ones included; 0 means there was nothing to do.
func (s *Store) ProcessNextAndLease(ctx context.Context, h Handler, lease time.Duration) (stepped int, leased []OutboxMessage, err error) {
	if err := s.check(); err != nil {
		return 0, nil, err
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if lease < 0 {
		return 0, nil, invalidf("lease must not be negative, got %s", lease)
	}
	run := &stepRun{h: h, lease: lease}
	var processed bool
	if s.pg {
		processed, err = s.processPostgres(ctx, run)
	} else {
		processed, err = s.processSQLite(ctx, run)
	}
	if !processed {
		if err == nil {
			s.wakeInbox.settle()
		}
		return 0, nil, err
	}
	return max(run.stepped, 1), run.leased, err
}

// stepRun is one ProcessNext call: the handler, and the lease of replies
// handed back (see ProcessNextAndLease), which are set once the step commits,
// with the count of contacts stepped.
type stepRun struct {
	h       Handler
	lease   time.Duration
	leased  []OutboxMessage
	stepped int
}

// workColumns is what a step loads: the contact, its session, and one row
// per pending message.
const workColumns = `c.id, c.integration_id, c.key, c.wa_id, c.user_id, c.profile_name, c.username, c.language, c.opted_out,
	c.version, c.steps, c.conversations, c.msg_seq, c.first_seen, c.last_seen,
	s.contact_id IS NOT NULL, s.state, s.checksum, s.flow_id, s.flow_version, s.conversation, s.updated_at, s.expires_at,
	i.id, i.wamid, i.type, i.summary, i.wa_ts, i.received_at, i.input, i.attempts, i.wa_id, i.user_id, i.profile_name, i.username,
	EXISTS (SELECT 1 FROM outbox o WHERE o.contact_id = c.id AND o.is_open)`

// loadWorkSQL loads a contact's step (Postgres; SQLite prepares sqliteLoadSQL).
func (s *Store) loadWorkSQL(contactID string) string {
	return s.sql().raw("SELECT ", workColumns, ", c.version FROM contacts c LEFT JOIN sessions s ON s.contact_id = c.id ",
		"JOIN inbox i ON i.contact_id = c.id AND i.state = 0 WHERE c.id = ").str(contactID).
		raw(" ORDER BY i.wa_ts, i.arrival, i.id").pgText()
}

// scanWork reads the rows of one contact's step (see scanWorks).
func (s *Store) scanWork(rows *sql.Rows, now time.Time) (w *Work, snapshotVersion int64, err error) {
	ws, snapshots, err := s.scanWorks(rows, now)
	if err != nil || len(ws) == 0 {
		return nil, 0, err
	}
	return ws[0], snapshots[0], nil
}

// scanWorks reads the rows of steps, one contact's rows after another's.
// snapshots are the contacts' versions as the query's snapshot saw them
// (Postgres claim; see claimSQL).
func (s *Store) scanWorks(rows *sql.Rows, now time.Time) (ws []*Work, snapshots []int64, err error) {
	var w *Work
	for rows.Next() {
		r, err := scanWorkRow(rows)
		if err != nil {
			return nil, nil, err
		}
		if w == nil || r.c.ID != w.Contact.ID {
			w = s.newWork(r, now)
			ws, snapshots = append(ws, w), append(snapshots, r.snapshot)
		}
		w.add(r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, w := range ws {
		if len(w.Messages) > 1 && w.Messages[0].Attempts > 0 {
			// A step already failed with these messages: try the oldest alone,
			// so that the failure lands on the message that causes it.
			w.Messages = w.Messages[:1]
		}
	}
	return ws, snapshots, nil
}

// workRow is one row of a step's load: the contact, its session, and one
// pending message.
type workRow struct {
	c                                   Contact
	steps, version, msgSeq              int64
	conversations                       int
	firstSeen, lastSeen                 dbTime
	hasSession                          bool
	state                               []byte
	checksum                            sql.NullInt64
	flowID, flowVersion                 sql.NullString
	conversation                        sql.NullInt64
	updated, expires                    dbTime
	m                                   Message
	wa, received                        dbTime
	mWaID, mUserID, mProfile, mUsername string
	outboxOpen                          bool
	snapshot                            int64
}

func scanWorkRow(rows *sql.Rows) (*workRow, error) {
	r := &workRow{}
	err := rows.Scan(&r.c.ID, &r.c.Integration, &r.c.Key, &r.c.WaID, &r.c.UserID, &r.c.Name, &r.c.Username, &r.c.Language, &r.c.OptedOut,
		&r.version, &r.steps, &r.conversations, &r.msgSeq, &r.firstSeen, &r.lastSeen,
		&r.hasSession, &r.state, &r.checksum, &r.flowID, &r.flowVersion, &r.conversation, &r.updated, &r.expires,
		&r.m.ID, &r.m.Wamid, &r.m.Type, &r.m.Summary, &r.wa, &r.received, &r.m.Input, &r.m.Attempts,
		&r.mWaID, &r.mUserID, &r.mProfile, &r.mUsername, &r.outboxOpen, &r.snapshot)
	r.m.Timestamp, r.m.Received = r.wa.T, r.received.T
	return r, err
}

// newWork starts a step from its first row.
func (s *Store) newWork(r *workRow, now time.Time) *Work {
	c := r.c
	c.New = r.steps == 0
	c.FirstSeen, c.LastSeen = r.firstSeen.T, r.lastSeen.T
	w := &Work{Contact: c, store: s, version: r.version, msgSeq: r.msgSeq, conversations: r.conversations,
		outboxOpen: r.outboxOpen, step: &stepState{}}
	if r.hasSession {
		s.fillSession(w, now, r.state, r.checksum, r.flowID.String, r.flowVersion.String, int(r.conversation.Int64), r.updated.T, r.expires.T)
	}
	if w.Conversation == 0 {
		w.NewConversation = true
		w.Conversation = r.conversations + 1
	}
	return w
}

// add adds a row's message to the step.
func (w *Work) add(r *workRow) {
	// The newest message says best who the citizen is now.
	refresh(&w.Contact.WaID, r.mWaID)
	refresh(&w.Contact.UserID, r.mUserID)
	refresh(&w.Contact.Name, r.mProfile)
	refresh(&w.Contact.Username, r.mUsername)
	if r.m.Timestamp.After(w.Contact.LastSeen) {
		w.Contact.LastSeen = r.m.Timestamp
	}
	w.Messages = append(w.Messages, r.m)
}

func refresh(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// errCorruptSession is what Work.SessionErr wraps.
var errCorruptSession = errors.New("corrupt session row")

func (s *Store) fillSession(w *Work, now time.Time, state []byte, checksum sql.NullInt64, flow, version string, conversation int, updated, expires time.Time) {
	if !expires.IsZero() && !expires.After(now) {
		w.SessionExpired = true
		return
	}
	w.Session = state
	w.SessionUpdated, w.SessionExpires = updated, expires
	w.Flow, w.FlowVersion = flow, version
	w.Conversation = conversation
	switch {
	case state == nil:
		w.SessionErr = fmt.Errorf("%w: the state is missing", errCorruptSession)
	case !checksum.Valid || int64(crc32.ChecksumIEEE(state)) != checksum.Int64:
		w.SessionErr = fmt.Errorf("%w: the state does not match its checksum (%d bytes)", errCorruptSession, len(state))
	}
}

// IsCorruptSession reports whether err is a Work.SessionErr.
func IsCorruptSession(err error) bool { return errors.Is(err, errCorruptSession) }

// runHandler calls h with the step in its context, turning a panic into an
// error and checking what it returned.
func (s *Store) runHandler(ctx context.Context, h Handler, w *Work) (out *Outcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("handler panicked: %v", r)
		}
	}()
	out, err = h(context.WithValue(ctx, workKey{}, w), w)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // cancelled midway: whatever h returned is dropped
	}
	if err == nil {
		err = s.checkOutcome(w, out)
	}
	return out, err
}

func (s *Store) checkOutcome(w *Work, out *Outcome) error {
	if out == nil {
		return errors.New("handler returned no outcome and no error")
	}
	if len(out.Session) > 16<<20 {
		return fmt.Errorf("outcome: session state is %d bytes, more than 16 MiB", len(out.Session))
	}
	for i, m := range out.Outbox {
		if len(m.Payload) == 0 {
			return fmt.Errorf("outcome: outbox message %d has an empty payload", i)
		}
	}
	for i, e := range out.Events {
		if e.Kind == "" {
			return fmt.Errorf("outcome: event %d has no kind", i)
		}
	}
	for i := range out.Log {
		if out.Log[i].Integration == "" {
			out.Log[i].Integration = w.Contact.Integration
		}
		if err := validIntegration(out.Log[i].Integration); err != nil {
			return fmt.Errorf("outcome: log entry %d: %w", i, err)
		}
	}
	return nil
}

// wasCancelled says the step ended because ctx was cancelled (shutdown),
// which rolls back without counting an attempt. A deadline does count: a
// message that makes the handler hang must end up parked.
func wasCancelled(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// finish marks the step over: AddGrievance fails after it.
func (w *Work) finish() {
	w.step.mu.Lock()
	w.step.done = true
	w.step.mu.Unlock()
}

// stepSQL writes a successful step. It returns the statement that marks the
// inbox rows done separately (SQLite checks its row count) from the rest.
// When lease is true and the step's first reply may leave at once, that
// reply is left out of rest and returned, to be queued already claimed by
// leasedRowsSQL (see ProcessNextAndLease); else leased is nil.
func (s *Store) stepSQL(w *Work, out *Outcome, now time.Time, lease bool) (markDone, rest *sqlText, leased *leasedReply) {
	c := w.Contact
	ids := make([]int64, len(w.Messages))
	for i, m := range w.Messages {
		ids[i] = m.ID
	}
	markDone = s.sqlStep().raw("UPDATE inbox SET state = 1, done_at = ").time(now).
		raw(" WHERE contact_id = ").str(c.ID).raw(" AND state = 0 AND id IN (").ints(ids).raw(")").end()

	q := s.sqlStep()
	s.conversationSQL(q, w, now, out.Session == nil, out.Handoff)
	if out.Session != nil {
		q.raw("INSERT INTO sessions (contact_id, state, checksum, flow_id, flow_version, conversation, updated_at, expires_at) VALUES (").
			str(c.ID).raw(", ").bytes(out.Session).raw(", ").int(int64(crc32.ChecksumIEEE(out.Session))).raw(", ").
			str(trimTo(out.Flow, 256)).raw(", ").str(trimTo(out.FlowVersion, 256)).raw(", ").int(int64(w.Conversation)).raw(", ").
			time(now).raw(", ").time(out.SessionExpires).
			raw(") ON CONFLICT (contact_id) DO UPDATE SET state = excluded.state, checksum = excluded.checksum, flow_id = excluded.flow_id, ",
				"flow_version = excluded.flow_version, conversation = excluded.conversation, updated_at = excluded.updated_at, expires_at = excluded.expires_at").end()
	} else {
		q.raw("DELETE FROM sessions WHERE contact_id = ").str(c.ID).end()
	}

	n, k := int64(len(w.Messages)), int64(len(out.Outbox))
	q.raw("UPDATE contacts SET version = version + 1, steps = steps + 1, hold_until = NULL, msg_seq = ").int(w.msgSeq + n + k).
		raw(", conversations = ").int(int64(max(w.conversations, w.Conversation))).
		raw(", wa_id = ").str(c.WaID).raw(", user_id = ").str(c.UserID).raw(", profile_name = ").str(c.Name).
		raw(", username = ").str(c.Username).raw(", last_seen = ").time(c.LastSeen)
	if out.Language != nil {
		q.raw(", language = ").str(trimTo(*out.Language, 32))
	}
	if out.OptedOut != nil {
		q.raw(", opted_out = ").bool(*out.OptedOut)
	}
	q.raw(" WHERE id = ").str(c.ID).end()

	// History: the inbound messages, then the outbound ones, numbered on.
	hs := make([]historyEntry, 0, n+k)
	seq := w.msgSeq
	for _, m := range w.Messages {
		seq++
		hs = append(hs, historyEntry{seq, "in", m.Wamid, m.Type, m.Summary, 0, m.Timestamp})
	}
	for _, m := range out.Outbox {
		seq++
		hs = append(hs, historyEntry{seq, "out", "", m.Type, m.Summary, rankQueued, now})
	}
	s.historySQL(q, w, hs)
	queued, seq := out.Outbox, w.msgSeq+n
	if lease && len(queued) > 0 && !w.outboxOpen {
		leased = &leasedReply{w: w, seq: seq + 1, m: queued[0]}
		queued, seq = queued[1:], seq+1
	}
	s.outboxRows(q, w, seq, queued, now)
	q.each(len(out.Events), "INSERT INTO events (contact_id, integration_id, conversation, kind, flow, node, detail, at) VALUES ", func(i int) {
		e := out.Events[i]
		at := e.At
		if at.IsZero() {
			at = now
		}
		q.raw("(").str(c.ID).raw(", ").str(c.Integration).raw(", ").int(int64(w.Conversation)).raw(", ").
			str(trimTo(string(e.Kind), 128)).raw(", ").str(trimTo(e.Flow, 256)).raw(", ").str(trimTo(e.Node, 256)).raw(", ").
			str(trimTo(e.Detail, 1024)).raw(", ").time(at).raw(")")
	}, "")
	if len(out.Log) > 0 {
		s.insertLog(q, out.Log, now)
	}
	if len(w.step.grievances) > 0 {
		s.insertGrievances(q, w.step.grievances)
	}
	return markDone, q, leased
}

// conversationSQL opens the step's conversation when it is a new one
// (closing the previous one), and records a handoff or the end of the
// conversation (the session ended). A step that just continues a
// conversation writes nothing here.
func (s *Store) conversationSQL(q *sqlText, w *Work, now time.Time, closing bool, h *engine.Handoff) {
	c := w.Contact
	var closed, handoffAt time.Time
	if closing {
		closed = now
	}
	var queue, reason string
	if h != nil {
		handoffAt, queue, reason = now, trimTo(h.Queue, 128), trimTo(h.Reason, 512)
	}
	if w.NewConversation {
		if w.Conversation > 1 {
			q.raw("UPDATE conversations SET closed_at = ").time(now).raw(" WHERE contact_id = ").str(c.ID).
				raw(" AND seq = ").int(int64(w.Conversation - 1)).raw(" AND closed_at IS NULL").end()
		}
		q.raw("INSERT INTO conversations (contact_id, seq, integration_id, opened_at, closed_at, handoff_queue, handoff_reason, handoff_at) VALUES (").
			str(c.ID).raw(", ").int(int64(w.Conversation)).raw(", ").str(c.Integration).raw(", ").time(now).raw(", ").time(closed).raw(", ").
			str(queue).raw(", ").str(reason).raw(", ").time(handoffAt).raw(") ON CONFLICT (contact_id, seq) DO NOTHING").end()
		return
	}
	if !closing && h == nil {
		return
	}
	q.raw("UPDATE conversations SET ")
	if closing {
		q.raw("closed_at = ").time(closed)
	}
	if h != nil {
		if closing {
			q.raw(", ")
		}
		q.raw("handoff_queue = ").str(queue).raw(", handoff_reason = ").str(reason).raw(", handoff_at = ").time(handoffAt)
	}
	q.raw(" WHERE contact_id = ").str(c.ID).raw(" AND seq = ").int(int64(w.Conversation)).end()
}

// historyEntry is one message of the conversation history.
type historyEntry struct {
	seq                            int64
	direction, wamid, typ, summary string
	status                         int
	at                             time.Time
}

func (s *Store) historySQL(q *sqlText, w *Work, hs []historyEntry) {
	q.each(len(hs), "INSERT INTO messages (contact_id, seq, conversation, integration_id, direction, wamid, type, summary, status, at) VALUES ", func(i int) {
		h := hs[i]
		q.raw("(").str(w.Contact.ID).raw(", ").int(h.seq).raw(", ").int(int64(w.Conversation)).raw(", ").str(w.Contact.Integration).
			raw(", ").str(h.direction).raw(", ").strOrNull(h.wamid).raw(", ").str(trimTo(h.typ, 64)).raw(", ").str(trimTo(h.summary, 4096)).
			raw(", ").int(int64(h.status)).raw(", ").time(h.at).raw(")")
	}, "")
}

// outboxRows queues messages numbered after seq (the same numbers as their
// history rows): the order they leave in.
func (s *Store) outboxRows(q *sqlText, w *Work, seq int64, ms []OutboundMessage, now time.Time) {
	c := w.Contact
	q.each(len(ms), "INSERT INTO outbox (contact_id, seq, integration_id, wa_id, user_id, conversation, type, summary, payload, due_at, created_at) VALUES ", func(i int) {
		m := ms[i]
		q.raw("(").str(c.ID).raw(", ").int(seq + int64(i) + 1).raw(", ").str(c.Integration).raw(", ").str(c.WaID).raw(", ").str(c.UserID).raw(", ").
			int(int64(w.Conversation)).raw(", ").str(trimTo(m.Type, 64)).raw(", ").str(trimTo(m.Summary, 4096)).raw(", ").
			bytes(m.Payload).raw(", ").time(now).raw(", ").time(now).raw(")")
	}, "")
}

// leasedReply is a step's first reply, queued already claimed (see
// ProcessNextAndLease).
type leasedReply struct {
	w   *Work
	seq int64
	m   OutboundMessage
}

// leasedRowsSQL queues replies claimed until leaseUntil, in one statement
// that returns each row's contact and id.
func (s *Store) leasedRowsSQL(rs []leasedReply, now, leaseUntil time.Time) *sqlText {
	q := s.sqlStep()
	q.each(len(rs), "INSERT INTO outbox (contact_id, seq, integration_id, wa_id, user_id, conversation, type, summary, payload, "+
		"due_at, created_at, status, claims, lease_until) VALUES ", func(i int) {
		r := rs[i]
		c := r.w.Contact
		q.raw("(").str(c.ID).raw(", ").int(r.seq).raw(", ").str(c.Integration).raw(", ").str(c.WaID).raw(", ").str(c.UserID).raw(", ").
			int(int64(r.w.Conversation)).raw(", ").str(trimTo(r.m.Type, 64)).raw(", ").str(trimTo(r.m.Summary, 4096)).raw(", ").
			bytes(r.m.Payload).raw(", ").time(now).raw(", ").time(now).raw(", 1, 1, ").time(leaseUntil).raw(")")
	}, " RETURNING contact_id, id")
	return q
}

// message is the row leasedRowsSQL queued, as ClaimOutbox returns it.
func (r leasedReply) message(id int64, now time.Time) OutboxMessage {
	c := r.w.Contact
	return OutboxMessage{ID: id, ContactID: c.ID, Integration: c.Integration, WaID: c.WaID, UserID: c.UserID,
		Seq: r.seq, Conversation: r.w.Conversation, Type: trimTo(r.m.Type, 64), Summary: trimTo(r.m.Summary, 4096),
		Payload: r.m.Payload, Claims: 1, Created: now}
}

// failureSQL records a failed step against the oldest message: a retry after
// a backoff, or, at the last attempt, parking with the apology.
func (s *Store) failureSQL(w *Work, cause error, now time.Time) (q *sqlText, parked bool, attempts int) {
	c := w.Contact
	head := w.Messages[0]
	attempts = head.Attempts + 1
	reason := trimTo(redactDigits(cause.Error()), 2000)
	q = s.sqlStep()
	if attempts < s.opts.MaxAttempts {
		q.raw("UPDATE inbox SET attempts = ").int(int64(attempts)).raw(", last_error = ").str(reason).
			raw(" WHERE contact_id = ").str(c.ID).raw(" AND id = ").int(head.ID).raw(" AND state = 0").end()
		q.raw("UPDATE contacts SET version = version + 1, hold_until = ").time(now.Add(s.backoff(attempts))).
			raw(" WHERE id = ").str(c.ID).end()
		s.insertLog(q, []LogEntry{{Integration: c.Integration, Level: LevelWarn, Kind: "step_failed",
			Message: fmt.Sprintf("message %s of contact %s failed (attempt %d of %d): %s", head.Wamid, maskedContact(c.ID), attempts, s.opts.MaxAttempts, reason)}}, now)
		return q, false, attempts
	}
	q.raw("UPDATE inbox SET state = 2, attempts = ").int(int64(attempts)).raw(", last_error = ").str(reason).raw(", done_at = ").time(now).
		raw(" WHERE contact_id = ").str(c.ID).raw(" AND id = ").int(head.ID).raw(" AND state = 0").end()
	var apology []OutboundMessage
	if s.opts.Apology != nil {
		if m := s.opts.Apology(c); len(m.Payload) > 0 {
			apology = append(apology, m)
		}
	}
	s.conversationSQL(q, w, now, false, nil)
	hs := []historyEntry{{w.msgSeq + 1, "in", head.Wamid, head.Type, head.Summary, rankFailed, head.Timestamp}}
	for i, m := range apology {
		hs = append(hs, historyEntry{w.msgSeq + 2 + int64(i), "out", "", m.Type, m.Summary, rankQueued, now})
	}
	s.historySQL(q, w, hs)
	s.outboxRows(q, w, w.msgSeq+1, apology, now)
	q.raw("UPDATE contacts SET version = version + 1, hold_until = NULL, msg_seq = ").int(w.msgSeq + 1 + int64(len(apology))).
		raw(", conversations = ").int(int64(max(w.conversations, w.Conversation))).raw(" WHERE id = ").str(c.ID).end()
	note := "an apology was queued"
	if len(apology) == 0 {
		note = "no apology was queued (none configured)"
	}
	s.insertLog(q, []LogEntry{{Integration: c.Integration, Level: LevelError, Kind: "message_parked",
		Message: fmt.Sprintf("message %s of contact %s parked after %d attempts; %s: %s", head.Wamid, maskedContact(c.ID), attempts, note, reason)}}, now)
	return q, true, attempts
}

// backoff is how long a contact waits after its n-th failed step.
func (s *Store) backoff(n int) time.Duration {
	d := s.opts.BackoffBase
	for i := 1; i < n && d < s.opts.BackoffMax; i++ {
		d *= 2
	}
	return min(d, s.opts.BackoffMax)
}

// maskedContact hides all but the last four characters of a contact's key.
func maskedContact(id string) string {
	integration, key, ok := strings.Cut(id, "/")
	if !ok {
		integration, key = "", id
	}
	r := []rune(key)
	for i := 0; i < len(r)-4; i++ {
		r[i] = '*'
	}
	if len(r) <= 4 {
		for i := range r {
			r[i] = '*'
		}
	}
	return integration + "/" + string(r)
}

// redactDigits hides runs of 6 or more digits (phone and identity numbers)
// in text bound for the event log.
func redactDigits(s string) string {
	var b strings.Builder
	run := 0
	flush := func(digits string) {
		if len(digits) >= 6 {
			b.WriteString("[number]")
		} else {
			b.WriteString(digits)
		}
	}
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if run == 0 {
				start = i
			}
			run++
			continue
		}
		if run > 0 {
			flush(s[start:i])
			run = 0
		}
		b.WriteByte(s[i])
	}
	if run > 0 {
		flush(s[start:])
	}
	return b.String()
}
