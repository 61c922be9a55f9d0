package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// The reports over known rows: three citizens of "city" (and one of "town",
// never counted) on 1 and 2 June 2026, India time.

var ist = time.FixedZone("IST", 5*3600+1800)

// at is a time on a day of June 2026 in India.
func at(day, h, m int) time.Time { return time.Date(2026, 6, day, h, m, 0, 0, ist) }

type row = map[string]any

// insert writes rows into a table (test set-up only).
func (e *env) insert(table string, rows ...row) {
	e.t.Helper()
	for _, r := range rows {
		for k, v := range r {
			if t, ok := v.(time.Time); ok {
				r[k] = driver.At(t.UTC())
			}
		}
		if _, err := e.s.drv.DB().NewInsert().Model(&r).TableExpr(table).Exec(context.Background()); err != nil {
			e.t.Fatalf("insert into %s: %v", table, err)
		}
	}
}

func contactRow(id, integration, lang string, first time.Time) row {
	return row{"id": id, "integration_id": integration, "key": id, "language": lang, "first_seen": first, "last_seen": first}
}

func msgRow(contact, integration string, seq int, dir string, t time.Time) row {
	return row{"contact_id": contact, "seq": seq, "conversation": 1, "integration_id": integration, "direction": dir, "at": t}
}

func outRow(contact, integration string, seq, status int, created time.Time, sent time.Time, code any) row {
	r := row{"contact_id": contact, "seq": seq, "integration_id": integration, "conversation": 1, "payload": []byte("x"),
		"status": status, "due_at": created, "created_at": created, "error_code": code}
	if !sent.IsZero() {
		r["sent_at"] = sent
	}
	return r
}

func evRow(contact, kind, flow, node, detail string, t time.Time) row {
	return row{"contact_id": contact, "integration_id": "city", "conversation": 1, "kind": kind, "flow": flow, "node": node, "detail": detail, "at": t}
}

