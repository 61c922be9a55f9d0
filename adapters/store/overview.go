package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// FlowVersion is a version of a flow archived in the store.
type FlowVersion struct {
	FlowID, Version string
	FirstSeen       time.Time
}

// FlowVersions lists the archived versions of every flow, newest first
// within each flow, at most perFlow of each (0: all).
func (s *Store) FlowVersions(ctx context.Context, perFlow int) (map[string][]FlowVersion, error) {
	var rows []flowVersionModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&rows).Column("flow_id", "version", "first_seen").
			Order("flow_id").OrderExpr("first_seen DESC").Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("store: flow versions: %w", err)
	}
	out := map[string][]FlowVersion{}
	for _, r := range rows {
		if perFlow > 0 && len(out[r.FlowID]) >= perFlow {
			continue
		}
		out[r.FlowID] = append(out[r.FlowID], FlowVersion{FlowID: r.FlowID, Version: r.Version, FirstSeen: r.FirstSeen.T})
	}
	return out, nil
}

// LastActivity is when an integration last ran a step for a citizen (the
// time of its newest analytics event; zero when it never has).
func (s *Store) LastActivity(ctx context.Context, integration string) (time.Time, error) {
	var at driver.Time
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model((*eventModel)(nil)).ColumnExpr("max(at)").Where("integration_id = ?", integration).Scan(ctx, &at)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last activity of %s: %w", trimTo(integration, 80), err)
	}
	return at.T, nil
}
