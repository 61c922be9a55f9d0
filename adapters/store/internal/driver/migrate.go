package driver

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// Migrations reads a driver's embedded migrations (the .sql files of its
// migrations directory), keeping those up to and including upTo when it
// is not "".
func Migrations(files fs.FS, upTo string) (*migrate.Migrations, error) {
	dir, err := fs.Sub(files, "migrations")
	if err != nil {
		return nil, err
	}
	all := migrate.NewMigrations()
	if err := all.Discover(dir); err != nil {
		return nil, fmt.Errorf("reading the embedded migrations: %w", err)
	}
	if upTo == "" {
		return all, nil
	}
	some := migrate.NewMigrations()
	for _, m := range all.Sorted() {
		if m.Name <= upTo {
			some.Add(m)
		}
	}
	return some, nil
}

// MigrationNames lists the names of a driver's embedded migrations, in
// order (nil when they do not read, which Migrate then reports).
func MigrationNames(files fs.FS) []string {
	ms, err := Migrations(files, "")
	if err != nil {
		return nil
	}
	var names []string
	for _, m := range ms.Sorted() {
		names = append(names, m.Name)
	}
	return names
}

// Migrate applies the migrations of ms not applied yet; the caller holds
// the database's migration lock.
func Migrate(ctx context.Context, db *bun.DB, ms *migrate.Migrations, classify func(error) error) error {
	m := migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("init: %w", classify(err))
	}
	if _, err := m.Migrate(ctx); err != nil {
		return classify(err)
	}
	return nil
}

// CheckSchema fails unless every migration of ms has been applied. It
// writes nothing.
func CheckSchema(ctx context.Context, db *bun.DB, ms *migrate.Migrations, unavailable func(error) bool, classify func(error) error) error {
	m := migrate.NewMigrator(db, ms)
	status, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		if unavailable(err) {
			return fmt.Errorf("check schema: %w", classify(err))
		}
		return fmt.Errorf("the schema has not been created (%v); run `samvad migrate` or open without NoMigrate", err)
	}
	if missing := status.Unapplied(); len(missing) > 0 {
		return fmt.Errorf("the schema is %d migration(s) behind (first: %s); run `samvad migrate` or open without NoMigrate", len(missing), missing[0].String())
	}
	return nil
}
