package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// Concurrent MarkSent calls are written together, as the store's Ingest
// calls are (see driver.Group): while one batch is being written the next calls
// queue, and the next write takes them all, in one round trip and one
// transaction. A sender has dozens of sends in flight, and what a single
// mark costs is mostly not the row but the round trip, the synchronous
// commit and the statement's overhead on both sides: shared by a batch,
// they are paid once.
//
// One statement cannot return a row for each of several EXECUTEs (the
// driver reads one result set per query), and one statement updating all
// the rows through a join of unnest(ids) with the outbox was planned badly
// (see docs/performance.md). So the batch goes to a PL/pgSQL function,
// mark_outbox_sent (migration 20261121000005), which runs the one-row
// update for each row in turn: each is the index lookup a single mark is,
// with its plan cached on the connection (made there under the queue
// settings), and the function returns a row for each row it applied.

// markSentJob is one MarkSent call waiting for its row to be written.
type markSentJob struct {
	id    int64
	wamid string
	at    time.Time
	// applied says the row was claimed and is now sent; next, that its
	// contact has another message waiting.
	applied, next bool
	err           error
	done          chan struct{}
}

// maxMarkSentRows caps the rows marked in one shared transaction.
const maxMarkSentRows = 256

// markSentGroup writes MarkSent calls together, up to 256 rows per
// transaction, one transaction at a time: the calls that come while one is
// written go in the next. A call waits at most one write longer than
// alone, and a mark is worth that little: it releases the contact's next
// message, and the reply itself has already left. (Two in flight split
// the calls into smaller batches: about the same throughput in
// BenchmarkOutboxSend, for more CPU per mark on both sides.)
func (d *Driver) markSentGroup() *driver.Group[*markSentJob] {
	return &driver.Group[*markSentJob]{Loops: 1,
		Take: func([]*markSentJob) int { return maxMarkSentRows },
		Write: func(jobs []*markSentJob) {
			d.writeMarkSent(jobs)
			for _, j := range jobs {
				close(j.done)
			}
		},
	}
}

// MarkSent queues a mark and waits until it is written. If ctx ends
// first, it returns the context's error; the row may still be marked.
func (d *Driver) MarkSent(ctx context.Context, id int64, wamid string, now time.Time) (applied, next bool, err error) {
	if err := d.check(); err != nil {
		return false, false, err
	}
	j := &markSentJob{id: id, wamid: wamid, at: now, done: make(chan struct{})}
	d.markSents.Add(j)
	select {
	case <-j.done:
		return j.applied, j.next, j.err
	case <-ctx.Done():
		return false, false, d.Classify(ctx.Err())
	}
}

// writeMarkSent marks jobs in one transaction; if that fails for a reason
// other than the database being away, each job is marked alone, so that a
// row that makes the batch fail fails alone.
func (d *Driver) writeMarkSent(jobs []*markSentJob) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Rows are locked in id order, so that batches written at the same
	// time (by other processes) cannot deadlock: a row is claimed by one
	// sender, but the same call may be made twice.
	jobs = slices.Clone(jobs)
	slices.SortStableFunc(jobs, func(a, b *markSentJob) int { return cmp.Compare(a.id, b.id) })
	ids, wamids, ats := d.literal(), d.literal(), d.literal()
	for i, j := range jobs {
		j.applied, j.next = false, false // this may be a batch's second try
		if i > 0 {
			ids.Raw(",")
			wamids.Raw(",")
			ats.Raw(",")
		}
		ids.Int(j.id)
		wamids.Str(j.wamid)
		ats.Time(j.at)
	}
	args := d.literal().Raw("ARRAY[", ids.Text(), "]::bigint[], ARRAY[", wamids.Text(), "]::text[], ARRAY[", ats.Text(), "]::timestamptz[]")
	err := d.runPrepared(ctx, d.sendConns, "samvad_mark_sent_v3", "(bigint[], text[], timestamptz[])",
		"SELECT n, has_next FROM mark_outbox_sent($1, $2, $3)", args, func(rows *sql.Rows) error {
			for rows.Next() {
				var n int
				var next bool
				if err := rows.Scan(&n, &next); err != nil {
					return err
				}
				j := jobs[n-1] // the function counts rows from 1
				j.applied, j.next = true, next
			}
			return rows.Err()
		})
	err = d.Classify(err)
	if err != nil && len(jobs) > 1 && !errors.Is(err, driver.ErrUnavailable) {
		for _, j := range jobs {
			d.writeMarkSent([]*markSentJob{j})
		}
		return
	}
	if err != nil {
		for _, j := range jobs {
			j.applied, j.next, j.err = false, false, err
		}
	}
}
