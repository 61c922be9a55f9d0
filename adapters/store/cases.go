package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// CaseEvent is one row of a case's history: a move from one status to
// another, an assignment, a remark, an escalation.
type CaseEvent struct {
	ID          int64
	Integration string
	Reference   string
	At          time.Time
	// Actor is who made the change: a staff member's name, "citizen", or
	// "system" for the escalation job.
	Actor string
	// Action is "move", "assign", "remark" or "escalated".
	Action string
	// From and To are the statuses around a move (equal for other actions).
	From, To string
	Remark   string
	// Department, when set, is told of the change through its outgoing
	// webhook (a case_changed delivery queued in the same transaction).
	Department string
}

// CaseFilter selects cases for CaseList. Empty fields select everything.
type CaseFilter struct {
	// Integrations are the integrations whose cases may be listed: at least
	// one is required.
	Integrations []string
	// Reference selects one case.
	Reference string
	Kind      string
	// Statuses selects cases in any of them.
	Statuses []string
	Category string
	// Assigned is an officer's name; "none" selects unassigned cases.
	Assigned string
	// Overdue selects open cases whose deadline passed before Now.
	Overdue bool
	Now     time.Time
	// OpenStatuses are the statuses counted as open, for Overdue.
	OpenStatuses []string
	// After continues a listing after the case created at AfterCreated with
	// reference AfterReference (newest first).
	AfterCreated   time.Time
	AfterReference string
	// Limit is the most cases returned (1 to 200; default 50).
	Limit int
}

// CaseList returns the cases f selects, newest first.
func (s *Store) CaseList(ctx context.Context, f CaseFilter) ([]Grievance, error) {
	if len(f.Integrations) == 0 {
		return nil, nil
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return s.grievances(ctx, func(q *bun.SelectQuery) {
		q.Where("integration_id IN (?)", bun.List(f.Integrations))
		if f.Kind != "" {
			q.Where("kind = ?", f.Kind)
		}
		if f.Reference != "" {
			q.Where("reference = ?", f.Reference)
		}
		if len(f.Statuses) > 0 {
			q.Where("status IN (?)", bun.List(f.Statuses))
		}
		if f.Category != "" {
			q.Where("category = ?", f.Category)
		}
		switch f.Assigned {
		case "":
		case "none":
			q.Where("assigned_to = ''")
		default:
			q.Where("assigned_to = ?", f.Assigned)
		}
		if f.Overdue {
			q.Where("due_at < ?", driver.At(f.Now)).Where("status IN (?)", bun.List(f.OpenStatuses))
		}
		if f.AfterReference != "" {
			at := driver.At(f.AfterCreated)
			q.Where("(created_at < ? OR (created_at = ? AND reference < ?))", at, at, f.AfterReference)
		}
		q.OrderExpr("created_at DESC, reference DESC").Limit(f.Limit)
	})
}

// CaseHistory returns a case's history, oldest first.
func (s *Store) CaseHistory(ctx context.Context, integration, reference string) ([]CaseEvent, error) {
	var rows []caseHistoryModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&rows).Where("integration_id = ?", integration).Where("reference = ?", reference).
			OrderExpr("id").Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: case history: %w", err)
	}
	out := make([]CaseEvent, 0, len(rows))
	for _, m := range rows {
		out = append(out, CaseEvent{ID: m.ID, Integration: m.IntegrationID, Reference: m.Reference, At: m.At.T, Actor: m.Actor,
			Action: m.Action, From: m.FromStatus, To: m.ToStatus, Remark: m.Remark})
	}
	return out, nil
}

// UpdateCase changes a case and records the change in its history, in one
// transaction. plan is given the case as it is and changes it (status,
// note, assignment, deadline, time of resolution); an error from plan
// aborts and is returned unwrapped. ev names the actor, the action and the
// remark; its statuses are filled from the case before and after. The
// write is conditional on the case being unchanged since it was read: if
// another change came first, UpdateCase fails with ErrConflict.
func (s *Store) UpdateCase(ctx context.Context, integration, reference string, ev CaseEvent,
	plan func(g *Grievance) error) (before, after Grievance, err error) {
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		var m grievanceModel
		if err := tx.NewSelect().Model(&m).Where("integration_id = ?", integration).Where("reference = ?", reference).Scan(ctx); err != nil {
			return err
		}
		var err error
		if before, err = m.grievance(); err != nil {
			return err
		}
		after = before
		if err := plan(&after); err != nil {
			return planError{err: err}
		}
		after.Updated = s.now().UTC()
		res, err := tx.NewUpdate().Table("grievances").
			Set("status = ?", cleanText(trimTo(after.Status, 64))).
			Set("note = ?", cleanText(trimTo(after.Note, 2048))).
			Set("assigned_to = ?", cleanText(trimTo(after.AssignedTo, 256))).
			Set("due_at = ?", driver.At(after.Due)).
			Set("resolved_at = ?", driver.At(after.Resolved)).
			Set("updated_at = ?", driver.At(after.Updated)).
			Where("integration_id = ?", integration).Where("reference = ?", reference).
			Where("status = ?", m.Status).Where("updated_at = ?", m.UpdatedAt).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("%w: the case changed meanwhile; read it again", ErrConflict)
		}
		ev.Integration, ev.Reference, ev.At, ev.From, ev.To = integration, reference, after.Updated, before.Status, after.Status
		if err := insertCaseEvent(ctx, tx, ev); err != nil {
			return err
		}
		return queueCaseChange(ctx, tx, ev, after)
	})
	if errors.Is(err, ErrNotFound) {
		return before, after, fmt.Errorf("store: case %s: %w", trimTo(reference, 80), ErrNotFound)
	}
	if err != nil {
		var plain planError
		if errors.As(err, &plain) {
			return before, after, plain.err
		}
		return before, after, fmt.Errorf("store: update case %s: %w", trimTo(reference, 80), err)
	}
	return before, after, nil
}

