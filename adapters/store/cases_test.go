package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// A change of a case and its history row are written together; a plan's
// error is returned unwrapped and changes nothing; a stale change is
// refused.
func TestUpdateCaseKeepsHistory(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ref, err := e.s.CreateGrievance(ctx, Grievance{Integration: "city", Category: "water", Status: "lodged", Due: e.clock.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Minute)
		before, after, err := e.s.UpdateCase(ctx, "city", ref, CaseEvent{Actor: "asha", Action: "move", Remark: "on it"}, func(g *Grievance) error {
			g.Status, g.AssignedTo, g.Resolved = "resolved", "ravi", e.clock.Now()
			return nil
		})
		if err != nil || before.Status != "lodged" || after.Status != "resolved" {
			t.Fatalf("update: %v %v %v", before.Status, after.Status, err)
		}
		g, _ := e.s.GrievanceByReference(ctx, "city", ref)
		if g.Status != "resolved" || g.AssignedTo != "ravi" || !g.Resolved.Equal(e.clock.Now()) || !g.Due.Equal(before.Due) {
			t.Fatalf("stored %+v", g)
		}
		refused := errors.New("no")
		if _, _, err := e.s.UpdateCase(ctx, "city", ref, CaseEvent{Actor: "x", Action: "move"}, func(g *Grievance) error {
			g.Status = "closed"
			return refused
		}); err != refused {
			t.Fatalf("a plan's error: %v", err)
		}
		if _, _, err := e.s.UpdateCase(ctx, "city", "GRV-00", CaseEvent{}, func(*Grievance) error { return nil }); !errors.Is(err, ErrNotFound) {
			t.Fatalf("no such case: %v", err)
		}
		h, err := e.s.CaseHistory(ctx, "city", ref)
		if err != nil || len(h) != 1 || h[0].From != "lodged" || h[0].To != "resolved" || h[0].Actor != "asha" || h[0].Remark != "on it" {
			t.Fatalf("history %+v %v", h, err)
		}
		list, err := e.s.CaseList(ctx, CaseFilter{Integrations: []string{"city"}, Assigned: "ravi"})
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		if list, _ := e.s.CaseList(ctx, CaseFilter{Integrations: []string{"other"}}); len(list) != 0 {
			t.Fatalf("another integration's list: %v", list)
		}
	})
}

// Two escalation jobs at once escalate each overdue case once; a case at
// the last level, or not yet due, stays.
func TestEscalationHappensOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.Now()
		var due []string
		for i := range 6 {
			ref, err := e.s.CreateGrievance(ctx, Grievance{Integration: "city", Status: "lodged", Due: now.Add(-time.Duration(i+1) * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			due = append(due, ref)
		}
		if _, err := e.s.CreateGrievance(ctx, Grievance{Integration: "city", Status: "lodged", Due: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CreateGrievance(ctx, Grievance{Integration: "city", Status: "resolved", Due: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		stores := []*Store{e.s, e.s}
		if e.pg() {
			other, err := Open(ctx, e.url, e.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			stores[1] = other
		}
		open := []string{"lodged", "assigned", "in_progress", "reopened"}
		next := func(g Grievance) Escalation { return Escalation{Due: now.Add(24 * time.Hour), Remark: "to the zone"} }
		var mu sync.Mutex
		count := map[string]int{}
		var wg sync.WaitGroup
		for _, st := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := st.EscalateDue(ctx, now, open, 2, 100, next)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				for _, g := range got {
					count[g.Reference]++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(count) != len(due) {
			t.Fatalf("escalated %v, want the %d overdue", count, len(due))
		}
		for _, ref := range due {
			if count[ref] != 1 {
				t.Errorf("%s escalated %d times", ref, count[ref])
			}
			h, _ := e.s.CaseHistory(ctx, "city", ref)
			if len(h) != 1 || h[0].Action != "escalated" {
				t.Errorf("%s history %+v", ref, h)
			}
		}
		g, _ := e.s.GrievanceByReference(ctx, "city", due[0])
		if g.Level != 1 || !g.Due.Equal(now.Add(24*time.Hour)) {
			t.Fatalf("after escalation: level %d due %v", g.Level, g.Due)
		}
		e.clock.Advance(48 * time.Hour)
		got, _ := e.s.EscalateDue(ctx, e.clock.Now(), open, 1, 100, next)
		for _, g := range got {
			if g.Level > 1 {
				t.Fatalf("escalated past the last level: %s", g.Reference)
			}
		}
		if len(got) != 1 {
			t.Fatalf("escalated %d, want the one that fell due since", len(got))
		}
	})
}

// Two changes of one case at once: each that succeeds has its history
// row, and one that read the case before the other wrote is refused with
// ErrConflict rather than overwriting it.
func TestConcurrentCaseChanges(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ref, err := e.s.CreateGrievance(ctx, Grievance{Integration: "city", Status: "lodged"})
		if err != nil {
			t.Fatal(err)
		}
		stores := []*Store{e.s, e.s}
		if e.pg() {
			other, err := Open(ctx, e.url, e.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			stores[1] = other
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, st := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = st.UpdateCase(ctx, "city", ref, CaseEvent{Actor: "officer", Action: "assign"}, func(g *Grievance) error {
					if g.AssignedTo != "" {
						return ErrInvalid // the later change sees the earlier one
					}
					g.AssignedTo = []string{"asha", "ravi"}[i]
					e.clock.Advance(time.Millisecond)
					return nil
				})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrConflict), errors.Is(err, ErrInvalid):
			default:
				t.Fatalf("a change failed: %v", err)
			}
		}
		h, _ := e.s.CaseHistory(ctx, "city", ref)
		if ok != 1 || len(h) != 1 {
			t.Fatalf("%d changes made, %d history rows: %v", ok, len(h), errs)
		}
	})
}
