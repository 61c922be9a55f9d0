// Package docs_test keeps the documentation honest: the examples of
// flows.md are loaded with the shipped locale files and their conversation
// tests are run, and every reference number the documentation, the flows and
// the locale files show as an example is one the service would accept.
package docs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/script"
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

// topKeys returns the top-level keys of a YAML document.
func topKeys(t *testing.T, name string, content []byte) map[string]bool {
	t.Helper()
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	keys := map[string]bool{}
	for k := range doc {
		keys[k] = true
	}
	return keys
}

func TestFlowsDocExamples(t *testing.T) {
	ex := examples(t, "flows.md")
	shipped, l := engine.ReadSources("../locales")
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	// An example's messages go into the shipped file of its language, and
	// stand in for the shipped messages of the same name: a service's own
	// locale file (locales/office/en.yaml) that writes a top-level key an
	// example writes (office:) is left out, as the example flow stands in
	// for the shipped flow of that name.
	exampleKeys := map[string]bool{}
	for name, body := range ex {
		if strings.HasPrefix(name, "locales/") {
			for k := range topKeys(t, name, []byte(body)) {
				exampleKeys[k] = true
			}
		}
	}
	var src engine.Sources
	for _, f := range shipped.Locales {
		rel, err := filepath.Rel("../locales", f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(rel) != "." {
			overlaps := false
			for k := range topKeys(t, f.Path, f.Content) {
				overlaps = overlaps || exampleKeys[k]
			}
			if overlaps {
				continue
			}
		} else if extra, ok := ex["locales/"+rel]; ok {
			f.Content = append(append([]byte{}, f.Content...), "\n"+extra...)
		}
		src.Locales = append(src.Locales, f)
	}
	var tests []engine.File
	for name, body := range ex {
		switch {
		case strings.HasPrefix(name, "flows/tests/"):
			tests = append(tests, engine.File{Path: name, Content: []byte(body)})
		case strings.HasPrefix(name, "flows/services/"):
			// Declarations: TestConnectingADepartmentSystem runs them.
		case strings.HasPrefix(name, "flows/"):
			src.Flows = append(src.Flows, engine.File{Path: name, Content: []byte(body)})
		}
	}
	// The main menu lists the example flows next to the shipped ones.
	for _, id := range []string{"main", "language", "grievance", "grievance_status", "helplines", "officer"} {
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

// referenceRE finds what looks like a docket reference, in the current form
// (GRV-26-4821-7305-A) or the older one (GRV-26-4821-6K).
var referenceRE = regexp.MustCompile(`[A-Z]{2,6}-\d{2}-\d{4}-[\dA-Z]+(-[\dA-Z])?`)

// badReferences returns the references in text, of one of the series, that
// the service would refuse (a wrong check character, a wrong length).
// Numbers of the same shape from other systems, such as ration cards
// (MH-12-3344-556), are not references and are left alone.
func badReferences(text string, series map[string]bool) []string {
	var bad []string
	for _, m := range referenceRE.FindAllString(text, -1) {
		if series[m[:strings.IndexByte(m, '-')]] && !script.ValidReference(m) {
			bad = append(bad, m)
		}
	}
	return bad
}

// referenceSeries returns the prefixes of the references the deployment
// makes: GRV for grievances, and each request operation's series.
func referenceSeries(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../flows/services/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no operation declarations under flows/services (%v)", err)
	}
	series := map[string]bool{}
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var decl struct {
			Operations map[string]struct {
				Builtin string `yaml:"builtin"`
				Request struct {
					Series string `yaml:"series"`
				} `yaml:"request"`
			} `yaml:"operations"`
		}
		if err := yaml.Unmarshal(content, &decl); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, op := range decl.Operations {
			switch {
			case op.Request.Series != "":
				series[strings.ToUpper(op.Request.Series)] = true
			case strings.HasPrefix(op.Builtin, "grievance."):
				series["GRV"] = true
			}
		}
	}
	if !series["GRV"] {
		t.Fatalf("no grievance operation declares the GRV series: %v", series)
	}
	return series
}

func TestBadReferencesAreFound(t *testing.T) {
	t.Parallel()
	text := "Send GRV-26-4821-7305-A or GRV-26-4821-6K, not GRV-26-4821-7305-B or GRV-26-1676-J. Card MH-12-3344-556."
	got := badReferences(text, map[string]bool{"GRV": true})
	if strings.Join(got, " ") != "GRV-26-4821-7305-B GRV-26-1676-J" {
		t.Errorf("bad references %q", got)
	}
}

// TestReferenceExamplesAreValid checks every reference shown as an example
// in the README, docs/, the flows (their tests and knowledge included) and
// the locale files: a citizen who copies one must not be told it is wrong.
// A test that means to type a mistyped reference writes it in lower case.
func TestReferenceExamplesAreValid(t *testing.T) {
	t.Parallel()
	series := referenceSeries(t)
	files := []string{"../README.md"}
	docs, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, docs...)
	for _, root := range []string{"../flows", "../locales"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Ext(path) == ".yaml" {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	seen := 0
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(content), "\n") {
			seen += len(referenceRE.FindAllString(line, -1))
			for _, ref := range badReferences(line, series) {
				t.Errorf("%s:%d: %s is not a valid reference (check character or length)", strings.TrimPrefix(file, "../"), i+1, ref)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no reference examples found: the search is looking in the wrong place")
	}
}

// TestReadmeFlowIsShipped checks that the flow the README shows is the start
// of the shipped flows/office.yaml: the same nodes, written the same way.
func TestReadmeFlowIsShipped(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(flow: office\n.*?)  \\.\\.\\.\n```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no excerpt of flows/office.yaml (a yaml block starting flow: office, ending with ...)")
	}
	shown, shipped := map[string]any{}, map[string]any{}
	if err := yaml.Unmarshal(m[1], &shown); err != nil {
		t.Fatalf("README.md's flow: %v", err)
	}
	b, err := os.ReadFile("../flows/office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &shipped); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"flow", "title"} {
		if shown[key] != shipped[key] {
			t.Errorf("README.md shows %s %v, flows/office.yaml has %v", key, shown[key], shipped[key])
		}
	}
	if !within(shown["triggers"], shipped["triggers"]) {
		t.Errorf("README.md's triggers %v are not those of flows/office.yaml %v", shown["triggers"], shipped["triggers"])
	}
	if !within(shown["vars"], shipped["vars"]) {
		t.Errorf("README.md's vars %v are not those of flows/office.yaml", shown["vars"])
	}
	nodes, _ := shown["nodes"].(map[string]any)
	if len(nodes) == 0 {
		t.Fatal("README.md's flow shows no nodes")
	}
	real, _ := shipped["nodes"].(map[string]any)
	for name, n := range nodes {
		if !within(n, real[name]) || !within(real[name], n) {
			t.Errorf("README.md's node %s is not the one in flows/office.yaml:\n%v\n%v", name, n, real[name])
		}
	}
}

// within reports whether a, decoded from YAML, is part of b: every key of a
// map is in b with a value within b's, and every item of a list is in b's.
func within(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range a {
			if !within(v, bm[k]) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok {
			return false
		}
		for _, x := range a {
			found := false
			for _, y := range bl {
				found = found || within(x, y)
			}
			if !found {
				return false
			}
		}
		return true
	}
	return a == b
}

// docs/architecture.md maps every package of the module, and names none
// that does not exist: a newcomer finds each package where it says.
func TestArchitectureMapsEveryPackage(t *testing.T) {
	content, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	mapped := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_/]+)` \\|").FindAllStringSubmatch(string(content), -1) {
		mapped[m[1]] = true
	}
	actual := map[string]bool{}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (name == "testdata" || name == ".git" || name == "bin" || name == "data" || strings.HasPrefix(name, ".") && path != "..") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".go") {
			rel, _ := filepath.Rel("..", filepath.Dir(path))
			actual[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for pkg := range actual {
		if !mapped[pkg] {
			t.Errorf("package %s is not in docs/architecture.md", pkg)
		}
	}
	for pkg := range mapped {
		if !actual[pkg] {
			t.Errorf("docs/architecture.md names package %s, which does not exist", pkg)
		}
	}
}
