// Package testdb gives tests a fresh, empty database of either dialect the
// store supports: a SQLite file in the test's temporary directory, or a
// schema of its own in the Postgres at TEST_DATABASE_URL, dropped when the
// test ends.
//
// Without TEST_DATABASE_URL the Postgres variant of a test is skipped with
// a message saying so, unless CI=true: CI must never pass by skipping the
// production database. A URL that is set but does not answer fails the test.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
)

// Dialects are the databases the store has a driver for
// (adapters/store/sqlite, adapters/store/postgres), in the order tests run
// them: the store's suite runs every test against each.
var Dialects = []string{"sqlite", "postgres"}

// URL returns the URL of a fresh, empty database of the dialect.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "samvad.db")
	}
	base := postgresURL(t)
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	schema := "samvad_test_" + hex.EncodeToString(suffix[:])
	admin := open(base)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("creating test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
		}
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func open(dsn string) *sql.DB {
	return sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn), pgdriver.WithDialTimeout(3*time.Second)))
}

var (
	once   sync.Once
	pgURL  string
	reason string
)

// PostgresURL returns the database at TEST_DATABASE_URL itself, for a tool
// under test that makes its own schema there (the load generator); it skips
// or fails the test as URL does when Postgres is not there.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return postgresURL(t)
}

// postgresURL returns TEST_DATABASE_URL once Postgres answers.
func postgresURL(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		u := os.Getenv("TEST_DATABASE_URL")
		if u == "" {
			reason = "TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)"
			return
		}
		db := open(u)
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			reason = fmt.Sprintf("Postgres at TEST_DATABASE_URL (%s) cannot be reached: %v", Redact(u), err)
			return
		}
		pgURL = u
	})
	if pgURL == "" {
		if os.Getenv("CI") == "true" || os.Getenv("TEST_DATABASE_URL") != "" {
			t.Fatalf("the Postgres tests cannot run: %s", reason)
		}
		t.Skipf("skipping the Postgres variant: %s", reason)
	}
	return pgURL
}

// Redact hides the password of a database URL.
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return u
	}
	if _, has := p.User.Password(); has {
		p.User = url.UserPassword(p.User.Username(), "xxxxx")
	}
	return p.String()
}
