package store

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// bruteCases counts the cases of a filter one by one, as a check on Cases.
func bruteCases(t *testing.T, e *env, r *Reports, f ReportFilter) []CaseRow {
	t.Helper()
	sp, err := f.check(false)
	if err != nil {
		t.Fatal(err)
	}
	var rows []caseCount
	if err := liveCases(context.Background(), e.s.drv.DB(), f.Integrations, interval{sp.from, sp.to}, e.s.now(), nil, &rows); err != nil {
		t.Fatal(err)
	}
	return r.caseRows(rows)
}

// seedCases writes 240 cases of "city" over the 100 days before now (10
// June 2026, 10:00 UTC), some due earlier or later today, some without a
// due time, and one of "town".
func seedCases(e *env) []string {
	e.clock.t = time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	now := e.clock.t
	pins := []string{"400001", "400050", "600043", "600001", "999999", "", "41"}
	statuses := []string{"lodged", "in_progress", "resolved", "closed", "rejected", "assigned"}
	var refs []string
	for i := 0; i < 240; i++ {
		created := now.Add(-time.Duration(i) * 10 * time.Hour)
		var due any = created.Add(time.Duration(i%20) * 24 * time.Hour)
		switch {
		case i%7 == 0:
			due = nil
		case i%11 == 0:
			due = now.Add(-time.Hour) // earlier today (UTC): breached
		case i%13 == 0:
			due = now.Add(time.Hour) // later today: not yet
		}
		ref := fmt.Sprintf("G%d", i)
		refs = append(refs, ref)
		e.insert("grievances", row{"integration_id": "city", "reference": ref, "kind": []string{"grievance", "ration_card"}[i%2],
			"category": []string{"water", "roads", "power"}[i%3], "status": statuses[i%len(statuses)], "pin_code": pins[i%len(pins)],
			"created_at": created, "updated_at": created, "due_at": due})
	}
	e.insert("grievances", row{"integration_id": "town", "reference": "T1", "kind": "grievance", "category": "water",
		"status": "lodged", "pin_code": "400001", "created_at": now.Add(-time.Hour), "updated_at": now, "due_at": now.Add(-time.Minute)})
	return refs
}

// caseFilters are ranges that cut the seeded days in various ways.
func caseFilters(t *testing.T) []ReportFilter {
	var fs []ReportFilter
	for _, z := range []*time.Location{mustZone(t, DefaultZone), time.UTC, mustZone(t, "America/New_York")} {
		for _, r := range [][2]string{{"2026-03-01", "2026-06-10"}, {"2026-06-01", "2026-06-10"}, {"2026-05-11", "2026-05-11"},
			{"2026-06-10", "2026-06-10"}, {"2026-04-01", "2026-05-20"}} {
			fs = append(fs, ReportFilter{Integrations: []string{"city"}, From: r[0], To: r[1], Zone: z})
		}
	}
	return fs
}

func checkCases(t *testing.T, e *env, r *Reports) {
	t.Helper()
	for _, f := range caseFilters(t) {
		got, err := r.Cases(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteCases(t, e, r, f); !reflect.DeepEqual(got, want) {
			t.Errorf("cases %s..%s in %s:\n got %+v\nwant %+v", f.From, f.To, f.Zone, got, want)
		}
	}
}

func TestCasesTallyMatchesCounting(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		refs := seedCases(e)
		for _, districts := range []map[string]string{testDistricts, {"400": "Mumbai"}, nil} {
			checkCases(t, e, e.s.Reports(districts))
		}
		// Exact figures of 10 June in India (to 15:30 now): cases G0 and
		// G1 of city (G2 was lodged at 19:30 on 9 June), and T1 of town,
		// due a minute ago.
		got, err := e.s.Reports(testDistricts).Cases(ctx, ReportFilter{Integrations: []string{"city", "town"}, From: "2026-06-10", To: "2026-06-10"})
		if err != nil {
			t.Fatal(err)
		}
		want := []CaseRow{
			{Kind: "grievance", Category: "water", Status: "lodged", District: "Mumbai", Cases: 2, Open: 2, Breached: 1, Age0To7: 2},
			{Kind: "ration_card", Category: "roads", Status: "in_progress", District: "Mumbai", Cases: 1, Open: 1, Age0To7: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("cases of 10 June:\n got %+v\nwant %+v", got, want)
		}
		// Moves, a late due time and a deletion keep the tally exact.
		for i, ref := range refs[:60] {
			due := time.Time{}
			if i%3 == 0 {
				due = e.clock.t.Add(time.Duration(i-30) * time.Hour)
			}
			if err := e.s.SetGrievanceStatus(ctx, "city", ref, []string{"resolved", "in_progress", "lodged"}[i%3], due); err != nil {
				t.Fatal(err)
			}
		}
		e.exec("DELETE FROM grievances WHERE reference = 'G5'")
		e.exec("UPDATE grievances SET pin_code = '600043' WHERE reference = 'G8'")
		checkCases(t, e, e.s.Reports(testDistricts))
		// Days later, with no write: the ages and breaches move with the clock.
		e.clock.Advance(3*24*time.Hour + 5*time.Hour)
		checkCases(t, e, e.s.Reports(testDistricts))
	})
}

func TestCasesTallyUnderConcurrentMoves(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		refs := seedCases(e)[:40]
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i, ref := range refs {
					status := []string{"resolved", "in_progress", "lodged", "closed"}[(i+w)%4]
					due := e.clock.t.Add(time.Duration(w*i%50-25) * 24 * time.Hour)
					if err := e.s.SetGrievanceStatus(ctx, "city", ref, status, due); err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var total, cases int64
		db := e.s.drv.DB()
		if err := db.NewSelect().TableExpr("case_tally").ColumnExpr("coalesce(sum(n), 0)").Scan(ctx, &total); err != nil {
			t.Fatal(err)
		}
		if err := db.NewSelect().TableExpr("grievances").ColumnExpr("count(*)").Scan(ctx, &cases); err != nil {
			t.Fatal(err)
		}
		var negative int
		if err := db.NewSelect().TableExpr("case_tally").ColumnExpr("count(*)").Where("n < 0").Scan(ctx, &negative); err != nil {
			t.Fatal(err)
		}
		if total != cases || negative != 0 {
			t.Errorf("tally sums to %d with %d negative rows; %d cases", total, negative, cases)
		}
		checkCases(t, e, e.s.Reports(testDistricts))
	})
}