// seedReports writes the rows every report test counts.
func seedReports(e *env) {
	e.clock.t = time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	e.insert("contacts",
		contactRow("c1", "city", "hi", at(1, 9, 0)), contactRow("c2", "city", "en", at(1, 10, 0)),
		contactRow("c3", "city", "hi", time.Date(2026, 5, 20, 12, 0, 0, 0, ist)), contactRow("c4", "town", "ta", at(1, 12, 0)))
	ms := time.Millisecond
	e.insert("messages",
		msgRow("c1", "city", 1, "in", at(1, 9, 0)), msgRow("c1", "city", 2, "out", at(1, 9, 0)),
		msgRow("c1", "city", 3, "in", at(1, 9, 5)), msgRow("c1", "city", 4, "out", at(1, 9, 5)),
		msgRow("c2", "city", 1, "in", at(1, 10, 0)), msgRow("c2", "city", 2, "out", at(1, 10, 0)),
		msgRow("c2", "city", 3, "in", at(2, 0, 10)), msgRow("c2", "city", 4, "out", at(2, 0, 10)),
		msgRow("c3", "city", 1, "in", at(2, 11, 0)), msgRow("c3", "city", 2, "out", at(2, 11, 0)),
		msgRow("c4", "town", 1, "in", at(1, 12, 0)), msgRow("c4", "town", 2, "out", at(1, 12, 0)))
	e.insert("outbox",
		outRow("c1", "city", 2, 4, at(1, 9, 0), at(1, 9, 0).Add(1500*ms), nil),
		outRow("c1", "city", 4, 3, at(1, 9, 5), at(1, 9, 5).Add(300*ms), nil),
		outRow("c1", "city", 5, 5, at(1, 9, 6), time.Time{}, nil),
		outRow("c2", "city", 2, 3, at(1, 10, 0), at(1, 10, 0).Add(2000*ms), nil),
		outRow("c2", "city", 4, 3, at(2, 0, 10), at(2, 0, 10).Add(800*ms), nil),
		outRow("c3", "city", 2, 3, at(2, 11, 0), at(2, 11, 0).Add(300*ms), nil),
		outRow("c3", "city", 3, 5, at(2, 11, 1), time.Time{}, 131047),
		outRow("c3", "city", 4, 5, at(2, 11, 2), time.Time{}, 131047),
		outRow("c4", "town", 2, 5, at(1, 12, 0), time.Time{}, 131026))
	e.insert("events",
		evRow("c1", "flow_started", "ration", "", "", at(1, 9, 0)),
		evRow("c1", "node_entered", "ration", "ask_card", "", at(1, 9, 0)),
		evRow("c1", "node_entered", "ration", "confirm", "", at(1, 9, 5)),
		evRow("c1", "flow_completed", "ration", "", "", at(1, 9, 5)),
		evRow("c2", "flow_started", "ration", "", "", at(1, 10, 0)),
		evRow("c2", "node_entered", "ration", "ask_card", "", at(1, 10, 0)),
		evRow("c2", "service_called", "ration", "ask_card", "ration.lookup 120ms", at(1, 10, 0)),
		evRow("c2", "service_error", "ration", "ask_card", "ration.lookup 900ms: timed out", at(1, 10, 1)),
		evRow("c2", "service_called", "ration", "ask_card", "ration.lookup", at(1, 10, 2)),
		evRow("c3", "flow_started", "grievance", "", "", at(2, 11, 0)),
		evRow("c3", "node_entered", "grievance", "describe", "", at(2, 11, 0)),
		evRow("c1", "flow_started", "ration", "", "", at(2, 12, 0)),
		evRow("c1", "node_entered", "ration", "ask_card", "", at(2, 12, 0)),
		evRow("c1", "node_entered", "ration", "confirm", "", at(2, 12, 1)),
		evRow("c1", "flow_started", "grievance", "", "", at(2, 12, 2)),
		evRow("c1", "node_entered", "grievance", "describe", "", at(2, 12, 2)),
		evRow("c1", "flow_completed", "grievance", "", "", at(2, 12, 3)),
		// A sub-flow: ration calls language, which returns to it.
		evRow("c2", "flow_started", "ration", "", "", at(2, 13, 0)),
		evRow("c2", "node_entered", "ration", "ask_card", "", at(2, 13, 0)),
		evRow("c2", "flow_started", "language", "", "", at(2, 13, 1)),
		evRow("c2", "node_entered", "language", "choose", "", at(2, 13, 1)),
		evRow("c2", "flow_completed", "language", "", "", at(2, 13, 2)),
		evRow("c2", "node_entered", "ration", "confirm", "", at(2, 13, 2)),
		evRow("c2", "flow_completed", "ration", "", "", at(2, 13, 3)))
	conv := func(contact string, seq int, queue string, opened, handoff, responded, closed time.Time) row {
		r := row{"contact_id": contact, "seq": seq, "integration_id": "city", "opened_at": opened, "handoff_queue": queue}
		for k, v := range map[string]time.Time{"handoff_at": handoff, "first_response_at": responded, "closed_at": closed} {
			if !v.IsZero() {
				r[k] = v
			}
		}
		return r
	}
	e.insert("conversations",
		conv("c1", 1, "ration_desk", at(1, 9, 0), at(1, 9, 10), at(1, 9, 11), at(1, 10, 10)),
		conv("c2", 1, "ration_desk", at(1, 10, 0), at(1, 10, 5), at(1, 10, 7), time.Time{}),
		conv("c3", 1, "grievance_desk", at(2, 11, 0), at(2, 11, 5), time.Time{}, time.Time{}),
		conv("c3", 2, "", at(2, 11, 30), time.Time{}, time.Time{}, time.Time{}))
	g := func(integration, ref, kind, category, status, pin string, created, due time.Time) row {
		return row{"integration_id": integration, "reference": ref, "kind": kind, "category": category, "status": status,
			"pin_code": pin, "created_at": created, "updated_at": created, "due_at": due}
	}
	e.insert("grievances",
		g("city", "G1", "grievance", "water", "lodged", "400001", at(1, 10, 0), at(4, 10, 0)),
		g("city", "G2", "grievance", "water", "lodged", "400050", at(2, 10, 0), at(30, 10, 0)),
		g("city", "G3", "ration_card", "", "resolved", "600043", at(1, 11, 0), at(3, 10, 0)),
		g("city", "G4", "grievance", "roads", "in_progress", "999999", at(2, 11, 0), at(30, 10, 0)),
		g("city", "G5", "grievance", "water", "lodged", "400001", time.Date(2026, 5, 25, 10, 0, 0, 0, ist), at(30, 10, 0)),
		g("town", "G6", "grievance", "water", "lodged", "400001", at(1, 10, 0), at(4, 10, 0)))
}

var testDistricts = map[string]string{"400": "Mumbai", "600": "Chennai", "600043": "Chengalpattu"}

func june(from, to int) ReportFilter {
	return ReportFilter{Integrations: []string{"city"}, From: time.Date(2026, 6, from, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
		To: time.Date(2026, 6, to, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)}
}

// allReports runs every report over f.
func allReports(t *testing.T, r *Reports, f ReportFilter) map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string]any{}
	var err error
	check := func(name string, v any, e error) {
		if e != nil && err == nil {
			err = e
		}
		out[name] = v
	}
	flows, e := r.Flows(ctx, f)
	check("flows", flows, e)
	funnel, e := r.Funnel(ctx, f)
	check("funnel", funnel, e)
	msgs, e := r.Messages(ctx, f)
	check("messages", msgs, e)
	cit, e := r.Citizens(ctx, f)
	check("citizens", cit, e)
	langs, e := r.Languages(ctx, f)
	check("languages", langs, e)
	rt, e := r.ReplyTimes(ctx, f)
	check("replies", rt, e)
	qs, e := r.Queues(ctx, f)
	check("queues", qs, e)
	fs, e := r.FailedSends(ctx, f)
	check("failed", fs, e)
	sc, e := r.ServiceCalls(ctx, f)
	check("services", sc, e)
	cs, e := r.Cases(ctx, f)
	check("cases", cs, e)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantReports is what allReports gives for june(1, 2).
