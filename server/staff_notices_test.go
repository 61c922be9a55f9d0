package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/server/api"
)

// An officer's move of a case reaches the citizen through the pipeline:
// the notice is queued, stepped and sent to the (simulated) Graph API, and
// none reaches a citizen who opted out.
func TestCaseNoticesReachTheCitizen(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	say := func(citizen, text string) {
		req := httptest.NewRequest(http.MethodPost, "/simulator/api/send",
			strings.NewReader(`{"citizen":"`+citizen+`","name":"Ana","type":"text","text":"`+text+`"}`))
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", text, rec.Code, rec.Body)
		}
	}
	got := func(citizen, want string) bool {
		for _, m := range srv.sim.fake.Messages() {
			if m.To == "+"+citizen && strings.Contains(m.Text, want) {
				return true
			}
		}
		return false
	}
	const ref = "GRV-26-4821-7305-A"
	say("919800000501", "hi")
	say("919800000502", "STOP")
	notice := func(citizen string) error {
		return srv.notifier.NotifyCase(context.Background(), api.CaseNotice{Integration: "simulator", ContactID: "simulator/" + citizen,
			Reference: ref, Kind: "grievance", Status: casework.Status("resolved"), Remark: "The pipe was replaced."})
	}
	deadline := time.Now().Add(10 * time.Second)
	for !got("919800000502", "") || !got("919800000501", "") {
		if time.Now().After(deadline) {
			t.Fatal("the citizens were never answered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := notice("919800000501"); err != nil {
		t.Fatal(err)
	}
	if err := notice("919800000502"); err != api.ErrOptedOut {
		t.Fatalf("a notice to the opted out: %v", err)
	}
	for !got("919800000501", ref) {
		if time.Now().After(deadline) {
			t.Fatalf("the citizen was not told: %+v", srv.sim.fake.Messages())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got("919800000502", ref) {
		t.Fatal("a citizen who opted out was told")
	}
}
