package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// Integration is one WhatsApp business number and how Samvad serves it. Its
// access token is stored apart (SetAccessToken) and never appears here.
type Integration struct {
	// ID is the operator's name for it: letters, digits, '-', '_' and '.'.
	ID            string
	Name          string
	PhoneNumberID string
	// Settings are the caller's (opaque, usually JSON): session duration,
	// default language, enabled flows.
	Settings []byte
	// HasToken says an access token is stored.
	HasToken bool
	Created  time.Time
	Updated  time.Time
}

// PutIntegration creates or updates an integration; a stored access token is
// kept.
func (s *Store) PutIntegration(ctx context.Context, in Integration) error {
	if err := validIntegration(in.ID); err != nil {
		return fmt.Errorf("store: put integration: %w", err)
	}
	now := driver.At(s.now().UTC())
	m := &integrationModel{ID: in.ID, Name: cleanText(trimTo(in.Name, 256)), PhoneNumberID: cleanText(trimTo(in.PhoneNumberID, 64)),
		Settings: in.Settings, CreatedAt: now, UpdatedAt: now}
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(m).
			On("CONFLICT (id) DO UPDATE").
			Set("name = EXCLUDED.name, phone_number_id = EXCLUDED.phone_number_id, settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at").
			Exec(ctx)
		return err
	})
	if err != nil {
		if s.drv.UniqueViolation(err) {
			return fmt.Errorf("store: put integration %s: %w: phone number id %q belongs to another integration", in.ID, ErrInvalid, in.PhoneNumberID)
		}
		return fmt.Errorf("store: put integration %s: %w", in.ID, err)
	}
	return nil
}

// selectIntegrations selects integrations, whether they have a token but
// not the token.
func selectIntegrations(db *bun.DB, dest any) *bun.SelectQuery {
	return db.NewSelect().Model(dest).
		Column("id", "name", "phone_number_id", "settings", "created_at", "updated_at").
		ColumnExpr("access_token IS NOT NULL AS has_token")
}

func (m *integrationModel) integration() Integration {
	return Integration{ID: m.ID, Name: m.Name, PhoneNumberID: m.PhoneNumberID, Settings: m.Settings, HasToken: m.HasToken,
		Created: m.CreatedAt.T, Updated: m.UpdatedAt.T}
}

// Integration returns the integration with the given id, or ErrNotFound.
func (s *Store) Integration(ctx context.Context, id string) (Integration, error) {
	return s.oneIntegration(ctx, "id", id)
}

// IntegrationByPhoneNumberID returns the integration that serves a business
// phone number id (a webhook's metadata.phone_number_id), or ErrNotFound.
func (s *Store) IntegrationByPhoneNumberID(ctx context.Context, phoneNumberID string) (Integration, error) {
	if phoneNumberID == "" {
		return Integration{}, fmt.Errorf("store: integration: %w: empty phone number id", ErrInvalid)
	}
	return s.oneIntegration(ctx, "phone_number_id", phoneNumberID)
}

func (s *Store) oneIntegration(ctx context.Context, col, v string) (Integration, error) {
	var m integrationModel
	err := s.read(ctx, func(db *bun.DB) error {
		return selectIntegrations(db, &m).Where("? = ?", bun.Ident(col), v).Scan(ctx)
	})
	if errors.Is(err, ErrNotFound) {
		return Integration{}, fmt.Errorf("store: integration %s=%q: %w", col, trimTo(v, 80), ErrNotFound)
	}
	if err != nil {
		return Integration{}, fmt.Errorf("store: integration: %w", err)
	}
	return m.integration(), nil
}

// Integrations lists every integration, by id.
func (s *Store) Integrations(ctx context.Context) ([]Integration, error) {
	var ms []integrationModel
	err := s.read(ctx, func(db *bun.DB) error {
		return selectIntegrations(db, &ms).Order("id").Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: integrations: %w", err)
	}
	var out []Integration
	for i := range ms {
		out = append(out, ms[i].integration())
	}
	return out, nil
}

// SetAccessToken stores an integration's Graph API access token, encrypted
// with Options.SecretKey (AES-GCM, a fresh nonce each time, bound to the
// integration id so a ciphertext cannot be moved to another integration).
// An empty token removes it.
func (s *Store) SetAccessToken(ctx context.Context, integration, token string) error {
	if err := validIntegration(integration); err != nil {
		return fmt.Errorf("store: set access token: %w", err)
	}
	var sealed []byte
	if token != "" {
		var err error
		if sealed, err = s.seal(integration, token); err != nil {
			return fmt.Errorf("store: set access token for %s: %w", integration, err)
		}
	}
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("integrations").Set("access_token = ?", sealed).Set("updated_at = ?", driver.At(s.now().UTC())).
			Where("id = ?", integration).Exec(ctx)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	ok := n > 0
	if err != nil {
		return fmt.Errorf("store: set access token for %s: %w", integration, err)
	}
	if !ok {
		return fmt.Errorf("store: set access token: integration %s: %w", integration, ErrNotFound)
	}
	return nil
}

// AccessToken returns an integration's access token in clear, for the
// sender. It is the only way a token leaves the store. ErrNotFound when the
// integration has none.
func (s *Store) AccessToken(ctx context.Context, integration string) (string, error) {
	var sealed []byte
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Table("integrations").Column("access_token").Where("id = ?", integration).Scan(ctx, &sealed)
	})
	if errors.Is(err, ErrNotFound) || (err == nil && sealed == nil) {
		return "", fmt.Errorf("store: access token of %s: %w", trimTo(integration, 80), ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: access token of %s: %w", trimTo(integration, 80), err)
	}
	token, err := s.unseal(integration, sealed)
	if err != nil {
		return "", fmt.Errorf("store: access token of %s: %w", integration, err)
	}
	return token, nil
}
