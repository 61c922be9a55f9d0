package main

import (
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/loadtest"
	"github.com/samvad/samvad/internal/testdb"
)

func TestLoadgenRefusesBadOptions(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--processes", "2"}, "--processes 2: 1 or 3"},
		{[]string{"--processes", "3"}, "--processes 3 needs a shared database"},
		{[]string{"--db", "mysql://x"}, `--db "mysql://x"`},
		{[]string{"--target", "http://127.0.0.1:8080"}, "--target needs --graph-listen"},
		{[]string{"--cpuprofile", "cpu.out", "--processes", "3", "--db", "postgres://x"}, "--cpuprofile profiles this process"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--status-delay", "1s"}, "--status-delay goes with --statuses"},
		{[]string{"--statuses", "--status-delay", "-1s"}, "--status-delay -1s: from 0 to 1m"},
	} {
		code, _, errOut := runCmd(t, "", append([]string{"loadgen"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("loadgen %q: exit %d, %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

func TestLoadgenRefusesATargetOffThisMachine(t *testing.T) {
	code, out, errOut := runCmd(t, "", "loadgen", "--target", "http://192.0.2.1:8080", "--graph-listen", "127.0.0.1:0",
		"--integration", "city", "--app-secret", "s", "--phone-number-id", "1")
	if code != 1 || !strings.Contains(errOut, "127.0.0.1") || out != "" {
		t.Fatalf("a target on another machine: exit %d, %q %q", code, out, errOut)
	}
}

// A short run against an in-process server on SQLite, end to end through
// the command.
func TestLoadgenInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	code, out, errOut := runCmd(t, "", "loadgen", "--rate", "40", "--count", "40", "--citizens", "10",
		"--flows", "../../flows", "--locales", "../../locales", "--sample", "0")
	if code != 0 {
		t.Fatalf("loadgen exited %d:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"webhook ack", "receipt → reply", "invariants: OK: 40 of 40 messages"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the report lacks %q:\n%s", want, out)
		}
	}
}

// With status webhooks on Postgres the run also checks that every reply's
// delivery status caught up with the statuses sent for it.
func TestLoadgenChecksDeliveryStatuses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	db := testdb.PostgresURL(t)
	code, out, errOut := runCmd(t, "", "loadgen", "--rate", "100", "--count", "100", "--citizens", "20", "--statuses",
		"--db", db, "--flows", "../../flows", "--locales", "../../locales", "--sample", "0")
	if code != 0 {
		t.Fatalf("loadgen exited %d:\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "replies sent; 0 behind the statuses sent for them, 0 statuses for replies never recorded as sent") {
		t.Fatalf("the report lacks the delivery check:\n%s", out)
	}
}

func TestSustainedNeedsAnswersInTimeAndEveryInvariant(t *testing.T) {
	good := func() *loadtest.Report {
		return &loadtest.Report{Rate: 500, Offered: 10000, Acknowledged: 10000, ReplyWindow: 20 * time.Second,
			Reply: loadtest.Latency{P99: 40 * time.Millisecond}, Verdict: &loadtest.Verdict{Messages: 10000, Answered: 10000}}
	}
	if !sustained(good()) {
		t.Fatal("500 msg/s answered at 500/s with a 40 ms p99 is sustained")
	}
	slow := good()
	slow.Reply.P99 = 150 * time.Millisecond
	behind := good()
	behind.ReplyWindow = 25 * time.Second
	lost := good()
	lost.Verdict.Missing = 1
	for name, r := range map[string]*loadtest.Report{"p99 over 100 ms": slow, "answering at 400/s": behind, "a reply missing": lost} {
		if sustained(r) {
			t.Errorf("%s counted as sustained", name)
		}
	}
}
