package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/locale"
)

// brokenFlow has one mistake of each kind lint must find; the comment at the
// end of a line names the diagnostic code expected there.
const brokenFlow = `flow: main
title: t.title
vars:
  pin: string
  age: number
  bad name: string          # var-name
  when: calendar            # var-type
nodes:
  first:
    ask: t.ask_pin
    expect: pin
    save: pinn              # unknown-var
    next: second
  second:
    ask: t.ask_age
    expect: number
    validate: vars.pin > 5  # expression
    save: age
    next: thrid             # unknown-node
  third:
    say: t.missing_key      # unknown-message
    next: end
  fourth:                   # unreachable
    say: t.hello
  fifth:                    # unreachable
    ask: t.menu
    choices: [t.a, t.b]
    colour: red             # unknown-key
    next: end
  sixth:                    # unreachable
    branch:
      - when: vars.age
        next: end
  seventh:                  # unreachable
    call: x
    timeout: forever        # duration
    next: end
`

func TestLoadReportsEveryProblemWithItsPosition(t *testing.T) {
	_, l := loadDiag(t, map[string]string{"main": brokenFlow})
	want := map[string]bool{}
	lines := strings.Split(brokenFlow, "\n")
	for i, line := range lines {
		if _, code, ok := strings.Cut(line, "# "); ok {
			want[fmt.Sprintf("%d:%s", i+1, strings.TrimSpace(code))] = true
		}
	}
	got := map[string]bool{}
	for _, d := range l {
		if d.Pos.File != "flows/main.yaml" || d.Pos.Line == 0 || d.Pos.Col == 0 {
			t.Errorf("diagnostic without a full position: %v", d)
		}
		got[fmt.Sprintf("%d:%s", d.Pos.Line, d.Code)] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing diagnostic %s", k)
		}
	}
	for _, code := range []string{"dead-end", "no-default", "dead-end"} {
		found := false
		for _, d := range l {
			found = found || d.Code == code
		}
		if !found {
			t.Errorf("no %s diagnostic", code)
		}
	}
	if t.Failed() {
		t.Logf("all diagnostics:\n%v", diag.ListError(l))
	}
}

func TestExpressionErrorPointsIntoTheExpression(t *testing.T) {
	_, l := loadDiag(t, map[string]string{"main": `flow: main
vars: {pin: string}
nodes:
  q:
    ask: t.ask_pin
    validate: len(answer) == 6 && vars.pim == "1"
    save: pin
    next: end
`})
	if len(l) != 1 || l[0].Code != "expression" {
		t.Fatalf("want one expression error, got %v", l)
	}
	// The expression starts at column 15; "pim" is at offset 25 within it.
	if l[0].Pos.Line != 6 || l[0].Pos.Col != 15+25 {
		t.Fatalf("position %v, want 6:%d", l[0].Pos, 15+25)
	}
	if !strings.Contains(l[0].Message, "unknown field pim") {
		t.Fatalf("message %q", l[0].Message)
	}
}

func TestLintWarnsOfADescriptionTooLongForAListRow(t *testing.T) {
	long := strings.Repeat("a fine description ", 4) // 75 characters once YAML drops the last space
	cat, l := locale.Load([]locale.File{
		{Path: "locales/en.yaml", Content: []byte(testLocales["en"] + "\nx:\n  a: Water\n  b: Roads\n  da: Short enough\n  db: " + long + "\n  q: Which one?\n")},
		{Path: "locales/hi.yaml", Content: []byte(testLocales["hi"] + "\nx:\n  a: पानी\n  b: सड़क\n  da: छोटा\n  db: छोटा भी\n  q: कौन सा?\n")},
	})
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	_, l = engine.Load(cat, []engine.File{{Path: "flows/main.yaml", Content: []byte(`flow: main
nodes:
  q:
    ask: x.q
    choices:
      - {id: a, label: x.a, description: x.da}
      - {id: b, label: x.b, description: x.db}
    next: end
`)}}, engine.LoadOptions{})
	var got []diag.Diagnostic
	for _, d := range l {
		if d.Code == "description-too-long" {
			got = append(got, d)
		}
	}
	if len(got) != 1 || got[0].Pos.File != "locales/en.yaml" || !strings.Contains(got[0].Message, "75 characters in en") || l.HasErrors() {
		t.Fatalf("want one warning for x.db in English and no error, got %v", l)
	}
}

