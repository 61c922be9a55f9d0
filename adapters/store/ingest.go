package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// Batch is what one webhook POST carries, already parsed and verified by the
// caller: citizens' messages, delivery statuses of messages the bot sent, and
// rows for the integration's event log (problems noted while parsing).
type Batch struct {
	Messages []Inbound
	Statuses []Status
	Log      []LogEntry
}

// Inbound is one citizen message to store in the inbox.
type Inbound struct {
	// Integration is the integration (business phone number) it was sent to.
	Integration string
	// Wamid is WhatsApp's message id, the deduplication key.
	Wamid string
	// ContactKey is the citizen's stable identity within the integration,
	// chosen by the caller (WhatsApp: the wa_id when present, else the
	// business-scoped user id). The same citizen must always get the same key:
	// the contact row, its session and its order of processing hang on it.
	ContactKey string
	// WaID, UserID, ProfileName and Username refresh the contact row when the
	// message is processed; empty values leave what is known in place.
	WaID        string
	UserID      string
	ProfileName string
	Username    string
	// Type is WhatsApp's message type (text, interactive, image, …).
	Type string
	// Timestamp is when WhatsApp received the message; messages of one
	// contact are processed in Timestamp order, then in order of arrival.
	// Zero means the time of ingestion.
	Timestamp time.Time
	// Summary is a short text for the conversation history (the text, the
	// button title, "[image]"). It is cut at 4,096 bytes.
	Summary string
	// Input is the caller's encoding of the message for the engine (opaque
	// to the store; Work hands it back).
	Input []byte
	// Raw is the message's JSON as received, kept for audit (opaque).
	Raw []byte
}

// The delivery statuses WhatsApp reports, as Status.Status takes them.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusPlayed    = "played"
	StatusFailed    = "failed"
)

// Status is one delivery report for a message the bot sent.
type Status struct {
	Integration string
	// Wamid is the id WhatsApp gave the sent message (see MarkSent).
	Wamid string
	// Status is sent, delivered, read, played (counts as read) or failed.
	// Other values are recorded and otherwise ignored.
	Status    string
	Timestamp time.Time
	// Recipient is the citizen's wa_id or user id, as reported.
	Recipient string
	// ErrorCode, ErrorTitle and ErrorDetails describe a failure.
	ErrorCode    int
	ErrorTitle   string
	ErrorDetails string
}

// Log levels for LogEntry.Level.
const (
	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"
)

// LogEntry is one row of an integration's event log: what an operator should
// see about the integration (a malformed webhook, a parked message, a send
// that failed for good). It never holds a secret; Data is opaque (usually JSON).
type LogEntry struct {
	ID          int64
	Integration string
	Level       string
	Kind        string
	Message     string
	Data        []byte
	// At is when it happened; zero means now.
	At time.Time
}

// IngestResult says what an Ingest call stored.
type IngestResult struct {
	// Messages is the number of new inbox rows.
	Messages int
	// Duplicates is the number of messages already stored (Meta re-delivers):
	// they were not stored again.
	Duplicates int
	// Statuses is the number of distinct (wamid, status) reports in the
	// batch. A report already stored changes nothing.
	Statuses int
	// Log is the number of event-log rows written.
	Log int
}

// Status ranks: the order a sent message moves through. Failed is terminal.
const (
	rankQueued = driver.RankQueued
	rankFailed = driver.RankFailed
)

var rankNames = [...]string{"queued", "sending", "sent", "delivered", "read", "failed"}

func statusRank(s string) int { return driver.StatusRank(s) }

