package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// The daily roll-up. Each closed day's figures per integration are counted
// from the raw tables (dayRows) and kept in report_days, marked done in
// report_rolled in the same transaction, and counted again each round
// until RollUpLag after the day's end; a report sums the kept rows and
// counts the days not rolled up yet (today) from the raw tables.

// The metrics of report_days.
const (
	mIn            = "msg_in"
	mOut           = "msg_out"
	mCitizens      = "citizens"
	mNew           = "new_citizens"
	mLanguage      = "language"
	mStarted       = "flow_started"
	mCompleted     = "flow_completed"
	mEntered       = "node_entered"
	mDropped       = "dropped"
	mReply         = "reply_ms"
	mFailed        = "send_failed"
	mHandoff       = "handoff"
	mFirstResponse = "first_response_ms"
	mResolution    = "resolution_ms"
	mServiceOK     = "service_ok"
	mServiceError  = "service_error"
	mServiceMS     = "service_ms"
)

// lateMargin is how long before a citizen's first_seen (when the store
// first had a message of theirs) their messages may be dated: WhatsApp
// dates a message when the phone sent it, and delivers it later when the
// phone was offline. Days before the first citizen's first_seen less this
// margin hold nothing.
const lateMargin = 7 * 24 * time.Hour

// RollUpLag is how long after its end a day is rolled up again each round:
// replies still being retried, and handoffs an agent closes later, count
// in their day until then.
const RollUpLag = 48 * time.Hour

// dayRow is a row of report_days.
type dayRow struct {
	bun.BaseModel `bun:"table:report_days"`

	Integration string `bun:"integration_id,pk"`
	Zone        string `bun:"zone,pk"`
	Day         string `bun:"day,pk"`
	Metric      string `bun:"metric,pk"`
	Flow        string `bun:"flow,pk"`
	Key         string `bun:"key,pk"`
	Bucket      int64  `bun:"bucket,pk"`
	N           int64  `bun:"n"`
	Total       int64  `bun:"total"`
}

type rolledModel struct {
	bun.BaseModel `bun:"table:report_rolled"`

	Integration string      `bun:"integration_id,pk"`
	Zone        string      `bun:"zone,pk"`
	Day         string      `bun:"day,pk"`
	RolledAt    driver.Time `bun:"rolled_at"`
}

// sources of the metrics: each is counted by one query of dayRows.
var metricSource = map[string]string{
	mIn: "messages", mOut: "messages", mCitizens: "citizens", mNew: "citizens", mLanguage: "languages",
	mStarted: "events", mCompleted: "events", mEntered: "events", mDropped: "events",
	mServiceOK: "events", mServiceError: "events", mServiceMS: "events",
	mReply: "replies", mFailed: "failed", mHandoff: "handoffs", mFirstResponse: "handoffs", mResolution: "handoffs",
}

// metrics are the rows of the given metrics over the filter's days.
func (r *Reports) metrics(ctx context.Context, f ReportFilter, perFlow bool, name string, ms ...string) ([]dayRow, error) {
	rows, _, err := r.metricsSpan(ctx, f, perFlow, false, name, ms...)
	return rows, err
}

// metricsSpan is metrics with the filter's span; byDay keeps the rows of
// each day apart (else only their metric, flow, key and bucket do).
func (r *Reports) metricsSpan(ctx context.Context, f ReportFilter, perFlow, byDay bool, name string, ms ...string) ([]dayRow, span, error) {
	sp, err := f.check(perFlow)
	if err != nil {
		return nil, sp, fmt.Errorf("store: report %s: %w", name, err)
	}
	rows, err := r.s.reportRows(ctx, sp, byDay, ms)
	if err != nil {
		return nil, sp, fmt.Errorf("store: report %s: %w", name, err)
	}
	return rows, sp, nil
}

