package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// CaseRow counts the cases (grievances and service requests) lodged in the
// range with one kind, category, status and district; Open cases are those
// not resolved, closed or rejected, Breached the open ones past their due
// time, and the ages count the open ones by days since they were lodged.
type CaseRow struct {
	Kind      string `json:"kind"`
	Category  string `json:"category"`
	Status    string `json:"status"`
	District  string `json:"district"`
	Cases     int64  `json:"cases"`
	Open      int64  `json:"open"`
	Breached  int64  `json:"breached"`
	Age0To7   int64  `json:"age_0_7"`
	Age8To30  int64  `json:"age_8_30"`
	Age31To90 int64  `json:"age_31_90"`
	AgeOver90 int64  `json:"age_over_90"`
}

// closedStatuses are the statuses of cases that need nothing more.
var closedStatuses = []string{"resolved", "closed", "rejected"}

type caseCount struct {
	Kind     string `bun:"kind"`
	Category string `bun:"category"`
	Status   string `bun:"status"`
	Pin      string `bun:"pin_code"`
	Age      int    `bun:"age"`
	Breached bool   `bun:"breached"`
	N        int64  `bun:"n"`
}

// Cases counts the cases lodged in the range by kind, category, status and
// district, most first. Whole UTC days come from case_tally, kept current
// by the database with every write to grievances; the parts of days at the
// range's ends, the days holding an age bound (7, 30, 90 days ago), and the
// cases of a PIN prefix that has full PINs of its own in the districts are
// counted from the cases themselves.
func (r *Reports) Cases(ctx context.Context, f ReportFilter) ([]CaseRow, error) {
	sp, err := f.check(false)
	if err != nil {
		return nil, fmt.Errorf("store: report cases: %w", err)
	}
	now := r.s.now()
	bounds := []time.Time{now.AddDate(0, 0, -7), now.AddDate(0, 0, -30), now.AddDate(0, 0, -90)}
	cut := caseCut(sp.from, sp.to, bounds)
	own := r.ownPrefixes()
	var rows []caseCount
	err = r.s.read(ctx, func(db *bun.DB) error {
		for _, iv := range cut.live {
			if err := liveCases(ctx, db, sp.f.Integrations, iv, now, nil, &rows); err != nil {
				return err
			}
		}
		if len(cut.tallied) == 0 {
			return nil
		}
		for _, iv := range cut.runs {
			if len(own) > 0 {
				if err := liveCases(ctx, db, sp.f.Integrations, iv, now, own, &rows); err != nil {
					return err
				}
			}
		}
		return r.tallied(ctx, db, sp.f.Integrations, cut, bounds, own, now, &rows)
	})
	if err != nil && err != ErrNotFound {
		return nil, fmt.Errorf("store: report cases: %w", err)
	}
	return r.caseRows(rows), nil
}

// caseRows sums the counts by kind, category, status and district.
func (r *Reports) caseRows(rows []caseCount) []CaseRow {
	type k struct{ kind, category, status, district string }
	by := map[k]*CaseRow{}
	for _, c := range rows {
		key := k{c.Kind, c.Category, c.Status, r.district(c.Pin)}
		row := by[key]
		if row == nil {
			row = &CaseRow{Kind: key.kind, Category: key.category, Status: key.status, District: key.district}
			by[key] = row
		}
		row.Cases += c.N
		if c.Breached {
			row.Breached += c.N
		}
		switch c.Age {
		case 0:
			row.Age0To7 += c.N
		case 1:
			row.Age8To30 += c.N
		case 2:
			row.Age31To90 += c.N
		case 3:
			row.AgeOver90 += c.N
		}
		if c.Age >= 0 {
			row.Open += c.N
		}
	}
	out := make([]CaseRow, 0, len(by))
	for _, row := range by {
		if row.Cases != 0 {
			out = append(out, *row)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Cases != b.Cases {
			return a.Cases > b.Cases
		}
		return fmt.Sprint(a.Kind, a.Category, a.Status, a.District) < fmt.Sprint(b.Kind, b.Category, b.Status, b.District)
	})
	return out
}

