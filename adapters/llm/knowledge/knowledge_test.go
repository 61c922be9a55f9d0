package knowledge_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/samvad/samvad/adapters/llm/knowledge"
)

const small = `department: municipal
entries:
  - id: tax.pay
    flow: property_tax
    questions:
      en: ["How do I pay property tax?"]
      hi: ["संपत्ति कर कैसे भरें?"]
    answer:
      en: "Choose Property tax from the menu."
      hi: "मेन्यू में संपत्ति कर चुनें।"
  - id: tax.english_only
    questions:
      en: ["Is there a rebate on property tax for early payment?"]
    answer:
      en: "Rebates show with your bill."
intents:
  - flow: grievance_status
    args:
      reference: reference
      pin: pin
      code: "re:(?i)\\bRC-([0-9]+)\\b"
    examples:
      en: ["what happened to my complaint", "status of complaint GRV-26-1676-J9"]
      hi-Latn: ["meri shikayat ka kya hua"]
`

func smallIndex(t *testing.T) *knowledge.Index {
	t.Helper()
	b, err := knowledge.Parse("small.kb", []byte(small))
	if err != nil {
		t.Fatal(err)
	}
	return knowledge.NewIndex(b, knowledge.Options{})
}

func TestAnswerInTheCitizensLanguageElseEnglish(t *testing.T) {
	t.Parallel()
	ix := smallIndex(t)
	r := ix.Answer(knowledge.Query{Text: "how to pay property tax", Lang: "hi"})
	if r.Kind != knowledge.KindAnswer || r.EntryID != "tax.pay" || r.TextLang != "hi" || r.MatchedLang != "en" ||
		r.Flow != "property_tax" {
		t.Fatalf("got %+v", r)
	}
	r = ix.Answer(knowledge.Query{Text: "rebate on property tax for early payment", Lang: "hi"})
	if r.Kind != knowledge.KindAnswer || r.EntryID != "tax.english_only" || r.TextLang != "en" {
		t.Fatalf("got %+v", r)
	}
}

func TestRouteExtractsArguments(t *testing.T) {
	t.Parallel()
	ix := smallIndex(t)
	r := ix.Answer(knowledge.Query{Text: "meri shikaayat grv 26 4821 6k ka kya hua, pin 400 051, RC-7781"})
	if r.Kind != knowledge.KindRoute || r.Flow != "grievance_status" || r.MatchedLang != "hi-Latn" {
		t.Fatalf("got %+v", r)
	}
	want := map[string]string{"reference": "GRV-26-4821-6K", "pin": "400051", "code": "7781"}
	for k, v := range want {
		if r.Args[k] != v {
			t.Errorf("arg %s = %q, want %q", k, r.Args[k], v)
		}
	}
	// The current, longer form of a reference, in any spacing.
	for _, text := range []string{"meri shikayat GRV-26-4821-7305-A ka kya hua", "meri shikayat grv 26 4821 7305 a ka kya hua"} {
		r = ix.Answer(knowledge.Query{Text: text})
		if r.Kind != knowledge.KindRoute || r.Args["reference"] != "GRV-26-4821-7305-A" {
			t.Fatalf("%q: got %+v", text, r)
		}
	}
	// A reference whose check character is wrong is not passed on.
	r = ix.Answer(knowledge.Query{Text: "what happened to my complaint GRV-26-4821-6A"})
	if r.Kind != knowledge.KindRoute || r.Args["reference"] != "" {
		t.Fatalf("got %+v", r)
	}
}

func TestFlowsNotOfferedAreNotRoutedTo(t *testing.T) {
	t.Parallel()
	ix := smallIndex(t)
	r := ix.Answer(knowledge.Query{Text: "what happened to my complaint", Flows: []string{"property_tax"}})
	if r.Kind == knowledge.KindRoute {
		t.Fatalf("routed to a flow not offered: %+v", r)
	}
}

