package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/adapters/store/internal/sqlb"
	"github.com/samvad/samvad/adapters/store/storetest"
	"github.com/samvad/samvad/internal/testdb"
)

// open opens a driver on a fresh schema (TEST_DATABASE_URL) and migrates it.
func open(t *testing.T) *Driver {
	t.Helper()
	d, err := Open(testdb.URL(t, "postgres"), driver.Config{MaxOpenConns: 32, ConnectTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) driver.Driver { return open(t) })
}

// A connPool opens at most its size, runs its settings on each connection,
// and hands a given-back connection (with what it prepared) to the next
// caller.
func TestConnPool(t *testing.T) {
	t.Parallel()
	d := open(t)
	ctx := context.Background()
	p := newConnPool(d.sqldb, 1, queueSettings)
	defer p.close()

	c, err := p.take(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var setting string
	if err := c.conn.QueryRowContext(ctx, "SHOW enable_bitmapscan").Scan(&setting); err != nil || setting != "off" {
		t.Fatalf("enable_bitmapscan on a pool connection: %q (%v), want off", setting, err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := p.take(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second take from a pool of one: %v, want it to wait until the deadline", err)
	}
	c.prepared["x"] = true
	p.give(c)
	again, err := p.take(ctx)
	if err != nil || again != c || !again.prepared["x"] {
		t.Fatalf("take after give: %p (%v), want the same connection %p with its prepared statements", again, err, c)
	}
	p.discard(again)
	fresh, err := p.take(ctx)
	if err != nil || fresh == c || len(fresh.prepared) != 0 {
		t.Fatalf("take after discard: %p (%v), want a new connection", fresh, err)
	}
	p.give(fresh)
}

// Steps may commit without waiting for the disk only because every send
// claim commits synchronously (see stepSettings): pin both.
func TestStepAndSendCommitModes(t *testing.T) {
	t.Parallel()
	d := open(t)
	for _, tc := range []struct {
		name string
		pool *connPool
		want string
	}{{"step", d.stepConns, "off"}, {"send", d.sendConns, "on"}} {
		c, err := tc.pool.take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var mode string
		err = c.conn.QueryRowContext(context.Background(), "SHOW synchronous_commit").Scan(&mode)
		tc.pool.give(c)
		if err != nil || mode != tc.want {
			t.Errorf("synchronous_commit on a %s connection: %q (%v), want %s", tc.name, mode, err, tc.want)
		}
	}
}

// A message whose insert took its id before the floor moved past it, but
// committed after (a slow ingest), must still be served: the next refresh
// lowers the floor to it.
func TestFloorFindsALateCommit(t *testing.T) {
	t.Parallel()
	d := open(t)
	ctx := context.Background()
	now := storetest.Epoch
	var reserved int64
	if err := d.sqldb.QueryRowContext(ctx, "SELECT nextval(pg_get_serial_sequence('inbox', 'id'))").Scan(&reserved); err != nil {
		t.Fatal(err)
	}
	storetest.Ingest(t, d, now, storetest.Inbound("911111111111", "a1", now, "a1"), storetest.Inbound("912222222222", "b1", now, "b1"))
	if n := storetest.Drain(t, d, now, false); n != 2 {
		t.Fatalf("served %d steps, want 2", n)
	}
	time.Sleep(floorRefresh + 10*time.Millisecond)
	storetest.Ingest(t, d, now, storetest.Inbound("913333333333", "c1", now, "c1"))
	storetest.Drain(t, d, now, false) // the floor is now above the reserved id
	d.inboxFloor.mu.Lock()
	f := d.inboxFloor.value
	d.inboxFloor.mu.Unlock()
	if f <= reserved {
		t.Fatalf("inbox floor %d, want it above the reserved id %d", f, reserved)
	}
	if _, err := d.sqldb.ExecContext(ctx, `INSERT INTO inbox (id, contact_id, wamid, integration_id, type, summary, wa_ts, received_at, arrival, input)
		OVERRIDING SYSTEM VALUE
		SELECT `+strconv.FormatInt(reserved, 10)+`, contact_id, 'a0', integration_id, type, 'late', wa_ts, received_at, arrival, input
		FROM inbox WHERE wamid = 'a1'`); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * floorRefresh); storetest.Drain(t, d, now, false) == 0; time.Sleep(floorRefresh / 4) {
		if time.Now().After(deadline) {
			t.Fatalf("the late message was not served within %s", 5*floorRefresh)
		}
	}
}

// A one-message ingest goes as prepared statements, and every write
// connection that ran one keeps them: the next such ingest on it only
// EXECUTEs.
func TestSmallIngestsStayPrepared(t *testing.T) {
	t.Parallel()
	d := open(t)
	now := storetest.Epoch
	m := storetest.Inbound("911", "w1", now, "a")
	storetest.Ingest(t, d, now, m)
	q := d.prepared()
	sqlb.Contacts(q, []driver.Inbound{m}, now)
	sqlb.Inbox(q, []driver.Inbound{m}, now)
	stmts := q.Statements()
	if len(stmts) != 2 {
		t.Fatalf("a one-message ingest: %d statements, want 2", len(stmts))
	}
	conns := make([]*pgConn, 0, 8)
	found := false
	for len(conns) < cap(conns) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		c, err := d.writeConns.take(ctx)
		cancel()
		if err != nil {
			break
		}
		conns = append(conns, c)
		found = found || c.prepared[statementName(stmts[0].Text)] && c.prepared[statementName(stmts[1].Text)]
	}
	for _, c := range conns {
		d.writeConns.give(c)
	}
	if !found {
		t.Fatal("no write connection kept the one-message ingest's prepared statements")
	}
}

// holdConns takes every connection of p; release gives them back.
func holdConns(t *testing.T, p *connPool) (release func()) {
	t.Helper()
	var held []*pgConn
	for range cap(p.slots) {
		c, err := p.take(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	return func() {
		for _, c := range held {
			p.give(c)
		}
	}
}

// queued says how many MarkSent calls wait for the writer, and whether
// it is running.
func (d *Driver) queued() (n int, running bool) { return d.markSents.Queued() }

// waitForQueueLen waits until the MarkSent writer is running and n calls
// wait for it.
func waitForQueueLen(t *testing.T, d *Driver, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if queued, running := d.queued(); queued == n && running {
			return
		}
	}
	t.Fatalf("MarkSent never had %d calls queued behind a running writer", n)
}

// Concurrent MarkSent calls share transactions: with the send connections
// held until every call has queued, 100 marks take at most a few.
func TestMarkSentsShareTransactions(t *testing.T) {
	t.Parallel()
	d := open(t)
	ctx := context.Background()
	rows := storetest.Queue(t, d, storetest.Epoch, true, storetest.Keys("f", 100)...)
	release := holdConns(t, d.sendConns)
	var wg sync.WaitGroup
	errs := make([]error, len(rows))
	for i, r := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var applied bool
			applied, _, errs[i] = d.MarkSent(ctx, r.ID, "wamid."+r.WaID, storetest.Epoch.Add(time.Second))
			if errs[i] == nil && !applied {
				errs[i] = fmt.Errorf("row %d not applied", r.ID)
			}
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if n, _ := d.queued(); n == len(rows)-1 {
			break
		}
	}
	release()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n, transactions int
	if err := d.sqldb.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT xmin::text) FROM outbox WHERE sent_at IS NOT NULL").Scan(&n, &transactions); err != nil {
		t.Fatal(err)
	}
	if n != len(rows) || transactions > 5 {
		t.Fatalf("%d rows marked sent in %d transactions, want %d in at most 5", n, transactions, len(rows))
	}
}

