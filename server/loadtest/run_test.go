package loadtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server/loadtest"
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
