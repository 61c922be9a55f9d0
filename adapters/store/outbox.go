package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// OutboxMessage is a message claimed for sending.
type OutboxMessage struct {
	// ID identifies the row for MarkSent, MarkRetry and MarkFailed.
	ID          int64
	ContactID   string
	Integration string
	// WaID and UserID are the recipient as known when the message was queued:
	// send to WaID when set, else to the business-scoped UserID.
	WaID   string
	UserID string
	// Seq is the message's place in the contact's conversation history.
	Seq          int64
	Conversation int
	Type         string
	Summary      string
	// Payload is what the step queued (opaque).
	Payload []byte
	// Attempts counts sends that failed and were retried (MarkRetry).
	Attempts int
	// Claims counts claims, this one included: more than Attempts+1 means a
	// sender took the row before and its lease ran out (it crashed or hung),
	// so the message may have been sent already.
	Claims  int
	Created time.Time
}

// ClaimOutbox claims up to limit messages that are due and leases them for
// lease: until then no other claim returns them. Only the first unfinished
// message of each contact can be claimed, so a contact never has two
// messages in flight and its messages leave strictly in order: the next one
// is released when the head is marked sent or failed. A row whose lease ran
// out (the sender crashed) is claimed again. Any number of senders, in any
// number of processes, may claim at once. The messages come back in the
// order they were queued.
func (s *Store) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]OutboxMessage, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, invalidf("claim limit must be positive, got %d", limit)
	}
	if lease <= 0 {
		return nil, invalidf("lease must be positive, got %s", lease)
	}
	now := s.now().UTC()
	var out []OutboxMessage
	scan := func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			var m OutboxMessage
			var created dbTime
			err := rows.Scan(&m.ID, &m.ContactID, &m.Integration, &m.WaID, &m.UserID, &m.Seq, &m.Conversation,
				&m.Type, &m.Summary, &m.Payload, &m.Attempts, &m.Claims, &created)
			m.Created = created.T
			out = append(out, m)
			return err
		})
	}
	var err error
	if s.pg {
		err = s.pgClaimOutbox(ctx, now, limit, lease, scan)
	} else {
		err = s.batch(ctx, nil, s.sqliteClaimOutboxSQL(now, limit, lease), nil, scan)
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", classify(err))
	}
	if len(out) == 0 {
		s.wakeOutbox.settle()
	}
	slices.SortFunc(out, func(a, b OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// outboxReturning is what a claim returns of each row.
const outboxReturning = ` RETURNING outbox.id, outbox.contact_id, outbox.integration_id, outbox.wa_id, outbox.user_id, outbox.seq,
	outbox.conversation, outbox.type, outbox.summary, outbox.payload, outbox.attempts, outbox.claims, outbox.created_at`

// pgClaimOutboxStatement names pgClaimOutboxSQL prepared on a connection:
// planning the claim costs more than running it.
const pgClaimOutboxStatement = "samvad_claim_outbox_v2"

func (s *Store) pgClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration, scan func(*sql.Rows) error) error {
	c, err := s.sendConns.take(ctx)
	if err != nil {
		return err
	}
	floor := s.outboxFloor.get(ctx, c)
	args := s.sql().time(now).raw(", ").int(int64(limit)).raw(", ").time(now.Add(lease)).raw(", ").int(floor)
	err = s.pgPreparedOn(ctx, c, pgClaimOutboxStatement, "(timestamptz, bigint, timestamptz, bigint)", pgClaimOutboxSQL, args, scan)
	s.sendConns.done(c, err == nil)
	return err
}

// pgClaimOutboxSQL claims up to $2 rows due at $1 and leases them until $3.
// $4 is the outbox's floor (see queueFloor).
// A row qualifies when it is the first open row of its contact: a scalar
// subquery, so that Postgres always looks that up in the contact's index
// rather than joining against every open row.
const pgClaimOutboxSQL = `WITH c AS (
	SELECT o.contact_id, o.seq FROM outbox o
	WHERE o.is_open AND o.id >= $4 AND ((o.status = 0 AND o.due_at <= $1) OR (o.status = 1 AND o.lease_until <= $1))
	AND o.seq = (SELECT p.seq FROM outbox p WHERE p.contact_id = o.contact_id AND p.is_open ORDER BY p.seq LIMIT 1)
	ORDER BY o.id LIMIT $2
	FOR UPDATE SKIP LOCKED
)
UPDATE outbox SET status = 1, claims = claims + 1, lease_until = $3
FROM c WHERE outbox.contact_id = c.contact_id AND outbox.seq = c.seq` + outboxReturning

// sqliteClaimOutboxSQL is the claim on SQLite, where the single writer makes
// row locks unnecessary.
func (s *Store) sqliteClaimOutboxSQL(now time.Time, limit int, lease time.Duration) *sqlText {
	q := s.sql()
	q.raw("UPDATE outbox SET status = 1, claims = claims + 1, lease_until = ").time(now.Add(lease)).raw(" WHERE id IN (")
	q.raw(`SELECT o.id FROM outbox o
	WHERE o.is_open AND ((o.status = 0 AND o.due_at <= `).time(now).raw(`) OR (o.status = 1 AND o.lease_until <= `).time(now).raw(`))
	AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.contact_id = o.contact_id AND p.seq < o.seq AND p.is_open)
	ORDER BY o.id LIMIT `).int(int64(limit))
	return q.raw(")").raw(outboxReturning)
}

// MarkSent records that WhatsApp accepted the claimed message id and gave it
// providerWamid. The message counts as sent, which releases the contact's
// next message. Statuses that arrived for providerWamid before this call
// (webhooks can overtake the send's response) are applied now. Marking the
// same row sent again with the same wamid is a no-op; ErrNotInFlight is
// returned for a row that is not claimed, ErrNotFound for an unknown id.
//
// On Postgres, concurrent calls are written together, in one round trip
// and one transaction (see writeMarkSent). If ctx ends while the call
// waits, MarkSent returns the context's error; the row may still be
// marked.
func (s *Store) MarkSent(ctx context.Context, id int64, providerWamid string) error {
	providerWamid = cleanText(providerWamid)
	if providerWamid == "" || len(providerWamid) > 512 {
		return invalidf("provider wamid must be 1 to 512 bytes, got %d", len(providerWamid))
	}
	s.marking.Store(providerWamid, struct{}{})
	defer s.marking.Delete(providerWamid)
	now := s.now().UTC()
	ok, next := false, true
	var err error
	if s.pg {
		ok, next, err = s.pgMarkSent(ctx, id, providerWamid, now)
	} else {
		ok, err = s.sqliteMarkSent(ctx, id, providerWamid, now)
	}
	if err != nil {
		return fmt.Errorf("store: mark outbox %d sent: %w", id, err)
	}
	if !ok {
		status, wamidNow, err := s.outboxState(ctx, id)
		if err != nil {
			return fmt.Errorf("store: mark outbox %d sent: %w", id, err)
		}
		if wamidNow == providerWamid {
			return nil
		}
		return fmt.Errorf("store: mark outbox %d sent: %w (it is %s)", id, ErrNotInFlight, rankNames[status])
	}
	if next {
		s.wakeOutbox.notify(1) // the contact's next message may go now
	}
	return nil
}

func (s *Store) sqliteMarkSent(ctx context.Context, id int64, providerWamid string, now time.Time) (bool, error) {
	// The status and error come from statuses that arrived before this call.
	set := func(q *sqlText) {
		q.raw(" status = (SELECT COALESCE(MAX(st.rank), 2) FROM statuses st WHERE st.wamid = ").str(providerWamid).raw(" AND st.rank >= 2)")
		q.raw(", status_at = ").time(now)
		for _, col := range []string{"error_code", "error_title", "error_details"} {
			q.raw(", ", col, " = (SELECT st.", col, " FROM statuses st WHERE st.wamid = ").str(providerWamid).raw(" AND st.rank = 5)")
		}
	}
	final := s.sql().raw("UPDATE outbox SET provider_wamid = ").str(providerWamid).raw(", sent_at = ").time(now).raw(", lease_until = NULL, is_open = FALSE,")
	set(final)
	final.raw(" WHERE id = ").int(id).raw(" AND status = 1 RETURNING status")
	return s.mark(ctx, nil, final)
}

// expected says a MarkSent of wamid is under way in this process: a status
// for it that arrives now has merely overtaken the send's response, as
// statuses often do, and is applied when the mark is written; it is not
// worth a note in the event log.
func (s *Store) expected(wamid string) bool {
	_, ok := s.marking.Load(wamid)
	return ok
}

// MarkRetry records a failed send that may succeed later (5xx, throttling,
// timeouts): the message goes back to the queue, due after an exponential
// backoff with jitter, and still blocks the contact's later messages. After
// Options.MaxSendAttempts it fails for good, as with MarkFailed.
func (s *Store) MarkRetry(ctx context.Context, id int64, code int, reason string) error {
	now := s.now().UTC()
	maxN := int64(s.opts.MaxSendAttempts)
	last := " AND o.attempts + 1 >= " + strconv.FormatInt(maxN, 10)
	before := s.failedNoteSQL(id, code, reason, now, last, "after "+strconv.FormatInt(maxN, 10)+" attempts")
	q := s.sql()
	q.raw("UPDATE outbox SET attempts = attempts + 1, lease_until = NULL, status_at = ").time(now).
		raw(", error_code = ").int(int64(code)).raw(", error_title = ").str(trimTo(reason, 512)).
		raw(", status = CASE WHEN attempts + 1 >= ").int(maxN).raw(" THEN 5 ELSE 0 END").
		raw(", is_open = CASE WHEN attempts + 1 >= ").int(maxN).raw(" THEN FALSE ELSE TRUE END, due_at = ")
	if s.opts.MaxSendAttempts > 1 {
		// The delay depends on how many attempts the row has had, which only
		// the row knows: list them all, so the change stays one statement.
		q.raw("CASE attempts")
		for n := 1; n < s.opts.MaxSendAttempts; n++ {
			q.raw(" WHEN ").int(int64(n - 1)).raw(" THEN ").time(now.Add(s.jittered(n)))
		}
		q.raw(" ELSE due_at END")
	} else {
		q.raw("due_at")
	}
	q.raw(" WHERE id = ").int(id).raw(" AND status = 1 RETURNING status")
	var status int
	ok, err := s.markStatus(ctx, before, q, &status)
	if err == nil && !ok {
		err = s.notInFlight(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("store: mark outbox %d for retry: %w", id, err)
	}
	if status == rankFailed {
		s.wakeOutbox.notify(1)
	}
	return nil
}

// MarkFailed records a send that can never succeed (window closed, invalid
// recipient, bad parameter, token expired) with its code and reason. The
// message is finished, so the contact's next message is released: one
// message that cannot be delivered must not silence everything after it
// (which, being later, may well be deliverable, or explain what happened).
func (s *Store) MarkFailed(ctx context.Context, id int64, code int, reason string) error {
	now := s.now().UTC()
	before := s.failedNoteSQL(id, code, reason, now, "", "")
	q := s.sql()
	q.raw("UPDATE outbox SET status = 5, is_open = FALSE, lease_until = NULL, status_at = ").time(now).
		raw(", error_code = ").int(int64(code)).raw(", error_title = ").str(trimTo(reason, 512)).
		raw(" WHERE id = ").int(id).raw(" AND status = 1 RETURNING status")
	ok, err := s.mark(ctx, before, q)
	if err == nil && !ok {
		err = s.notInFlight(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("store: mark outbox %d failed: %w", id, err)
	}
	s.wakeOutbox.notify(1)
	return nil
}

// Release puts a claimed message back in the queue unsent, due at due, as
// if it had not been claimed: its attempts are not counted. A sender calls
// it when the message may not go yet for reasons of its own (pacing, a
// throttled number waiting out Meta's hold), not because a send failed.
// The message still blocks its contact's later messages. ErrNotInFlight is
// returned for a row that is not claimed, ErrNotFound for an unknown id.
func (s *Store) Release(ctx context.Context, id int64, due time.Time) error {
	q := s.sql()
	q.raw("UPDATE outbox SET status = 0, lease_until = NULL, due_at = ").time(due.UTC()).
		raw(" WHERE id = ").int(id).raw(" AND status = 1 RETURNING status")
	ok, err := s.mark(ctx, nil, q)
	if err == nil && !ok {
		err = s.notInFlight(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("store: release outbox %d: %w", id, err)
	}
	return nil
}

// failedNoteSQL notes in the event log that a claimed outbox row failed
// for good, when cond (on outbox o) holds.
func (s *Store) failedNoteSQL(id int64, code int, reason string, now time.Time, cond, note string) *sqlText {
	q := s.sql()
	msg := fmt.Sprintf("failed for good (code %d%s): %s", code, map[bool]string{true: ", " + note, false: ""}[note != ""], redactDigits(reason))
	q.raw("INSERT INTO event_log (integration_id, level, kind, message, at) SELECT o.integration_id, 'error', 'send_failed', ").
		raw("'outbox message ' || o.id || ' ' || ").str(trimTo(msg, 2000)).raw(", ").time(now).
		raw(" FROM outbox o WHERE o.id = ").int(id).raw(" AND o.status = 1", cond).end()
	return q
}

// jittered is the delay before retry n: the backoff for n, less a random
// part of up to half of it, so that senders that failed together do not
// all come back at once.
func (s *Store) jittered(n int) time.Duration {
	d := s.backoff(n)
	half := d / 2
	if half <= 0 {
		return d
	}
	return d - rand.N(half+1)
}

// mark runs an outbox state change whose final statement returns a row only
// when it applied.
func (s *Store) mark(ctx context.Context, before, final *sqlText) (bool, error) {
	var status int
	return s.markStatus(ctx, before, final, &status)
}

func (s *Store) markStatus(ctx context.Context, before, final *sqlText, status *int) (bool, error) {
	if err := s.check(); err != nil {
		return false, err
	}
	applied := false
	err := s.batch(ctx, before, final, nil, func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			applied = true
			return rows.Scan(status)
		})
	})
	return applied, classify(err)
}

// outboxState reads a row's status and provider wamid.
func (s *Store) outboxState(ctx context.Context, id int64) (status int, wamid string, err error) {
	var w sql.NullString
	err = s.queryRows(ctx, s.sql().raw("SELECT status, provider_wamid FROM outbox WHERE id = ").int(id), func(rows *sql.Rows) error {
		return scanOne(rows, &status, &w)
	})
	if err == errNoRows {
		return 0, "", fmt.Errorf("%w: outbox message %d", ErrNotFound, id)
	}
	return status, w.String, err
}

func (s *Store) notInFlight(ctx context.Context, id int64) error {
	status, _, err := s.outboxState(ctx, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("%w (it is %s)", ErrNotInFlight, rankNames[status])
}
