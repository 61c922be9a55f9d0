package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/uptrace/bun/driver/pgdriver"
	"modernc.org/sqlite"
)

// The errors a caller may need to tell apart (compare with errors.Is).
var (
	// ErrUnavailable wraps every error that means the database cannot be
	// reached or is not working right now (connection refused or lost,
	// timeouts, disk full, a closed store). Nothing was written. The server
	// answers such a webhook with 503 and Meta re-delivers it later.
	ErrUnavailable = errors.New("store unavailable")
	// ErrClosed is returned by calls on a closed Store. It is also ErrUnavailable.
	ErrClosed = fmt.Errorf("store closed: %w", ErrUnavailable)
	// ErrNotFound is returned when the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid wraps errors about bad input: what was wrong and where.
	ErrInvalid = errors.New("invalid input")
	// ErrNotInFlight is returned by MarkSent, MarkRetry and MarkFailed for an
	// outbox row that is not claimed (never claimed, or already finished).
	ErrNotInFlight = errors.New("outbox row is not in flight")
	// ErrNoSecretKey is returned when an access token is to be stored or read
	// but Options.SecretKey was not set.
	ErrNoSecretKey = errors.New("no secret key configured for access tokens")
	// ErrConflict is returned when another process changed what a step was
	// about to change (two processes on one SQLite file); the step was rolled
	// back and will run again.
	ErrConflict = errors.New("conflicting concurrent change")
)

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// unavailableError marks a database error as ErrUnavailable while keeping
// the original error in the chain.
type unavailableError struct{ err error }

func (e unavailableError) Error() string { return "store unavailable: " + e.err.Error() }
func (e unavailableError) Unwrap() []error {
	return []error{ErrUnavailable, e.err}
}

// classify wraps errors that mean "the database is not there" as
// ErrUnavailable. Other errors (constraint violations, bad SQL) pass through.
func classify(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	if isUnavailable(err) {
		return unavailableError{err}
	}
	return err
}

func isUnavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return true
	}
	var operr *net.OpError
	if errors.As(err, &operr) {
		return true
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		code := pgErr.Field('C')
		switch {
		case strings.HasPrefix(code, "08"), // connection exception
			code == "57P01", code == "57P02", code == "57P03", // shutdown, cannot connect now
			code == "53300", code == "53100", // too many connections, disk full
			code == "40001", code == "40P01": // serialization failure, deadlock: retry later
			return true
		}
		return false
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() & 0xff {
		case 5, 6, 8, 10, 13, 14: // BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN
			return true
		}
		return false
	}
	// database/sql's own "sql: database is closed" has no exported value.
	return strings.Contains(err.Error(), "database is closed")
}

// isUniqueViolation reports a duplicate key.
func isUniqueViolation(err error) bool {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		return pgErr.Field('C') == "23505"
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		// SQLITE_CONSTRAINT_PRIMARYKEY (1555) or SQLITE_CONSTRAINT_UNIQUE (2067).
		return sqliteErr.Code() == 1555 || sqliteErr.Code() == 2067
	}
	return false
}