// reportRows reads the kept rows of the rolled-up days and counts the others.
func (s *Store) reportRows(ctx context.Context, sp span, byDay bool, ms []string) ([]dayRow, error) {
	zone, ids := sp.zone.String(), sp.f.Integrations
	first, last := sp.days[0], sp.days[len(sp.days)-1]
	var rolled []rolledModel
	var rows []dayRow
	err := s.read(ctx, func(db *bun.DB) error {
		err := db.NewSelect().Model(&rolled).Column("integration_id", "day").Where("zone = ?", zone).
			Where("integration_id IN (?)", bun.List(ids)).Where("day >= ?", first).Where("day <= ?", last).Scan(ctx)
		if err != nil {
			return err
		}
		group := "metric, flow, key, bucket"
		if byDay {
			group += ", day"
		}
		q := db.NewSelect().Model((*dayRow)(nil)).ColumnExpr(group+", sum(n) AS n, sum(total) AS total").
			Where("zone = ?", zone).Where("metric IN (?)", bun.List(ms)).Where("integration_id IN (?)", bun.List(ids)).
			Where("day >= ?", first).Where("day <= ?", last)
		if sp.f.Service != "" {
			q.Where("flow = ?", sp.f.Service)
		}
		return q.GroupExpr(group).Scan(ctx, &rows)
	})
	if err != nil {
		return nil, err
	}
	done := map[[2]string]bool{}
	for _, m := range rolled {
		done[[2]string{m.Integration, m.Day}] = true
	}
	since, err := s.firstSeen(ctx, ids)
	if err != nil || since.IsZero() {
		return rows, err
	}
	sources := map[string]bool{}
	for _, m := range ms {
		sources[metricSource[m]] = true
	}
	want := map[string]bool{}
	for _, m := range ms {
		want[m] = true
	}
	now := s.now()
	for _, day := range sp.days {
		start, _ := time.ParseInLocation(time.DateOnly, day, sp.zone)
		end := start.AddDate(0, 0, 1)
		if !start.Before(now) {
			break
		}
		if !end.After(since) {
			continue
		}
		var missing []string
		for _, id := range ids {
			if !done[[2]string{id, day}] {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			continue
		}
		live, err := s.dayRows(ctx, missing, sp.zone, day, sources)
		if err != nil {
			return nil, err
		}
		for _, m := range live {
			if want[m.Metric] && (sp.f.Service == "" || m.Flow == sp.f.Service) {
				rows = append(rows, m)
			}
		}
	}
	return rows, nil
}

// firstSeen is when the first of the integrations' citizens may have
// written (lateMargin before the first first_seen; zero if none has).
func (s *Store) firstSeen(ctx context.Context, ids []string) (time.Time, error) {
	var t driver.Time
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().TableExpr("contacts").ColumnExpr("min(first_seen)").
			Where("integration_id IN (?)", bun.List(ids)).Scan(ctx, &t)
	})
	if err == ErrNotFound {
		return time.Time{}, nil
	}
	if t.T.IsZero() {
		return t.T, err
	}
	return t.T.Add(-lateMargin), err
}

// dayRows counts a day's figures of the integrations from the raw tables,
// for the metrics of the given sources.
func (s *Store) dayRows(ctx context.Context, ids []string, zone *time.Location, day string, sources map[string]bool) ([]dayRow, error) {
	start, err := time.ParseInLocation(time.DateOnly, day, zone)
	if err != nil {
		return nil, err
	}
	d := dayQuery{s: s, ids: ids, start: start, end: start.AddDate(0, 0, 1), acc: map[dayKey]*dayRow{}}
	counters := []struct {
		source string
		count  func(context.Context, *bun.DB) error
	}{
		{"messages", d.messages}, {"citizens", d.citizens}, {"languages", d.languages}, {"events", d.events},
		{"replies", d.replies}, {"failed", d.failed}, {"handoffs", d.handoffs},
	}
	for _, c := range counters {
		if !sources[c.source] {
			continue
		}
		if err := s.read(ctx, func(db *bun.DB) error { return c.count(ctx, db) }); err != nil && err != ErrNotFound {
			return nil, fmt.Errorf("counting %s of %s: %w", c.source, day, err)
		}
	}
	out := make([]dayRow, 0, len(d.acc))
	for _, r := range d.acc {
		r.Zone, r.Day = zone.String(), day
		out = append(out, *r)
	}
	return out, nil
}

type dayKey struct {
	integration, metric, flow, key string
	bucket                         int64
}

// dayQuery counts one day of some integrations.
type dayQuery struct {
	s          *Store
	ids        []string
	start, end time.Time
	acc        map[dayKey]*dayRow
}

func (d *dayQuery) add(integration, metric, flow, key string, bucket, n, total int64) {
	k := dayKey{integration, metric, flow, key, bucket}
	r := d.acc[k]
	if r == nil {
		r = &dayRow{Integration: integration, Metric: metric, Flow: flow, Key: key, Bucket: bucket}
		d.acc[k] = r
	}
	r.N += n
	r.Total += total
}

