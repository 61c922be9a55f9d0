package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// The fixture module passes, fails, skips for two reasons and has a
// package that does not build: the report shows the failures in full,
// counts the subtests rather than their parent, groups the skips with how
// to run them, and the exit code says it failed.
func TestReportOfARealRun(t *testing.T) {
	t.Setenv("TEST_DATABASE_URL", "")
	var out, errOut bytes.Buffer
	code := run("testdata/sample", []string{"-count=1", "./..."}, &out, &errOut)
	report := out.String()
	if code != 1 {
		t.Errorf("exit %d, want 1 for a failed run", code)
	}
	for _, want := range []string{
		"--- FAIL: TestFails (example.com/sample)\n    sample_test.go:14: first line of the failure\n    sample_test.go:15: second line of the failure\n--- FAIL: TestFails",
		`broken_test.go:6:14: cannot use "not a number"`,
		"FAIL  example.com/sample/broken",
		"FAIL  example.com/sample  (2 passed, 1 failed, 2 skipped)",
		"skipped 1: skipping the Postgres variant: TEST_DATABASE_URL is not set\n    TestDialects/postgres\n    to run them: TEST_DATABASE_URL='postgres://",
		"skipped 1: no Chromium found\n    TestNeedsABrowser\n    to run it: apt-get install chromium",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	lines := strings.Split(strings.TrimRight(report, "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "FAIL: 2 passed, 1 failed, 2 skipped in ") || !strings.HasSuffix(last, "(failed: TestFails)") {
		t.Errorf("the last line is %q", last)
	}
	if strings.Contains(report, "=== RUN") || strings.Contains(report, "FAIL\texample.com/sample\t") {
		t.Errorf("the report repeats go test's framing:\n%s", report)
	}
}

// feed runs events through a summary whose clock the test moves.
type feed struct {
	out bytes.Buffer
	now time.Time
	s   *Summary
}

func newFeed() *feed {
	f := &feed{now: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)}
	f.s = NewSummary(&f.out, func() time.Time { return f.now })
	return f
}

func (f *feed) lines(ls ...string) {
	for _, l := range ls {
		f.s.Line(l)
	}
}

func TestAllPassedEndsWithOneLine(t *testing.T) {
	t.Parallel()
	f := newFeed()
	f.lines(`{"Action":"start","Package":"p"}`,
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}`,
		`{"Action":"pass","Package":"p","Elapsed":0.12}`,
		`{"Action":"skip","Package":"q"}`)
	f.now = f.now.Add(2 * time.Second)
	if !f.s.Close() {
		t.Fatal("Close said a passing run failed")
	}
	want := "ok    p  0.1s  (1 passed)\n?     q  [no test files]\n\nPASS: 1 passed, 0 failed, 0 skipped in 2s\n"
	if f.out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", f.out.String(), want)
	}
}

// A package that fails outside any test (a panic in TestMain, a timeout)
// shows what it printed; a line go test wrote of its own passes through.
func TestPackageFailureOutsideTests(t *testing.T) {
	t.Parallel()
	f := newFeed()
	f.lines(`go: downloading example.com/x v1.0.0`,
		`{"Action":"start","Package":"p"}`,
		`{"Action":"output","Package":"p","Output":"panic: the store is gone\n"}`,
		`{"Action":"output","Package":"p","Output":"FAIL\tp\t0.2s\n"}`,
		`{"Action":"fail","Package":"p","Elapsed":0.2}`)
	if f.s.Close() {
		t.Fatal("Close said a failed package passed")
	}
	for _, want := range []string{"go: downloading example.com/x v1.0.0\n", "panic: the store is gone\nFAIL  p  (0 passed)\n", "FAIL: 0 passed, 0 failed, 0 skipped in 0s (a package did not build or run: see above)"} {
		if !strings.Contains(f.out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, f.out.String())
		}
	}
}

// While nothing is printed, Tick says whether packages are compiling or
// which are running, no more often than asked.
func TestTickSaysWhatIsGoingOn(t *testing.T) {
	t.Parallel()
	f := newFeed()
	f.now = f.now.Add(10 * time.Second)
	f.s.Tick(20 * time.Second)
	if f.out.Len() != 0 {
		t.Fatalf("Tick spoke too soon: %s", f.out.String())
	}
	f.now = f.now.Add(15 * time.Second)
	f.s.Tick(20 * time.Second)
	if got := f.out.String(); got != "… still compiling; 0 package(s) done, 25s so far\n" {
		t.Fatalf("while compiling: %q", got)
	}
	f.out.Reset()
	f.lines(`{"Action":"start","Package":"github.com/samvad/samvad/server"}`)
	f.now = f.now.Add(40 * time.Second)
	f.s.Tick(20 * time.Second)
	if got := f.out.String(); got != "… still running server (40s); 0 package(s) done, 1m5s so far\n" {
		t.Fatalf("while running: %q", got)
	}
}

func TestSkipReason(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		out  []string
		want string
	}{
		{[]string{"=== RUN   TestX\n", "    testdb.go:104: skipping the Postgres variant: not set\n", "--- SKIP: TestX (0.00s)\n"}, "skipping the Postgres variant: not set"},
		{[]string{"=== RUN   TestX/a\n", "    x_test.go:9: two\n", "    lines\n", "    --- SKIP: TestX/a (0.00s)\n"}, "two lines"},
		{[]string{"=== RUN   TestX\n", "--- SKIP: TestX (0.00s)\n"}, "(no reason given)"},
	} {
		if got := skipReason(c.out); got != c.want {
			t.Errorf("skipReason(%q) = %q, want %q", c.out, got, c.want)
		}
	}
}
