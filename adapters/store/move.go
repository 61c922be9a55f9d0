package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
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
	release, err := s.drv.HoldContacts(ctx, from, to)
	if err != nil {
		return "", fmt.Errorf("store: move contact: %w", err)
	}
	defer release()
	outcome := MoveUnknown
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		var found []string
		q := tx.NewSelect().Table("contacts").Column("id").Where("id IN (?)", bun.List([]string{from, to})).Order("id")
		if s.caps.RowLocks {
			q.For("UPDATE") // elsewhere (SQLite) the one writer and HoldContacts serialise
		}
		if err := q.Scan(ctx, &found); err != nil {
			return err
		}
		fromExists, toExists := false, false
		for _, id := range found {
			fromExists, toExists = fromExists || id == from, toExists || id == to
		}
		if !fromExists {
			return nil
		}
		outcome = MoveMerged
		if !toExists {
			outcome = MoveDone
			if err := moveRows(ctx, tx, from, to, m.To); err != nil {
				return err
			}
		}
		if _, err := tx.NewUpdate().Table("grievances").Set("contact_id = ?", to).Where("contact_id = ?", from).Exec(ctx); err != nil {
			return err
		}
		unsent := to // the moved contact's, or the old one's when it stays
		if toExists {
			unsent = from
		}
		if _, err := tx.NewUpdate().Table("outbox").Set("wa_id = ?", m.To).Where("contact_id = ?", unsent).Where("is_open").Exec(ctx); err != nil {
			return err
		}
		if !toExists {
			_, err := tx.NewDelete().Table("contacts").Where("id = ?", from).Exec(ctx)
			return err
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: move contact %s: %w", maskedContact(from), err)
	}
	return outcome, nil
}

// moveRows copies the contact under its new key and moves every row of it
// there; the caller deletes the old contact row afterwards.
func moveRows(ctx context.Context, tx bun.Tx, from, to, key string) error {
	var c contactModel
	if err := tx.NewSelect().Model(&c).Where("id = ?", from).Scan(ctx); err != nil {
		return err
	}
	c.ID, c.Key, c.WaID, c.Version = to, key, key, c.Version+1
	if _, err := tx.NewInsert().Model(&c).Exec(ctx); err != nil {
		return err
	}
	for _, table := range []string{"sessions", "conversations", "inbox", "outbox", "messages", "events"} {
		if _, err := tx.NewUpdate().Table(table).Set("contact_id = ?", to).Where("contact_id = ?", from).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
