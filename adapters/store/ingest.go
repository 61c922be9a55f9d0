package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
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
	rankQueued    = 0
	rankSending   = 1
	rankSent      = 2
	rankDelivered = 3
	rankRead      = 4
	rankFailed    = 5
)

var rankNames = [...]string{"queued", "sending", "sent", "delivered", "read", "failed"}

func statusRank(s string) int {
	switch s {
	case StatusSent:
		return rankSent
	case StatusDelivered:
		return rankDelivered
	case StatusRead, StatusPlayed:
		return rankRead
	case StatusFailed:
		return rankFailed
	}
	return 0
}

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
	if len(msgs) == 0 && s.pg {
		// On Postgres, status webhooks (most of what Meta sends) go in
		// transactions of their own: their updates wait on the row locks of
		// a sender marking the same rows, and a citizen's message must not
		// wait behind them for its ack. (SQLite has one writer and no row
		// locks: there the two share commits.)
		s.statusIngests.add(job)
	} else {
		s.ingests.add(job)
	}
	select {
	case <-job.done:
		return job.res, job.err
	case <-ctx.Done():
		return IngestResult{}, fmt.Errorf("store: ingest: %w", classify(ctx.Err()))
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
// transaction; on Postgres up to loops transactions in flight, so that one
// batch forms while another waits for its commit; on SQLite one (there is
// one writer connection).
func (s *Store) ingestGroup(loops int) *group[*ingestJob] {
	if !s.pg {
		loops = 1
	}
	return &group[*ingestJob]{loops: loops,
		take: func(q []*ingestJob) int {
			n, rows := 0, 0
			for n < len(q) && (n == 0 || rows+len(q[n].msgs) <= maxIngestRows) {
				rows += len(q[n].msgs)
				n++
			}
			return n
		},
		write: func(jobs []*ingestJob) {
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

	var final *sqlText
	before := s.sql()
	if s.pg {
		s.pgLockWamids(before, best)
	}
	if len(msgs) > 0 {
		final = s.ingestSQL(len(msgs))
		s.insertContacts(final, contacts, now)
		s.insertInbox(final, msgs, now)
	}
	s.insertLog(before, logs, now)
	after := s.applyStatuses(best, all, now)
	inserted := make(map[*ingestJob]int)
	total := 0
	err := s.batch(ctx, before, final, after, func(rows *sql.Rows) error {
		for rows.Next() {
			var k key
			if err := rows.Scan(&k[0], &k[1]); err != nil {
				return err
			}
			inserted[owner[k]]++
			total++
		}
		return rows.Err()
	})
	if err != nil && len(jobs) > 1 && !isUnavailable(err) {
		for _, j := range jobs {
			j.res = IngestResult{Duplicates: j.res.Duplicates - countOwnedElsewhere(j, owner)}
			s.writeIngest([]*ingestJob{j})
		}
		return
	}
	for _, j := range jobs {
		if err != nil {
			j.res, j.err = IngestResult{}, fmt.Errorf("store: ingest: %w", classify(err))
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

// wakeWorkers wakes the workers n new messages need: one each on SQLite,
// where a step is one contact's. On Postgres one per batch of contacts (a
// batch that comes out full wakes one more: see batchCommitted), less the
// claims that are still to come, which will see these messages: waking more
// finds their contacts locked by the first claim, which costs an empty
// claim each.
func (s *Store) wakeWorkers(n int) {
	if !s.pg {
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

// maxPreparedIngestRows is the most messages an ingest writes with
// prepared statements on Postgres. Each number of rows is a statement of its
// own, prepared once per connection; most ingests carry one message (a
// webhook each, and a transaction each while the write connections keep
// up), and skipping the parse and plan of those is most of the gain.
// Larger batches are rarer and go as literal text, so that no connection
// keeps a prepared statement for every batch size up to maxIngestRows.
const maxPreparedIngestRows = 8

// ingestSQL is the builder for an ingest of n messages.
func (s *Store) ingestSQL(n int) *sqlText {
	if s.pg && n <= maxPreparedIngestRows {
		return s.sqlStep()
	}
	return s.sql()
}

// insertContacts adds the contacts rows (no rows returned) to q.
func (s *Store) insertContacts(q *sqlText, cs []inboundRow, now time.Time) {
	// DO NOTHING takes no row lock, so ingest never waits for a worker that
	// holds the contact; the worker refreshes the profile from the inbox rows.
	q.each(len(cs), "INSERT INTO contacts (id, integration_id, key, wa_id, user_id, profile_name, username, first_seen, last_seen) VALUES ", func(i int) {
		c := cs[i]
		q.raw("(").str(c.contactID).raw(", ").str(c.Integration).raw(", ").str(c.ContactKey).raw(", ").
			str(c.WaID).raw(", ").str(c.UserID).raw(", ").str(c.ProfileName).raw(", ").str(c.Username).raw(", ").
			time(now).raw(", ").time(now).raw(")")
	}, " ON CONFLICT (id) DO NOTHING")
}

// insertInbox adds the messages to q; each inserted row returns its contact
// and wamid, a duplicate returns nothing.
func (s *Store) insertInbox(q *sqlText, ms []inboundRow, now time.Time) {
	// arrival orders messages with the same WhatsApp timestamp (one-second
	// resolution): by batch, then by position in the batch.
	arrival := now.UnixMicro() * 1000
	q.each(len(ms), "INSERT INTO inbox (contact_id, wamid, integration_id, type, summary, wa_ts, received_at, arrival, input, raw, wa_id, user_id, profile_name, username) VALUES ", func(i int) {
		m := ms[i]
		q.raw("(").str(m.contactID).raw(", ").str(m.Wamid).raw(", ").str(m.Integration).raw(", ").
			str(trimTo(m.Type, 64)).raw(", ").str(m.Summary).raw(", ").time(m.Timestamp).raw(", ").time(now).raw(", ").int(arrival + int64(m.pos)).raw(", ").
			bytes(m.Input).raw(", ").bytes(m.Raw).raw(", ").str(m.WaID).raw(", ").str(m.UserID).raw(", ").
			str(m.ProfileName).raw(", ").str(m.Username).raw(")")
	}, " ON CONFLICT (contact_id, wamid) DO NOTHING RETURNING contact_id, wamid")
}

// applyStatuses records the statuses and moves matching outbox rows forward
// (the history reads an outbound message's delivery from its outbox row). A
// row moves only to a higher rank (sent < delivered < read < failed), so
// repeats, regressions and any status after failed change nothing. A status
// for a message id nobody knows (yet) is noted in the event log, once.
func (s *Store) applyStatuses(best, all []Status, now time.Time) *sqlText {
	if s.pg {
		return s.pgApplyStatuses(best, all, now)
	}
	q := s.sql()
	s.sqliteApplyStatuses(q, best, all, now)
	return q
}

// pgStatusSQL records and applies one status ($1 wamid, $2 rank, $3 at,
// $4-$6 error, $7 integration, $8 status name, $9 recipient, $10 received):
// one prepared statement per status, so that every row it touches is found
// by its wamid's index, however stale the statistics of a young table are
// (an UPDATE joined to a VALUES list was planned as a scan of the whole
// wamid index of the history while statistics said the tables were empty).
// Every part sees the tables as they were before the statement, so the
// unmatched note is written only for a status not recorded before; $11
// says the message is being marked sent right now (no note: see
// Store.expected).
const pgStatusSQL = `WITH known AS (
	SELECT EXISTS (SELECT 1 FROM statuses WHERE wamid = $1 AND status = $8)
		OR EXISTS (SELECT 1 FROM outbox WHERE provider_wamid = $1) AS yes
), recorded AS (
	INSERT INTO statuses (wamid, status, rank, integration_id, at, recipient, error_code, error_title, error_details, received_at)
	VALUES ($1, $8, $2, $7, $3, $9, $4, $5, $6, $10) ON CONFLICT (wamid, status) DO NOTHING
), o AS (
	UPDATE outbox SET status = $2, status_at = $3, error_code = CASE WHEN $2 = 5 THEN $4 ELSE error_code END,
		error_title = CASE WHEN $2 = 5 THEN $5 ELSE error_title END, error_details = CASE WHEN $2 = 5 THEN $6 ELSE error_details END
	WHERE provider_wamid = $1 AND status < $2
)
INSERT INTO event_log (integration_id, level, kind, message, at)
SELECT $7, 'info', 'status_unmatched', 'status ' || $8 || ' for a message id not known (yet): ' || $1, $3 FROM known WHERE NOT known.yes AND NOT $11`

// pgLockWamids takes, first in an ingest transaction, the locks of the
// outbound message ids whose statuses it applies (lock_outbound_wamids, a
// procedure: a CALL returns no rows to read).
func (s *Store) pgLockWamids(q *sqlText, best []Status) {
	if len(best) == 0 {
		return
	}
	wamids := make([]string, len(best))
	for i, st := range best {
		wamids[i] = st.Wamid
	}
	q.raw("CALL lock_outbound_wamids(").str(pgTextArray(wamids)).raw("::text[])").end()
}

// wamidLockClass is the first key of the advisory locks that keep a
// delivery status and the MarkSent of its message apart. Without them the
// two can miss each other: under READ COMMITTED, a status applied while
// MarkSent is writing the row finds no row with that wamid yet (MarkSent
// has not committed), and MarkSent, reading the statuses, does not see
// the status (not committed either), so the row stays "sent" though
// "read" came (0.8% of replies under load). Each takes the wamid's lock in
// a statement of its own before it looks, so the later one waits for the
// earlier to commit and then sees its work. Locks are taken in hash order,
// all of a transaction's at once, so two batches cannot deadlock.
const wamidLockClass = "7261"

// pgTextArray is a Postgres array literal of ss.
func pgTextArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range v {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// pgRecordStatusSQL records a status that is not applied: one that a
// higher status of the same message in the batch overtakes, or one whose
// name WhatsApp added after this was written.
const pgRecordStatusSQL = `INSERT INTO statuses (wamid, status, rank, integration_id, at, recipient, error_code, error_title, error_details, received_at)
VALUES ($1, $8, $2, $7, $3, $9, $4, $5, $6, $10) ON CONFLICT (wamid, status) DO NOTHING`

// pgApplyStatuses writes the statuses as prepared statements, one per
// status, in key order (so that concurrent writers lock rows in the same
// order).
func (s *Store) pgApplyStatuses(best, all []Status, now time.Time) *sqlText {
	q := s.sqlStep()
	isBest := make(map[[2]string]bool, len(best))
	for _, st := range best {
		isBest[[2]string{st.Wamid, st.Status}] = true
	}
	for _, st := range all {
		text := pgRecordStatusSQL
		if isBest[[2]string{st.Wamid, st.Status}] {
			text = pgStatusSQL
		}
		q.str(st.Wamid).int(int64(statusRank(st.Status))).time(st.Timestamp)
		q.errorFields(st.ErrorCode, st.ErrorTitle, st.ErrorDetails)
		q.str(st.Integration).str(st.Status).str(trimTo(st.Recipient, 256)).time(now)
		if text == pgStatusSQL {
			q.bool(s.expected(st.Wamid))
		}
		q.endAs(text)
	}
	return q
}

func (s *Store) sqliteApplyStatuses(q *sqlText, best, all []Status, now time.Time) {
	// v is a VALUES table of the best status per wamid: column1 wamid,
	// column2 rank, column3 at, column4-6 error, column7 integration,
	// column8 status name.
	values := func(list []Status) func(i int) {
		return func(i int) {
			st := list[i]
			q.raw("(").str(st.Wamid).raw(", ").int(int64(statusRank(st.Status))).raw(", ").time(st.Timestamp).raw(", ")
			q.errorFields(st.ErrorCode, st.ErrorTitle, st.ErrorDetails).raw(", ").str(st.Integration).raw(", ").str(st.Status).raw(")")
		}
	}
	value := values(best)
	// First (before the statuses are recorded, so that a repeat is not
	// noted twice): note statuses for message ids nobody knows (yet),
	// unless being marked sent right now (see Store.expected).
	var unknown []Status
	for _, st := range best {
		if !s.expected(st.Wamid) {
			unknown = append(unknown, st)
		}
	}
	q.each(len(unknown), "INSERT INTO event_log (integration_id, level, kind, message, at) SELECT v.column7, 'info', 'status_unmatched', "+
		"'status ' || v.column8 || ' for a message id not known (yet): ' || v.column1, v.column3 FROM (VALUES ", values(unknown),
		") AS v WHERE NOT EXISTS (SELECT 1 FROM statuses st WHERE st.wamid = v.column1 AND st.status = v.column8)"+
			" AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.provider_wamid = v.column1)")
	q.each(len(all), "INSERT INTO statuses (wamid, status, rank, integration_id, at, recipient, error_code, error_title, error_details, received_at) VALUES ", func(i int) {
		st := all[i]
		q.raw("(").str(st.Wamid).raw(", ").str(st.Status).raw(", ").int(int64(statusRank(st.Status))).raw(", ").
			str(st.Integration).raw(", ").time(st.Timestamp).raw(", ").str(trimTo(st.Recipient, 256)).raw(", ")
		q.errorFields(st.ErrorCode, st.ErrorTitle, st.ErrorDetails).raw(", ").time(now).raw(")")
	}, " ON CONFLICT (wamid, status) DO NOTHING")
	const set = ` SET status = v.column2, status_at = v.column3,
	error_code = CASE WHEN v.column2 = 5 THEN v.column4 ELSE error_code END,
	error_title = CASE WHEN v.column2 = 5 THEN v.column5 ELSE error_title END,
	error_details = CASE WHEN v.column2 = 5 THEN v.column6 ELSE error_details END
FROM (VALUES `
	q.each(len(best), "UPDATE outbox"+set, value, ") AS v WHERE outbox.provider_wamid = v.column1 AND outbox.status < v.column2")
}

// errorFields appends error code, title and details, typed NULLs when empty.
func (q *sqlText) errorFields(code int, title, details string) *sqlText {
	if code == 0 && title == "" && details == "" {
		return q.null("integer").raw(", ").null("text").raw(", ").null("text")
	}
	return q.int(int64(code)).raw(", ").str(trimTo(title, 512)).raw(", ").str(trimTo(details, 2048))
}

func (s *Store) insertLog(q *sqlText, es []LogEntry, now time.Time) {
	q.each(len(es), "INSERT INTO event_log (integration_id, level, kind, message, data, at) VALUES ", func(i int) {
		e := es[i]
		at := e.At
		if at.IsZero() {
			at = now
		}
		level := e.Level
		if level == "" {
			level = LevelInfo
		}
		q.raw("(").str(e.Integration).raw(", ").str(trimTo(level, 16)).raw(", ").str(trimTo(e.Kind, 128)).raw(", ").
			str(trimTo(e.Message, 4096)).raw(", ").bytes(e.Data).raw(", ").time(at).raw(")")
	}, "")
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
