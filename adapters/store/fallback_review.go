package store

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// FallbackQuery selects fallback events for review.
type FallbackQuery struct {
	// Integrations are the integrations whose events are read (required:
	// the caller's department's).
	Integrations []string
	// Kinds are the event kinds (fallback_used, fallback_missed,
	// fallback_failed); empty: all three.
	Kinds []string
	// Unreviewed leaves out events that have a verdict.
	Unreviewed bool
	// Before pages backwards: only events older than this position.
	Before FallbackPosition
	// Limit is the page size (default 50, at most 200).
	Limit int
}

// FallbackPosition is where a page of fallback events ends.
type FallbackPosition struct {
	At time.Time `json:"at"`
	ID int64     `json:"id"`
}

// FallbackEvent is one time the fallback was asked, with its verdict.
type FallbackEvent struct {
	ID            int64
	IntegrationID string
	ContactID     string
	Kind          string
	Flow, Node    string
	// Detail is the engine's FallbackRecord as JSON.
	Detail string
	At     time.Time
	// Verdict, Note, Reviewer and ReviewedAt are the review, when there
	// is one.
	Verdict, Note, Reviewer string
	ReviewedAt              time.Time
}

// FallbackKinds are the event kinds a fallback review reads.
var FallbackKinds = []string{"fallback_used", "fallback_missed", "fallback_failed"}

type fallbackReviewModel struct {
	bun.BaseModel `bun:"table:fallback_reviews"`

	IntegrationID string      `bun:"integration_id,pk"`
	EventID       int64       `bun:"event_id,pk"`
	Verdict       string      `bun:"verdict"`
	Note          string      `bun:"note"`
	Reviewer      string      `bun:"reviewer"`
	ReviewedAt    driver.Time `bun:"reviewed_at"`
}

type fallbackEventRow struct {
	ID            int64       `bun:"id"`
	IntegrationID string      `bun:"integration_id"`
	ContactID     string      `bun:"contact_id"`
	Kind          string      `bun:"kind"`
	Flow          string      `bun:"flow"`
	Node          string      `bun:"node"`
	Detail        string      `bun:"detail"`
	At            driver.Time `bun:"at"`
	Verdict       *string     `bun:"verdict"`
	Note          *string     `bun:"note"`
	Reviewer      *string     `bun:"reviewer"`
	ReviewedAt    driver.Time `bun:"reviewed_at"`
}

// FallbackEvents lists fallback events, newest first, with their reviews.
func (s *Store) FallbackEvents(ctx context.Context, q FallbackQuery) ([]FallbackEvent, error) {
	if len(q.Integrations) == 0 {
		return nil, nil
	}
	kinds := q.Kinds
	if len(kinds) == 0 {
		kinds = FallbackKinds
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	var rows []fallbackEventRow
	err := s.read(ctx, func(db *bun.DB) error {
		sel := db.NewSelect().TableExpr("events AS e").
			ColumnExpr("e.id, e.integration_id, e.contact_id, e.kind, e.flow, e.node, e.detail, e.at").
			ColumnExpr("r.verdict, r.note, r.reviewer, r.reviewed_at").
			Join("LEFT JOIN fallback_reviews AS r ON r.integration_id = e.integration_id AND r.event_id = e.id").
			Where("e.integration_id IN (?)", bun.List(q.Integrations)).
			Where("e.kind IN (?)", bun.List(kinds)).
			OrderExpr("e.at DESC, e.id DESC").Limit(limit)
		if q.Unreviewed {
			sel.Where("r.verdict IS NULL")
		}
		if !q.Before.At.IsZero() {
			at := driver.At(q.Before.At)
			sel.Where("(e.at < ? OR (e.at = ? AND e.id < ?))", at, at, q.Before.ID)
		}
		return sel.Scan(ctx, &rows)
	})
	if err != nil {
		return nil, err
	}
	out := make([]FallbackEvent, len(rows))
	for i, r := range rows {
		out[i] = FallbackEvent{ID: r.ID, IntegrationID: r.IntegrationID, ContactID: r.ContactID, Kind: r.Kind,
			Flow: r.Flow, Node: r.Node, Detail: r.Detail, At: r.At.T, Verdict: deref(r.Verdict), Note: deref(r.Note),
			Reviewer: deref(r.Reviewer), ReviewedAt: r.ReviewedAt.T}
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// FallbackEvent returns one fallback event of the integrations, or
// ErrNotFound.
func (s *Store) FallbackEvent(ctx context.Context, integrations []string, id int64) (FallbackEvent, error) {
	var row fallbackEventRow
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().TableExpr("events AS e").
			ColumnExpr("e.id, e.integration_id, e.contact_id, e.kind, e.flow, e.node, e.detail, e.at").
			ColumnExpr("r.verdict, r.note, r.reviewer, r.reviewed_at").
			Join("LEFT JOIN fallback_reviews AS r ON r.integration_id = e.integration_id AND r.event_id = e.id").
			Where("e.id = ?", id).Where("e.integration_id IN (?)", bun.List(integrations)).
			Where("e.kind IN (?)", bun.List(FallbackKinds)).Limit(1).Scan(ctx, &row)
	})
	if err != nil {
		return FallbackEvent{}, err
	}
	return FallbackEvent{ID: row.ID, IntegrationID: row.IntegrationID, ContactID: row.ContactID, Kind: row.Kind,
		Flow: row.Flow, Node: row.Node, Detail: row.Detail, At: row.At.T, Verdict: deref(row.Verdict),
		Note: deref(row.Note), Reviewer: deref(row.Reviewer), ReviewedAt: row.ReviewedAt.T}, nil
}

// FallbackReview is an officer's verdict on a fallback event.
type FallbackReview struct {
	IntegrationID string
	EventID       int64
	// Verdict is right, wrong or add (to the knowledge base).
	Verdict  string
	Note     string
	Reviewer string
}

// FallbackVerdicts are the verdicts a review may give.
var FallbackVerdicts = []string{"right", "wrong", "add"}

// ReviewFallback records (or replaces) the verdict on a fallback event.
func (s *Store) ReviewFallback(ctx context.Context, r FallbackReview) error {
	ok := false
	for _, v := range FallbackVerdicts {
		ok = ok || v == r.Verdict
	}
	if !ok {
		return errors.New("store: a fallback verdict is right, wrong or add, not " + r.Verdict)
	}
	m := fallbackReviewModel{IntegrationID: r.IntegrationID, EventID: r.EventID, Verdict: r.Verdict,
		Note: trimTo(r.Note, 2000), Reviewer: trimTo(r.Reviewer, 200), ReviewedAt: driver.At(s.now())}
	return s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&m).
			On("CONFLICT (integration_id, event_id) DO UPDATE").
			Set("verdict = EXCLUDED.verdict, note = EXCLUDED.note, reviewer = EXCLUDED.reviewer, reviewed_at = EXCLUDED.reviewed_at").
			Exec(ctx)
		return err
	})
}
