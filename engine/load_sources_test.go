package engine_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/samvad/samvad/engine"
)

// A conversation test with a YAML error is still a conversation test: it is
// reported as one, at its error, and not loaded as a flow (which would make
// every flow look broken).
func TestReadSourcesSortsAFileThatDoesNotParse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"flows/main.yaml":         "flow: main\nnodes:\n  a:\n    say: [t.hello\n",
		"flows/tests/broken.yaml": "name: x\nturns:\n  - say: hi\n  bot: []\n",
		"locales/en.yaml":         "a: b\n@c: d\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, l := engine.ReadSources(filepath.Join(dir, "flows"), filepath.Join(dir, "locales"))
	if len(l) != 0 {
		t.Fatal(l.Err())
	}
	sorted := map[string]int{}
	for kind, list := range map[string][]engine.File{"flow": src.Flows, "test": src.Transcripts, "locale": src.Locales} {
		for _, f := range list {
			rel, _ := filepath.Rel(dir, f.Path)
			if files[rel] == "" {
				t.Errorf("unexpected file %s", f.Path)
			}
			sorted[kind+" "+filepath.ToSlash(rel)]++
		}
	}
	for _, want := range []string{"flow flows/main.yaml", "test flows/tests/broken.yaml", "locale locales/en.yaml"} {
		if sorted[want] != 1 {
			t.Errorf("not sorted as %s: %v", want, sorted)
		}
	}
}

// Declarations of department operations and knowledge bases live beside
// the flows; they are sorted out, not taken for flows.
func TestReadSourcesSortsServicesAndKnowledge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"flows/main.yaml":              "flow: main\nnodes:\n  a:\n    end: true\n",
		"flows/services/pensions.yaml": "connector: pensions\noperations: {}\n",
		"flows/services/offices.yaml":  "tables: {}\n",
		"flows/knowledge/general.yaml": "department: d\nentries: []\n",
		"flows/knowledge/intents.yaml": "intents: []\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, _ := engine.ReadSources(filepath.Join(dir, "flows"))
	if len(src.Flows) != 1 || len(src.Services) != 2 || len(src.Knowledge) != 2 {
		t.Fatalf("flows %d, services %d, knowledge %d", len(src.Flows), len(src.Services), len(src.Knowledge))
	}
}