func TestLintChecksTranslations(t *testing.T) {
	cat, l := locale.Load([]locale.File{
		{Path: "locales/en.yaml", Content: []byte(testLocales["en"] + "\nx:\n  long: A label far longer than twenty\n  only_en: Only English\n  ph: \"Hello {{.name}}\"\n")},
		{Path: "locales/hi.yaml", Content: []byte(testLocales["hi"] + "\nx:\n  long: छोटा\n  ph: \"नमस्ते {{.naam}}\"\n")},
	})
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	_, l = engine.Load(cat, []engine.File{{Path: "flows/main.yaml", Content: []byte(`flow: main
vars: {name: string, naam: string}
nodes:
  q:
    ask: x.only_en
    choices: [x.long, t.b]
    next: r
  r:
    say: x.ph
    next: end
`)}}, engine.LoadOptions{})
	codes := map[string]diag.Diagnostic{}
	for _, d := range l {
		codes[d.Code] = d
	}
	if d, ok := codes["missing-translation"]; !ok || d.Pos.Line != 5 || !strings.Contains(d.Message, "hi") {
		t.Errorf("missing translation: %v", d)
	}
	if d, ok := codes["label-too-long"]; !ok || d.Pos.File != "locales/en.yaml" {
		t.Errorf("label too long: %v", d)
	}
	if d, ok := codes["placeholders-differ"]; !ok || d.Pos.File != "locales/hi.yaml" {
		t.Errorf("placeholders differ: %v", d)
	}
	if t.Failed() {
		t.Log(diag.ListError(l))
	}
}

func TestUnknownPlaceholderAndSubFlow(t *testing.T) {
	_, l := loadDiag(t, map[string]string{"main": `flow: main
nodes:
  a:
    say: t.got
    next: b
  b:
    flow: nowhere
`})
	codes := map[string]int{}
	for _, d := range l {
		codes[d.Code] = d.Pos.Line
	}
	if codes["unknown-placeholder"] != 4 || codes["unknown-flow"] != 7 {
		t.Fatalf("got %v", l)
	}
}

func TestYAMLSyntaxErrorHasPosition(t *testing.T) {
	_, l := loadDiag(t, map[string]string{"main": "flow: main\nnodes:\n  a:\n    say: [t.hello\n"})
	if len(l) == 0 || l[0].Code != "yaml-syntax" || l[0].Pos.Line == 0 {
		t.Fatalf("got %v", l)
	}
}

func TestLintRejectsLoopsWithoutAQuestion(t *testing.T) {
	_, l := loadDiag(t, map[string]string{"main": `
flow: main
vars: {n: number}
nodes:
  start:
    ask: t.menu
    expect: text
    next: loop
  loop:
    set: {n: vars.n + 1}
    next: check
  check:
    branch:
      - when: vars.n < 1000000
        next: loop
    default: start
`})
	if len(l) != 1 || l[0].Code != "loop" || l[0].Pos.Line != 8 {
		t.Fatalf("want one loop error at line 8, got %v", l)
	}
}

// typoBase is a flow with every kind of transition and no problem; the typo
// tests below break one of its transitions.
const typoBase = `flow: main
title: t.title
vars:
  pin: string
  ok: bool
  res: object
nodes:
  first:
    ask: t.ask_pin
    expect: pin
    save: pin
    next: where
  where:
    ask: t.menu
    choices:
      - label: t.a
        next: confirm
      - label: t.b
        next: lookup
  lookup:
    call: office.find
    args: {pin: vars.pin}
    save: res
    next: confirm
    on_error: failed
  confirm:
    ask: t.ask_ok
    expect: yesno
    save: ok
    on_fail: failed
    next: check
  check:
    branch:
      - when: vars.ok
        next: done
    default: first
  done:
    say: t.bye
    next: end
  failed:
    say: t.hello
    next: end
`

// typo writes the flow with one line replaced, failing if it is not there.
func typo(t *testing.T, src, line, with string) string {
	t.Helper()
	if strings.Count(src, line+"\n") != 1 {
		t.Fatalf("the fixture has no single line %q", line)
	}
	return strings.Replace(src, line+"\n", with+"\n", 1)
}