// planError carries a plan's own error through the transaction unwrapped.
type planError struct{ err error }

func (e planError) Error() string { return e.err.Error() }

// insertCaseEvent writes a history row.
func insertCaseEvent(ctx context.Context, tx bun.Tx, ev CaseEvent) error {
	m := &caseHistoryModel{IntegrationID: ev.Integration, Reference: cleanText(trimTo(ev.Reference, 64)), At: driver.At(ev.At),
		Actor: cleanText(trimTo(ev.Actor, 256)), Action: cleanText(trimTo(ev.Action, 32)), FromStatus: cleanText(trimTo(ev.From, 64)),
		ToStatus: cleanText(trimTo(ev.To, 64)), Remark: cleanText(trimTo(ev.Remark, 2048))}
	_, err := tx.NewInsert().Model(m).Exec(ctx)
	return err
}

// queueCaseChange queues the case_changed delivery of ev, when it names a
// department.
func queueCaseChange(ctx context.Context, tx bun.Tx, ev CaseEvent, g Grievance) error {
	if ev.Department == "" {
		return nil
	}
	c := CaseChange{Integration: g.Integration, Reference: g.Reference, Kind: g.Kind, Status: ev.To, PreviousStatus: ev.From,
		Note: g.Note, Actor: ev.Actor, At: ev.At}
	return QueueCaseChange(ctx, tx, ev.Department, c, ev.At)
}

// Escalation is how the escalation job moves one overdue case.
type Escalation struct {
	// Due is the case's new deadline.
	Due time.Time
	// Remark is written to the history ("escalated to the zonal officer").
	Remark string
	// Department, when set, is told through its outgoing webhook.
	Department string
}

// EscalateDue escalates open cases (in one of open statuses) whose
// deadline passed before now and whose level is below maxLevel, at most
// limit of them, oldest deadline first: each goes up one level, gets the
// deadline next returns, and a history row and an event log entry. Each
// case is escalated by a conditional update on its level and deadline, so
// that when several processes run this at once each case goes up once. It
// returns the cases it escalated, as they are after.
func (s *Store) EscalateDue(ctx context.Context, now time.Time, open []string, maxLevel, limit int,
	next func(g Grievance) Escalation) ([]Grievance, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []grievanceModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&rows).Where("due_at < ?", driver.At(now)).Where("status IN (?)", bun.List(open)).
			Where("escalation_level < ?", maxLevel).OrderExpr("due_at, reference").Limit(limit).Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: escalate: %w", err)
	}
	var out []Grievance
	for i := range rows {
		g, err := rows[i].grievance()
		if err != nil {
			return out, fmt.Errorf("store: escalate: %w", err)
		}
		e := next(g)
		ok, err := s.escalate(ctx, g, now, e)
		if err != nil {
			return out, fmt.Errorf("store: escalate %s: %w", g.Reference, err)
		}
		if ok {
			g.Level++
			g.Due, g.Updated = e.Due, now
			out = append(out, g)
		}
	}
	return out, nil
}

// escalate raises one case a level, unless another process did first.
func (s *Store) escalate(ctx context.Context, g Grievance, now time.Time, e Escalation) (bool, error) {
	done := false
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("grievances").
			Set("escalation_level = ?", g.Level+1).Set("due_at = ?", driver.At(e.Due)).Set("updated_at = ?", driver.At(now)).
			Where("integration_id = ?", g.Integration).Where("reference = ?", g.Reference).
			Where("escalation_level = ?", g.Level).Where("due_at < ?", driver.At(now)).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		done = true
		ev := CaseEvent{Integration: g.Integration, Reference: g.Reference, At: now, Actor: "system", Action: "escalated",
			From: g.Status, To: g.Status, Remark: e.Remark, Department: e.Department}
		if err := insertCaseEvent(ctx, tx, ev); err != nil {
			return err
		}
		if err := queueCaseChange(ctx, tx, ev, g); err != nil {
			return err
		}
		msg := fmt.Sprintf("case %s escalated to level %d: %s", g.Reference, g.Level+1, e.Remark)
		_, err = tx.NewInsert().Model(&eventLogModel{IntegrationID: g.Integration, Level: "info", Kind: "case.escalated",
			Message: cleanText(trimTo(msg, 1024)), At: driver.At(now)}).Exec(ctx)
		return err
	})
	if err != nil {
		return false, err
	}
	return done, nil
}
