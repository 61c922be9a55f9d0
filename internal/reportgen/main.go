// Command reportgen measures the reports on generated data: for each size
// it writes one year of a large state's traffic into a fresh Postgres
// schema (messages, replies, events, handoffs, citizens and cases, made by
// the database itself with generate_series), rolls the year up as
// `samvad serve` would, and times every report over the whole year and
// over its last 30 days, and what the console's dashboard asks. It prints a
// table for docs/performance.md.
//
//	go run ./internal/reportgen -db "$TEST_DATABASE_URL" -sizes 250000,1000000,4000000
//
// Sizes are messages (in and out); there are a twentieth as many citizens
// and a fiftieth as many cases. Each size's schema is dropped at the end
// unless -keep. It is a tool: nothing in the samvad binary imports it.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/samvad/samvad/adapters/store"
)

func main() {
	db := flag.String("db", os.Getenv("TEST_DATABASE_URL"), "the Postgres database to make schemas in")
	sizes := flag.String("sizes", "250000,1000000,4000000", "the sizes to measure, in messages")
	runs := flag.Int("runs", 3, "times each report runs (the median is shown)")
	keep := flag.Bool("keep", false, "keep the generated schemas")
	flag.Parse()
	if *db == "" {
		fail(fmt.Errorf("reportgen: -db (or TEST_DATABASE_URL) names no database"))
	}
	var results []result
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 {
			fail(fmt.Errorf("reportgen: size %q is not a number of messages of at least 1,000", s))
		}
		r, err := measure(context.Background(), *db, n, *runs, *keep)
		if err != nil {
			fail(err)
		}
		results = append(results, r)
	}
	printTable(results)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// The generated year, in India: 2026, with "now" at noon on its last day,
// so that that day is half over (rolled up as far as it has gone, as each
// round of serve does).
var (
	kolkata = mustZone("Asia/Kolkata")
	yearAt  = time.Date(2026, 1, 1, 0, 0, 0, 0, kolkata)
	now     = time.Date(2026, 12, 31, 12, 0, 0, 0, kolkata)
	ids     = []string{"st0", "st1", "st2", "st3"}
)

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// result is one size's figures.
type result struct {
	messages, citizens, cases int
	generate, rollUp, round   time.Duration
	bytes                     int64
	year, month               map[string]time.Duration
}

// measure generates a size, rolls it up and times the reports.
func measure(ctx context.Context, base string, n, runs int, keep bool) (result, error) {
	r := result{messages: n, citizens: n / 20, cases: n / 50, year: map[string]time.Duration{}, month: map[string]time.Duration{}}
	schema := fmt.Sprintf("reportgen_%d", n)
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base), pgdriver.WithReadTimeout(time.Hour)))
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		return r, fmt.Errorf("reportgen: schema: %w", err)
	}
	if !keep {
		defer admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck // best effort
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	url := base + sep + "search_path=" + schema
	s, err := store.Open(ctx, url, store.Options{Clock: func() time.Time { return now }})
	if err != nil {
		return r, err
	}
	defer s.Close()
	conn := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url), pgdriver.WithReadTimeout(time.Hour)))
	defer conn.Close()
	began := time.Now()
	if err := generate(ctx, conn, n); err != nil {
		return r, err
	}
	r.generate = time.Since(began)
	if err := conn.QueryRowContext(ctx, "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relkind = 'r'", schema).Scan(&r.bytes); err != nil {
		return r, err
	}
	began = time.Now()
	days, err := s.RollUp(ctx, map[*time.Location][]string{kolkata: ids}, "reportgen", 1000)
	if err != nil {
		return r, err
	}
	r.rollUp = time.Since(began)
	// A round of serve's roll-up job after that: the recent days and today.
	began = time.Now()
	again, err := s.RollUp(ctx, map[*time.Location][]string{kolkata: ids}, "reportgen", 1000)
	if err != nil {
		return r, err
	}
	r.round = time.Since(began)
	fmt.Fprintf(os.Stderr, "%d messages: rolled up %d days in %v, a round (%d days) in %v\n", n, days, r.rollUp.Round(time.Millisecond),
		again, r.round.Round(time.Millisecond))
	if _, err := conn.ExecContext(ctx, "ANALYZE"); err != nil {
		return r, err
	}
	reps := s.Reports(map[string]string{"400": "Mumbai", "411": "Pune", "751": "Khordha"})
	year := store.ReportFilter{Integrations: ids, From: "2026-01-01", To: "2026-12-31", Zone: kolkata}
	month := year
	month.From = "2026-12-02"
	all := reports(reps)
	// The shipped pin_districts.csv names full PINs of some prefixes; the
	// cases of such a prefix are counted one by one.
	own := s.Reports(map[string]string{"400": "Mumbai", "400001": "Mumbai GPO", "411": "Pune", "751": "Khordha"})
	all["cases (a prefix with full PINs)"] = func(ctx context.Context, f store.ReportFilter) error { _, err := own.Cases(ctx, f); return err }
	for name, run := range all {
		for _, span := range []struct {
			f   store.ReportFilter
			out map[string]time.Duration
		}{{year, r.year}, {month, r.month}} {
			var took []time.Duration
			for i := 0; i < runs; i++ {
				began := time.Now()
				if err := run(ctx, span.f); err != nil {
					return r, fmt.Errorf("reportgen: %s: %w", name, err)
				}
				took = append(took, time.Since(began))
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			span.out[name] = took[len(took)/2]
		}
	}
	return r, nil
}