var wantReports = map[string]any{
	"flows":     []FlowRow{{"ration", 4, 2, 0.5}, {"grievance", 2, 1, 0.5}, {"language", 1, 1, 1}},
	"funnel":    []FunnelRow{{"grievance", "describe", 2, 1}, {"language", "choose", 1, 0}, {"ration", "ask_card", 4, 1}, {"ration", "confirm", 3, 1}},
	"messages":  []DayMessages{{"2026-06-01", 3, 3}, {"2026-06-02", 2, 2}},
	"citizens":  []DayCitizens{{"2026-06-01", 2, 2, 0}, {"2026-06-02", 2, 0, 2}},
	"languages": []LanguageRow{{"en", 1, 0.5}, {"hi", 1, 0.5}},
	"replies":   ReplyTimes{Replies: 5, MedianMS: 800, P90MS: 2000},
	"queues": []QueueRow{{Queue: "ration_desk", Handoffs: 2, Responded: 2, FirstResponseMedianMS: 60000, FirstResponseP90MS: 120000,
		Resolved: 1, ResolutionMedianMS: 3500000, ResolutionP90MS: 3500000}, {Queue: "grievance_desk", Handoffs: 1}},
	"failed":   []FailedSendRow{{131047, 2}, {0, 1}},
	"services": []ServiceRow{{Operation: "ration.lookup", Calls: 3, Errors: 1, ErrorRate: 0.333, Timed: 2, MedianMS: 120, P90MS: 900}},
	"cases": []CaseRow{
		{Kind: "grievance", Category: "water", Status: "lodged", District: "Mumbai", Cases: 2, Open: 2, Breached: 1, Age8To30: 2},
		{Kind: "grievance", Category: "roads", Status: "in_progress", District: "unknown", Cases: 1, Open: 1, Age8To30: 1},
		{Kind: "ration_card", Category: "", Status: "resolved", District: "Chengalpattu", Cases: 1}},
}

func diffReports(t *testing.T, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s:\n got %+v\nwant %+v", k, got[k], w)
		}
	}
}

func TestReportsLive(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		seedReports(e)
		diffReports(t, allReports(t, e.s.Reports(testDistricts), june(1, 2)), wantReports)
	})
}