// district names the district of a PIN code: the full PIN's, else its
// first three digits', else "unknown".
func (r *Reports) district(pin string) string {
	if d, ok := r.districts[pin]; ok && pin != "" {
		return d
	}
	if len(pin) >= 3 {
		if d, ok := r.districts[pin[:3]]; ok {
			return d
		}
	}
	return "unknown"
}

// ownPrefixes are the PIN prefixes with full PINs of their own in the
// districts: their cases are counted one by one.
func (r *Reports) ownPrefixes() []string {
	seen := map[string]bool{}
	for pin := range r.districts {
		if len(pin) > 3 {
			seen[pin[:3]] = true
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// interval is a span of time, from its start up to its end.
type interval struct{ from, to time.Time }

// cut splits a range into the UTC days read from case_tally and the parts
// counted from the cases.
type cut struct {
	tallied []string   // the days (UTC, YYYY-MM-DD) read from case_tally
	skipped []string   // the days between them that are not
	runs    []interval // the tallied days, as runs of consecutive days
	live    []interval // the parts counted from the cases
}

// caseCut cuts [from, to) into whole UTC days that hold no bound, and the
// rest.
func caseCut(from, to time.Time, bounds []time.Time) cut {
	var c cut
	from, to = from.UTC(), to.UTC()
	for d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC); d.Before(to); d = d.AddDate(0, 0, 1) {
		e := d.AddDate(0, 0, 1)
		whole := !d.Before(from) && !e.After(to)
		for _, b := range bounds {
			whole = whole && !(b.After(d) && b.Before(e))
		}
		if !whole {
			iv := interval{maxTime(d, from), minTime(e, to)}
			if n := len(c.live); n > 0 && c.live[n-1].to.Equal(iv.from) {
				c.live[n-1].to = iv.to
			} else {
				c.live = append(c.live, iv)
			}
			if len(c.tallied) > 0 {
				c.skipped = append(c.skipped, d.Format(time.DateOnly))
			}
			continue
		}
		c.tallied = append(c.tallied, d.Format(time.DateOnly))
		if n := len(c.runs); n > 0 && c.runs[n-1].to.Equal(d) {
			c.runs[n-1].to = e
		} else {
			c.runs = append(c.runs, interval{d, e})
		}
	}
	// Days skipped after the last tallied one are outside its span anyway.
	last := ""
	if len(c.tallied) > 0 {
		last = c.tallied[len(c.tallied)-1]
	}
	kept := c.skipped[:0]
	for _, d := range c.skipped {
		if d < last {
			kept = append(kept, d)
		}
	}
	c.skipped = kept
	return c
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// liveCases counts the cases lodged in iv from the cases themselves; with
// prefixes, only those whose PIN starts with one of them.
func liveCases(ctx context.Context, db *bun.DB, ids []string, iv interval, now time.Time, prefixes []string, rows *[]caseCount) error {
	day := func(n int) driver.Time { return driver.At(now.AddDate(0, 0, -n)) }
	q := db.NewSelect().TableExpr("grievances").
		ColumnExpr("kind, category, status, pin_code").
		ColumnExpr("CASE WHEN status IN (?) THEN -1 WHEN created_at >= ? THEN 0 WHEN created_at >= ? THEN 1 WHEN created_at >= ? THEN 2 ELSE 3 END AS age",
			bun.List(closedStatuses), day(7), day(30), day(90)).
		ColumnExpr("(status NOT IN (?) AND due_at IS NOT NULL AND due_at < ?) AS breached", bun.List(closedStatuses), driver.At(now)).
		ColumnExpr("count(*) AS n").
		Where("integration_id IN (?)", bun.List(ids)).
		Where("created_at >= ?", driver.At(iv.from)).Where("created_at < ?", driver.At(iv.to))
	if len(prefixes) > 0 {
		q.Where("substr(pin_code, 1, 3) IN (?)", bun.List(prefixes))
	}
	var got []caseCount
	if err := q.GroupExpr("kind, category, status, pin_code, age, breached").Scan(ctx, &got); err != nil && err != ErrNotFound {
		return err
	}
	*rows = append(*rows, got...)
	return nil
}

// tallied reads the tallied days from case_tally, leaving out the prefixes
// counted one by one. A day's age is exact (no bound falls within it); a
// case due today (UTC) is breached only once its due time has passed, so
// those are looked up one by one.
func (r *Reports) tallied(ctx context.Context, db *bun.DB, ids []string, c cut, bounds []time.Time, own []string, now time.Time, rows *[]caseCount) error {
	today := now.UTC().Format(time.DateOnly)
	age := "CASE WHEN status IN (?) THEN -1"
	args := []any{bun.List(closedStatuses)}
	for i, b := range bounds {
		age += " WHEN day >= ? THEN " + fmt.Sprint(i)
		args = append(args, ceilDay(b))
	}
	age += " ELSE 3 END AS age"
	q := db.NewSelect().TableExpr("case_tally").
		ColumnExpr("kind, category, status, pin AS pin_code").ColumnExpr(age, args...).
		ColumnExpr("(status NOT IN (?) AND due_day <> '' AND due_day < ?) AS breached", bun.List(closedStatuses), today).
		ColumnExpr("sum(n) AS n").
		Where("integration_id IN (?)", bun.List(ids)).
		Where("day >= ?", c.tallied[0]).Where("day <= ?", c.tallied[len(c.tallied)-1])
	if len(c.skipped) > 0 {
		q.Where("day NOT IN (?)", bun.List(c.skipped))
	}
	if len(own) > 0 {
		q.Where("pin NOT IN (?)", bun.List(own))
	}
	var got []caseCount
	if err := q.GroupExpr("kind, category, status, pin, age, breached").Having("sum(n) <> 0").Scan(ctx, &got); err != nil && err != ErrNotFound {
		return err
	}
	*rows = append(*rows, got...)
	due, err := dueToday(ctx, db, ids, c, own, now)
	if err != nil {
		return err
	}
	*rows = append(*rows, due...)
	return nil
}

// ceilDay is the first UTC day starting at or after t.
func ceilDay(t time.Time) string {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if d.Before(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format(time.DateOnly)
}

// dueToday are the open cases of the tallied days due earlier today (UTC),
// as rows that move each from its not-breached count to its breached one.
func dueToday(ctx context.Context, db *bun.DB, ids []string, c cut, own []string, now time.Time) ([]caseCount, error) {
	u := now.UTC()
	midnight := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	var due []struct {
		Kind     string      `bun:"kind"`
		Category string      `bun:"category"`
		Status   string      `bun:"status"`
		Pin      string      `bun:"pin_code"`
		Created  driver.Time `bun:"created_at"`
	}
	last := c.runs[len(c.runs)-1].to
	q := db.NewSelect().TableExpr("grievances").Column("kind", "category", "status", "pin_code", "created_at").
		Where("due_at >= ?", driver.At(midnight)).Where("due_at < ?", driver.At(now)).
		Where("integration_id IN (?)", bun.List(ids)).Where("status NOT IN (?)", bun.List(closedStatuses)).
		Where("created_at >= ?", driver.At(c.runs[0].from)).Where("created_at < ?", driver.At(last))
	if err := q.Scan(ctx, &due); err != nil && err != ErrNotFound {
		return nil, err
	}
	ownSet := map[string]bool{}
	for _, p := range own {
		ownSet[p] = true
	}
	bounds := []time.Time{now.AddDate(0, 0, -7), now.AddDate(0, 0, -30), now.AddDate(0, 0, -90)}
	var out []caseCount
	for _, g := range due {
		pin := g.Pin
		if len(pin) > 3 {
			pin = pin[:3]
		}
		if ownSet[pin] || !within(c.runs, g.Created.T) {
			continue
		}
		age := 3
		for i, b := range bounds {
			if !g.Created.T.Before(b) {
				age = i
				break
			}
		}
		out = append(out, caseCount{Kind: g.Kind, Category: g.Category, Status: g.Status, Pin: pin, Age: age, Breached: true, N: 1},
			caseCount{Kind: g.Kind, Category: g.Category, Status: g.Status, Pin: pin, Age: age, N: -1})
	}
	return out, nil
}

// within says whether t falls in one of the intervals.
func within(ivs []interval, t time.Time) bool {
	for _, iv := range ivs {
		if !t.Before(iv.from) && t.Before(iv.to) {
			return true
		}
	}
	return false
}