// Ingest stores a parsed webhook batch in one transaction and returns after
// it committed: new messages go to the inbox (a message whose wamid is already
// stored is counted as a duplicate and not stored again, however often and
// however concurrently Meta re-delivers it); contacts are created on first
// sight; statuses move the matching outbox row (and so the history) forward
// only; a status for a message id the store does not know is recorded in the
// event log (and applied if MarkSent later records that id). Either all of
// the batch is stored or, with an error, none of it.
//
// Concurrent calls are written together: while one transaction commits, the
// batches that arrive queue up and go in the next, as one (a batch that makes
// that shared transaction fail is then retried alone, so it fails alone).
// One commit for many webhooks is what lets single-message POSTs keep up.
// If ctx ends while the batch waits, Ingest returns the context's error; the
// batch may still be stored (Meta re-delivers and it is a duplicate then).
//
// Bad input (an empty wamid, contact key or integration) fails the whole
// batch with ErrInvalid, naming the item. A database that is down fails
// with ErrUnavailable.
func (s *Store) Ingest(ctx context.Context, b Batch) (IngestResult, error) {
	if err := s.check(); err != nil {
		return IngestResult{}, err
	}
	now := s.now().UTC()
	msgs, err := validateInbound(b.Messages, now)
	if err != nil {
		return IngestResult{}, err
	}
	statuses, err := validateStatuses(b.Statuses, now)
	if err != nil {
		return IngestResult{}, err
	}
	for i, e := range b.Log {
		if err := validIntegration(e.Integration); err != nil {
			return IngestResult{}, fmt.Errorf("store: log entry %d: %w", i, err)
		}
	}
	job := &ingestJob{msgs: msgs, statuses: statuses, log: b.Log, done: make(chan struct{})}
	job.res.Duplicates = len(b.Messages) - len(msgs)
	if len(msgs)+len(statuses)+len(b.Log) == 0 {
		return job.res, nil
	}
	if len(msgs) == 0 {
		// On Postgres, status webhooks (most of what Meta sends) go in
		// transactions of their own (Caps.StatusLoops): their updates wait
		// on the row locks of a sender marking the same rows, and a
		// citizen's message must not wait behind them for its ack. (SQLite
		// has one writer and no row locks: there the two share commits.)
		s.statusIngests.Add(job)
	} else {
		s.ingests.Add(job)
	}
	select {
	case <-job.done:
		return job.res, job.err
	case <-ctx.Done():
		return IngestResult{}, fmt.Errorf("store: ingest: %w", s.classify(ctx.Err()))
	}
}

// ingestJob is one Ingest call waiting for its batch to be written.
type ingestJob struct {
	msgs     []inboundRow
	statuses []Status
	log      []LogEntry
	res      IngestResult
	err      error
	done     chan struct{}
}

// maxIngestRows caps the messages written in one shared transaction.
const maxIngestRows = 1000

// ingestGroup writes Ingest calls together: up to 1,000 messages per
// transaction; up to loops transactions in flight, so that one batch forms
// while another waits for its commit (on SQLite one: there is one writer
// connection).
func (s *Store) ingestGroup(loops int) *driver.Group[*ingestJob] {
	return &driver.Group[*ingestJob]{Loops: loops,
		Take: func(q []*ingestJob) int {
			n, rows := 0, 0
			for n < len(q) && (n == 0 || rows+len(q[n].msgs) <= maxIngestRows) {
				rows += len(q[n].msgs)
				n++
			}
			return n
		},
		Write: func(jobs []*ingestJob) {
			s.writeIngest(jobs)
			for _, j := range jobs {
				close(j.done)
			}
		},
	}
}

