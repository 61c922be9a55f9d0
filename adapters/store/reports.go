package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Reports answers the reports of a department's use of the bot, each over a
// range of days in a time zone. Figures of closed days come from the daily
// roll-up (see RollUp); days not rolled up yet, such as today, are counted
// from the raw tables when asked. Get one from Store.Reports.
type Reports struct {
	s         *Store
	districts map[string]string
}

// Reports returns the report queries. districts maps a PIN code, or the
// first three digits of one (the sorting district), to a district's name,
// for Cases; a full PIN wins over its prefix, and a PIN in neither is
// "unknown".
func (s *Store) Reports(districts map[string]string) *Reports {
	return &Reports{s: s, districts: districts}
}

// DefaultZone is the time zone of reports when the filter names none.
const DefaultZone = "Asia/Kolkata"

// ReportFilter chooses what a report counts.
type ReportFilter struct {
	// Integrations are the integrations counted (a department's); at least one.
	Integrations []string
	// Service is a flow's id; only the reports kept per flow (Flows, Funnel,
	// ServiceCalls) accept one.
	Service string
	// From and To are the first and last day counted (YYYY-MM-DD), in Zone.
	From, To string
	// Zone is the time zone the days are in; nil means DefaultZone.
	Zone *time.Location
}

// maxReportDays is the longest range a report covers: a little over two years.
const maxReportDays = 800

// span is a filter checked: its days and their zone.
type span struct {
	f        ReportFilter
	zone     *time.Location
	from, to time.Time // midnight of the first day, and of the day after the last
	days     []string
}

// check reads the filter; perFlow says whether the report accepts Service.
func (f ReportFilter) check(perFlow bool) (span, error) {
	sp := span{f: f, zone: f.Zone}
	if len(f.Integrations) == 0 {
		return sp, invalidf("integrations: none given")
	}
	for _, id := range f.Integrations {
		if err := validIntegration(id); err != nil {
			return sp, err
		}
	}
	if f.Service != "" && !perFlow {
		return sp, invalidf("service: this report is not kept per service")
	}
	if sp.zone == nil {
		z, err := time.LoadLocation(DefaultZone)
		if err != nil {
			return sp, fmt.Errorf("store: time zone %s: %w", DefaultZone, err)
		}
		sp.zone = z
	}
	from, err := time.ParseInLocation(time.DateOnly, f.From, sp.zone)
	if err != nil {
		return sp, invalidf("from: %q is not a date (YYYY-MM-DD)", trimTo(f.From, 40))
	}
	to, err := time.ParseInLocation(time.DateOnly, f.To, sp.zone)
	if err != nil {
		return sp, invalidf("to: %q is not a date (YYYY-MM-DD)", trimTo(f.To, 40))
	}
	if to.Before(from) {
		return sp, invalidf("to: %s is before from (%s)", f.To, f.From)
	}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if len(sp.days) == maxReportDays {
			return sp, invalidf("to: the range is longer than %d days", maxReportDays)
		}
		sp.days = append(sp.days, d.Format(time.DateOnly))
	}
	sp.from, sp.to = from, to.AddDate(0, 0, 1)
	return sp, nil
}

// FlowRow is a flow's starts and completions.
type FlowRow struct {
	Flow      string `json:"flow"`
	Started   int64  `json:"started"`
	Completed int64  `json:"completed"`
	// CompletionRate is Completed / Started (0 when nothing started).
	CompletionRate float64 `json:"completion_rate"`
}

// Flows counts each flow's starts and completions, most started first.
func (r *Reports) Flows(ctx context.Context, f ReportFilter) ([]FlowRow, error) {
	rows, err := r.metrics(ctx, f, true, "flows", mStarted, mCompleted)
	if err != nil {
		return nil, err
	}
	by := map[string]*FlowRow{}
	for _, m := range rows {
		row := by[m.Flow]
		if row == nil {
			row = &FlowRow{Flow: m.Flow}
			by[m.Flow] = row
		}
		if m.Metric == mStarted {
			row.Started += m.N
		} else {
			row.Completed += m.N
		}
	}
	out := make([]FlowRow, 0, len(by))
	for _, row := range by {
		if row.Started > 0 {
			row.CompletionRate = round3(float64(row.Completed) / float64(row.Started))
		}
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Started != out[j].Started {
			return out[i].Started > out[j].Started
		}
		return out[i].Flow < out[j].Flow
	})
	return out, nil
}