// within limits q to the integrations and the day on column col.
func (d *dayQuery) within(q *bun.SelectQuery, prefix, col string) *bun.SelectQuery {
	return q.Where(prefix+"integration_id IN (?)", bun.List(d.ids)).
		Where(prefix+col+" >= ?", driver.At(d.start)).Where(prefix+col+" < ?", driver.At(d.end))
}

type countRow struct {
	Integration string `bun:"integration_id"`
	Key         string `bun:"k"`
	N           int64  `bun:"n"`
	N2          int64  `bun:"n2"`
}

func (d *dayQuery) messages(ctx context.Context, db *bun.DB) error {
	var rows []countRow
	q := db.NewSelect().TableExpr("messages").ColumnExpr("integration_id, direction AS k, count(*) AS n")
	if err := d.within(q, "", "at").Group("integration_id", "direction").Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		m := mOut
		if r.Key == "in" {
			m = mIn
		}
		d.add(r.Integration, m, "", "", 0, r.N, 0)
	}
	return nil
}

func (d *dayQuery) citizens(ctx context.Context, db *bun.DB) error {
	var rows []countRow
	q := db.NewSelect().TableExpr("messages AS m").Join("JOIN contacts AS c ON c.id = m.contact_id").
		ColumnExpr("m.integration_id, count(DISTINCT m.contact_id) AS n").
		ColumnExpr("count(DISTINCT CASE WHEN c.first_seen >= ? THEN m.contact_id END) AS n2", driver.At(d.start)).
		Where("m.direction = 'in'")
	if err := d.within(q, "m.", "at").Group("m.integration_id").Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		d.add(r.Integration, mCitizens, "", "", 0, r.N, 0)
		d.add(r.Integration, mNew, "", "", 0, r.N2, 0)
	}
	return nil
}

func (d *dayQuery) languages(ctx context.Context, db *bun.DB) error {
	var rows []countRow
	q := db.NewSelect().TableExpr("contacts").ColumnExpr("integration_id, language AS k, count(*) AS n")
	if err := d.within(q, "", "first_seen").Group("integration_id", "language").Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		d.add(r.Integration, mLanguage, "", r.Key, 0, r.N, 0)
	}
	return nil
}

type eventRow struct {
	Integration string `bun:"integration_id"`
	ContactID   string `bun:"contact_id"`
	Kind        string `bun:"kind"`
	Flow        string `bun:"flow"`
	Node        string `bun:"node"`
	Detail      string `bun:"detail"`
}

// events counts flows, their funnels and the service calls. A run of a
// flow lasts from its start to its completion; a run that did not complete
// by the end of the day dropped at the last node it entered. A flow
// started while another runs (a sub-flow, or a keyword's restart) stacks
// on it: the run below resumes if the one above completes, and otherwise
// counts as dropped where it stopped.
func (d *dayQuery) events(ctx context.Context, db *bun.DB) error {
	var rows []eventRow
	q := db.NewSelect().TableExpr("events").Column("integration_id", "contact_id", "kind", "flow", "node", "detail").
		Where("kind IN (?)", bun.List([]string{"flow_started", "node_entered", "flow_completed", "service_called", "service_error"}))
	if err := d.within(q, "", "at").Order("contact_id", "id").Scan(ctx, &rows); err != nil {
		return err
	}
	var contact string
	var runs flowRuns
	for _, e := range rows {
		if e.ContactID != contact {
			runs.drop(d)
			contact = e.ContactID
		}
		switch e.Kind {
		case "flow_started":
			d.add(e.Integration, mStarted, e.Flow, "", 0, 1, 0)
			runs = append(runs, flowRun{integration: e.Integration, flow: e.Flow})
		case "node_entered":
			d.add(e.Integration, mEntered, e.Flow, e.Node, 0, 1, 0)
			runs.enter(e.Integration, e.Flow, e.Node)
		case "flow_completed":
			d.add(e.Integration, mCompleted, e.Flow, "", 0, 1, 0)
			runs.complete(e.Flow)
		default:
			op, ms, timed := serviceDetail(e.Detail)
			m := mServiceOK
			if e.Kind == "service_error" {
				m = mServiceError
			}
			d.add(e.Integration, m, e.Flow, op, 0, 1, 0)
			if timed {
				d.add(e.Integration, mServiceMS, e.Flow, op, bucketOf(ms), 1, ms)
			}
		}
	}
	runs.drop(d)
	return nil
}

// flowRun is a run of a flow not completed yet: where it is.
type flowRun struct{ integration, flow, node string }

