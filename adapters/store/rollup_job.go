package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// leaseModel is a row of report_leases: who may roll days up, until when.
type leaseModel struct {
	bun.BaseModel `bun:"table:report_leases"`

	Name   string      `bun:"name,pk"`
	Holder string      `bun:"holder"`
	Until  driver.Time `bun:"until"`
}

// rollUpLease is how long a process holds the roll-up once it took it.
const rollUpLease = 5 * time.Minute

// lease takes or renews the named lease for holder; false when another
// holder has it.
func (s *Store) lease(ctx context.Context, name, holder string) (bool, error) {
	now := s.now().UTC()
	var held bool
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&leaseModel{Name: name, Holder: "", Until: driver.At(now.Add(-time.Second))}).
			On("CONFLICT (name) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*leaseModel)(nil)).Set("holder = ?", holder).Set("until = ?", driver.At(now.Add(rollUpLease))).
			Where("name = ?", name).WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("holder = ?", holder).WhereOr("until < ?", driver.At(now))
		}).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held, err
}

// RollUp rolls up, for each time zone, the closed days of its
// integrations not rolled up yet, oldest first, and again those that ended
// less than RollUpLag ago (their replies may still be retried, their
// handoffs closed), at most limit days in all; it returns how many days it
// rolled. Only one process at a time rolls up (a lease row); holder names
// the caller, and RollUp returns 0 while another holds the lease. Each day
// is written whole in one transaction, so a day rolled twice is the same.
func (s *Store) RollUp(ctx context.Context, zones map[*time.Location][]string, holder string, limit int) (int, error) {
	done := 0
	for zone, ids := range zones {
		if len(ids) == 0 || done >= limit {
			continue
		}
		n, err := s.rollZone(ctx, zone, ids, holder, limit-done)
		done += n
		if err != nil {
			return done, fmt.Errorf("store: roll up %s: %w", zone, err)
		}
	}
	return done, nil
}

// rollZone rolls up the days of integrations in one zone.
func (s *Store) rollZone(ctx context.Context, zone *time.Location, ids []string, holder string, limit int) (int, error) {
	next, err := s.nextDays(ctx, zone, ids)
	if err != nil || len(next) == 0 {
		return 0, err
	}
	now := s.now()
	cut := now.Add(-RollUpLag)
	// The days ending after cut are rolled again each round.
	recent := cut.In(zone)
	first := time.Date(recent.Year(), recent.Month(), recent.Day(), 0, 0, 0, 0, zone).Format(time.DateOnly)
	for _, d := range next {
		first = min(first, d)
	}
	start, _ := time.ParseInLocation(time.DateOnly, first, zone)
	done := 0
	all := map[string]bool{"messages": true, "citizens": true, "languages": true, "events": true, "replies": true, "failed": true, "handoffs": true}
	// Today too: it is rolled up as far as it has gone (see TodayFresh).
	for d := start; d.Before(now) && done < limit; d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		again := d.AddDate(0, 0, 1).After(cut)
		var todo []string
		for id, n := range next {
			if n <= day || again {
				todo = append(todo, id)
			}
		}
		if len(todo) == 0 {
			continue
		}
		sort.Strings(todo)
		held, err := s.lease(ctx, "rollup", holder)
		if err != nil || !held {
			return done, err
		}
		rows, err := s.dayRows(ctx, todo, zone, day, all)
		if err != nil {
			return done, err
		}
		if err := s.keepDay(ctx, zone.String(), day, todo, rows); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// nextDays is, for each integration with citizens, the first day not rolled
// up, or not rolled up whole.
func (s *Store) nextDays(ctx context.Context, zone *time.Location, ids []string) (map[string]string, error) {
	var last []struct {
		Integration string      `bun:"integration_id"`
		Day         string      `bun:"day"`
		RolledAt    driver.Time `bun:"rolled_at"`
	}
	var first []struct {
		Integration string      `bun:"integration_id"`
		At          driver.Time `bun:"at"`
	}
	err := s.read(ctx, func(db *bun.DB) error {
		err := db.NewSelect().TableExpr("report_rolled").ColumnExpr("integration_id, max(day) AS day, max(rolled_at) AS rolled_at").
			Where("zone = ?", zone.String()).Where("integration_id IN (?)", bun.List(ids)).Group("integration_id").Scan(ctx, &last)
		if err != nil && err != ErrNotFound {
			return err
		}
		return db.NewSelect().TableExpr("contacts").ColumnExpr("integration_id, min(first_seen) AS at").
			Where("integration_id IN (?)", bun.List(ids)).Group("integration_id").Scan(ctx, &first)
	})
	if err != nil && err != ErrNotFound {
		return nil, err
	}
	next := map[string]string{}
	for _, f := range first {
		next[f.Integration] = f.At.T.Add(-lateMargin).In(zone).Format(time.DateOnly)
	}
	for _, l := range last {
		if _, ok := next[l.Integration]; ok {
			d, _ := time.ParseInLocation(time.DateOnly, l.Day, zone)
			next[l.Integration] = d.AddDate(0, 0, 1).Format(time.DateOnly)
			// The last day was rolled up before it ended (as today is each
			// round) and is no longer among the recent days rolled again:
			// roll it again, whole.
			if l.RolledAt.T.Before(d.AddDate(0, 0, 1)) {
				next[l.Integration] = l.Day
			}
		}
	}
	return next, nil
}

// keepDay replaces the kept rows of a day of the integrations and marks it rolled up.
func (s *Store) keepDay(ctx context.Context, zone, day string, ids []string, rows []dayRow) error {
	now := driver.At(s.now().UTC())
	return s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Model((*dayRow)(nil)).Where("zone = ?", zone).Where("metric IN (?)", bun.List(allMetrics())).
			Where("integration_id IN (?)", bun.List(ids)).Where("day = ?", day).Exec(ctx)
		if err != nil {
			return err
		}
		for i := 0; i < len(rows); i += 500 {
			chunk := rows[i:min(i+500, len(rows))]
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		marks := make([]rolledModel, len(ids))
		for i, id := range ids {
			marks[i] = rolledModel{Integration: id, Zone: zone, Day: day, RolledAt: now}
		}
		_, err = tx.NewInsert().Model(&marks).On("CONFLICT (integration_id, zone, day) DO UPDATE").
			Set("rolled_at = EXCLUDED.rolled_at").Exec(ctx)
		return err
	})
}

// RunRollUps rolls up days every interval until ctx ends, a month of days
// at a time, with the zones zones returns (read again each time, so a
// reloaded configuration counts). Errors go to report, and the next round
// tries again. Any number of processes may run it: one at a time works.
func (s *Store) RunRollUps(ctx context.Context, every time.Duration, zones func() map[*time.Location][]string, report func(error)) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	holder := hex.EncodeToString(b[:])
	for {
		for {
			n, err := s.RollUp(ctx, zones(), holder, 31)
			if err != nil && ctx.Err() == nil {
				report(err)
			}
			if err != nil || n < 31 || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// allMetrics lists the metrics of report_days.
func allMetrics() []string {
	ms := make([]string, 0, len(metricSource))
	for m := range metricSource {
		ms = append(ms, m)
	}
	sort.Strings(ms)
	return ms
}
