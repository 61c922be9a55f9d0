package store

import (
	"errors"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// The errors a caller may need to tell apart (compare with errors.Is).
var (
	// ErrUnavailable wraps every error that means the database cannot be
	// reached or is not working right now (connection refused or lost,
	// timeouts, disk full, a closed store). Nothing was written. The server
	// answers such a webhook with 503 and Meta re-delivers it later.
	ErrUnavailable = driver.ErrUnavailable
	// ErrClosed is returned by calls on a closed Store. It is also ErrUnavailable.
	ErrClosed = driver.ErrClosed
	// ErrNotFound is returned when the row asked for does not exist.
	ErrNotFound = driver.ErrNotFound
	// ErrInvalid wraps errors about bad input: what was wrong and where.
	ErrInvalid = driver.ErrInvalid
	// ErrNotInFlight is returned by MarkSent, MarkRetry and MarkFailed for an
	// outbox row that is not claimed (never claimed, or already finished).
	ErrNotInFlight = driver.ErrNotInFlight
	// ErrNoSecretKey is returned when an access token is to be stored or read
	// but Options.SecretKey was not set.
	ErrNoSecretKey = driver.ErrNoSecretKey
	// ErrConflict is returned when another process changed what a step was
	// about to change (two processes on one SQLite file); the step was rolled
	// back and will run again.
	ErrConflict = driver.ErrConflict
)

func invalidf(format string, args ...any) error { return driver.Invalidf(format, args...) }

// classify wraps errors that mean "the database is not there" as
// ErrUnavailable, by the driver's tests. Other errors (constraint
// violations, bad SQL) pass through.
func (s *Store) classify(err error) error { return s.drv.Classify(err) }

// isUnavailable says err is (or would be classified as) ErrUnavailable.
func (s *Store) isUnavailable(err error) bool {
	return errors.Is(s.classify(err), ErrUnavailable)
}
