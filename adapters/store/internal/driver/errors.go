package driver

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
)

// The errors the store's callers tell apart. Package store re-exports each
// under the same name; their doc comments are there.
var (
	ErrUnavailable = errors.New("store unavailable")
	ErrClosed      = fmt.Errorf("store closed: %w", ErrUnavailable)
	ErrNotFound    = errors.New("not found")
	ErrInvalid     = errors.New("invalid input")
	ErrNotInFlight = errors.New("outbox row is not in flight")
	ErrNoSecretKey = errors.New("no secret key configured for access tokens")
	ErrConflict    = errors.New("conflicting concurrent change")
)

// Invalidf is an ErrInvalid saying what was wrong.
func Invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// unavailableError marks a database error as ErrUnavailable while keeping
// the original error in the chain.
type unavailableError struct{ err error }

func (e unavailableError) Error() string { return "store unavailable: " + e.err.Error() }
func (e unavailableError) Unwrap() []error {
	return []error{ErrUnavailable, e.err}
}

// Classify wraps err as ErrUnavailable when it means the database is not
// there: by the dialect's own test (dialectDown, which may be nil) or by
// the ones every database/sql driver shares. Other errors (constraint
// violations, bad SQL) pass through.
func Classify(err error, dialectDown func(error) (down, known bool)) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	if IsUnavailable(err, dialectDown) {
		return unavailableError{err}
	}
	return err
}

// IsUnavailable says err means the database cannot be reached or is not
// working right now (see Classify).
func IsUnavailable(err error, dialectDown func(error) (down, known bool)) bool {
	if errors.Is(err, ErrUnavailable) {
		return true
	}
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
	if dialectDown != nil {
		if down, known := dialectDown(err); known {
			return down
		}
	}
	// database/sql's own "sql: database is closed" has no exported value.
	return strings.Contains(err.Error(), "database is closed")
}
