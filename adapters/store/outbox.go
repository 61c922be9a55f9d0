package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
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
	rows, err := s.drv.ClaimOutbox(ctx, now, limit, now.Add(lease))
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", s.classify(err))
	}
	out := make([]OutboxMessage, len(rows))
	for i, r := range rows {
		out[i] = OutboxMessage(r)
	}
	if len(out) == 0 {
		s.wakeOutbox.settle()
	}
	slices.SortFunc(out, func(a, b OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// MarkSent records that WhatsApp accepted the claimed message id and gave it
// providerWamid. The message counts as sent, which releases the contact's
// next message. Statuses that arrived for providerWamid before this call
// (webhooks can overtake the send's response) are applied now. Marking the
// same row sent again with the same wamid is a no-op; ErrNotInFlight is
// returned for a row that is not claimed, ErrNotFound for an unknown id.
//
// On Postgres, concurrent calls are written together, in one round trip
// and one transaction (see the postgres driver's MarkSent). If ctx ends
// while the call waits, MarkSent returns the context's error; the row may
// still be marked.
func (s *Store) MarkSent(ctx context.Context, id int64, providerWamid string) error {
	providerWamid = cleanText(providerWamid)
	if providerWamid == "" || len(providerWamid) > 512 {
		return invalidf("provider wamid must be 1 to 512 bytes, got %d", len(providerWamid))
	}
	s.marking.Store(providerWamid, struct{}{})
	defer s.marking.Delete(providerWamid)
	now := s.now().UTC()
	if err := s.check(); err != nil {
		return fmt.Errorf("store: mark outbox %d sent: %w", id, err)
	}
	ok, next, err := s.drv.MarkSent(ctx, id, providerWamid, now)
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
	if err := s.check(); err != nil {
		return fmt.Errorf("store: mark outbox %d for retry: %w", id, err)
	}
	now := s.now().UTC()
	m := &driver.RetryMark{ID: id, Now: now, Code: code, Reason: reason, MaxAttempts: s.opts.MaxSendAttempts,
		Note: failedNote(code, reason, fmt.Sprintf("after %d attempts", s.opts.MaxSendAttempts))}
	for n := 1; n < s.opts.MaxSendAttempts; n++ {
		m.Due = append(m.Due, now.Add(s.jittered(n)))
	}
	ok, status, err := s.drv.MarkRetry(ctx, m)
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
	if err := s.check(); err != nil {
		return fmt.Errorf("store: mark outbox %d failed: %w", id, err)
	}
	ok, err := s.drv.MarkFailed(ctx, &driver.FailMark{ID: id, Now: s.now().UTC(), Code: code, Reason: reason, Note: failedNote(code, reason, "")})
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
	if err := s.check(); err != nil {
		return fmt.Errorf("store: release outbox %d: %w", id, err)
	}
	ok, err := s.drv.Release(ctx, id, due)
	if err == nil && !ok {
		err = s.notInFlight(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("store: release outbox %d: %w", id, err)
	}
	return nil
}

// failedNote is the event-log note of a send that failed for good (the
// driver puts "outbox message ID " before it).
func failedNote(code int, reason, note string) string {
	if note != "" {
		note = ", " + note
	}
	return fmt.Sprintf("failed for good (code %d%s): %s", code, note, redactDigits(reason))
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

// outboxState reads a row's status and provider wamid.
func (s *Store) outboxState(ctx context.Context, id int64) (status int, wamid string, err error) {
	if err := s.check(); err != nil {
		return 0, "", err
	}
	var w sql.NullString
	err = s.drv.ReadDB().NewSelect().Table("outbox").Column("status", "provider_wamid").Where("id = ?", id).Scan(ctx, &status, &w)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("%w: outbox message %d", ErrNotFound, id)
	}
	return status, w.String, s.classify(err)
}

func (s *Store) notInFlight(ctx context.Context, id int64) error {
	status, _, err := s.outboxState(ctx, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("%w (it is %s)", ErrNotInFlight, rankNames[status])
}
