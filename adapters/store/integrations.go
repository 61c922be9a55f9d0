package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
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
	now := s.now().UTC()
	q := s.sql().raw("INSERT INTO integrations (id, name, phone_number_id, settings, created_at, updated_at) VALUES (").
		str(in.ID).raw(", ").str(trimTo(in.Name, 256)).raw(", ").str(trimTo(in.PhoneNumberID, 64)).raw(", ").
		bytes(in.Settings).raw(", ").time(now).raw(", ").time(now).
		raw(") ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone_number_id = excluded.phone_number_id, ",
			"settings = excluded.settings, updated_at = excluded.updated_at")
	if err := s.batch(ctx, q, nil, nil, nil); err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("store: put integration %s: %w: phone number id %q belongs to another integration", in.ID, ErrInvalid, in.PhoneNumberID)
		}
		return fmt.Errorf("store: put integration %s: %w", in.ID, classify(err))
	}
	return nil
}

const integrationColumns = "id, name, phone_number_id, settings, access_token IS NOT NULL, created_at, updated_at"

func scanIntegration(rows *sql.Rows) (Integration, error) {
	var in Integration
	var created, updated dbTime
	err := rows.Scan(&in.ID, &in.Name, &in.PhoneNumberID, &in.Settings, &in.HasToken, &created, &updated)
	in.Created, in.Updated = created.T, updated.T
	return in, err
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
	var in Integration
	q := s.sql().raw("SELECT ", integrationColumns, " FROM integrations WHERE ", col, " = ").str(v)
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return errNoRows
		}
		var err error
		in, err = scanIntegration(rows)
		return err
	})
	if err == errNoRows {
		return in, fmt.Errorf("store: integration %s=%q: %w", col, trimTo(v, 80), ErrNotFound)
	}
	if err != nil {
		return in, fmt.Errorf("store: integration: %w", err)
	}
	return in, nil
}

// Integrations lists every integration, by id.
func (s *Store) Integrations(ctx context.Context) ([]Integration, error) {
	var out []Integration
	err := s.queryRows(ctx, s.sql().raw("SELECT ", integrationColumns, " FROM integrations ORDER BY id"), func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			in, err := scanIntegration(rows)
			out = append(out, in)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: integrations: %w", err)
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
	q := s.sql().raw("UPDATE integrations SET access_token = ").bytes(sealed).raw(", updated_at = ").time(s.now().UTC()).
		raw(" WHERE id = ").str(integration).raw(" RETURNING id")
	ok, err := s.exists(ctx, q)
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
	q := s.sql().raw("SELECT access_token FROM integrations WHERE id = ").str(integration)
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error { return scanOne(rows, &sealed) })
	if err == errNoRows || (err == nil && sealed == nil) {
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

const tokenFormatV1 = 1

// seal encrypts a token: a format byte, the nonce, then the ciphertext.
func (s *Store) seal(integration, token string) ([]byte, error) {
	if s.aead == nil {
		return nil, ErrNoSecretKey
	}
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(token)+s.aead.Overhead())
	out[0] = tokenFormatV1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:], []byte(token), tokenAAD(integration)), nil
}

func (s *Store) unseal(integration string, sealed []byte) (string, error) {
	if s.aead == nil {
		return "", ErrNoSecretKey
	}
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != tokenFormatV1 {
		return "", errors.New("stored token has an unknown format")
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], tokenAAD(integration))
	if err != nil {
		// Never say more: the error must not help anyone guess.
		return "", errors.New("stored token cannot be decrypted with the configured secret key")
	}
	return string(plain), nil
}

func tokenAAD(integration string) []byte {
	return []byte("samvad/integration/" + integration + "/access_token")
}