// writeIngest writes jobs in one transaction; if that fails for a reason
// other than the database being away, each job is written alone.
func (s *Store) writeIngest(jobs []*ingestJob) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := s.now().UTC()
	// Combine: a message already in an earlier job of the group belongs to
	// that job; for this one it is a duplicate.
	type key = [2]string
	owner := make(map[key]*ingestJob)
	var msgs, contacts []inboundRow
	var statuses []Status
	var logs []LogEntry
	seenContact := make(map[string]bool)
	for _, j := range jobs {
		for _, m := range j.msgs {
			k := key{m.contactID, m.Wamid}
			if owner[k] != nil {
				j.res.Duplicates++
				continue
			}
			owner[k] = j
			m.pos = len(msgs)
			msgs = append(msgs, m)
			if !seenContact[m.contactID] {
				seenContact[m.contactID] = true
				contacts = append(contacts, m)
			}
		}
		statuses = append(statuses, j.statuses...)
		logs = append(logs, j.log...)
	}
	best, all := bestStatuses(statuses)
	// Rows are written in key order, so that concurrent writers that share
	// contacts or messages take their locks in the same order and cannot
	// deadlock. Arrival order survives in the arrival column.
	slices.SortFunc(msgs, func(a, b inboundRow) int {
		return cmp.Or(strings.Compare(a.contactID, b.contactID), strings.Compare(a.Wamid, b.Wamid))
	})
	slices.SortFunc(contacts, func(a, b inboundRow) int { return strings.Compare(a.contactID, b.contactID) })

	in := &driver.Ingest{Now: now, Contacts: make([]driver.Inbound, len(contacts)), Messages: make([]driver.Inbound, len(msgs)),
		All: make([]driver.Status, len(all)), Best: make([]driver.Status, len(best)), Log: make([]driver.LogEntry, len(logs)), Expected: s.expected}
	for i, c := range contacts {
		in.Contacts[i] = c.driver()
	}
	for i, m := range msgs {
		in.Messages[i] = m.driver()
	}
	for i, st := range all {
		in.All[i] = driver.Status(st)
	}
	for i, st := range best {
		in.Best[i] = driver.Status(st)
	}
	for i, e := range logs {
		in.Log[i] = driver.LogEntry(e)
	}
	inserted := make(map[*ingestJob]int)
	total := 0
	var err error
	if err = s.check(); err == nil {
		var keys []driver.InboxKey
		keys, err = s.drv.Ingest(ctx, in)
		for _, k := range keys {
			inserted[owner[key{k.ContactID, k.Wamid}]]++
			total++
		}
	}
	if err != nil && len(jobs) > 1 && !s.isUnavailable(err) {
		for _, j := range jobs {
			j.res = IngestResult{Duplicates: j.res.Duplicates - countOwnedElsewhere(j, owner)}
			s.writeIngest([]*ingestJob{j})
		}
		return
	}
	for _, j := range jobs {
		if err != nil {
			j.res, j.err = IngestResult{}, fmt.Errorf("store: ingest: %w", s.classify(err))
			continue
		}
		owned := 0
		for _, m := range j.msgs {
			if owner[key{m.contactID, m.Wamid}] == j {
				owned++
			}
		}
		j.res.Messages = inserted[j]
		j.res.Duplicates += owned - inserted[j]
		j.res.Statuses = len(j.statuses)
		j.res.Log = len(j.log)
	}
	if total > 0 {
		s.wakeWorkers(total)
	}
}

// wakeWorkers wakes the workers n new messages need: one each where a step
// is one contact's (SQLite). Where claims take several (Caps.BatchSteps,
// Postgres), one per batch of contacts (a batch that comes out full wakes
// one more: see stepsCommitted), less the claims that are still to come,
// which will see these messages: waking more finds their contacts locked
// by the first claim, which costs an empty claim each.
func (s *Store) wakeWorkers(n int) {
	if !s.caps.BatchSteps {
		s.wakeInbox.notify(n)
		return
	}
	s.wakeInbox.notifyUnarmed((n + s.opts.StepBatch - 1) / s.opts.StepBatch)
}

// countOwnedElsewhere counts j's messages that an earlier job of the group
// owned (they were counted as j's duplicates in the shared attempt).
func countOwnedElsewhere(j *ingestJob, owner map[[2]string]*ingestJob) int {
	n := 0
	for _, m := range j.msgs {
		if o := owner[[2]string{m.contactID, m.Wamid}]; o != nil && o != j {
			n++
		}
	}
	return n
}

// inboundRow is a validated message with its contact id and its place in
// the write.
type inboundRow struct {
	Inbound
	contactID string
	pos       int
}

// driver is the row as the driver takes it.
func (m inboundRow) driver() driver.Inbound {
	return driver.Inbound{ContactID: m.contactID, Integration: m.Integration, Wamid: m.Wamid, ContactKey: m.ContactKey,
		WaID: m.WaID, UserID: m.UserID, ProfileName: m.ProfileName, Username: m.Username, Type: m.Type, Summary: m.Summary,
		Timestamp: m.Timestamp, Input: m.Input, Raw: m.Raw, Pos: m.pos}
}

// validateInbound checks the messages and drops repeats within the batch,
// keeping their order.
func validateInbound(in []Inbound, now time.Time) ([]inboundRow, error) {
	var msgs []inboundRow
	seen := make(map[[2]string]bool, len(in))
	for i, m := range in {
		// Keys as they will be stored (NUL dropped, valid UTF-8), so that
		// what the database returns matches.
		m.Wamid, m.ContactKey = cleanText(m.Wamid), cleanText(m.ContactKey)
		if err := m.Check(); err != nil {
			return nil, fmt.Errorf("store: message %d: %w", i, err)
		}
		if m.Timestamp.IsZero() {
			m.Timestamp = now
		}
		m.Summary = trimTo(m.Summary, 4096)
		r := inboundRow{Inbound: m, contactID: ContactID(m.Integration, m.ContactKey)}
		k := [2]string{r.contactID, m.Wamid}
		if seen[k] {
			continue
		}
		seen[k] = true
		msgs = append(msgs, r)
	}
	return msgs, nil
}

