package loadtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/server"
	"github.com/samvad/samvad/server/loadtest"
)

const (
	testSecret  = "load_app_secret_FICTIONAL"
	testPhoneID = "200000000000009"
	testToken   = "load-access-token"
)

// startTarget runs an in-process server on SQLite whose replies go to g.
func startTarget(t *testing.T, g *loadtest.Graph) string {
	t.Helper()
	srv := server.NewTestServer(t, func(c *server.Config) {
		off := false
		c.Simulator = &off
		c.SecretKey = server.Secret(strings.Repeat("cd", 32))
		c.Graph.BaseURL = g.URL()
		c.Graph.RatePerSecond = 100000
		c.Integrations = []server.Integration{{ID: "city", PhoneNumberID: testPhoneID, VerifyToken: "verify",
			AppSecret: testSecret, AccessToken: testToken}}
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv.URL()
}

func TestRunKeepsTheInvariants(t *testing.T) {
	g, err := loadtest.StartGraph(loadtest.GraphOptions{AccessToken: testToken, PhoneNumberID: testPhoneID})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	target := startTarget(t, g)
	rep, err := loadtest.Run(context.Background(), loadtest.Options{Targets: []string{target}, Integration: "city",
		AppSecret: testSecret, PhoneNumberID: testPhoneID, Graph: g, Rate: 50, Duration: 2 * time.Second, Citizens: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Conversation {
		t.Logf("%q → %q", e.Says, e.Replies)
	}
	t.Log("\n" + rep.String())
	if !rep.OK() {
		t.Fatalf("the run broke an invariant:\n%s", rep)
	}
}