func TestReportsRolledUp(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		seedReports(e)
		ctx := context.Background()
		zones := map[*time.Location][]string{mustZone(t, DefaultZone): {"city", "town"}}
		// 13 May (a week before the first citizen) to 9 June (the last
		// closed day): 28 days.
		if n, err := e.s.RollUp(ctx, zones, "a", 5); err != nil || n != 5 {
			t.Fatalf("RollUp a = %d, %v; want 5", n, err)
		}
		if n, err := e.s.RollUp(ctx, zones, "b", 100); err != nil || n != 0 {
			t.Fatalf("RollUp b while a holds the lease = %d, %v; want 0", n, err)
		}
		e.clock.Advance(rollUpLease + time.Second)
		if n, err := e.s.RollUp(ctx, zones, "b", 100); err != nil || n != 23 {
			t.Fatalf("RollUp b after the lease = %d, %v; want 23", n, err)
		}
		// 8 and 9 June ended less than 48 hours ago: they are rolled again.
		if n, err := e.s.RollUp(ctx, zones, "b", 100); err != nil || n != 2 {
			t.Fatalf("RollUp again = %d, %v; want 2", n, err)
		}
		// The raw rows go: the reports now read only what was rolled up.
		e.exec("DELETE FROM messages")
		e.exec("DELETE FROM events")
		e.exec("DELETE FROM outbox")
		e.exec("DELETE FROM conversations")
		diffReports(t, allReports(t, e.s.Reports(testDistricts), june(1, 2)), wantReports)
		var kept int
		if err := e.s.drv.DB().NewSelect().TableExpr("report_days").ColumnExpr("count(*)").Scan(ctx, &kept); err != nil {
			t.Fatal(err)
		}
		if kept == 0 {
			t.Fatal("nothing kept in report_days")
		}
	})
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestReportsZoneAndService(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		seedReports(e)
		ctx := context.Background()
		r := e.s.Reports(testDistricts)
		f := june(1, 2)
		f.Zone = time.UTC
		msgs, err := r.Messages(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		// c2's message at 00:10 on 2 June in India is 1 June in UTC; 1 June
		// 00:00-05:30 in India was 31 May in UTC, with nothing in it.
		if want := []DayMessages{{"2026-06-01", 4, 4}, {"2026-06-02", 1, 1}}; !reflect.DeepEqual(msgs, want) {
			t.Errorf("messages in UTC = %+v, want %+v", msgs, want)
		}
		f = june(1, 2)
		f.Service = "grievance"
		flows, err := r.Flows(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if want := []FlowRow{{"grievance", 2, 1, 0.5}}; !reflect.DeepEqual(flows, want) {
			t.Errorf("flows of grievance = %+v, want %+v", flows, want)
		}
		f.Integrations = []string{"town"}
		f.Service = ""
		fs, err := r.FailedSends(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if want := []FailedSendRow{{131026, 1}}; !reflect.DeepEqual(fs, want) {
			t.Errorf("failed sends of town = %+v, want %+v", fs, want)
		}
	})
}

func TestReportsBadFilter(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		r := e.s.Reports(nil)
		cases := map[string]ReportFilter{
			"integrations": {From: "2026-06-01", To: "2026-06-02"},
			"from:":        {Integrations: []string{"city"}, From: "June", To: "2026-06-02"},
			"to:":          {Integrations: []string{"city"}, From: "2026-06-03", To: "2026-06-02"},
			"longer than":  {Integrations: []string{"city"}, From: "2020-01-01", To: "2026-06-02"},
			"service:":     {Integrations: []string{"city"}, From: "2026-06-01", To: "2026-06-02", Service: "ration"},
		}
		for want, f := range cases {
			_, err := r.Messages(ctx, f)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
				t.Errorf("Messages(%+v) = %v, want ErrInvalid naming %q", f, err, want)
			}
		}
		if _, err := r.Cases(ctx, ReportFilter{Integrations: []string{"city"}, From: "x", To: "y"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Cases with bad dates = %v, want ErrInvalid", err)
		}
		// Nothing yet: empty reports, not errors.
		got, err := r.Flows(ctx, june(1, 2))
		if err != nil || len(got) != 0 {
			t.Errorf("Flows of an empty store = %v, %v", got, err)
		}
	})
}

func TestHistogramAndDetail(t *testing.T) {
	t.Parallel()
	for ms, want := range map[int64]int64{-5: 0, 7: 7, 10: 10, 11: 10, 19: 17, 99: 90, 100: 100, 1234: 1200, 2399: 2200, 98765: 90000, 3600000: 3500000} {
		if got := bucketOf(ms); got != want {
			t.Errorf("bucketOf(%d) = %d, want %d", ms, got, want)
		}
	}
	for detail, want := range map[string][2]any{"a.b": {"a.b", false}, "a.b 12ms": {"a.b", true}, "a.b 12ms: boom": {"a.b", true},
		"a.b: no service connectors are configured": {"a.b", false}, "a.b xms": {"a.b", false}} {
		op, _, timed := serviceDetail(detail)
		if op != want[0] || timed != want[1] {
			t.Errorf("serviceDetail(%q) = %q, %v; want %v", detail, op, timed, want)
		}
	}
	var h histogram
	if h.quantile(0.5) != 0 {
		t.Error("quantile of nothing is not 0")
	}
}

func TestRecentDaysAreRolledAgain(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		seedReports(e)
		ctx := context.Background()
		zones := map[*time.Location][]string{mustZone(t, DefaultZone): {"city"}}
		if _, err := e.s.RollUp(ctx, zones, "a", 100); err != nil {
			t.Fatal(err)
		}
		// Sends that fail late: one queued on 9 June (ended less than 48
		// hours ago), one on 2 June (rolled up for good).
		e.insert("outbox", outRow("c1", "city", 9, 5, at(9, 12, 0), time.Time{}, 131026),
			outRow("c1", "city", 10, 5, at(2, 12, 0), time.Time{}, 131026))
		if n, err := e.s.RollUp(ctx, zones, "a", 100); err != nil || n != 2 {
			t.Fatalf("RollUp = %d, %v; want the 2 recent days", n, err)
		}
		e.exec("DELETE FROM outbox")
		r := e.s.Reports(nil)
		for _, c := range []struct {
			f    ReportFilter
			want []FailedSendRow
		}{
			{june(9, 9), []FailedSendRow{{131026, 1}}},
			{june(2, 2), []FailedSendRow{{131047, 2}}},
		} {
			got, err := r.FailedSends(ctx, c.f)
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("failed sends %s: %+v, %v; want %+v", c.f.From, got, err, c.want)
			}
		}
	})
}
