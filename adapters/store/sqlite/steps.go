package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// stepWrite is a SQLite step's outcome waiting to be written with others.
type stepWrite struct {
	stmts    []sqlb.Stmt
	prepared []*sql.Stmt
	// want is how many inbox rows the first statement must mark done.
	want int64
	// returnsID says the last statement returns the contact and id of the
	// row it inserted (a leased reply); the write keeps the id.
	returnsID bool
	id        int64
	err       error
	done      chan struct{}
}

// maxStepsPerCommit caps the steps written in one transaction.
const maxStepsPerCommit = 64

// stepGroup writes the steps of all workers through SQLite's one
// writer connection, as many together as have queued while the previous
// commit ran. A commit rewrites the pages it touched; steps written together
// share most of theirs (the ends of the inbox, outbox, history and event
// tables and their indexes), so a shared commit costs little more than one.
func (d *Driver) stepGroup() *driver.Group[*stepWrite] {
	return &driver.Group[*stepWrite]{Loops: 1,
		Take:  func(q []*stepWrite) int { return maxStepsPerCommit },
		Write: d.writeSteps,
	}
}

// writeStep queues w, waits for it to be written and returns the result.
// A step whose context has ended is not written (it is rolled back, as if
// the process had stopped before the commit); once queued it is waited for
// whatever the context does, so that the caller knows what happened.
func (d *Driver) writeStep(ctx context.Context, w *stepWrite) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.done = make(chan struct{})
	d.steps.Add(w)
	<-w.done
	return w.err
}

// writeSteps writes steps in one transaction. If one of them fails, the
// transaction is rolled back and each step is written alone, so that a step
// whose statements fail fails alone. (Savepoints would do the same in one
// pass but make SQLite journal every page a step touches: failures are rare,
// journaling would be on every step.)
func (d *Driver) writeSteps(steps []*stepWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), bookkeepingTimeout)
	defer cancel()
	err := d.writeTx(ctx, func(tx *sql.Tx) error {
		for _, w := range steps {
			if err := d.writeOne(ctx, tx, w); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(steps) > 1 && !unavailable(err) {
		for _, w := range steps {
			w.err = d.writeTx(ctx, func(tx *sql.Tx) error { return d.writeOne(ctx, tx, w) })
			close(w.done)
		}
		return
	}
	for _, w := range steps {
		w.err = err
		close(w.done)
	}
}

// writeOne runs a step's statements in tx.
func (d *Driver) writeOne(ctx context.Context, tx *sql.Tx, w *stepWrite) error {
	stmts, prepared := w.stmts, w.prepared
	if w.returnsID {
		stmts, prepared = stmts[:len(stmts)-1], prepared[:len(prepared)-1]
	}
	n, err := d.execPrepared(ctx, tx, stmts, prepared)
	if err == nil && w.returnsID {
		last := w.stmts[len(w.stmts)-1]
		d.calls.Add(1)
		err = tx.StmtContext(ctx, w.prepared[len(w.prepared)-1]).QueryRowContext(ctx, last.Args...).Scan(new(string), &w.id)
	}
	if err == nil && n != w.want {
		err = fmt.Errorf("%w: %d of %d inbox rows were still pending (another process on this SQLite file?)", driver.ErrConflict, n, w.want)
	}
	return err
}
