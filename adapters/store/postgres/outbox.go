package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// claimOutboxStatement names claimOutboxSQL prepared on a connection:
// planning the claim costs more than running it.
const claimOutboxStatement = "samvad_claim_outbox_v2"

// claimOutboxSQL claims up to $2 rows due at $1 and leases them until $3.
// $4 is the outbox's floor (see queueFloor).
// A row qualifies when it is the first open row of its contact: a scalar
// subquery, so that Postgres always looks that up in the contact's index
// rather than joining against every open row.
const claimOutboxSQL = `WITH c AS (
	SELECT o.contact_id, o.seq FROM outbox o
	WHERE o.is_open AND o.id >= $4 AND ((o.status = 0 AND o.due_at <= $1) OR (o.status = 1 AND o.lease_until <= $1))
	AND o.seq = (SELECT p.seq FROM outbox p WHERE p.contact_id = o.contact_id AND p.is_open ORDER BY p.seq LIMIT 1)
	ORDER BY o.id LIMIT $2
	FOR UPDATE SKIP LOCKED
)
UPDATE outbox SET status = 1, claims = claims + 1, lease_until = $3
FROM c WHERE outbox.contact_id = c.contact_id AND outbox.seq = c.seq` + sqlb.OutboxReturning

// ClaimOutbox claims on a send connection, with row locks, so that any
// number of senders in any number of processes may claim at once.
func (d *Driver) ClaimOutbox(ctx context.Context, now time.Time, limit int, leaseUntil time.Time) ([]driver.OutboxRow, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	c, err := d.sendConns.take(ctx)
	if err != nil {
		return nil, err
	}
	floor := d.outboxFloor.get(ctx, c)
	args := d.literal().Time(now).Raw(", ").Int(int64(limit)).Raw(", ").Time(leaseUntil).Raw(", ").Int(floor)
	var out []driver.OutboxRow
	err = d.runPreparedOn(ctx, c, claimOutboxStatement, "(timestamptz, bigint, timestamptz, bigint)", claimOutboxSQL, args,
		func(rows *sql.Rows) error {
			var err error
			out, err = sqlb.ScanOutbox(rows)
			return err
		})
	d.sendConns.done(c, err == nil)
	return out, err
}

// MarkRetry writes m in one round trip.
func (d *Driver) MarkRetry(ctx context.Context, m *driver.RetryMark) (bool, int, error) {
	before, final := d.literal(), d.literal()
	sqlb.Retry(before, final, m)
	return d.mark(ctx, before, final)
}

// MarkFailed writes m in one round trip.
func (d *Driver) MarkFailed(ctx context.Context, m *driver.FailMark) (bool, error) {
	before, final := d.literal(), d.literal()
	sqlb.Fail(before, final, m)
	applied, _, err := d.mark(ctx, before, final)
	return applied, err
}

// Release puts the row back in one round trip.
func (d *Driver) Release(ctx context.Context, id int64, due time.Time) (bool, error) {
	final := d.literal()
	sqlb.Release(final, id, due)
	applied, _, err := d.mark(ctx, nil, final)
	return applied, err
}

// mark runs an outbox state change whose final statement returns the
// row's status only when it applied.
func (d *Driver) mark(ctx context.Context, before, final *sqlb.Builder) (applied bool, status int, err error) {
	err = d.batch(ctx, before, final, nil, func(rows *sql.Rows) error {
		for rows.Next() {
			applied = true
			if err := rows.Scan(&status); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return applied, status, d.Classify(err)
}