// reports runs each report, discarding its rows.
func reports(r *store.Reports) map[string]func(context.Context, store.ReportFilter) error {
	return map[string]func(context.Context, store.ReportFilter) error{
		"flows":               func(ctx context.Context, f store.ReportFilter) error { _, err := r.Flows(ctx, f); return err },
		"funnel":              func(ctx context.Context, f store.ReportFilter) error { _, err := r.Funnel(ctx, f); return err },
		"messages":            func(ctx context.Context, f store.ReportFilter) error { _, err := r.Messages(ctx, f); return err },
		"citizens":            func(ctx context.Context, f store.ReportFilter) error { _, err := r.Citizens(ctx, f); return err },
		"languages":           func(ctx context.Context, f store.ReportFilter) error { _, err := r.Languages(ctx, f); return err },
		"cases":               func(ctx context.Context, f store.ReportFilter) error { _, err := r.Cases(ctx, f); return err },
		"reply-times":         func(ctx context.Context, f store.ReportFilter) error { _, err := r.ReplyTimes(ctx, f); return err },
		"queues":              func(ctx context.Context, f store.ReportFilter) error { _, err := r.Queues(ctx, f); return err },
		"failed-sends":        func(ctx context.Context, f store.ReportFilter) error { _, err := r.FailedSends(ctx, f); return err },
		"service-calls":       func(ctx context.Context, f store.ReportFilter) error { _, err := r.ServiceCalls(ctx, f); return err },
		"dashboard (console)": func(ctx context.Context, f store.ReportFilter) error { return dashboard(ctx, r, f) },
	}
}

// dashboard runs what the console's dashboard asks (server/console_data.go):
// messages by day, the flows, the funnel of the flow started most, and the
// cases, one after the other.
func dashboard(ctx context.Context, r *store.Reports, f store.ReportFilter) error {
	if _, err := r.Messages(ctx, f); err != nil {
		return err
	}
	flows, err := r.Flows(ctx, f)
	if err != nil || len(flows) == 0 {
		return err
	}
	top := f
	top.Service = flows[0].Flow
	if _, err := r.Funnel(ctx, top); err != nil {
		return err
	}
	_, err = r.Cases(ctx, f)
	return err
}

// printTable prints the figures as a Markdown table.
func printTable(rs []result) {
	var names []string
	for n := range rs[0].year {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Print("| report (ms: year / last 30 days) |")
	for _, r := range rs {
		fmt.Printf(" %s messages |", group(r.messages))
	}
	fmt.Print("\n|---|")
	for range rs {
		fmt.Print("---|")
	}
	fmt.Println()
	for _, n := range names {
		fmt.Printf("| `%s` |", n)
		for _, r := range rs {
			fmt.Printf(" %s / %s |", ms(r.year[n]), ms(r.month[n]))
		}
		fmt.Println()
	}
	line := func(label string, f func(r result) string) {
		fmt.Printf("| %s |", label)
		for _, r := range rs {
			fmt.Printf(" %s |", f(r))
		}
		fmt.Println()
	}
	line("citizens / cases", func(r result) string { return group(r.citizens) + " / " + group(r.cases) })
	line("tables and indexes", func(r result) string { return fmt.Sprintf("%d MB", r.bytes>>20) })
	line("generating", func(r result) string { return r.generate.Round(time.Second).String() })
	line("rolling the year up", func(r result) string { return r.rollUp.Round(time.Second).String() })
	line("a round after (3 days)", func(r result) string { return r.round.Round(10 * time.Millisecond).String() })
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

// group writes n with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
