// Package flows_test runs, under `go test`, what `samvad lint` and
// `samvad test` check for the shipped flows: they load without a problem in
// every language, and every conversation test under flows/ holds.
package flows_test

import (
	"strings"
	"testing"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/transcript"
)

func loadShipped(t *testing.T) (*engine.Library, engine.Sources) {
	t.Helper()
	src, l := engine.ReadSources(".", "../locales")
	lib, more := engine.LoadSources(src, engine.LoadOptions{})
	l = append(l, more...)
	if len(l) > 0 {
		t.Fatalf("the shipped flows must load without errors or warnings:\n%v", diag.ListError(l))
	}
	return lib, src
}

func TestShippedFlowsLoadInEveryLanguage(t *testing.T) {
	lib, _ := loadShipped(t)
	if len(lib.Languages) < 2 {
		t.Fatalf("only %d languages loaded", len(lib.Languages))
	}
	for _, id := range []string{"main", "language", "grievance", "grievance_status"} {
		if lib.Flow(id) == nil {
			t.Errorf("flow %s is missing", id)
		}
	}
}

func TestConversations(t *testing.T) {
	lib, src := loadShipped(t)
	if len(src.Transcripts) == 0 {
		t.Fatal("no conversation tests found under flows/")
	}
	for _, f := range src.Transcripts {
		f := f
		t.Run(strings.TrimSuffix(f.Path, ".yaml"), func(t *testing.T) {
			c, l := transcript.Parse(f.Path, f.Content)
			if l.HasErrors() {
				t.Fatal(l.Err())
			}
			res := c.Run(lib)
			if !res.Passed() {
				t.Errorf("%s\n%s", strings.Join(res.Log, "\n"), failures(res))
			}
		})
	}
}

func failures(r *transcript.Result) string {
	var lines []string
	for _, f := range r.Failures {
		lines = append(lines, f.String())
	}
	return strings.Join(lines, "\n")
}
