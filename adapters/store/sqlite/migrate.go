package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// The schema is created and changed by the .sql files under migrations/,
// embedded in the binary and applied in name order by bun/migrate, which
// records them in bun_migrations. Each file is one transaction
// (.tx.up.sql). The names are those of the Postgres driver; a change that
// concerns Postgres alone is an empty file here, recorded all the same, so
// that both databases list the same migrations. Add new ones at the end
// with a later name, and never edit one that has shipped.
//
// The schema differs from Postgres's where SQLite's types do: times are
// INTEGER microseconds since the epoch, booleans INTEGER 0 or 1, and the
// tables with an id column are keyed by it (an INTEGER PRIMARY KEY
// AUTOINCREMENT rowid, never reused, so arrival order holds), with the
// composite keys Postgres has as UNIQUE constraints.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate applies the migrations not applied yet. Processes that start at
// once (say `samvad migrate` and a server) take turns under a lock.
func (d *Driver) Migrate(ctx context.Context, upTo string) error {
	if err := d.check(); err != nil {
		return err
	}
	ms, err := driver.Migrations(migrationFiles, upTo)
	if err != nil {
		return err
	}
	unlock, err := lockFile(ctx, d.path+"-migrate-lock")
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer unlock()
	return driver.Migrate(ctx, d.db, ms, classify)
}

// CheckSchema fails unless every migration has been applied. It writes
// nothing.
func (d *Driver) CheckSchema(ctx context.Context, upTo string) error {
	ms, err := driver.Migrations(migrationFiles, upTo)
	if err != nil {
		return err
	}
	return driver.CheckSchema(ctx, d.db, ms, unavailable, classify)
}

// lockFile serialises migrations between processes with a write
// transaction on a small side database, portable where file locks are not.
func lockFile(ctx context.Context, path string) (func(), error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_busy_timeout=60000")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, classify(err)
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS migrate_lock (id INTEGER)"); err != nil {
		tx.Rollback()
		db.Close()
		return nil, classify(err)
	}
	return func() {
		tx.Rollback()
		db.Close()
	}, nil
}

// MigrationNames lists the embedded migrations, in the order they run.
func (d *Driver) MigrationNames() []string { return driver.MigrationNames(migrationFiles) }