// Check says why Ingest would refuse m (and with it the whole batch), or
// nil. A caller that takes messages from outside, such as a webhook, can
// set such a message aside and store the rest.
func (m Inbound) Check() error {
	m.Wamid, m.ContactKey = cleanText(m.Wamid), cleanText(m.ContactKey)
	if err := validIntegration(m.Integration); err != nil {
		return err
	}
	if m.Wamid == "" || len(m.Wamid) > 512 {
		return invalidf("wamid must be 1 to 512 bytes, got %d", len(m.Wamid))
	}
	if err := validKey(m.ContactKey); err != nil {
		return fmt.Errorf("%s: %w", trimTo(m.Wamid, 80), err)
	}
	return nil
}

// Check says why Ingest would refuse st (and with it the whole batch), or
// nil.
func (st Status) Check() error {
	st.Wamid, st.Status = cleanText(st.Wamid), cleanText(st.Status)
	if err := validIntegration(st.Integration); err != nil {
		return err
	}
	if st.Wamid == "" || len(st.Wamid) > 512 {
		return invalidf("wamid must be 1 to 512 bytes, got %d", len(st.Wamid))
	}
	if st.Status == "" || len(st.Status) > 64 {
		return invalidf("%s: status must be 1 to 64 bytes", trimTo(st.Wamid, 80))
	}
	return nil
}

// validateStatuses checks the statuses and drops repeated (wamid, status)
// pairs.
func validateStatuses(in []Status, now time.Time) ([]Status, error) {
	var out []Status
	seen := make(map[[2]string]bool)
	for i, st := range in {
		st.Wamid, st.Status = cleanText(st.Wamid), cleanText(st.Status)
		if err := st.Check(); err != nil {
			return nil, fmt.Errorf("store: status %d: %w", i, err)
		}
		if st.Timestamp.IsZero() {
			st.Timestamp = now
		}
		k := [2]string{st.Wamid, st.Status}
		if !seen[k] {
			seen[k] = true
			out = append(out, st)
		}
	}
	return out, nil
}

// bestStatuses returns every distinct (wamid, status) pair, for recording,
// and the best (highest-ranked) status per wamid, for applying, both in key
// order.
func bestStatuses(in []Status) (best, all []Status) {
	bestAt := make(map[string]int)
	seen := make(map[[2]string]bool)
	for _, st := range in {
		k := [2]string{st.Wamid, st.Status}
		if seen[k] {
			continue
		}
		seen[k] = true
		all = append(all, st)
		r := statusRank(st.Status)
		if r == 0 {
			continue
		}
		if j, ok := bestAt[st.Wamid]; !ok {
			bestAt[st.Wamid] = len(best)
			best = append(best, st)
		} else if statusRank(best[j].Status) < r {
			best[j] = st
		}
	}
	slices.SortFunc(all, func(a, b Status) int {
		return cmp.Or(strings.Compare(a.Wamid, b.Wamid), strings.Compare(a.Status, b.Status))
	})
	slices.SortFunc(best, func(a, b Status) int { return strings.Compare(a.Wamid, b.Wamid) })
	return best, all
}

// ContactID is the store's id for a contact: the integration id and the
// contact key joined by "/". Integration ids cannot contain "/", so the id is
// unambiguous, and it is deterministic: every process computes the same id
// from a webhook, which is what lets the hot tables be distributed by contact.
func ContactID(integration, key string) string { return integration + "/" + key }

func validIntegration(id string) error {
	if id == "" || len(id) > 64 {
		return invalidf("integration id %q must be 1 to 64 characters", trimTo(id, 80))
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return invalidf("integration id %q may hold only letters, digits, '-', '_' and '.'", trimTo(id, 80))
		}
	}
	return nil
}

func validKey(k string) error {
	if k == "" || len(k) > 256 {
		return invalidf("contact key must be 1 to 256 bytes, got %d", len(k))
	}
	for _, r := range k {
		if r < ' ' || r == 0x7f {
			return invalidf("contact key holds a control character")
		}
	}
	return nil
}
