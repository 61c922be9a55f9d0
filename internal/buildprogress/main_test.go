package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBuildsAndSaysSo(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "hello")
	var w bytes.Buffer
	if code := run("testdata/hello", []string{"-o", out, "."}, &w, false); code != 0 {
		t.Fatalf("exit %d:\n%s", code, w.String())
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("no binary: %v", err)
	}
	if !strings.HasPrefix(w.String(), "built in ") {
		t.Errorf("report: %q", w.String())
	}
}

func TestShowsABuildFailure(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	code := run("testdata/hello", []string{"-o", filepath.Join(t.TempDir(), "broken"), "./broken"}, &w, false)
	if code != 1 || !strings.Contains(w.String(), `broken/main.go:5:14: cannot use "not a number"`) || !strings.Contains(w.String(), "the build failed after") {
		t.Fatalf("exit %d:\n%s", code, w.String())
	}
}

func TestProgressOffATerminal(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	p := &progress{w: &w, start: start, lastLine: start, every: 10 * time.Second}
	for _, l := range []string{"internal/abi", "runtime", "github.com/samvad/samvad/engine"} {
		p.line(l, start.Add(time.Second))
	}
	p.tick(start.Add(9 * time.Second))
	if w.Len() != 0 {
		t.Fatalf("spoke before ten seconds: %q", w.String())
	}
	p.tick(start.Add(10 * time.Second))
	p.tick(start.Add(15 * time.Second))
	p.line("go: downloading example.com/x v1.0.0", start.Add(16*time.Second))
	p.done(true, start.Add(16*time.Second))
	want := "  still compiling (10s): 3 packages so far\ngo: downloading example.com/x v1.0.0\n" +
		"built in 16s (3 packages compiled; they are cached now, so the next build takes seconds)\n"
	if w.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", w.String(), want)
	}
}

func TestProgressOnATerminal(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	p := &progress{w: &w, terminal: true, start: start, lastLine: start, every: 10 * time.Second}
	p.line("runtime", start.Add(2*time.Second))
	p.line("# example.com/x", start.Add(3*time.Second))
	p.done(false, start.Add(3*time.Second))
	want := "\r  compiling (2s): 1 package so far\r\033[K# example.com/x\nthe build failed after 3s (see above)\n"
	if w.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", w.String(), want)
	}
}
