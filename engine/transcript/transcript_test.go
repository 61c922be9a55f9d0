package transcript_test

import (
	"strings"
	"testing"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/transcript"
)

func shipped(t *testing.T) *engine.Library {
	t.Helper()
	lib, l := engine.LoadDir("../../flows", "../../locales")
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	return lib
}

func run(t *testing.T, src string) *transcript.Result {
	t.Helper()
	c, l := transcript.Parse("t.yaml", []byte(src))
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	return c.Run(shipped(t))
}

func TestWrongExpectationsFail(t *testing.T) {
	res := run(t, `
language: en
services:
  grievance.lodge:
    - args: {category: water}
      result: {reference: GRV-26-1676-J9, days: 7}
turns:
  - say: complaint
    bot:
      - text: What is the complaint ABOUT?
  - say: "2"
    vars: {category: water}
  - say: "hello"
    bot: []
    events: [handoff]
    session: {flow: main}
`)
	if res.Passed() {
		t.Fatal("a transcript with wrong expectations passed")
	}
	want := []string{"t.yaml:10:9: turn 1: expected the text", "turn 2: vars.category is", "turn 3: the bot sent 1 messages",
		"turn 3: no \"handoff\" event", "turn 3: session flow is \"grievance\"", "service grievance.lodge was called 0 times"}
	all := ""
	for _, f := range res.Failures {
		all += f.String() + "\n"
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no failure mentioning %q in:\n%s", w, all)
		}
	}
}

func TestServiceArgsAreChecked(t *testing.T) {
	res := run(t, `
language: en
services:
  grievance.status:
    - args: {reference: GRV-26-8734-EW}
      result: {status: not_found}
turns:
  - say: GRV-26-1676-J9
`)
	if res.Passed() || !strings.Contains(res.Failures[0].Message, "got reference=") {
		t.Fatalf("wrong service arguments were not reported: %v", res.Failures)
	}
}

func TestParseErrorsHavePositions(t *testing.T) {
	_, l := transcript.Parse("t.yaml", []byte("turns:\n  - say: hi\n    tap: x\n  - bot: []\n    colour: red\n"))
	if len(l) < 3 {
		t.Fatalf("want errors for two inputs, no input, an unknown key; got %v", l)
	}
	for _, d := range l {
		if d.Pos.Line == 0 {
			t.Errorf("no position: %v", d)
		}
	}
}

func TestYAMLErrorPointsAtItsLineAndColumn(t *testing.T) {
	t.Parallel()
	// bot: is indented one space too far; yaml.v3 names line 2, column none.
	src := "name: misaligned\nturns:\n  - say: hi\n    bot:\n      - text: a\n     - text: b\n"
	_, l := transcript.Parse("t.yaml", []byte(src))
	if len(l) != 1 || l[0].Code != "yaml-syntax" {
		t.Fatalf("want one syntax error, got %v", l)
	}
	if got := l[0].Pos.String(); got != "t.yaml:6:6" {
		t.Fatalf("the error is at %s, want t.yaml:6:6:\n%v", got, l[0])
	}
	if l[0].Snippet != "     - text: b" {
		t.Fatalf("the error quotes %q", l[0].Snippet)
	}
}

// TestRunsFromInsideTheTestsDirectory does what `samvad test` does when run
// in flows/tests, with and without naming a test.
func TestRunsFromInsideTheTestsDirectory(t *testing.T) {
	t.Chdir("../../flows/tests")
	for _, paths := range [][]string{nil, {"commands.yaml"}, {"."}} {
		src, l := transcript.FindSources(paths...)
		if len(src.Flows) == 0 || len(src.Locales) == 0 || len(src.Transcripts) == 0 {
			t.Fatalf("FindSources(%q) found %d flows, %d locale files, %d tests; problems: %v",
				paths, len(src.Flows), len(src.Locales), len(src.Transcripts), l)
		}
		if want := "../main.yaml"; !hasPath(src.Flows, want) {
			t.Errorf("FindSources(%q): no flow %s among %v", paths, want, src.Flows[0].Path)
		}
		lib, more := engine.LoadSources(src, engine.LoadOptions{})
		if err := append(l, more...).Err(); err != nil {
			t.Fatalf("FindSources(%q): the flows do not load: %v", paths, err)
		}
		if len(paths) == 1 && paths[0] == "commands.yaml" && len(src.Transcripts) != 1 {
			t.Errorf("naming one test ran %d", len(src.Transcripts))
		}
		for _, f := range src.Transcripts {
			c, pl := transcript.Parse(f.Path, f.Content)
			if pl.HasErrors() {
				t.Fatal(pl.Err())
			}
			if res := c.Run(lib); !res.Passed() {
				t.Errorf("%s: %v", f.Path, res.Failures)
			}
		}
	}
}