// flowRuns are a contact's runs, the one running last.
type flowRuns []flowRun

// enter moves the newest run of flow to node (a run that began the day
// before starts here).
func (rs *flowRuns) enter(integration, flow, node string) {
	for i := len(*rs) - 1; i >= 0; i-- {
		if (*rs)[i].flow == flow {
			(*rs)[i].node = node
			return
		}
	}
	*rs = append(*rs, flowRun{integration: integration, flow: flow, node: node})
}

// complete ends the newest run of flow.
func (rs *flowRuns) complete(flow string) {
	for i := len(*rs) - 1; i >= 0; i-- {
		if (*rs)[i].flow == flow {
			*rs = append((*rs)[:i], (*rs)[i+1:]...)
			return
		}
	}
}

// drop counts the runs left as dropped at their last node, and forgets them.
func (rs *flowRuns) drop(d *dayQuery) {
	for _, r := range *rs {
		if r.node != "" {
			d.add(r.integration, mDropped, r.flow, r.node, 0, 1, 0)
		}
	}
	*rs = (*rs)[:0]
}

// serviceDetail reads a service event's detail: "operation", or
// "operation 120ms", then for an error ": what went wrong".
func serviceDetail(detail string) (op string, ms int64, timed bool) {
	head, _, _ := strings.Cut(detail, ":")
	op, took, _ := strings.Cut(strings.TrimSpace(head), " ")
	if v, ok := strings.CutSuffix(took, "ms"); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return op, n, true
		}
	}
	return op, 0, false
}

type replyRow struct {
	Integration string      `bun:"integration_id"`
	At          driver.Time `bun:"at"`
	SentAt      driver.Time `bun:"sent_at"`
}

// replies times the first reply to each message: the outbox row right
// after the message in the contact's history.
func (d *dayQuery) replies(ctx context.Context, db *bun.DB) error {
	var rows []replyRow
	q := db.NewSelect().TableExpr("messages AS m").
		Join("JOIN outbox AS o ON o.contact_id = m.contact_id AND o.seq = m.seq + 1").
		ColumnExpr("m.integration_id, m.at, o.sent_at").Where("m.direction = 'in'").Where("o.sent_at IS NOT NULL")
	if err := d.within(q, "m.", "at").Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		ms := r.SentAt.T.Sub(r.At.T).Milliseconds()
		d.add(r.Integration, mReply, "", "", bucketOf(ms), 1, max(ms, 0))
	}
	return nil
}

func (d *dayQuery) failed(ctx context.Context, db *bun.DB) error {
	var rows []countRow
	q := db.NewSelect().TableExpr("outbox").ColumnExpr("integration_id, coalesce(error_code, 0) AS k, count(*) AS n").Where("status = 5")
	if err := d.within(q, "", "created_at").Group("integration_id", "k").Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		d.add(r.Integration, mFailed, "", r.Key, 0, r.N, 0)
	}
	return nil
}

type handoffRow struct {
	Integration string      `bun:"integration_id"`
	Queue       string      `bun:"handoff_queue"`
	HandoffAt   driver.Time `bun:"handoff_at"`
	RespondedAt driver.Time `bun:"first_response_at"`
	ClosedAt    driver.Time `bun:"closed_at"`
}

// handoffs counts the conversations handed over on the day, by queue. The
// conversations looked at opened at most a week before.
func (d *dayQuery) handoffs(ctx context.Context, db *bun.DB) error {
	var rows []handoffRow
	q := db.NewSelect().TableExpr("conversations").
		Column("integration_id", "handoff_queue", "handoff_at", "first_response_at", "closed_at").
		Where("opened_at >= ?", driver.At(d.start.AddDate(0, 0, -7))).Where("opened_at < ?", driver.At(d.end))
	if err := d.within(q, "", "handoff_at").Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		d.add(r.Integration, mHandoff, "", r.Queue, 0, 1, 0)
		if !r.RespondedAt.T.IsZero() {
			ms := r.RespondedAt.T.Sub(r.HandoffAt.T).Milliseconds()
			d.add(r.Integration, mFirstResponse, "", r.Queue, bucketOf(ms), 1, max(ms, 0))
		}
		if !r.ClosedAt.T.IsZero() {
			ms := r.ClosedAt.T.Sub(r.HandoffAt.T).Milliseconds()
			d.add(r.Integration, mResolution, "", r.Queue, bucketOf(ms), 1, max(ms, 0))
		}
	}
	return nil
}
