package loadtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/loadtest"
	"github.com/samvad/samvad/internal/testdb"
)

const (
	testSecret  = "load_app_secret_FICTIONAL"
	testPhoneID = "200000000000009"
	testToken   = "load-access-token"
	// testSecretKey encrypts the access token at rest (32 bytes in hex).
	testSecretKey = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
)

func TestRunKeepsTheInvariants(t *testing.T) {
	g, err := loadtest.StartGraph(loadtest.GraphOptions{AccessToken: testToken, PhoneNumberID: testPhoneID})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	target := startTargetOn(t, g, testdb.URL(t, "sqlite"), 0, 0)
	for _, c := range []struct {
		name string
		opts loadtest.Options
	}{
		// One message per POST, twenty citizens writing in turn.
		{"one per POST", loadtest.Options{Rate: 50, Duration: 2 * time.Second, Citizens: 20}},
		// Each POST carries four messages of one citizen, sent within the
		// same second: they must be answered in the order written.
		{"a citizen's burst in one POST", loadtest.Options{Rate: 40, Count: 48, Citizens: 3, Connections: 3, Batch: 4}},
		// Citizens out of step: each pauses at the main menu a different
		// number of times before going round the cycle.
		{"citizens out of step", loadtest.Options{Rate: 60, Duration: 3 * time.Second, Citizens: 18, Spread: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts
			o.Targets, o.Integration, o.AppSecret, o.PhoneNumberID, o.Graph = []string{target}, "city", testSecret, testPhoneID, g
			rep, err := loadtest.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + rep.String())
			if !rep.OK() {
				t.Fatalf("the run broke an invariant:\n%s", rep)
			}
			if rep.Verdict.Answered != rep.Offered || rep.Reply.N != rep.Offered {
				t.Fatalf("%d messages offered, %d answered, %d reply latencies", rep.Offered, rep.Verdict.Answered, rep.Reply.N)
			}
			// The target's own histogram counts each POST of the offer
			// once (the probe's before it are left out).
			if rep.ServerAck == nil || rep.ServerAck.N() != rep.Posts {
				t.Fatalf("the target's ack histogram: %+v, want %d webhooks", rep.ServerAck, rep.Posts)
			}
		})
	}
}
