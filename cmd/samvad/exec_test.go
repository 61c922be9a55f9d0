package main

import (
	"os"
	"strings"
	"testing"
)

// childEnv makes the test binary act as samvad itself: loadgen --exec
// starts os.Executable() serve …, which in a test is this binary. (Not a
// SAMVAD_ variable: loadgen keeps those from the servers it starts.)
const childEnv = "SAMVADCMD_TEST_AS_SAMVAD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// loadgen --exec runs the server as a process of its own and reads the
// server's own acknowledgement times from its /metrics.
func TestLoadgenExec(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	t.Setenv(childEnv, "1")
	code, out, errOut := runCmd(t, "", "loadgen", "--exec", "--rate", "40", "--count", "40", "--citizens", "10",
		"--flows", "../../flows", "--locales", "../../locales", "--sample", "0")
	if code != 0 {
		t.Fatalf("loadgen --exec exited %d:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"invariants: OK: 40 of 40 messages", "webhook ack as the server timed it", "n 40\n", "server processes"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the report lacks %q:\n%s", want, out)
		}
	}
}

// A server that refuses its configuration stops at once, and loadgen says
// so then, with the server's own message, instead of waiting for it.
func TestLoadgenExecReportsAServerThatCannotStart(t *testing.T) {
	t.Setenv(childEnv, "1")
	code, _, errOut := runCmd(t, "", "loadgen", "--exec", "--step-batch", "300", "--count", "10",
		"--flows", "../../flows", "--locales", "../../locales", "--sample", "0")
	if code != 1 || !strings.Contains(errOut, "step_batch: 300 is not between 1 and 256") || !strings.Contains(errOut, "stopped before it was ready") {
		t.Fatalf("a server that cannot start: exit %d:\n%s", code, errOut)
	}
}
