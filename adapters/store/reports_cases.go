package store

import (
	"context"
	"fmt"
	"sort"

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

// Cases counts the cases lodged in the range, counted live from the cases
// themselves (their statuses change), by kind, category, status and
// district, most first.
func (r *Reports) Cases(ctx context.Context, f ReportFilter) ([]CaseRow, error) {
	sp, err := f.check(false)
	if err != nil {
		return nil, fmt.Errorf("store: report cases: %w", err)
	}
	now := r.s.now()
	day := func(n int) driver.Time { return driver.At(now.AddDate(0, 0, -n)) }
	var rows []caseCount
	err = r.s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().TableExpr("grievances").
			ColumnExpr("kind, category, status, pin_code").
			ColumnExpr("CASE WHEN status IN (?) THEN -1 WHEN created_at >= ? THEN 0 WHEN created_at >= ? THEN 1 WHEN created_at >= ? THEN 2 ELSE 3 END AS age",
				bun.List(closedStatuses), day(7), day(30), day(90)).
			ColumnExpr("(status NOT IN (?) AND due_at IS NOT NULL AND due_at < ?) AS breached", bun.List(closedStatuses), driver.At(now)).
			ColumnExpr("count(*) AS n").
			Where("integration_id IN (?)", bun.List(sp.f.Integrations)).
			Where("created_at >= ?", driver.At(sp.from)).Where("created_at < ?", driver.At(sp.to)).
			GroupExpr("kind, category, status, pin_code, age, breached").Scan(ctx, &rows)
	})
	if err != nil && err != ErrNotFound {
		return nil, fmt.Errorf("store: report cases: %w", err)
	}
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
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Cases != b.Cases {
			return a.Cases > b.Cases
		}
		return fmt.Sprint(a.Kind, a.Category, a.Status, a.District) < fmt.Sprint(b.Kind, b.Category, b.Status, b.District)
	})
	return out, nil
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
