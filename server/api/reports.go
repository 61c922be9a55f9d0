package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
)

// The reports: GET /reports/{name}, over a range of days in the
// department's time zone, as JSON or CSV. The figures come from
// store.Reports (see there what each counts and which are rolled up).

func (a *API) mountReports(r *mux.Router) {
	a.route(r, http.MethodGet, "/reports", RoleViewer, a.listReports)
	a.route(r, http.MethodGet, "/reports/{name}", RoleViewer, a.getReport)
}

// reportDef is one report: its columns (the JSON names of its rows, in
// CSV order), whether it is kept per service, and how to run it.
type reportDef struct {
	columns []string
	perFlow bool
	run     func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error)
}

// FailedSend is a row of the failed-sends report: a Graph error code, what
// it means, and how many replies failed with it.
type FailedSend struct {
	Code     int    `json:"code"`
	Meaning  string `json:"meaning"`
	Failures int64  `json:"failures"`
}

// errorMeaning says what a Graph error code means.
func errorMeaning(code int) string {
	if code == 0 {
		return "the send failed without a Graph error code (see the event log)"
	}
	return (&whatsapp.GraphError{Code: code}).Meaning()
}

var reportDefs = map[string]reportDef{
	"flows": {[]string{"flow", "started", "completed", "completion_rate"}, true,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) { return r.Flows(ctx, f) }},
	"funnel": {[]string{"flow", "node", "entered", "dropped"}, true,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) {
			return r.Funnel(ctx, f)
		}},
	"messages": {[]string{"day", "in", "out"}, false,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) {
			return r.Messages(ctx, f)
		}},
	"citizens": {[]string{"day", "citizens", "new", "returning"}, false,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) {
			return r.Citizens(ctx, f)
		}},
	"languages": {[]string{"language", "citizens", "share"}, false,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) {
			return r.Languages(ctx, f)
		}},
	"cases": {[]string{"kind", "category", "status", "district", "cases", "open", "breached", "age_0_7", "age_8_30", "age_31_90", "age_over_90"}, false,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) { return r.Cases(ctx, f) }},
	"reply-times": {[]string{"replies", "median_ms", "p90_ms"}, false,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) {
			t, err := r.ReplyTimes(ctx, f)
			return []store.ReplyTimes{t}, err
		}},
	"queues": {[]string{"queue", "handoffs", "responded", "first_response_median_ms", "first_response_p90_ms", "resolved", "resolution_median_ms", "resolution_p90_ms"}, false,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) {
			return r.Queues(ctx, f)
		}},
	"failed-sends": {[]string{"code", "meaning", "failures"}, false,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) {
			rows, err := r.FailedSends(ctx, f)
			out := make([]FailedSend, len(rows))
			for i, row := range rows {
				out[i] = FailedSend{Code: row.Code, Meaning: errorMeaning(row.Code), Failures: row.Failures}
			}
			return out, err
		}},
	"service-calls": {[]string{"operation", "calls", "errors", "error_rate", "timed", "median_ms", "p90_ms"}, true,
		func(ctx context.Context, r *store.Reports, f store.ReportFilter) (any, error) {
			return r.ServiceCalls(ctx, f)
		}},
}

