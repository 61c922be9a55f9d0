// Command testsummary runs `go test -json` and prints what a person needs
// from it: one line per package, every failure in full, and at the end the
// tests that were skipped, grouped by the reason they gave (with how to run
// them), and one line of totals. `make test` runs it:
//
//	go build -o bin/testsummary ./internal/testsummary
//	bin/testsummary -count=1 ./...
//
// (or go run ./internal/testsummary -count=1 ./...)
//
// Every argument goes to go test. It exits 1 when a test, a package or a
// build failed (or go test itself did), 0 otherwise. While packages are
// compiling or running with nothing finished for a while, it says so, so
// that a first run's silent compile is not taken for a hang.
//
// (gotestsum does this and more; a page of our own keeps `make test` to
// what the Go toolchain already brings.)
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json`: a test event (cmd/test2json) or,
// for a package that does not build, a build event (go build -json).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	ImportPath  string
	FailedBuild string
}

// testKey names a test within its package.
type testKey struct{ pkg, test string }

// testState is what is known of a test that has started.
type testState struct {
	output      []string
	subtests    bool
	subtestFail bool
}

// pkgState is a package's counts and its output outside any test.
type pkgState struct {
	passed, failed, skipped int
	output                  []string
	// started is when its test binary started; zero while it compiles.
	started time.Time
	ended   bool
}

// Summary reads `go test -json` events and writes the report.
type Summary struct {
	w       io.Writer
	now     func() time.Time
	begun   time.Time
	tests   map[testKey]*testState
	pkgs    map[string]*pkgState
	builds  map[string][]string
	skips   map[string][]string // reason → tests
	failed  []string
	done    int
	broken  bool // a package or a build failed
	lastOut time.Time

	passedN, failedN, skippedN int
}

// NewSummary writes its report to w, telling the time with now.
func NewSummary(w io.Writer, now func() time.Time) *Summary {
	t := now()
	return &Summary{w: w, now: now, begun: t, lastOut: t, tests: map[testKey]*testState{}, pkgs: map[string]*pkgState{},
		builds: map[string][]string{}, skips: map[string][]string{}}
}

// Line takes one line of go test's output. A line that is not a JSON event
// (go test said something of its own) is printed as it is.
func (s *Summary) Line(line string) {
	var e event
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil {
		s.print(line)
		return
	}
	switch {
	case e.Action == "build-output":
		s.builds[e.ImportPath] = append(s.builds[e.ImportPath], e.Output)
	case e.Action == "build-fail":
		s.broken = true
		s.print(strings.TrimRight(strings.Join(s.builds[e.ImportPath], ""), "\n"))
		delete(s.builds, e.ImportPath)
	case e.Test != "":
		s.testEvent(e)
	default:
		s.packageEvent(e)
	}
}

func (s *Summary) pkg(name string) *pkgState {
	p := s.pkgs[name]
	if p == nil {
		p = &pkgState{}
		s.pkgs[name] = p
	}
	return p
}

func (s *Summary) testEvent(e event) {
	k := testKey{e.Package, e.Test}
	t := s.tests[k]
	if t == nil {
		t = &testState{}
		s.tests[k] = t
	}
	switch e.Action {
	case "run":
		if i := strings.LastIndex(e.Test, "/"); i > 0 {
			if parent := s.tests[testKey{e.Package, e.Test[:i]}]; parent != nil {
				parent.subtests = true
			}
		}
	case "output":
		t.output = append(t.output, e.Output)
	case "pass", "fail", "skip":
		s.endTest(e, k, t)
	}
}

// endTest counts a test that ended. A test with subtests counts only when
// it failed on its own account: its subtests are the tests.
func (s *Summary) endTest(e event, k testKey, t *testState) {
	delete(s.tests, k)
	p := s.pkg(e.Package)
	if i := strings.LastIndex(e.Test, "/"); i > 0 && e.Action == "fail" {
		if parent := s.tests[testKey{e.Package, e.Test[:i]}]; parent != nil {
			parent.subtestFail = true
		}
	}
	switch {
	case e.Action == "fail" && !t.subtestFail:
		p.failed++
		s.failedN++
		s.failed = append(s.failed, e.Test)
		s.print(fmt.Sprintf("--- FAIL: %s (%s)", e.Test, e.Package))
		s.print(strings.TrimRight(strings.Join(ownLines(t.output), ""), "\n"))
	case t.subtests:
	case e.Action == "pass":
		p.passed++
		s.passedN++
	case e.Action == "skip":
		p.skipped++
		s.skippedN++
		r := skipReason(t.output)
		s.skips[r] = append(s.skips[r], e.Test)
	}
}

func (s *Summary) packageEvent(e event) {
	p := s.pkg(e.Package)
	switch e.Action {
	case "start":
		p.started = s.now()
	case "output":
		p.output = append(p.output, e.Output)
	case "pass":
		s.done++
		p.ended = true
		s.print(fmt.Sprintf("ok    %s  %.1fs  (%s)", e.Package, e.Elapsed, counts(p.passed, p.failed, p.skipped)))
	case "skip":
		s.done++
		p.ended = true
		s.print(fmt.Sprintf("?     %s  [no test files]", e.Package))
	case "fail":
		s.done++
		p.ended = true
		s.broken = true
		if e.FailedBuild == "" && p.failed == 0 {
			// A panic, a timeout, TestMain or a vet check: what the package
			// printed outside its tests says which.
			s.print(strings.TrimRight(strings.Join(verdictless(p.output), ""), "\n"))
		}
		s.print(fmt.Sprintf("FAIL  %s  (%s)", e.Package, counts(p.passed, p.failed, p.skipped)))
	}
}

func counts(passed, failed, skipped int) string {
	out := fmt.Sprintf("%d passed", passed)
	if failed > 0 {
		out += fmt.Sprintf(", %d failed", failed)
	}
	if skipped > 0 {
		out += fmt.Sprintf(", %d skipped", skipped)
	}
	return out
}

// verdict is go test's closing line of a package (PASS, FAIL, ok …).
var verdict = regexp.MustCompile(`^(PASS|FAIL|ok  \t.*|FAIL\t.*)\n?$`)

// verdictless drops go test's closing lines from a package's output: the
// report says the same.
func verdictless(out []string) []string {
	var keep []string
	for _, l := range out {
		if !verdict.MatchString(l) {
			keep = append(keep, l)
		}
	}
	return keep
}

// framing are test2json's lines about a test rather than from it.
var framing = regexp.MustCompile(`^\s*=== (RUN|PAUSE|CONT|NAME)\s`)

// ownLines drops the framing lines from a test's output.
func ownLines(out []string) []string {
	var keep []string
	for _, l := range out {
		if !framing.MatchString(l) {
			keep = append(keep, l)
		}
	}
	return keep
}

// logPrefix is the "file_test.go:123: " that t.Skip's message starts with.
var logPrefix = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: `)

