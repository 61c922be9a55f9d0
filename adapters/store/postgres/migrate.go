package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/uptrace/bun/migrate"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// The schema is created and changed by the .sql files under migrations/,
// embedded in the binary and applied in name order by bun/migrate, which
// records them in bun_migrations. Each file is one transaction
// (.tx.up.sql), so a failed migration leaves nothing half-done. The names
// are those the store has always used (the SQLite driver has the same
// ones, empty where a change concerns Postgres alone): add new ones at the
// end with a later name, and never edit one that has shipped.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations, up to and including upTo
// when it is not "" (tests of a later migration on older data).
func migrations(upTo string) (*migrate.Migrations, error) {
	return driver.Migrations(migrationFiles, upTo)
}

// migrationLockKey is the advisory lock that serialises concurrent Migrate
// calls from several processes starting at once.
const migrationLockKey = 0x73616d766164 // "samvad"

// Migrate applies the migrations not applied yet, under an advisory lock,
// so that processes starting at once take turns; an up-to-date schema is
// left alone.
func (d *Driver) Migrate(ctx context.Context, upTo string) error {
	if err := d.check(); err != nil {
		return err
	}
	ms, err := migrations(upTo)
	if err != nil {
		return err
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return d.Classify(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", int64(migrationLockKey)); err != nil {
		return fmt.Errorf("lock: %w", d.Classify(err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", int64(migrationLockKey))
	return driver.Migrate(ctx, d.db, ms, d.Classify)
}

// CheckSchema fails unless every migration has been applied. It writes
// nothing.
func (d *Driver) CheckSchema(ctx context.Context, upTo string) error {
	ms, err := migrations(upTo)
	if err != nil {
		return err
	}
	return driver.CheckSchema(ctx, d.db, ms, d.unavailable, d.Classify)
}

// MigrationNames lists the embedded migrations, in the order they run.
func (d *Driver) MigrationNames() []string { return driver.MigrationNames(migrationFiles) }
