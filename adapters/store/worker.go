package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
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

// InternalPrefix begins the wamid of an inbox item the service made itself
// (a staff member's reply or handback, queued so that it is ordered with
// the citizen's own messages): such an item is stepped like a message but
// is not one from the citizen. It is not written to the history, and it
// does not count as the citizen's last message (Contact.LastSeen).
const InternalPrefix = "samvad:"

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

// Internal reports whether m was queued by the service itself (see
// InternalPrefix), not sent by the citizen.
func (m *Message) Internal() bool { return strings.HasPrefix(m.Wamid, InternalPrefix) }

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
	load          *driver.StepLoad
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
	// Actor is the staff member who sent it, shown in the history ("" for
	// the bot's own replies).
	Actor string
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
	processed, err := s.process(ctx, run)
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

// newWork starts a step from what the driver loaded.
func (s *Store) newWork(l *driver.StepLoad, now time.Time) *Work {
	lc := l.Contact
	c := Contact{ID: lc.ID, Integration: lc.Integration, Key: lc.Key, WaID: lc.WaID, UserID: lc.UserID, Name: lc.Name,
		Username: lc.Username, Language: lc.Language, OptedOut: lc.OptedOut, New: l.Steps == 0, FirstSeen: lc.FirstSeen, LastSeen: lc.LastSeen}
	w := &Work{Contact: c, store: s, load: l, version: l.Version, msgSeq: l.MsgSeq, conversations: l.Conversations,
		outboxOpen: l.OutboxOpen, step: &stepState{}}
	if l.HasSession {
		s.fillSession(w, now, l.State, l.Checksum, l.Flow, l.FlowVersion, l.Conversation, l.Updated, l.Expires)
	}
	if w.Conversation == 0 {
		w.NewConversation = true
		w.Conversation = l.Conversations + 1
	}
	w.Messages = make([]Message, len(l.Messages))
	for i, m := range l.Messages {
		w.Messages[i] = Message{ID: m.ID, Wamid: m.Wamid, Type: m.Type, Summary: m.Summary, Input: m.Input,
			Attempts: m.Attempts, Timestamp: m.Timestamp, Received: m.Received}
		if w.Messages[i].Internal() {
			continue
		}
		// The newest message says best who the citizen is now.
		refresh(&w.Contact.WaID, m.WaID)
		refresh(&w.Contact.UserID, m.UserID)
		refresh(&w.Contact.Name, m.ProfileName)
		refresh(&w.Contact.Username, m.Username)
		if m.Timestamp.After(w.Contact.LastSeen) {
			w.Contact.LastSeen = m.Timestamp
		}
	}
	if len(w.Messages) > 1 && w.Messages[0].Attempts > 0 {
		// A step already failed with these messages: try the oldest alone,
		// so that the failure lands on the message that causes it.
		w.Messages = w.Messages[:1]
	}
	return w
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

// target is the step's contact as it is written.
func (w *Work) target() driver.Target {
	c := w.Contact
	return driver.Target{ID: c.ID, Integration: c.Integration, WaID: c.WaID, UserID: c.UserID, Name: c.Name,
		Username: c.Username, LastSeen: c.LastSeen, Conversation: w.Conversation, NewConversation: w.NewConversation}
}

// stepWrite is what a successful step writes. When lease is true and the
// step's first reply may leave at once, that reply is queued already
// claimed (Step.Leased, see ProcessNextAndLease).
func (s *Store) stepWrite(w *Work, out *Outcome, now time.Time, lease bool) *driver.Step {
	ids := make([]int64, len(w.Messages))
	for i, m := range w.Messages {
		ids[i] = m.ID
	}
	n, k := int64(0), int64(len(out.Outbox))
	for i := range w.Messages {
		if !w.Messages[i].Internal() {
			n++
		}
	}
	st := &driver.Step{Contact: w.target(), Now: now, MessageIDs: ids,
		Session: out.Session, Flow: out.Flow, FlowVersion: out.FlowVersion, SessionExpires: out.SessionExpires,
		MsgSeq: w.msgSeq + n + k, Conversations: max(w.conversations, w.Conversation),
		Language: out.Language, OptedOut: out.OptedOut}
	if out.Session != nil {
		st.Checksum = int64(crc32.ChecksumIEEE(out.Session))
	}
	if h := out.Handoff; h != nil {
		st.Handoff = &driver.Handoff{Queue: h.Queue, Reason: h.Reason}
	}
	// History: the inbound messages, then the outbound ones, numbered on.
	st.History = make([]driver.HistoryEntry, 0, n+k)
	seq := w.msgSeq
	for _, m := range w.Messages {
		if m.Internal() {
			continue
		}
		seq++
		st.History = append(st.History, driver.HistoryEntry{Seq: seq, Direction: "in", Wamid: m.Wamid, Type: m.Type, Summary: m.Summary, At: m.Timestamp})
	}
	for _, m := range out.Outbox {
		seq++
		st.History = append(st.History, driver.HistoryEntry{Seq: seq, Direction: "out", Type: m.Type, Summary: m.Summary, Status: rankQueued, At: now, Actor: m.Actor})
	}
	queued, seq := out.Outbox, w.msgSeq+n
	if lease && len(queued) > 0 && !w.outboxOpen {
		m := queued[0]
		st.Leased = &driver.Leased{Seq: seq + 1, Message: driver.OutboundMessage{Type: m.Type, Summary: m.Summary, Payload: m.Payload}}
		queued, seq = queued[1:], seq+1
	}
	st.OutboxSeq, st.Outbox = seq, outbound(queued)
	st.Events = make([]driver.Event, len(out.Events))
	for i, e := range out.Events {
		st.Events[i] = driver.Event{Kind: string(e.Kind), Flow: e.Flow, Node: e.Node, Detail: e.Detail, At: e.At}
	}
	st.Log = logRows(out.Log)
	for _, g := range w.step.grievances {
		r, _ := grievanceRow(g) // AddGrievance checked that it encodes
		st.Grievances = append(st.Grievances, r)
	}
	return st
}

func outbound(ms []OutboundMessage) []driver.OutboundMessage {
	out := make([]driver.OutboundMessage, len(ms))
	for i, m := range ms {
		out[i] = driver.OutboundMessage{Type: m.Type, Summary: m.Summary, Payload: m.Payload}
	}
	return out
}

func logRows(es []LogEntry) []driver.LogEntry {
	out := make([]driver.LogEntry, len(es))
	for i, e := range es {
		out[i] = driver.LogEntry(e)
	}
	return out
}

// grievanceRow is g as the step writes it.
func grievanceRow(g Grievance) (driver.Grievance, error) {
	r := driver.Grievance{Integration: g.Integration, Reference: g.Reference, ContactID: g.ContactID, Category: g.Category,
		Description: g.Description, PinCode: g.PinCode, Status: g.Status, Due: g.Due, Created: g.Created, Updated: g.Updated,
		Kind: g.Kind, Title: g.Title, Note: g.Note, Serial: g.Serial}
	if len(g.Fields) > 0 {
		f, err := json.Marshal(g.Fields)
		if err != nil {
			return r, fmt.Errorf("the fields of %s are not JSON: %w", g.Reference, err)
		}
		r.Fields = f
	}
	if l := g.Location; l != nil {
		r.HasLocation, r.Latitude, r.Longitude, r.LocationName, r.LocationAddress = true, l.Latitude, l.Longitude, l.Name, l.Address
	}
	if len(g.Attachments) > 0 {
		r.Attachments, _ = json.Marshal(g.Attachments)
	}
	return r, nil
}

// leasedMessage is the row a step queued leased, as ClaimOutbox returns it.
func leasedMessage(w *Work, st *driver.Step, id int64, now time.Time) OutboxMessage {
	c, r := w.Contact, st.Leased
	return OutboxMessage{ID: id, ContactID: c.ID, Integration: c.Integration, WaID: c.WaID, UserID: c.UserID,
		Seq: r.Seq, Conversation: w.Conversation, Type: trimTo(r.Message.Type, 64), Summary: trimTo(r.Message.Summary, 4096),
		Payload: r.Message.Payload, Claims: 1, Created: now}
}

// failure is what a failed step writes against the oldest message: a
// retry after a backoff, or, at the last attempt, parking with the
// apology.
func (s *Store) failure(w *Work, cause error, now time.Time) *driver.Failure {
	c := w.Contact
	head := w.Messages[0]
	attempts := head.Attempts + 1
	reason := trimTo(redactDigits(cause.Error()), 2000)
	f := &driver.Failure{Contact: w.target(), Now: now, MessageID: head.ID, Attempts: attempts, Reason: reason}
	if attempts < s.opts.MaxAttempts {
		f.HoldUntil = now.Add(s.backoff(attempts))
		f.Log = driver.LogEntry{Integration: c.Integration, Level: LevelWarn, Kind: "step_failed",
			Message: fmt.Sprintf("message %s of contact %s failed (attempt %d of %d): %s", head.Wamid, maskedContact(c.ID), attempts, s.opts.MaxAttempts, reason)}
		return f
	}
	f.Parked = true
	var apology []OutboundMessage
	if s.opts.Apology != nil {
		if m := s.opts.Apology(c); len(m.Payload) > 0 {
			apology = append(apology, m)
		}
	}
	seq := w.msgSeq
	if !head.Internal() {
		seq++
		f.History = []driver.HistoryEntry{{Seq: seq, Direction: "in", Wamid: head.Wamid, Type: head.Type, Summary: head.Summary, Status: rankFailed, At: head.Timestamp}}
	}
	for i, m := range apology {
		f.History = append(f.History, driver.HistoryEntry{Seq: seq + 1 + int64(i), Direction: "out", Type: m.Type, Summary: m.Summary, Status: rankQueued, At: now})
	}
	f.OutboxSeq, f.Outbox = seq, outbound(apology)
	f.MsgSeq, f.Conversations = seq+int64(len(apology)), max(w.conversations, w.Conversation)
	note := "an apology was queued"
	if len(apology) == 0 {
		note = "no apology was queued (none configured)"
	}
	f.Log = driver.LogEntry{Integration: c.Integration, Level: LevelError, Kind: "message_parked",
		Message: fmt.Sprintf("message %s of contact %s parked after %d attempts; %s: %s", head.Wamid, maskedContact(c.ID), attempts, note, reason)}
	return f
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
