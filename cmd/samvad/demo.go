package main

import (
	"context"
	"sync"
	"time"

	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/adapters/services/casework"
)

// memoryCasebook keeps the cases a `samvad chat` session lodges, in
// memory, so that built-in operations (grievance.lodge, request.submit and
// their status) work with nothing else running.
type memoryCasebook struct {
	mu    sync.Mutex
	cases map[string]services.Case
	next  uint64
}

func newMemoryCasebook() *memoryCasebook {
	return &memoryCasebook{cases: map[string]services.Case{}, next: uint64(time.Now().UnixNano())}
}

func (b *memoryCasebook) Lodge(_ context.Context, c services.NewCase) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	ref := casework.Reference(c.Series, time.Now().Year(), b.next)
	b.cases[ref] = services.Case{Reference: ref, Kind: c.Kind, Title: c.Title, Category: c.Category,
		Status: casework.Lodged, Due: c.Due, Updated: time.Now()}
	return ref, nil
}

func (b *memoryCasebook) Find(_ context.Context, ref string) (services.Case, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.cases[ref]
	if !ok {
		return services.Case{}, services.ErrNotFound
	}
	return c, nil
}

func (b *memoryCasebook) Reopen(_ context.Context, ref, _ string, within time.Duration, _ casework.Policy) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.cases[ref]
	switch {
	case !ok:
		return services.ErrNotFound
	case c.Status != casework.Resolved:
		return services.ErrNotResolved
	case !casework.CanReopen(c.Status, c.Updated, time.Now(), within):
		return services.ErrTooLate
	}
	c.Status, c.Updated = casework.Reopened, time.Now()
	b.cases[ref] = c
	return nil
}
