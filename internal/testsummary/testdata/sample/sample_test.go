// Package sample is a fixture for testsummary's tests: it passes, fails
// and skips on purpose. It is a module of its own under testdata, so that
// go test ./... of Samvad never runs it.
package sample

import (
	"os"
	"testing"
)

func TestPasses(t *testing.T) {}

func TestFails(t *testing.T) {
	t.Log("first line of the failure")
	t.Error("second line of the failure")
}

func TestDialects(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			if d == "postgres" && os.Getenv("TEST_DATABASE_URL") == "" {
				t.Skip("skipping the Postgres variant: TEST_DATABASE_URL is not set")
			}
		})
	}
}

func TestNeedsABrowser(t *testing.T) {
	t.Skip("no Chromium found")
}
