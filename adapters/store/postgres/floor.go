package postgres

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// queueFloor is a lower bound on the ids of a Postgres queue's open rows
// (pending inbox rows, unsent outbox rows), so that a claim's index scan
// starts where the open rows are.
//
// Why: a claim walks a partial index in id order. Rows that were served
// leave their entries behind until VACUUM removes them; the first scan that
// meets one marks it dead, but every later scan still steps over it. At a
// thousand messages a second that is tens of thousands of entries a minute,
// read again by every claim. With the floor, a claim reads from the oldest
// open row on.
//
// The floor is the least open id at the last refresh (one per floorRefresh;
// unchanged when nothing was open). Rows under it are closed for good: ids
// only grow, and a closed row opens again only when an operator requeues a
// parked message (RequeueParked lowers this process's floor at once). The
// other exception is an insert that took its id before a refresh but
// committed after it. Such a row stays out of sight until the next refresh
// lowers the floor to it (at most floorRefresh later). Its contact's later messages cannot overtake it: a
// claim loads all of a contact's pending messages, whatever their ids.
type queueFloor struct {
	// minSQL returns the least open id, or NULL when there is none.
	minSQL string

	mu        sync.Mutex
	value     int64
	refreshed time.Time
}

// floorRefresh is how often a floor is read again.
const floorRefresh = 100 * time.Millisecond

// get returns the floor, refreshing it on c when it is older than
// floorRefresh (wall time: the store's clock may be a test's, standing
// still). A failed refresh keeps the old floor (it is still a bound).
func (f *queueFloor) get(ctx context.Context, c *pgConn) int64 {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if now.Sub(f.refreshed) < floorRefresh && !f.refreshed.IsZero() {
		return f.value
	}
	var least sql.NullInt64
	if err := c.conn.QueryRowContext(ctx, f.minSQL).Scan(&least); err != nil {
		return f.value
	}
	f.refreshed = now
	if least.Valid {
		f.value = least.Int64
	}
	return f.value
}

// lower brings the floor down to id when it is above it: a row under the
// floor was opened again.
func (f *queueFloor) lower(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value = min(f.value, id)
}
