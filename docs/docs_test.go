// Package docs_test keeps the documentation honest: the examples of
// flows.md are loaded with the shipped locale files and their conversation
// tests are run.
package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/transcript"
)

var exampleRE = regexp.MustCompile("(?s)<!-- example: ([^ ]+) -->\n```yaml\n(.*?)```")

// examples returns the marked example blocks of a document by their file name.
func examples(t *testing.T, doc string) map[string]string {
	t.Helper()
	content, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range exampleRE.FindAllStringSubmatch(string(content), -1) {
		out[m[1]] += m[2]
	}
	if len(out) == 0 {
		t.Fatalf("%s has no marked examples", doc)
	}
	return out
}

func TestFlowsDocExamples(t *testing.T) {
	ex := examples(t, "flows.md")
	shipped, l := engine.ReadSources("../locales")
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	var src engine.Sources
	for _, f := range shipped.Locales {
		// The examples add to the shared files (locales/hi.yaml), not to a
		// service's own (locales/helplines/hi.yaml), which would then write
		// their keys twice.
		name := "locales/" + filepath.Base(f.Path)
		if extra, ok := ex[name]; ok && filepath.Dir(f.Path) == filepath.Clean("../locales") {
			f.Content = append(append([]byte{}, f.Content...), "\n"+extra...)
		}
		src.Locales = append(src.Locales, f)
	}
	var tests []engine.File
	for name, body := range ex {
		switch {
		case strings.HasPrefix(name, "flows/tests/"):
			tests = append(tests, engine.File{Path: name, Content: []byte(body)})
		case strings.HasPrefix(name, "flows/"):
			src.Flows = append(src.Flows, engine.File{Path: name, Content: []byte(body)})
		}
	}
	// The main menu lists the example flow next to the shipped ones.
	main, err := os.ReadFile("../flows/main.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src.Flows = append(src.Flows, engine.File{Path: "flows/main.yaml", Content: main})
	for _, id := range []string{"language", "grievance", "grievance_status", "helplines", "officer"} {
		b, err := os.ReadFile("../flows/" + id + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		src.Flows = append(src.Flows, engine.File{Path: "flows/" + id + ".yaml", Content: b})
	}
	lib, l := engine.LoadSources(src, engine.LoadOptions{Languages: []string{"en", "hi"}})
	if l.HasErrors() {
		t.Fatalf("the examples of flows.md do not load:\n%v", diag.ListError(l))
	}
	if len(tests) == 0 {
		t.Fatal("flows.md has no example conversation test")
	}
	for _, f := range tests {
		c, l := transcript.Parse(f.Path, f.Content)
		if l.HasErrors() {
			t.Fatal(l.Err())
		}
		if res := c.Run(lib); !res.Passed() {
			t.Errorf("%s:\n%s\n%v", f.Path, strings.Join(res.Log, "\n"), res.Failures)
		}
	}
}
