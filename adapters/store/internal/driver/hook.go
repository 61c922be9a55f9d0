package driver

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// CountQueries is a bun query hook that counts the queries bun sends (the
// round trips of the queries outside the hot path, for Driver.Calls).
type CountQueries struct{ N *atomic.Int64 }

// BeforeQuery counts the query.
func (h CountQueries) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	h.N.Add(1)
	return ctx
}

// AfterQuery does nothing.
func (CountQueries) AfterQuery(context.Context, *bun.QueryEvent) {}
