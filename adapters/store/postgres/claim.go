package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// Steps on Postgres. One transaction claims up to the store's StepBatch
// contacts (BEGIN and the claim go in one round trip), the store runs
// their steps one after another, and Commit writes all their outcomes with
// COMMIT (one more round trip). When few citizens are waiting a claim
// finds one contact, and a step is exactly a transaction of its own; under
// load, contacts share the claim, the commit and its wait for the disk,
// which is most of what a step costs the database.

// claimSQL claims the contacts of the oldest pending messages (up to limit
// messages, so at most limit contacts) whose contacts are neither held by a
// backoff nor locked by another worker, and loads their steps in the same
// statement, one contact after another. now is an SQL expression for the
// current time.
//
// The message rows are locked with their contacts so that Postgres
// re-checks them when a concurrent step changed them after this statement's
// snapshot: a message served in between is skipped, not claimed again. The
// rest of the load still reads the snapshot; the last column is a contact's
// version as the snapshot saw it, while the locked row is the newest
// version. If they differ, a step for that contact committed between the
// snapshot and the lock, its loaded messages may be stale, and the claim
// reloads it.
//
// floor is an SQL expression for the inbox's floor (see queueFloor). The
// contact's messages are a LATERAL subquery kept apart from the join (OFFSET
// 0), so that they are always looked up by contact. Joined plainly, a plan
// made while the inbox looked empty read every pending message of every
// contact and kept the claimed one's (1,645 rows for 1, in a logged plan).
func claimSQL(now, floor, limit string) string {
	return `WITH l AS (
	SELECT c.* FROM inbox i JOIN contacts c ON c.id = i.contact_id
	WHERE i.state = 0 AND i.id >= ` + floor + ` AND (c.hold_until IS NULL OR c.hold_until <= ` + now + `)
	ORDER BY i.id
	LIMIT ` + limit + `
	FOR NO KEY UPDATE OF c, i SKIP LOCKED
), c AS (SELECT DISTINCT ON (l.id) l.* FROM l ORDER BY l.id)
SELECT ` + sqlb.WorkColumns + `, (SELECT v.version FROM contacts v WHERE v.id = c.id)
FROM c LEFT JOIN sessions s ON s.contact_id = c.id
JOIN LATERAL (SELECT * FROM inbox WHERE inbox.contact_id = c.id AND inbox.state = 0 OFFSET 0) i ON true
ORDER BY c.id, i.wa_ts, i.arrival, i.id`
}

// claimStatement names the claim prepared on a step connection: planning
// that query costs more than running it, so each connection plans it once
// (PREPARE) and then runs it with EXECUTE, in the same round trip as BEGIN.
const claimStatement = "samvad_claim_v7"

// claim is a step transaction: a step connection with the claimed
// contacts' rows locked.
type claim struct {
	d       *Driver
	c       *pgConn
	loads   []*driver.StepLoad
	claimed int
	healthy bool
}

// Claim begins the step's transaction and claims up to limit contacts, in
// one round trip, then reloads those that a step changed since the claim's
// snapshot (see claimSQL) and drops those whose messages turn out to be
// served.
func (d *Driver) Claim(ctx context.Context, now time.Time, limit int) (driver.Claim, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	c, err := d.stepConns.take(ctx)
	if err != nil {
		return nil, d.Classify(err)
	}
	cl := &claim{d: d, c: c, healthy: true}
	if err := cl.claim(ctx, now, limit); err != nil {
		cl.Rollback()
		cl.Close()
		return nil, d.Classify(err)
	}
	return cl, nil
}

func (cl *claim) claim(ctx context.Context, now time.Time, limit int) error {
	d, c := cl.d, cl.c
	floor := d.inboxFloor.get(ctx, c)
	q := d.literal()
	if !c.prepared[claimStatement] {
		q.Raw("PREPARE ", claimStatement, " (timestamptz, bigint, bigint) AS ", claimSQL("$1", "$2", "$3"), ";\n")
	}
	q.Raw("BEGIN;\nEXECUTE ", claimStatement, "(").Time(now).Raw(", ").Int(floor).Raw(", ").Int(int64(limit)).Raw(")")
	d.calls.Add(1)
	rows, err := c.conn.QueryContext(ctx, q.Text())
	if err != nil {
		return err
	}
	c.prepared[claimStatement] = true
	loads, snapshots, err := sqlb.ScanLoads(rows)
	rows.Close()
	if err != nil {
		return err
	}
	cl.claimed = len(loads)
	for i, l := range loads {
		if snapshots[i] != l.Version || d.cfg.ForceReload {
			if l, err = cl.reload(ctx, l.Contact.ID); err != nil {
				return err
			}
		}
		if l != nil {
			cl.loads = append(cl.loads, l)
		}
	}
	return nil
}

