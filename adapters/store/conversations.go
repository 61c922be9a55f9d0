package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// LastInbound is when the contact's latest own message was sent (its
// WhatsApp timestamp), zero when they never wrote. Items the service
// queued itself (InternalPrefix) are not the citizen's and never count.
// WhatsApp's 24-hour window for free-form messages runs from it.
func (s *Store) LastInbound(ctx context.Context, contactID string) (time.Time, error) {
	var at driver.Time
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().TableExpr("messages").ColumnExpr("MAX(at)").
			Where("contact_id = ?", contactID).Where("direction = 'in'").Scan(ctx, &at)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return time.Time{}, fmt.Errorf("store: last inbound message of %s: %w", maskedContact(contactID), err)
	}
	return at.T, nil
}
