package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

// Fallback events come back newest first, a page at a time, only for the
// integrations asked for, with the verdict an officer gave.
func TestFallbackReview(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		at := e.clock.Now()
		kinds := []engine.EventKind{engine.EventFallbackUsed, engine.EventFlowStarted, engine.EventFallbackMissed, engine.EventFallbackFailed}
		for i, k := range kinds {
			e.ingest(inbound("9198000000"+string(rune('1'+i)), "w"+string(rune('a'+i)), at, "hello"))
			ev := engine.Event{Kind: k, Flow: "main", Node: "menu", Detail: `{"q":"question ` + string(rune('a'+i)) + `"}`}
			if _, err := e.s.ProcessNext(ctx, func(ctx context.Context, w *Work) (*Outcome, error) {
				ev.At = e.clock.Now()
				return &Outcome{Events: []engine.Event{ev}}, nil
			}); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Second)
		}
		if got, _ := e.s.FallbackEvents(ctx, FallbackQuery{Integrations: []string{"elsewhere"}}); len(got) != 0 {
			t.Fatalf("another integration's events: %+v", got)
		}
		page, err := e.s.FallbackEvents(ctx, FallbackQuery{Integrations: []string{"city"}, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || page[0].Kind != "fallback_failed" || page[1].Kind != "fallback_missed" {
			t.Fatalf("first page %+v", page)
		}
		rest, err := e.s.FallbackEvents(ctx, FallbackQuery{Integrations: []string{"city"},
			Before: FallbackPosition{At: page[1].At, ID: page[1].ID}})
		if err != nil || len(rest) != 1 || rest[0].Kind != "fallback_used" || rest[0].Detail != `{"q":"question a"}` {
			t.Fatalf("second page %+v, %v", rest, err)
		}
		if err := e.s.ReviewFallback(ctx, FallbackReview{IntegrationID: "city", EventID: rest[0].ID, Verdict: "maybe"}); err == nil {
			t.Fatal("a verdict that is not right, wrong or add was kept")
		}
		for _, v := range []string{"wrong", "add"} { // a second verdict replaces the first
			if err := e.s.ReviewFallback(ctx, FallbackReview{IntegrationID: "city", EventID: rest[0].ID, Verdict: v, Note: "n", Reviewer: "asha"}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := e.s.FallbackEvent(ctx, []string{"city"}, rest[0].ID)
		if err != nil || got.Verdict != "add" || got.Reviewer != "asha" || !got.ReviewedAt.Equal(e.clock.Now()) {
			t.Fatalf("reviewed event %+v, %v", got, err)
		}
		if _, err := e.s.FallbackEvent(ctx, []string{"elsewhere"}, rest[0].ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("another department read the event: %v", err)
		}
		open, err := e.s.FallbackEvents(ctx, FallbackQuery{Integrations: []string{"city"}, Unreviewed: true,
			Kinds: []string{"fallback_used", "fallback_missed"}})
		if err != nil || len(open) != 1 || open[0].Kind != "fallback_missed" {
			t.Fatalf("unreviewed %+v, %v", open, err)
		}
	})
}