// skipReason is the message a skipped test gave, without its file:line.
func skipReason(out []string) string {
	var lines []string
	for _, l := range ownLines(out) {
		if strings.HasPrefix(strings.TrimSpace(l), "--- SKIP:") {
			continue
		}
		if l = strings.TrimSpace(logPrefix.ReplaceAllString(l, "")); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "(no reason given)"
	}
	return strings.Join(lines, " ")
}

// hints say how to run the tests a reason skipped, for the reasons whose
// remedy the message does not spell out as a command.
var hints = []struct{ match, hint string }{
	{"TEST_DATABASE_URL is not set", "to run them: TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' make test (a PostgreSQL the tests may make schemas in; .ci/run starts one)"},
	{"Chromium", "to run it: apt-get install chromium (or set SAMVAD_CHROMIUM to a Chrome), then make test"},
	{"testing.Short", "to run them: without -short"},
}

// Tick says what is still going on when nothing has been printed for
// quiet: a first run's compile takes minutes and looks like a hang.
func (s *Summary) Tick(quiet time.Duration) {
	now := s.now()
	if now.Sub(s.lastOut) < quiet {
		return
	}
	var running []string
	for name, p := range s.pkgs {
		if p.started.IsZero() || p.ended {
			continue
		}
		running = append(running, fmt.Sprintf("%s (%s)", strings.TrimPrefix(name, "github.com/samvad/samvad/"), now.Sub(p.started).Round(time.Second)))
	}
	sort.Strings(running)
	what := "still compiling"
	if len(running) > 0 {
		what = "still running " + strings.Join(running, ", ")
	}
	s.print(fmt.Sprintf("… %s; %d package(s) done, %s so far", what, s.done, now.Sub(s.begun).Round(time.Second)))
}

// Close prints the skipped tests by reason and the line of totals, and says
// whether everything passed.
func (s *Summary) Close() (ok bool) {
	reasons := make([]string, 0, len(s.skips))
	for r := range s.skips {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if a, b := len(s.skips[reasons[i]]), len(s.skips[reasons[j]]); a != b {
			return a > b
		}
		return reasons[i] < reasons[j]
	})
	if len(reasons) > 0 {
		s.print("")
	}
	for _, r := range reasons {
		tests := s.skips[r]
		s.print(fmt.Sprintf("skipped %d: %s", len(tests), r))
		if len(tests) <= 3 {
			s.print("    " + strings.Join(tests, ", "))
		}
		for _, h := range hints {
			if strings.Contains(r, h.match) {
				s.print("    " + h.hint)
				break
			}
		}
	}
	ok = s.failedN == 0 && !s.broken
	verdict := "PASS"
	if !ok {
		verdict = "FAIL"
	}
	line := fmt.Sprintf("%s: %d passed, %d failed, %d skipped in %s", verdict, s.passedN, s.failedN, s.skippedN, s.now().Sub(s.begun).Round(100*time.Millisecond))
	if len(s.failed) > 0 {
		line += " (failed: " + strings.Join(firstN(s.failed, 5), ", ") + ")"
	} else if s.broken {
		line += " (a package did not build or run: see above)"
	}
	s.print("")
	s.print(line)
	return ok
}

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}

func (s *Summary) print(text string) {
	fmt.Fprintln(s.w, text)
	s.lastOut = s.now()
}
