package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// ClaimOutbox claims in one write transaction; the single writer makes row
// locks unnecessary.
func (d *Driver) ClaimOutbox(ctx context.Context, now time.Time, limit int, leaseUntil time.Time) ([]driver.OutboxRow, error) {
	q := args()
	q.Raw("UPDATE outbox SET status = 1, claims = claims + 1, lease_until = ").Time(leaseUntil).Raw(" WHERE id IN (")
	q.Raw(`SELECT o.id FROM outbox o
	WHERE o.is_open AND ((o.status = 0 AND o.due_at <= `).Time(now).Raw(`) OR (o.status = 1 AND o.lease_until <= `).Time(now).Raw(`))
	AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.contact_id = o.contact_id AND p.seq < o.seq AND p.is_open)
	ORDER BY o.id LIMIT `).Int(int64(limit))
	q.Raw(")").Raw(sqlb.OutboxReturning)
	var out []driver.OutboxRow
	err := d.batch(ctx, nil, q, nil, func(rows *sql.Rows) error {
		var err error
		out, err = sqlb.ScanOutbox(rows)
		return err
	})
	return out, err
}

// MarkSent marks the row sent; the status and error come from statuses
// that arrived before. next is always true: the contact may have another
// message waiting.
func (d *Driver) MarkSent(ctx context.Context, id int64, wamid string, now time.Time) (applied, next bool, err error) {
	q := args().Raw("UPDATE outbox SET provider_wamid = ").Str(wamid).Raw(", sent_at = ").Time(now).Raw(", lease_until = NULL, is_open = FALSE,")
	q.Raw(" status = (SELECT COALESCE(MAX(st.rank), 2) FROM statuses st WHERE st.wamid = ").Str(wamid).Raw(" AND st.rank >= 2)")
	q.Raw(", status_at = ").Time(now)
	for _, col := range []string{"error_code", "error_title", "error_details"} {
		q.Raw(", ", col, " = (SELECT st.", col, " FROM statuses st WHERE st.wamid = ").Str(wamid).Raw(" AND st.rank = 5)")
	}
	q.Raw(" WHERE id = ").Int(id).Raw(" AND status = 1 RETURNING status")
	applied, _, err = d.mark(ctx, nil, q)
	return applied, true, err
}

// MarkRetry writes m in one transaction.
func (d *Driver) MarkRetry(ctx context.Context, m *driver.RetryMark) (bool, int, error) {
	before, final := args(), args()
	sqlb.Retry(before, final, m)
	return d.mark(ctx, before, final)
}

// MarkFailed writes m in one transaction.
func (d *Driver) MarkFailed(ctx context.Context, m *driver.FailMark) (bool, error) {
	before, final := args(), args()
	sqlb.Fail(before, final, m)
	applied, _, err := d.mark(ctx, before, final)
	return applied, err
}

// Release puts the row back.
func (d *Driver) Release(ctx context.Context, id int64, due time.Time) (bool, error) {
	final := args()
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
	return applied, status, classify(err)
}
