package store

import (
	"context"
	"fmt"
)

// The schema belongs to the drivers: each keeps its migrations as .sql
// files embedded in the binary (adapters/store/postgres/migrations,
// adapters/store/sqlite/migrations), under the same names, applied with
// bun/migrate and recorded in bun_migrations.

// Migrate applies the migrations that have not been applied yet. It is safe to
// call from several processes at once: on Postgres they take turns under an
// advisory lock; an up-to-date schema is left alone.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := s.drv.Migrate(ctx, s.opts.migrateUpTo); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// checkSchema fails unless every migration has been applied. It writes
// nothing.
func (s *Store) checkSchema(ctx context.Context) error {
	if err := s.drv.CheckSchema(ctx, s.opts.migrateUpTo); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
