package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/samvad/samvad/adapters/store/internal/sqlb"
)

// pgConn is a Postgres connection kept for one kind of hot work (steps,
// sends), with the statements prepared on it. Keeping our own small pools
// means the prepared statements are known without asking the server, so a
// statement is prepared and run in the same round trip.
type pgConn struct {
	conn     *sql.Conn
	prepared map[string]bool
}

// connPool keeps up to size pgConns. Every new connection first runs
// setup, the session settings of that kind of work. A connection never goes
// back to database/sql's own pool: it carries our prepared statements and
// settings, so one that leaves a connPool is closed for good.
type connPool struct {
	db    *sql.DB
	setup string

	slots chan struct{} // one per connection open
	idle  chan *pgConn

	mu     sync.Mutex
	closed bool
}

func newConnPool(db *sql.DB, size int, setup string) *connPool {
	size = max(size, 1)
	return &connPool{db: db, setup: setup, slots: make(chan struct{}, size), idle: make(chan *pgConn, size)}
}

// queueSettings are the session settings of the connections that write:
// ingest, claims, steps, sends. Every one of their statements touches a
// handful of rows found by key, many of them through partial indexes among
// many updated rows, where only an index scan in key order marks the dead
// entries it passes so that later scans skip them (a bitmap scan visits
// them all again, every time). The planner's statistics lag behind: a fresh
// or fast-growing table looks small, and a prepared plan made then is kept.
// A sequential scan, a bitmap scan, or a hash or merge join over a whole
// index is cheap on a small table and ruinous on a big one, so the planner
// is told not to pick them: nested loops over index lookups are right for
// these statements at every size. (Ruling out sorts as well made claims
// far slower: some plans have no way around one.)
const queueSettings = "SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off"

// stepSettings add to queueSettings, for steps, commits that do not wait
// for the disk. Nothing is lost by it, because of the order of things: a
// step's input is already durable (ingest commits synchronously, before the
// webhook is answered), and nothing a step wrote leaves the system before a
// sender claims its outbox rows, in a synchronous commit, which flushes the
// log up to and past the step's commit, or the step hands its reply to its
// caller (ProcessNextAndLease), and then that step's commit waits for the
// disk (SET LOCAL). So a Postgres crash can only lose steps whose replies
// were not claimed yet; their messages are still pending in the durable
// inbox and are simply handled again, as after a rollback.
// What it saves is the step's wait for the disk, which is most of a step's
// time on a slow disk.
const stepSettings = queueSettings + "; SET synchronous_commit = off"

// take returns an idle connection, opens one while fewer than size are
// open, or waits for one to be given back.
func (p *connPool) take(ctx context.Context) (*pgConn, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	select {
	case c := <-p.idle:
		return c, nil
	case p.slots <- struct{}{}:
		c, err := p.open(ctx)
		if err != nil {
			<-p.slots
		}
		return c, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *connPool) open(ctx context.Context) (*pgConn, error) {
	conn, err := p.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c := &pgConn{conn: conn, prepared: make(map[string]bool)}
	if p.setup != "" {
		if _, err := conn.ExecContext(ctx, p.setup); err != nil {
			closeForGood(c)
			return nil, err
		}
	}
	return c, nil
}

// give keeps c for the next caller (or closes it once the pool is closed).
func (p *connPool) give(c *pgConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.discard(c)
		return
	}
	p.idle <- c // never blocks: at most size connections exist
}

// done gives c back when healthy, else discards it.
func (p *connPool) done(c *pgConn, healthy bool) {
	if healthy {
		p.give(c)
	} else {
		p.discard(c)
	}
}

// discard closes c for good, freeing its slot: its state is unknown (a
// failed statement, a lost connection) or the pool is closing.
func (p *connPool) discard(c *pgConn) {
	closeForGood(c)
	<-p.slots
}

// close closes the idle connections; those in use are closed when given back.
func (p *connPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for {
		select {
		case c := <-p.idle:
			p.discard(c)
		default:
			return
		}
	}
}

// closeForGood closes c's connection rather than letting database/sql
// reuse it.
func closeForGood(c *pgConn) {
	_ = c.conn.Raw(func(any) error { return driver.ErrBadConn })
	c.conn.Close()
}