func hasPath(files []engine.File, path string) bool {
	for _, f := range files {
		if f.Path == path {
			return true
		}
	}
	return false
}

func TestChooseTapsAChoiceByIdOrLabelAndHasChoicesChecksSome(t *testing.T) {
	t.Parallel()
	res := run(t, `
language: hi
turns:
  - say: मेनू
    bot:
      - key: main.menu
        has_choices: [grievance, शिकायत दर्ज करें]
        no_choices: [ration]
  - choose: grievance
    bot:
      - key: grievance.ask_category
        has_choices: [सड़क और गड्ढे]
  - choose: सड़क और गड्ढे
    vars: {category: roads}
    bot:
      - key: grievance.ask_description
`)
	if !res.Passed() {
		t.Fatalf("%s\n%v", strings.Join(res.Log, "\n"), res.Failures)
	}
	if !strings.Contains(strings.Join(res.Log, "\n"), "[tap grievance]") {
		t.Fatalf("choose did not tap the choice:\n%s", strings.Join(res.Log, "\n"))
	}
}

func TestChoiceChecksAndChooseFailClearly(t *testing.T) {
	t.Parallel()
	res := run(t, `
language: en
turns:
  - say: menu
    bot:
      - key: main.menu
        has_choices: [Renew a driving licence, grievance]
        no_choices: [officer]
  - choose: Renew a driving licence
  - say: this turn is never played
`)
	var got []string
	for _, f := range res.Failures {
		got = append(got, f.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`expected a choice "Renew a driving licence" among`,
		`and no choice "officer" among`,
		`turn 2: choose: the last question offers no choice "Renew a driving licence" (`,
		`grievance: Lodge a complaint, grievance_status: Check a complaint,`,
		"the test stops here",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no failure saying %q in:\n%s", want, all)
		}
	}
	if len(got) != 2 || strings.Contains(strings.Join(res.Log, "\n"), "never played") {
		t.Errorf("want two failures and the turns after a failed choose left unplayed; got:\n%s\nlog:\n%s", all, strings.Join(res.Log, "\n"))
	}
}

func TestATestInALanguageAFlowDoesNotOfferIsSkippedSayingWhy(t *testing.T) {
	t.Parallel()
	src, l := engine.ReadSources("../../flows", "../../locales")
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	src.Flows = append(src.Flows, engine.File{Path: "flows/english_only.yaml", Content: []byte(`flow: english_only
languages: [en]
triggers:
  keywords: {en: [numbers]}
nodes:
  list:
    say: helplines.list
    next: end
`)})
	lib, l := engine.LoadSources(src, engine.LoadOptions{})
	if l.HasErrors() {
		t.Fatalf("a flow offered in English only must not stop the library loading: %v", l.Err())
	}
	for _, tc := range []struct{ lang, want string }{
		{"hi", "SKIP t.yaml (numbers): turn 1: flow english_only does not offer hi (it offers en); a citizen would be answered in en there, so the test is skipped"},
		{"en", "PASS t.yaml (numbers, 1 turns)"},
	} {
		c, pl := transcript.Parse("t.yaml", []byte("name: numbers\nlanguage: "+tc.lang+"\nturns:\n  - say: numbers\n    bot: [{key: helplines.list}]\n"))
		if pl.HasErrors() {
			t.Fatal(pl.Err())
		}
		res := c.Run(lib)
		if got := res.Summary(); got != tc.want || !res.Passed() {
			t.Errorf("%s: summary %q (passed %v), want %q", tc.lang, got, res.Passed(), tc.want)
		}
	}
}