func TestNothingMatchesGivesNone(t *testing.T) {
	t.Parallel()
	ix := smallIndex(t)
	for _, q := range []string{"", "!!!", "who won the cricket match", "आज मौसम अच्छा है"} {
		if r := ix.Answer(knowledge.Query{Text: q}); r.Kind != knowledge.KindNone {
			t.Errorf("%q: got %+v", q, r)
		}
	}
}

func TestConfidenceIsComparable(t *testing.T) {
	t.Parallel()
	ix := smallIndex(t)
	full := ix.Answer(knowledge.Query{Text: "how do I pay property tax"})
	part := ix.Answer(knowledge.Query{Text: "how do I pay property tax with my bicycle tomorrow morning"})
	if !(full.Confidence > part.Confidence && full.Confidence <= 1 && part.Confidence > 0) {
		t.Fatalf("confidence %v for the question, %v with unknown words", full.Confidence, part.Confidence)
	}
}

func TestProblemsAreReportedWithPositions(t *testing.T) {
	t.Parallel()
	bad := `department: x
entries:
  - id: Bad Id
    questoins: {en: [a]}
    answer: {hi: "केवल हिंदी"}
  - id: ok.one
    questions: {xx-yy: [a]}
    answer: {en: ""}
intents:
  - examples: {en: [a]}
    args: {ref: nonsense, r: "re:("}
`
	_, err := knowledge.Parse("bad.kb", []byte(bad))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, want := range [][2]string{
		{"bad.kb:3:9: error", "(bad-id)"}, {"bad.kb:4:5: error", "(unknown-key)"},
		{"bad.kb:3:5: error", "(missing-questions)"}, {"bad.kb:5:13: error", "(missing-en)"},
		{"bad.kb:7:17: error", "(bad-language)"}, {"bad.kb:8:18: error", "(empty)"},
		{"bad.kb:10:5: error", "(missing-flow)"}, {"bad.kb:11:17: error", "(bad-arg)"},
		{"bad.kb:11:30: error", "(bad-pattern)"},
	} {
		found := false
		for _, l := range lines {
			found = found || (strings.HasPrefix(l, want[0]) && strings.HasSuffix(l, want[1]))
		}
		if !found {
			t.Errorf("missing %s … %s in:\n%v", want[0], want[1], err)
		}
	}
}

func TestDuplicateIDsAcrossFiles(t *testing.T) {
	t.Parallel()
	entry := "department: d\nentries:\n  - id: a.b\n    questions: {en: [q]}\n    answer: {en: a}\n"
	_, err := knowledge.LoadFS(fstest.MapFS{"one.yaml": {Data: []byte(entry)}, "two.yaml": {Data: []byte(entry)}}, "kb")
	if err == nil || !strings.Contains(err.Error(), "duplicate-id") || !strings.Contains(err.Error(), "kb/one.yaml:3") {
		t.Fatalf("err %v", err)
	}
}

func TestShippedKnowledgeLoads(t *testing.T) {
	t.Parallel()
	b := shippedIndex(t).Base()
	flows := map[string]bool{}
	for _, in := range b.Intents {
		flows[in.Flow] = true
		for _, lang := range evalLanguages {
			if n := len(in.Examples[lang]); n < 10 {
				t.Errorf("intent %s has %d examples in %s, want 10 or more", in.Flow, n, lang)
			}
		}
	}
	for _, f := range []string{"main", "language", "grievance", "grievance_status", "vaccination", "ration",
		"property_tax", "office", "helplines", "officer"} {
		if !flows[f] {
			t.Errorf("no intent for flow %s", f)
		}
	}
	for _, e := range b.Entries {
		if e.Answer["hi"] == "" || len(e.Questions["en"]) == 0 || len(e.Questions["hi"]) == 0 {
			t.Errorf("%s: needs English and Hindi questions and a Hindi answer", e.ID)
		}
	}
}
