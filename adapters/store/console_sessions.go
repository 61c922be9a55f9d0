package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// ConsoleSession is one sign-in to the web console: who signed in (the
// principal the console acts for) and until when. The store keeps only a
// hash of the session's id; the id itself lives in the browser's cookie.
type ConsoleSession struct {
	// IDHash is the SHA-256 of the session's id, hex (the caller hashes).
	IDHash string
	// UserID, Actor, Role and Department are the principal signed in.
	UserID, Actor, Role, Department string
	Created, Expires                time.Time
}

type consoleSessionModel struct {
	bun.BaseModel `bun:"table:console_sessions"`

	IDHash     string      `bun:"id_hash,pk"`
	UserID     string      `bun:"user_id"`
	Actor      string      `bun:"actor"`
	Role       string      `bun:"role"`
	Department string      `bun:"department"`
	CreatedAt  driver.Time `bun:"created_at"`
	ExpiresAt  driver.Time `bun:"expires_at"`
}

// CreateConsoleSession stores a new console session. Sessions that have
// expired are removed on the way.
func (s *Store) CreateConsoleSession(ctx context.Context, cs ConsoleSession) error {
	if len(cs.IDHash) < 32 || cs.UserID == "" || cs.Role == "" || cs.Department == "" {
		return invalidf("a console session needs an id hash, a user, a role and a department")
	}
	if !cs.Expires.After(cs.Created) {
		return invalidf("a console session must expire after it is made")
	}
	m := &consoleSessionModel{IDHash: cs.IDHash, UserID: trimTo(cs.UserID, 256), Actor: trimTo(cs.Actor, 256),
		Role: cs.Role, Department: cs.Department, CreatedAt: driver.Time{T: cs.Created.UTC()}, ExpiresAt: driver.Time{T: cs.Expires.UTC()}}
	now := driver.Time{T: s.now().UTC()}
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*consoleSessionModel)(nil)).Where("expires_at <= ?", now).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(m).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: console session: %w", err)
	}
	return nil
}

// ConsoleSessionByHash returns the session whose id hashes to idHash, or
// ErrNotFound when there is none or it has expired.
func (s *Store) ConsoleSessionByHash(ctx context.Context, idHash string) (ConsoleSession, error) {
	var m consoleSessionModel
	now := driver.Time{T: s.now().UTC()}
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&m).Where("id_hash = ?", idHash).Where("expires_at > ?", now).Scan(ctx)
	})
	if errors.Is(err, ErrNotFound) {
		return ConsoleSession{}, ErrNotFound
	}
	if err != nil {
		return ConsoleSession{}, fmt.Errorf("store: console session: %w", err)
	}
	return ConsoleSession{IDHash: m.IDHash, UserID: m.UserID, Actor: m.Actor, Role: m.Role, Department: m.Department,
		Created: m.CreatedAt.T, Expires: m.ExpiresAt.T}, nil
}

// DeleteConsoleSession ends a session (signing out). Ending one that does
// not exist is not an error.
func (s *Store) DeleteConsoleSession(ctx context.Context, idHash string) error {
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*consoleSessionModel)(nil)).Where("id_hash = ?", idHash).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: ending a console session: %w", err)
	}
	return nil
}

// DeleteConsoleSessionsOf ends every session of a user (when the account
// is disabled or its password changes), and returns how many there were.
func (s *Store) DeleteConsoleSessionsOf(ctx context.Context, userID string) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*consoleSessionModel)(nil)).Where("user_id = ?", userID).Exec(ctx)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: ending a user's console sessions: %w", err)
	}
	return int(n), nil
}
