package docs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/samvad/samvad/adapters/llm/knowledge"
	"github.com/samvad/samvad/server"
)

// TestFallbackDocExamples loads the knowledge file and the configuration
// fallback.md shows, and asks the knowledge what the page says it answers.
func TestFallbackDocExamples(t *testing.T) {
	ex := examples(t, "fallback.md")
	b, err := knowledge.Parse("flows/knowledge/office.yaml", []byte(ex["flows/knowledge/office.yaml"]))
	if err != nil {
		t.Fatalf("the knowledge example does not load: %v", err)
	}
	ix := knowledge.NewIndex(b, knowledge.Options{})
	if r := ix.Answer(knowledge.Query{Text: "ward office kab khulta hai", Lang: "hi"}); r.Kind != knowledge.KindAnswer ||
		r.EntryID != "office.hours" || r.TextLang != "hi" {
		t.Errorf("the office hours question: %+v", r)
	}
	if r := ix.Answer(knowledge.Query{Text: "which is the office for PIN 400051", Lang: "en"}); r.Kind != knowledge.KindRoute ||
		r.Flow != "office" || r.Args["pin"] != "400051" {
		t.Errorf("the office route: %+v", r)
	}
	path := filepath.Join(t.TempDir(), "samvad.yaml")
	if err := os.WriteFile(path, []byte(ex["samvad.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := server.LoadConfig(path, nil)
	if err != nil {
		t.Fatalf("the configuration example does not load: %v", err)
	}
	if cfg.LLM.Model != "gpt-4o-mini" || cfg.LLM.APIKeyEnv != "OPENAI_API_KEY" || cfg.LLM.TrustOffline != 0.9 {
		t.Errorf("llm section read as %+v", cfg.LLM)
	}
}