func TestOneTypoInATransitionIsOneProblem(t *testing.T) {
	t.Parallel()
	if _, l := loadDiag(t, map[string]string{"main": typoBase}); len(l) != 0 {
		t.Fatalf("the fixture itself has problems:\n%v", diag.ListError(l))
	}
	cases := []struct{ line, typo, meant string }{
		{"    next: where", "    next: wher", "where"}, // every node after it hangs on it
		{"        next: confirm", "        next: confrim", "confirm"},
		{"        next: lookup", "        next: lokup", "lookup"},
		{"    on_error: failed", "    on_error: faild", "failed"},
		{"    on_fail: failed", "    on_fail: fialed", "failed"},
		{"        next: done", "        next: dne", "done"},
		{"    default: first", "    default: frist", "first"},
		{"title: t.title", "title: t.title\nstart: frist", "first"},
	}
	for _, tc := range cases {
		src := typo(t, typoBase, tc.line, tc.typo)
		_, l := loadDiag(t, map[string]string{"main": src})
		if len(l) != 1 || l[0].Code != "unknown-node" || !strings.Contains(l[0].Message, fmt.Sprintf("did you mean %q", tc.meant)) {
			t.Errorf("%s: want one unknown-node problem meaning %q, got:\n%v", strings.TrimSpace(tc.typo), tc.meant, diag.ListError(l))
		}
	}
}

func TestATypoDoesNotHideOtherProblems(t *testing.T) {
	t.Parallel()
	src := typo(t, typoBase, "    next: where", "    next: wher")
	src = typo(t, src, "        next: lookup", "        next: lookup\n      - label: t.c\n        next: stuck")
	src += `  stuck:
    ask: t.ask_name
    expect: text
  orphan:
    say: t.hello
    next: end
`
	_, l := loadDiag(t, map[string]string{"main": src})
	got := map[string]bool{}
	for _, d := range l {
		got[d.Code+" "+d.Snippet] = true
	}
	want := []string{"unknown-node     next: wher", "dead-end     ask: t.ask_name", "unreachable   orphan:"}
	for _, w := range want {
		if !got[w] {
			t.Errorf("no %q", w)
		}
	}
	if len(l) != len(want) {
		t.Errorf("want %d problems, got %d", len(want), len(l))
	}
	if t.Failed() {
		t.Logf("all diagnostics:\n%v", diag.ListError(l))
	}
}

func TestAnUnknownNodeWithNoNearNameReportsWhatItMayHaveMeantOnce(t *testing.T) {
	t.Parallel()
	src := typo(t, typoBase, "    next: where", "    next: somewhere_else")
	_, l := loadDiag(t, map[string]string{"main": src})
	if len(l) != 2 || l[0].Code != "unknown-node" || l[1].Code != "unreachable" {
		t.Fatalf("want the unknown node and the one node after it, got:\n%v", diag.ListError(l))
	}
	if !strings.Contains(l[1].Message, `"where"`) || !strings.Contains(l[1].Message, `unknown node "somewhere_else" at 12:11 may have been meant`) {
		t.Fatalf("the unreachable node does not name its likely cause: %s", l[1].Message)
	}
}

func TestLintReportsAFormatThatCannotFormatItsType(t *testing.T) {
	t.Parallel()
	flow := func(vars, data string) string {
		return `
flow: main
vars: {` + vars + `}
nodes:
  a:
    say: t.fee
    data: {` + data + `}
    next: b
  b:
    say: t.due
    next: end
`
	}
	cases := []struct{ vars, data, want string }{
		{"fee: money, due: date", "", ""},
		{"fee: number, due: string", "", ""}, // a text may hold an ISO date: checked at run time
		{"fee: string, due: date", "", ""},   // a text may hold "1250"
		{"fee: object, due: date", "fee: vars.fee.amount", ""},
		{"fee: date, due: date", "", `writes {{money .fee}}, but fee is a date variable of flow main; money formats numbers`},
		{"fee: number, due: number", "", `writes {{date .due}}, but due is a number variable of flow main; date formats dates`},
		{"fee: number, due: date, ok: bool", "fee: vars.ok", `writes {{money .fee}}, but fee is yes/no in data: ("vars.ok"); money formats numbers`},
		{"fee: number, due: location", "", `writes {{date .due}}, but due is a location variable`},
	}
	for _, tc := range cases {
		_, l := loadDiag(t, map[string]string{"main": flow(tc.vars, tc.data)})
		var got []string
		for _, d := range l {
			got = append(got, d.Code+": "+d.Message)
		}
		switch {
		case tc.want == "" && len(l) != 0:
			t.Errorf("vars {%s} data {%s}: want no problem, got %q", tc.vars, tc.data, got)
		case tc.want != "" && (len(l) != 1 || l[0].Code != "format-type" || !strings.Contains(l[0].Message, tc.want)):
			t.Errorf("vars {%s} data {%s}: want one format-type problem %q, got %q", tc.vars, tc.data, tc.want, got)
		}
	}
}