// FunnelRow is a node of a flow's funnel: how many runs of the flow
// entered it, and how many ended there without completing the flow.
type FunnelRow struct {
	Flow    string `json:"flow"`
	Node    string `json:"node"`
	Entered int64  `json:"entered"`
	Dropped int64  `json:"dropped"`
}

// Funnel counts, for each node of each flow, the runs that entered it and
// those that stopped there (a run is a flow's start and what followed until
// it completed, another flow started, or its day ended). Rows are by flow,
// then most entered first.
func (r *Reports) Funnel(ctx context.Context, f ReportFilter) ([]FunnelRow, error) {
	rows, err := r.metrics(ctx, f, true, "funnel", mEntered, mDropped)
	if err != nil {
		return nil, err
	}
	type k struct{ flow, node string }
	by := map[k]*FunnelRow{}
	for _, m := range rows {
		row := by[k{m.Flow, m.Key}]
		if row == nil {
			row = &FunnelRow{Flow: m.Flow, Node: m.Key}
			by[k{m.Flow, m.Key}] = row
		}
		if m.Metric == mEntered {
			row.Entered += m.N
		} else {
			row.Dropped += m.N
		}
	}
	out := make([]FunnelRow, 0, len(by))
	for _, row := range by {
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Flow != b.Flow {
			return a.Flow < b.Flow
		}
		if a.Entered != b.Entered {
			return a.Entered > b.Entered
		}
		return a.Node < b.Node
	})
	return out, nil
}

// DayMessages is a day's messages received and sent.
type DayMessages struct {
	Day string `json:"day"`
	In  int64  `json:"in"`
	Out int64  `json:"out"`
}

// Messages counts the messages in and out of each day of the range,
// including days with none.
func (r *Reports) Messages(ctx context.Context, f ReportFilter) ([]DayMessages, error) {
	rows, sp, err := r.metricsSpan(ctx, f, false, true, "messages", mIn, mOut)
	if err != nil {
		return nil, err
	}
	out := make([]DayMessages, len(sp.days))
	at := map[string]int{}
	for i, d := range sp.days {
		out[i].Day, at[d] = d, i
	}
	for _, m := range rows {
		if m.Metric == mIn {
			out[at[m.Day]].In += m.N
		} else {
			out[at[m.Day]].Out += m.N
		}
	}
	return out, nil
}

// DayCitizens is how many citizens wrote on a day: those writing for the
// first time (New) and the others (Returning).
type DayCitizens struct {
	Day       string `json:"day"`
	Citizens  int64  `json:"citizens"`
	New       int64  `json:"new"`
	Returning int64  `json:"returning"`
}

// Citizens counts the citizens who wrote on each day of the range.
func (r *Reports) Citizens(ctx context.Context, f ReportFilter) ([]DayCitizens, error) {
	rows, sp, err := r.metricsSpan(ctx, f, false, true, "citizens", mCitizens, mNew)
	if err != nil {
		return nil, err
	}
	out := make([]DayCitizens, len(sp.days))
	at := map[string]int{}
	for i, d := range sp.days {
		out[i].Day, at[d] = d, i
	}
	for _, m := range rows {
		if m.Metric == mCitizens {
			out[at[m.Day]].Citizens += m.N
		} else {
			out[at[m.Day]].New += m.N
		}
	}
	for i := range out {
		out[i].Returning = out[i].Citizens - out[i].New
	}
	return out, nil
}

// LanguageRow is how many of the citizens first seen in the range use a
// language ("" when none was chosen), and their share.
type LanguageRow struct {
	Language string  `json:"language"`
	Citizens int64   `json:"citizens"`
	Share    float64 `json:"share"`
}

