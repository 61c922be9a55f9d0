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
