package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
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

// --nice lowers the generator's own priority once its server runs: the
// server process keeps the priority it started with.
func TestLoadgenNiceLowersTheGeneratorOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// In a process of its own, so that this test binary keeps its priority.
	cmd := exec.Command(self, "loadgen", "--exec", "--nice", "7", "--rate", "40", "--count", "160", "--citizens", "10",
		"--flows", "../../flows", "--locales", "../../locales", "--sample", "0")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var out strings.Builder
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	server := 0
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "samvad serve pid %d ready", &server); err == nil {
			break
		}
	}
	time.Sleep(1500 * time.Millisecond) // the run offers for 4 s
	generatorNice, serverNice := niceOf(t, cmd.Process.Pid), niceOf(t, server)
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("loadgen --nice 7: %v\n%s", err, out.String())
	}
	if generatorNice != 7 || serverNice != 0 {
		t.Fatalf("nice: generator %d, server (pid %d) %d; want 7 and 0", generatorNice, server, serverNice)
	}
	for _, want := range []string{"this generator runs at nice 7", "invariants: OK: 160 of 160 messages"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

// niceOf reads a process's nice value (the 19th field of /proc/PID/stat).
func niceOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	n, err := strconv.Atoi(fields[16])
	if err != nil {
		t.Fatal(err)
	}
	return n
}
