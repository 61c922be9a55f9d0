package store

import (
	"context"
	"fmt"
	"sync"
)

// A case's reference is made from a serial number the driver draws (a
// database sequence on Postgres, a count in the one process on SQLite),
// which no two cases ever draw: a reference is never tried twice, and
// lodging one never waits on a check of the table. Options.CaseReference
// turns the serial into the text the citizen quotes.

// defaultCaseReference writes a serial as PREFIX-YY-NNNNNNNN; the server
// gives a reference with a check character instead (casework.Reference).
func defaultCaseReference(series string, year int, serial uint64) string {
	return fmt.Sprintf("%s-%02d-%08d", series, year%100, serial%100_000_000)
}

// serialPool hands steps serial numbers drawn ahead, serialPoolSize at a
// time, so that a step lodging a case does not wait on a query of its own
// (under a wave of grievances, one query per step was a good part of its
// cost). Serials drawn and never used are simply gaps.
type serialPool struct {
	mu   sync.Mutex
	free []uint64
}

// serialPoolSize is how many serials one refill draws.
const serialPoolSize = 16

// take returns a serial no case has, drawing more when none is left.
func (p *serialPool) take(ctx context.Context, s *Store) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) == 0 {
		more, err := s.drv.NextSerials(ctx, serialPoolSize)
		if err != nil {
			return 0, fmt.Errorf("drawing case serials: %w", err)
		}
		p.free = more
	}
	n := p.free[0]
	p.free = p.free[1:]
	return n, nil
}