// stepText turns Prepared statements into one message: PREPARE for those
// the connection has not seen (PREPARE is not transactional: it takes
// effect inside the step's transaction and stays), then EXECUTE of each.
// It returns the names to remember once the message succeeded.
func stepText(c *pgConn, qs ...*sqlb.Builder) (string, []string) {
	var b strings.Builder
	names := appendStepText(&b, c, nil, qs...)
	return b.String(), names
}

// message renders parts, in order, as one simple-protocol message: those
// built in Prepared mode as stepText does, the others as their text. It
// returns the names to remember once the message succeeded.
func message(c *pgConn, parts ...*sqlb.Builder) (string, []string) {
	var b strings.Builder
	var names []string
	for _, p := range parts {
		if p != nil && p.Mode() == sqlb.Prepared {
			names = appendStepText(&b, c, names, p)
		} else {
			b.WriteString(p.Text())
		}
	}
	return b.String(), names
}

// appendStepText writes Prepared statements to b (see stepText); names are
// those the message already prepares, and it returns them with the new
// ones.
func appendStepText(b *strings.Builder, c *pgConn, names []string, qs ...*sqlb.Builder) []string {
	var all []sqlb.Stmt
	for _, q := range qs {
		all = append(all, q.Statements()...)
	}
	size := 0
	for _, st := range all {
		size += len(st.Text) + len(st.Lits) + 2*len(st.Ends) + 32
	}
	b.Grow(size + 64)
	for _, st := range all {
		name := statementName(st.Text)
		if !c.prepared[name] && !slices.Contains(names, name) {
			b.WriteString("PREPARE " + name + " AS " + st.Text + ";\n")
			names = append(names, name)
		}
		b.WriteString("EXECUTE " + name)
		st.Literals(func(i int, lit string) {
			if i == 0 {
				b.WriteByte('(')
			} else {
				b.WriteString(", ")
			}
			b.WriteString(lit)
		})
		if len(st.Ends) > 0 {
			b.WriteByte(')')
		}
		b.WriteString(";\n")
	}
	return names
}

// remember notes the statements a message prepared on c, once it succeeded.
func (c *pgConn) remember(names []string, err error) {
	if err != nil {
		return
	}
	for _, n := range names {
		c.prepared[n] = true
	}
}

// statementName names a prepared statement after its text.
func statementName(text string) string {
	h := fnv.New64a()
	h.Write([]byte(text))
	return "samvad_" + strconv.FormatUint(h.Sum64(), 36)
}

// prepared runs the named statement def with args (a Literal text of the
// arguments) on a connection of p, preparing it there first (in the same
// round trip) when that connection has not met it: planning costs more
// than running for the short statements of the send path. One round trip,
// one implicit transaction.
func (d *Driver) runPrepared(ctx context.Context, p *connPool, name, types, def string, args *sqlb.Builder, scan func(*sql.Rows) error) error {
	if err := d.check(); err != nil {
		return err
	}
	c, err := p.take(ctx)
	if err != nil {
		return err
	}
	err = d.runPreparedOn(ctx, c, name, types, def, args, scan)
	p.done(c, err == nil) // after an error, whether the PREPARE ran is unknown
	return err
}

// runPreparedOn is runPrepared on a connection the caller holds.
func (d *Driver) runPreparedOn(ctx context.Context, c *pgConn, name, types, def string, args *sqlb.Builder, scan func(*sql.Rows) error) error {
	q := "EXECUTE " + name + "(" + args.Text() + ")"
	if !c.prepared[name] {
		q = "PREPARE " + name + " " + types + " AS " + def + ";\n" + q
	}
	d.calls.Add(1)
	if err := query(ctx, c, q, scan); err != nil {
		return err
	}
	c.prepared[name] = true
	return nil
}

// query runs q on c and hands its rows to scan.
func query(ctx context.Context, c *pgConn, q string, scan func(*sql.Rows) error) error {
	rows, err := c.conn.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := scan(rows); err != nil {
		return err
	}
	return rows.Close()
}