// Languages splits the citizens first seen in the range by the language
// they use, most first.
func (r *Reports) Languages(ctx context.Context, f ReportFilter) ([]LanguageRow, error) {
	rows, err := r.metrics(ctx, f, false, "languages", mLanguage)
	if err != nil {
		return nil, err
	}
	by := map[string]int64{}
	var all int64
	for _, m := range rows {
		by[m.Key] += m.N
		all += m.N
	}
	out := make([]LanguageRow, 0, len(by))
	for l, n := range by {
		out = append(out, LanguageRow{Language: l, Citizens: n, Share: round3(float64(n) / float64(all))})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Citizens != out[j].Citizens {
			return out[i].Citizens > out[j].Citizens
		}
		return out[i].Language < out[j].Language
	})
	return out, nil
}

// ReplyTimes is how long citizens waited for the bot's first reply to a
// message: from the message's WhatsApp time to the reply's send.
type ReplyTimes struct {
	Replies  int64 `json:"replies"`
	MedianMS int64 `json:"median_ms"`
	P90MS    int64 `json:"p90_ms"`
}

// ReplyTimes measures the bot's reply times over the range, to within a sixth
// (see bucketOf).
func (r *Reports) ReplyTimes(ctx context.Context, f ReportFilter) (ReplyTimes, error) {
	rows, err := r.metrics(ctx, f, false, "reply times", mReply)
	if err != nil {
		return ReplyTimes{}, err
	}
	var h histogram
	for _, m := range rows {
		h.add(m.Bucket, m.N)
	}
	return ReplyTimes{Replies: h.n, MedianMS: h.quantile(0.5), P90MS: h.quantile(0.9)}, nil
}

// QueueRow is what became of the conversations handed to a queue's agents.
type QueueRow struct {
	Queue    string `json:"queue"`
	Handoffs int64  `json:"handoffs"`
	// Responded conversations had an agent's answer; the times run from the handoff.
	Responded             int64 `json:"responded"`
	FirstResponseMedianMS int64 `json:"first_response_median_ms"`
	FirstResponseP90MS    int64 `json:"first_response_p90_ms"`
	// Resolved conversations were closed.
	Resolved           int64 `json:"resolved"`
	ResolutionMedianMS int64 `json:"resolution_median_ms"`
	ResolutionP90MS    int64 `json:"resolution_p90_ms"`
}

