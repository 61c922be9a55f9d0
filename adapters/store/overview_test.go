package store

import (
	"context"
	"testing"
	"time"
)

func TestFlowVersionsAndLastActivity(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, v := range []string{"v1", "v2", "v3"} {
			if err := e.s.SaveFlowVersion(ctx, "grievance", v, []byte(v)); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Minute)
		}
		if err := e.s.SaveFlowVersion(ctx, "main", "m1", []byte("m")); err != nil {
			t.Fatal(err)
		}
		got, err := e.s.FlowVersions(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if g := got["grievance"]; len(g) != 2 || g[0].Version != "v3" || g[1].Version != "v2" || len(got["main"]) != 1 {
			t.Fatalf("flow versions = %+v", got)
		}
		at, err := e.s.LastActivity(ctx, "city")
		if err != nil || !at.IsZero() {
			t.Fatalf("the last activity of an integration with no events = %v, %v", at, err)
		}
		when := time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC)
		stamp := "'2026-12-07T08:30:00Z'"
		if e.s.Dialect() == "sqlite" {
			stamp = "1796632200000000"
		}
		e.exec("INSERT INTO events (contact_id, integration_id, conversation, kind, at) VALUES ('c1', 'city', 1, 'flow_start', " + stamp + ")")
		if at, err := e.s.LastActivity(ctx, "city"); err != nil || !at.Equal(when) {
			t.Fatalf("last activity = %v, %v; want %v", at, err, when)
		}
	})
}
