package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ContactMove is WhatsApp's notice that a citizen's number changed (a
// "user_changed_number" system message): the contact keyed From is now
// reached at To.
type ContactMove struct {
	Integration string
	From, To    string
}

// Outcomes of MoveContact.
const (
	// MoveDone: the contact, its session, conversations, history, queued
	// messages, events and grievances now live under the new key, and its
	// unsent replies go to the new number.
	MoveDone = "moved"
	// MoveMerged: the new number had written already and is a contact of its
	// own. Only the grievances moved to it (so the citizen still finds them)
	// and the old contact's unsent replies go to the new number; the rest
	// stays with the old contact.
	MoveMerged = "merged"
	// MoveUnknown: no contact has the old key (or the keys are the same);
	// nothing changed.
	MoveUnknown = "unknown"
)

// MoveContact applies a change of number, in one transaction; see the Move
// outcomes. It waits for a step of the old contact that is under way to
// end first. Applying the same move again finds no old contact and changes
// nothing, so a webhook that Meta delivers twice is harmless.
func (s *Store) MoveContact(ctx context.Context, m ContactMove) (string, error) {
	if err := validIntegration(m.Integration); err != nil {
		return "", fmt.Errorf("store: move contact: %w", err)
	}
	for _, k := range []string{m.From, m.To} {
		if err := validKey(k); err != nil {
			return "", fmt.Errorf("store: move contact: %w", err)
		}
	}
	from, to := ContactID(m.Integration, m.From), ContactID(m.Integration, m.To)
	if from == to {
		return MoveUnknown, nil
	}
	if !s.pg {
		release, err := s.holdContacts(ctx, from, to)
		if err != nil {
			return "", fmt.Errorf("store: move contact: %w", err)
		}
		defer release()
	}
	if err := s.check(); err != nil {
		return "", fmt.Errorf("store: move contact: %w", err)
	}
	outcome := MoveUnknown
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		fromExists, toExists, err := s.lockPair(ctx, tx, from, to)
		if err != nil || !fromExists {
			return err
		}
		q := s.sql()
		if toExists {
			outcome = MoveMerged
		} else {
			outcome = MoveDone
			s.moveContactSQL(q, from, to, m.To)
		}
		q.raw("UPDATE grievances SET contact_id = ").str(to).raw(" WHERE contact_id = ").str(from).end()
		unsent := to // the moved contact's, or the old one's when it stays
		if toExists {
			unsent = from
		}
		q.raw("UPDATE outbox SET wa_id = ").str(m.To).raw(" WHERE contact_id = ").str(unsent).raw(" AND is_open").end()
		if !toExists {
			q.raw("DELETE FROM contacts WHERE id = ").str(from).end()
		}
		return s.txExec(ctx, tx, q)
	})
	if err != nil {
		return "", fmt.Errorf("store: move contact %s: %w", maskedContact(from), classify(err))
	}
	return outcome, nil
}

// moveContactSQL copies the contact under its new key and moves every row
// of it there; the caller deletes the old contact row afterwards.
func (s *Store) moveContactSQL(q *sqlText, from, to, key string) {
	q.raw(`INSERT INTO contacts (id, integration_id, key, wa_id, user_id, profile_name, username, language, opted_out,
	version, steps, conversations, msg_seq, hold_until, first_seen, last_seen)
SELECT `).str(to).raw(", integration_id, ").str(key).raw(", ").str(key).raw(`, user_id, profile_name, username, language, opted_out,
	version + 1, steps, conversations, msg_seq, hold_until, first_seen, last_seen FROM contacts WHERE id = `).str(from).end()
	for _, table := range []string{"sessions", "conversations", "inbox", "outbox", "messages", "events"} {
		q.raw("UPDATE ", table, " SET contact_id = ").str(to).raw(" WHERE contact_id = ").str(from).end()
	}
}

// lockPair locks the two contacts' rows (Postgres; on SQLite the one writer
// and holdContacts serialise) and says which exist.
func (s *Store) lockPair(ctx context.Context, tx *sql.Tx, a, b string) (aExists, bExists bool, err error) {
	q := s.sql().raw("SELECT id FROM contacts WHERE id IN (").str(a).raw(", ").str(b).raw(")")
	if s.pg {
		q.raw(" ORDER BY id FOR UPDATE")
	}
	text, args := q.pgText(), []any(nil)
	if !s.pg {
		st := q.statements()[0]
		text, args = st.text, st.args
	}
	s.calls.Add(1)
	rows, err := tx.QueryContext(ctx, text, args...)
	if err != nil {
		return false, false, err
	}
	defer rows.Close()
	err = scanEach(rows, func() error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		aExists, bExists = aExists || id == a, bExists || id == b
		return nil
	})
	return aExists, bExists, err
}

// txExec runs the statements of q in tx.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, q *sqlText) error {
	if s.pg {
		s.calls.Add(1)
		_, err := tx.ExecContext(ctx, q.pgText())
		return err
	}
	for _, st := range q.statements() {
		s.calls.Add(1)
		if _, err := tx.ExecContext(ctx, st.text, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// holdContacts marks contacts in flight in this process (SQLite), so that no
// step claims them, once no step is running for any of them; release lets
// them go.
func (s *Store) holdContacts(ctx context.Context, ids ...string) (release func(), err error) {
	for {
		s.mu.Lock()
		busy := false
		for _, id := range ids {
			_, running := s.inflight[id]
			busy = busy || running
		}
		if !busy {
			for _, id := range ids {
				s.inflight[id] = struct{}{}
			}
			s.mu.Unlock()
			return func() {
				for _, id := range ids {
					s.release(id)
				}
			}, nil
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, classify(ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