// Queues counts the handoffs of each queue in the range, with the agents'
// first-response and resolution times (rounded down as bucketOf does).
func (r *Reports) Queues(ctx context.Context, f ReportFilter) ([]QueueRow, error) {
	rows, err := r.metrics(ctx, f, false, "queues", mHandoff, mFirstResponse, mResolution)
	if err != nil {
		return nil, err
	}
	type acc struct {
		n             int64
		first, closed histogram
	}
	by := map[string]*acc{}
	for _, m := range rows {
		a := by[m.Key]
		if a == nil {
			a = &acc{}
			by[m.Key] = a
		}
		switch m.Metric {
		case mHandoff:
			a.n += m.N
		case mFirstResponse:
			a.first.add(m.Bucket, m.N)
		default:
			a.closed.add(m.Bucket, m.N)
		}
	}
	out := make([]QueueRow, 0, len(by))
	for q, a := range by {
		out = append(out, QueueRow{Queue: q, Handoffs: a.n,
			Responded: a.first.n, FirstResponseMedianMS: a.first.quantile(0.5), FirstResponseP90MS: a.first.quantile(0.9),
			Resolved: a.closed.n, ResolutionMedianMS: a.closed.quantile(0.5), ResolutionP90MS: a.closed.quantile(0.9)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Handoffs != out[j].Handoffs {
			return out[i].Handoffs > out[j].Handoffs
		}
		return out[i].Queue < out[j].Queue
	})
	return out, nil
}

// FailedSendRow is how many replies queued in the range failed for good
// with a Graph API error code (0: failed without one).
type FailedSendRow struct {
	Code     int   `json:"code"`
	Failures int64 `json:"failures"`
}

// FailedSends counts the replies that failed for good, by error code, most first.
func (r *Reports) FailedSends(ctx context.Context, f ReportFilter) ([]FailedSendRow, error) {
	rows, err := r.metrics(ctx, f, false, "failed sends", mFailed)
	if err != nil {
		return nil, err
	}
	by := map[int]int64{}
	for _, m := range rows {
		code, _ := strconv.Atoi(m.Key)
		by[code] += m.N
	}
	out := make([]FailedSendRow, 0, len(by))
	for c, n := range by {
		out = append(out, FailedSendRow{Code: c, Failures: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Failures != out[j].Failures {
			return out[i].Failures > out[j].Failures
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// ServiceRow is the calls flows made to a department API operation.
type ServiceRow struct {
	Operation string  `json:"operation"`
	Calls     int64   `json:"calls"`
	Errors    int64   `json:"errors"`
	ErrorRate float64 `json:"error_rate"`
	// Timed calls recorded their latency (calls made before latencies were
	// recorded have none); the times are rounded down as bucketOf does.
	Timed    int64 `json:"timed"`
	MedianMS int64 `json:"median_ms"`
	P90MS    int64 `json:"p90_ms"`
}

// ServiceCalls counts the calls to each operation, with errors and
// latency, most called first.
func (r *Reports) ServiceCalls(ctx context.Context, f ReportFilter) ([]ServiceRow, error) {
	rows, err := r.metrics(ctx, f, true, "service calls", mServiceOK, mServiceError, mServiceMS)
	if err != nil {
		return nil, err
	}
	type acc struct {
		ok, failed int64
		h          histogram
	}
	by := map[string]*acc{}
	for _, m := range rows {
		a := by[m.Key]
		if a == nil {
			a = &acc{}
			by[m.Key] = a
		}
		switch m.Metric {
		case mServiceOK:
			a.ok += m.N
		case mServiceError:
			a.failed += m.N
		default:
			a.h.add(m.Bucket, m.N)
		}
	}
	out := make([]ServiceRow, 0, len(by))
	for op, a := range by {
		row := ServiceRow{Operation: op, Calls: a.ok + a.failed, Errors: a.failed,
			Timed: a.h.n, MedianMS: a.h.quantile(0.5), P90MS: a.h.quantile(0.9)}
		if row.Calls > 0 {
			row.ErrorRate = round3(float64(a.failed) / float64(row.Calls))
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Calls != out[j].Calls {
			return out[i].Calls > out[j].Calls
		}
		return out[i].Operation < out[j].Operation
	})
	return out, nil
}

// round3 rounds to three decimals.
func round3(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 3, 64), 64)
	return v
}

// histogram counts durations in the buckets of bucketOf.
type histogram struct {
	n       int64
	buckets map[int64]int64
}

func (h *histogram) add(bucket, n int64) {
	if h.buckets == nil {
		h.buckets = map[int64]int64{}
	}
	h.buckets[bucket] += n
	h.n += n
}

// quantile is the bucket of the value of rank ceil(q·n) (nearest rank), or 0.
func (h *histogram) quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	keys := make([]int64, 0, len(h.buckets))
	for k := range h.buckets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	rank := int64(q*float64(h.n) + 0.999999)
	var seen int64
	for _, k := range keys {
		seen += h.buckets[k]
		if seen >= rank {
			return k
		}
	}
	return keys[len(keys)-1]
}

// bucketSteps are the buckets of a decade, in tenths of its power of ten.
var bucketSteps = [...]int64{90, 80, 70, 60, 50, 45, 40, 35, 30, 25, 22, 20, 17, 15, 12, 10}

// bucketOf is ms rounded down to 1, 1.2, 1.5, 1.7, 2, 2.2, 2.5, 3, 3.5, 4,
// 4.5, 5, 6, 7, 8 or 9 times a power of ten (below 10, ms itself): within a
// sixth of the value, with sixteen buckets a decade, so that a year of
// daily histograms stays small.
func bucketOf(ms int64) int64 {
	if ms < 10 {
		return max(ms, 0)
	}
	p := int64(1)
	for ms >= 100 {
		ms /= 10
		p *= 10
	}
	for _, b := range bucketSteps {
		if ms >= b {
			return b * p
		}
	}
	return ms * p
}
