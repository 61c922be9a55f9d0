package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// Roles are the roles a key or a user may hold, from the most trusted.
var Roles = []string{"admin", "supervisor", "agent", "viewer"}

// APIKey is a key of the staff API, as the store keeps it: never the
// key itself, which is shown once, when it is made.
type APIKey struct {
	ID         string
	Department string
	Role       string
	Name       string
	// Prefix is the short visible part of the key (sk_<prefix>_…), which
	// people may write down to tell keys apart.
	Prefix   string
	Created  time.Time
	LastUsed time.Time
	Revoked  time.Time
}

type apiKeyModel struct {
	bun.BaseModel `bun:"table:api_keys"`

	ID         string      `bun:"id,pk"`
	Department string      `bun:"department"`
	Role       string      `bun:"role"`
	Name       string      `bun:"name"`
	Prefix     string      `bun:"prefix"`
	Hash       string      `bun:"hash"`
	CreatedAt  driver.Time `bun:"created_at"`
	LastUsedAt driver.Time `bun:"last_used_at"`
	RevokedAt  driver.Time `bun:"revoked_at"`
}

func (m *apiKeyModel) key() APIKey {
	return APIKey{ID: m.ID, Department: m.Department, Role: m.Role, Name: m.Name, Prefix: m.Prefix,
		Created: m.CreatedAt.T, LastUsed: m.LastUsedAt.T, Revoked: m.RevokedAt.T}
}

// keyUseInterval is how stale last_used_at may grow: a key in constant use
// writes it at most once in this long, not on every request.
const keyUseInterval = time.Minute

// checkAccount checks the department, role and name of a key or user.
func checkAccount(department, role, name string) error {
	if err := validIntegration(department); err != nil {
		return invalidf("department %q must be 1 to 64 letters, digits, '-', '_' or '.'", trimTo(department, 80))
	}
	known := false
	for _, r := range Roles {
		known = known || r == role
	}
	if !known {
		return invalidf("role %q is not one of %s", trimTo(role, 40), strings.Join(Roles, ", "))
	}
	if len(name) > 200 {
		return invalidf("name is %d bytes, more than 200", len(name))
	}
	return nil
}

// randomText is n random bytes, as lowercase hex.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b)
}

// hashKey is the stored form of a key: its SHA-256, in hex. A key is 32
// random bytes, far beyond guessing, so a fast hash is right: a slow one
// (argon2, bcrypt) is for passwords, which are guessable, and would only
// make every API request slow.
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// CreateAPIKey makes a key for department with role, and returns it with
// the key itself (sk_<prefix>_<secret>), which is not kept and cannot be
// shown again.
func (s *Store) CreateAPIKey(ctx context.Context, department, role, name string) (APIKey, string, error) {
	name = cleanText(strings.TrimSpace(name))
	if err := checkAccount(department, role, name); err != nil {
		return APIKey{}, "", fmt.Errorf("store: create api key: %w", err)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	prefix := randomText(4)
	key := "sk_" + prefix + "_" + base64.RawURLEncoding.EncodeToString(secret)
	m := &apiKeyModel{ID: "key_" + randomText(6), Department: department, Role: role, Name: name, Prefix: prefix,
		Hash: hashKey(key), CreatedAt: driver.At(s.now().UTC().Truncate(time.Microsecond))}
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(m).Exec(ctx)
		return err
	})
	if err != nil {
		return APIKey{}, "", fmt.Errorf("store: create api key: %w", err)
	}
	return m.key(), key, nil
}

// AuthenticateKey returns the key's row, or ErrNotFound when the key is
// not one the store made or was revoked. It notes when the key was last
// used (at most once a minute).
func (s *Store) AuthenticateKey(ctx context.Context, key string) (APIKey, error) {
	rest, ok := strings.CutPrefix(key, "sk_")
	prefix, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(prefix) != 8 {
		return APIKey{}, ErrNotFound
	}
	var m apiKeyModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&m).Where("prefix = ?", prefix).Scan(ctx)
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return APIKey{}, ErrNotFound
		}
		return APIKey{}, fmt.Errorf("store: authenticate key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(m.Hash), []byte(hashKey(key))) != 1 || !m.RevokedAt.T.IsZero() {
		return APIKey{}, ErrNotFound
	}
	now := s.now().UTC()
	if now.Sub(m.LastUsedAt.T) >= keyUseInterval {
		if err := s.touchKey(ctx, m.ID, now); err != nil {
			return APIKey{}, fmt.Errorf("store: authenticate key: %w", err)
		}
		m.LastUsedAt = driver.At(now)
	}
	return m.key(), nil
}

// touchKey sets a key's last use to now, unless another request did so
// within keyUseInterval.
func (s *Store) touchKey(ctx context.Context, id string, now time.Time) error {
	return s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*apiKeyModel)(nil)).Set("last_used_at = ?", driver.At(now)).
			Where("id = ?", id).
			WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
				return q.Where("last_used_at IS NULL").WhereOr("last_used_at < ?", driver.At(now.Add(-keyUseInterval)))
			}).Exec(ctx)
		return err
	})
}

// APIKeys lists the keys of department (every department's when it is
// empty), oldest first, revoked ones included.
func (s *Store) APIKeys(ctx context.Context, department string) ([]APIKey, error) {
	var ms []apiKeyModel
	err := s.read(ctx, func(db *bun.DB) error {
		q := db.NewSelect().Model(&ms).OrderExpr("department, created_at, id")
		if department != "" {
			q.Where("department = ?", department)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("store: list api keys: %w", err)
	}
	keys := make([]APIKey, len(ms))
	for i := range ms {
		keys[i] = ms[i].key()
	}
	return keys, nil
}

// APIKeyByID returns a key's row, or ErrNotFound.
func (s *Store) APIKeyByID(ctx context.Context, id string) (APIKey, error) {
	var m apiKeyModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx)
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("store: api key %s: %w", trimTo(id, 40), err)
	}
	return m.key(), nil
}

// RevokeAPIKey revokes a key from now on and returns it as it was before
// (ErrNotFound for no such key). Revoking a revoked key changes nothing.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) (APIKey, error) {
	var before apiKeyModel
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&before).Where("id = ?", id).Scan(ctx); err != nil {
			return err
		}
		if !before.RevokedAt.T.IsZero() {
			return nil
		}
		_, err := tx.NewUpdate().Model((*apiKeyModel)(nil)).Set("revoked_at = ?", driver.At(s.now().UTC())).
			Where("id = ?", id).Exec(ctx)
		return err
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("store: revoke api key %s: %w", trimTo(id, 40), err)
	}
	return before.key(), nil
}