// A row that makes its shared transaction fail fails alone: the others of
// its batch are written again without it.
func TestMarkSentBatchFailureFailsAlone(t *testing.T) {
	t.Parallel()
	d := open(t)
	ctx := context.Background()
	if _, err := d.sqldb.ExecContext(ctx, `CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'poisoned wamid'; END $$;
		CREATE TRIGGER refuse_poison BEFORE UPDATE ON outbox FOR EACH ROW
		WHEN (NEW.provider_wamid = 'wamid.poison') EXECUTE FUNCTION refuse_poison()`); err != nil {
		t.Fatal(err)
	}
	ms := storetest.Queue(t, d, storetest.Epoch, true, storetest.Keys("k", 20)...)
	errs := make([]error, len(ms))
	wamid := func(i int) string {
		if i == 7 {
			return "wamid.poison"
		}
		return "wamid." + ms[i].WaID
	}
	release := holdConns(t, d.sendConns)
	calls := d.Calls()
	var wg sync.WaitGroup
	mark := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = d.MarkSent(ctx, ms[i].ID, wamid(i), storetest.Epoch)
		}()
	}
	// The first call is taken by the group's writer, which then waits for
	// a connection; the others queue behind it, the poisoned one last, so
	// that it is written among others rather than alone.
	mark(0)
	waitForQueueLen(t, d, 0)
	for i := 1; i < len(ms); i++ {
		if i != 7 {
			mark(i)
		}
	}
	waitForQueueLen(t, d, len(ms)-2)
	mark(7)
	waitForQueueLen(t, d, len(ms)-1)
	release()
	wg.Wait()
	if n := d.Calls() - calls; n < 4 {
		t.Fatalf("%d round trips for %d marks, want a shared one that failed and its rows written alone", n, len(ms))
	}
	for i, m := range ms {
		var status int
		var sent *string
		if err := d.sqldb.QueryRowContext(ctx, "SELECT status, provider_wamid FROM outbox WHERE id = $1", m.ID).Scan(&status, &sent); err != nil {
			t.Fatal(err)
		}
		switch {
		case i == 7 && (errs[i] == nil || !strings.Contains(errs[i].Error(), "poisoned wamid") || status != driver.RankSending):
			t.Errorf("poisoned row: MarkSent = %v, row status %d; want the trigger's error and the row still sending", errs[i], status)
		case i != 7 && (errs[i] != nil || status != driver.RankSent || sent == nil || *sent != wamid(i)):
			t.Errorf("row %d of the batch: MarkSent = %v, row status %d; want nil, sent with %q", i, errs[i], status, wamid(i))
		}
	}
}

func TestTextArray(t *testing.T) {
	t.Parallel()
	if got, want := textArray([]string{`wamid.a`, `b"c`, `d\e`}), `{"wamid.a","b\"c","d\\e"}`; got != want {
		t.Fatalf("textArray = %s, want %s", got, want)
	}
}