// reload loads a claimed contact's step again with a fresh snapshot.
func (cl *claim) reload(ctx context.Context, contactID string) (*driver.StepLoad, error) {
	cl.d.calls.Add(1)
	q := cl.d.literal().Raw("SELECT ", sqlb.WorkColumns, ", c.version FROM contacts c LEFT JOIN sessions s ON s.contact_id = c.id ",
		"JOIN inbox i ON i.contact_id = c.id AND i.state = 0 WHERE c.id = ").Str(contactID).
		Raw(" ORDER BY i.wa_ts, i.arrival, i.id")
	rows, err := cl.c.conn.QueryContext(ctx, q.Text())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	loads, _, err := sqlb.ScanLoads(rows)
	if err != nil || len(loads) == 0 {
		return nil, err
	}
	return loads[0], nil
}

func (cl *claim) Loads() []*driver.StepLoad { return cl.loads }
func (cl *claim) Claimed() int              { return cl.claimed }

// Commit writes the steps and commits, in one round trip. With leased
// replies the commit waits for the disk (the store hands them to a sender
// at once, and a reply must never leave before the step that made it is
// safe), and their rows' ids are returned by contact. If it fails, the
// connection's prepared statements are forgotten: which PREPAREs ran is
// unknown.
func (cl *claim) Commit(ctx context.Context, cm *driver.Commit) (map[string]int64, error) {
	d, c := cl.d, cl.c
	var parts []*sqlb.Builder
	var leased []*driver.Step
	for _, w := range cm.Writes {
		if w.Failure != nil {
			q := d.prepared()
			sqlb.Failure(q, w.Failure)
			parts = append(parts, q)
			continue
		}
		markDone, rest := d.prepared(), d.prepared()
		sqlb.Step(markDone, rest, w.Step)
		parts = append(parts, markDone, rest)
		if w.Step.Leased != nil {
			leased = append(leased, w.Step)
		}
	}
	d.calls.Add(1)
	var ids map[string]int64
	var err error
	if len(leased) == 0 {
		text, names := stepText(c, parts...)
		_, err = c.conn.ExecContext(ctx, text+"COMMIT;")
		c.remember(names, err)
	} else {
		q := d.prepared()
		sqlb.Leased(q, leased, cm.LeaseFrom, cm.LeaseUntil)
		text, names := stepText(c, append(parts, q)...)
		ids = make(map[string]int64, len(leased))
		err = query(ctx, c, text+"SET LOCAL synchronous_commit = on;\nCOMMIT;", func(rows *sql.Rows) error {
			for rows.Next() {
				var contact string
				var id int64
				if err := rows.Scan(&contact, &id); err != nil {
					return err
				}
				ids[contact] = id
			}
			return rows.Err()
		})
		c.remember(names, err)
	}
	if err != nil {
		cl.healthy = cl.reset()
		return nil, err
	}
	return ids, nil
}

// Rollback ends the transaction.
func (cl *claim) Rollback() {
	cl.healthy = cl.healthy && cl.end("ROLLBACK")
}

// reset rolls back and drops the connection's prepared statements, for
// when it is unknown which of them a failed message prepared.
func (cl *claim) reset() bool {
	clear(cl.c.prepared)
	return cl.end("ROLLBACK; DEALLOCATE ALL")
}

func (cl *claim) end(text string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl.d.calls.Add(1)
	_, err := cl.c.conn.ExecContext(ctx, text)
	return err == nil
}

// RecordFailure records a failed step whose transaction is gone (rolled
// back): it locks the contact again, gives up if another step got to it in
// between, and writes f and commits.
func (cl *claim) RecordFailure(ctx context.Context, load *driver.StepLoad, f *driver.Failure) (bool, error) {
	if !cl.healthy {
		return false, nil
	}
	d, c := cl.d, cl.c
	d.calls.Add(1)
	rows, err := c.conn.QueryContext(ctx, d.literal().Raw("BEGIN;\nSELECT version FROM contacts WHERE id = ").Str(load.Contact.ID).Raw(" FOR NO KEY UPDATE").Text())
	if err != nil {
		cl.Rollback()
		return false, nil
	}
	var version int64
	err = scanOne(rows, &version)
	rows.Close()
	if err != nil || version != load.Version {
		cl.Rollback()
		return false, nil
	}
	q := d.prepared()
	sqlb.Failure(q, f)
	text, names := stepText(c, q)
	d.calls.Add(1)
	if _, err := c.conn.ExecContext(ctx, text+"COMMIT;"); err != nil {
		cl.end("ROLLBACK")
		cl.healthy = false
		return false, nil
	}
	c.remember(names, nil)
	return true, nil
}

// Close gives the connection back, or closes it when its state is unknown.
func (cl *claim) Close() {
	if cl.c != nil {
		cl.d.stepConns.done(cl.c, cl.healthy)
		cl.c = nil
	}
}