// ReportNames lists the reports.
func ReportNames() []string {
	names := make([]string, 0, len(reportDefs))
	for n := range reportDefs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Report is a report's answer.
type Report struct {
	Name string `json:"report"`
	// From, To and Zone are the days counted and their time zone.
	From string `json:"from"`
	To   string `json:"to"`
	Zone string `json:"zone"`
	// Integration and Service are the filters given, if any.
	Integration string `json:"integration,omitempty"`
	Service     string `json:"service,omitempty"`
	// Columns name the fields of each row, in order.
	Columns []string `json:"columns"`
	// Rows are the report's typed rows (store.FlowRow, store.DayMessages…).
	Rows any `json:"rows"`
}

// reportParams are the query parameters a report accepts.
var reportParams = map[string]bool{"from": true, "to": true, "integration": true, "service": true, "format": true}

// defaultReportDays is the range of a report that names no from: the 30
// days ending on to.
const defaultReportDays = 30

// RunReport runs the named report for p over the query's filters: from and
// to (YYYY-MM-DD, default the last 30 days to today), integration (one of
// the department's; default all of them) and service (a flow's id).
func (a *API) RunReport(ctx context.Context, p Principal, name string, q url.Values) (Report, error) {
	def, ok := reportDefs[name]
	if !ok {
		return Report{}, badField("name", "no report is called %q (there are %s)", name, strings.Join(ReportNames(), ", "))
	}
	for k := range q {
		if !reportParams[k] {
			return Report{}, badField(k, "is not a parameter of reports (from, to, integration, service, format)")
		}
	}
	zone := a.zoneOf(p)
	to := a.now().In(zone).Format(time.DateOnly)
	if v := q.Get("to"); v != "" {
		to = v
	}
	last, err := time.ParseInLocation(time.DateOnly, to, zone)
	if err != nil {
		return Report{}, badField("to", "must be a date as YYYY-MM-DD, not %q", to)
	}
	from := last.AddDate(0, 0, 1-defaultReportDays).Format(time.DateOnly)
	if v := q.Get("from"); v != "" {
		from = v
	}
	first, err := time.ParseInLocation(time.DateOnly, from, zone)
	switch {
	case err != nil:
		return Report{}, badField("from", "must be a date as YYYY-MM-DD, not %q", from)
	case last.Before(first):
		return Report{}, badField("to", "is before from")
	case last.Sub(first) > 730*24*time.Hour:
		return Report{}, badField("from", "a report covers at most two years")
	}
	service := q.Get("service")
	if service != "" && !def.perFlow {
		return Report{}, badField("service", "the %s report is not kept per service", name)
	}
	ids := a.integrationsOf(p)
	if in := q.Get("integration"); in != "" {
		if !a.owns(p, in) {
			return Report{}, errNoSuchIntegration
		}
		ids = []string{in}
	}
	rep := Report{Name: name, From: from, To: to, Zone: zone.String(), Integration: q.Get("integration"), Service: service, Columns: def.columns}
	if len(ids) == 0 {
		rep.Rows = []struct{}{}
		return rep, nil
	}
	f := store.ReportFilter{Integrations: ids, Service: service, From: from, To: to, Zone: zone}
	rows, err := def.run(ctx, a.opts.Store.Reports(a.opts.Districts), f)
	if errors.Is(err, store.ErrInvalid) {
		return Report{}, badField("", "%s", strings.TrimPrefix(err.Error(), "store: "))
	}
	if err != nil {
		return Report{}, err
	}
	rep.Rows = rows
	return rep, nil
}

// errNoSuchIntegration answers an integration that is not the department's.
var errNoSuchIntegration = errors.New("api: no such integration")

func (a *API) listReports(w http.ResponseWriter, r *http.Request) {
	type entry struct {
		Name    string   `json:"name"`
		Columns []string `json:"columns"`
		Service bool     `json:"per_service"`
	}
	var out []entry
	for _, n := range ReportNames() {
		out = append(out, entry{n, reportDefs[n].columns, reportDefs[n].perFlow})
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": out})
}

func (a *API) getReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		writeError(w, http.StatusBadRequest, "format", "must be json or csv")
		return
	}
	name := mux.Vars(r)["name"]
	rep, err := a.RunReport(r.Context(), PrincipalFrom(r.Context()), name, q)
	var fe *fieldError
	switch {
	case errors.Is(err, errNoSuchIntegration):
		writeError(w, http.StatusNotFound, "integration", "no such integration")
		return
	case errors.As(err, &fe) && fe.field == "name":
		writeError(w, http.StatusNotFound, "", fe.reason)
		return
	case err != nil:
		a.writeFieldError(w, err)
		return
	}
	if format != "csv" {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	if err := writeCSV(w, rep); err != nil {
		a.log.Error("api: writing a report as CSV", "report", name, "err", err)
	}
}

// writeCSV answers the report as CSV with a header row.
func writeCSV(w http.ResponseWriter, rep Report) error {
	b, err := json.Marshal(rep.Rows)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s_%s_%s.csv"`, rep.Name, rep.From, rep.To))
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write(rep.Columns)
	for _, row := range rows {
		rec := make([]string, len(rep.Columns))
		for i, c := range rep.Columns {
			rec[i] = csvCell(row[c])
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// csvCell writes a value for a spreadsheet; text that a spreadsheet would
// run as a formula is quoted with a leading apostrophe.
func csvCell(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	default:
		s = fmt.Sprint(x)
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
