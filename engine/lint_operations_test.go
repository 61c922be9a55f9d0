package engine_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// officeOps are the operations the tests below declare, as a deployment's
// adapters/services would describe them.
var officeOps = map[string]engine.Operation{
	"offices.by_pin": {
		Name:     "offices.by_pin",
		Args:     []engine.OperationArg{{Name: "pin", Type: engine.TypeString}, {Name: "ward", Type: engine.TypeNumber, Optional: true}},
		Returns:  []string{"name", "hours", "outcome"},
		Outcomes: []string{"not_found"},
	},
	"offices.raw": {Name: "offices.raw", Args: []engine.OperationArg{{Name: "pin", Type: engine.TypeString}}},
}

// callFlow calls offices.by_pin and reads its result; each test below
// breaks one line of it.
const callFlow = `flow: main
vars:
  pin: string
  age: number
  found: object
  other: object
  raw: object
nodes:
  ask_pin:
    ask: t.ask_pin
    expect: pin
    save: pin
    next: lookup
  lookup:
    call: offices.by_pin
    args: {pin: vars.pin}
    save: found
    next: raw
    on_error: failed
  raw:
    call: offices.raw
    args: {pin: vars.pin}
    save: raw
    next: other
    on_error: failed
  other:
    set: {other: vars.found}
    next: check
  check:
    branch:
      - when: vars.found.outcome == "ok" && vars.raw.anything != "" && vars.other.whatever != ""
        next: done
    default: failed
  done:
    say: t.got
    data: {pick: vars.found.name}
    next: end
  failed:
    say: t.bye
    next: end
`

func loadWithOps(t *testing.T, src string, ops map[string]engine.Operation) diag.List {
	t.Helper()
	_, l := engine.Load(testCatalog(t), []engine.File{{Path: "flows/main.yaml", Content: []byte(src)}},
		engine.LoadOptions{Operations: ops})
	return l
}

func TestLintChecksCallsAgainstTheDeclaredOperations(t *testing.T) {
	t.Parallel()
	if l := loadWithOps(t, callFlow, officeOps); len(l) != 0 {
		t.Fatalf("the fixture has problems:\n%v", diag.ListError(l))
	}
	cases := []struct {
		line, with string
		code, pos  string // pos is line:col
		message    string
	}{
		{"    call: offices.by_pin", "    call: offices.by_pn", "unknown-operation", "15:11",
			`no operation "offices.by_pn" is declared (did you mean "offices.by_pin"?)`},
		{"    args: {pin: vars.pin}\n    save: found", "    args: {pni: vars.pin}\n    save: found", "unknown-arg", "16:12",
			`offices.by_pin takes no argument "pni" (it takes pin string, ward optional number) (did you mean "pin"?)`},
		{"    args: {pin: vars.pin}\n    save: found", "    args: {ward: 4}\n    save: found", "missing-arg", "16:11",
			"offices.by_pin needs argument pin (a string)"},
		{"    args: {pin: vars.pin}\n    save: found", "    args: {pin: vars.age}\n    save: found", "arg-type", "16:17",
			`argument pin of offices.by_pin is a string, but "vars.age" gives a number`},
		{"    data: {pick: vars.found.name}", "    data: {pick: vars.found.nme}", "unknown-field", "36:29",
			`vars.found has no field "nme": offices.by_pin returns name, hours, outcome (did you mean "name"?)`},
		{`      - when: vars.found.outcome == "ok"`, `      - when: vars.found.status == "ok"`, "unknown-field", "31:26",
			`vars.found has no field "status"`},
	}
	for _, tc := range cases {
		src := strings.Replace(callFlow, tc.line, tc.with, 1)
		if src == callFlow {
			t.Fatalf("the fixture has no %q", tc.line)
		}
		l := loadWithOps(t, src, officeOps)
		if len(l) != 1 || l[0].Code != tc.code || fmt.Sprintf("%d:%d", l[0].Pos.Line, l[0].Pos.Col) != tc.pos ||
			!strings.Contains(l[0].Message, tc.message) {
			t.Errorf("%s: want one %s at %s saying %q, got:\n%v", strings.TrimSpace(tc.with), tc.code, tc.pos, tc.message, diag.ListError(l))
		}
	}
}

func TestCallsAreNotCheckedWhenTheOperationsAreNotKnown(t *testing.T) {
	t.Parallel()
	src := strings.Replace(callFlow, "    call: offices.by_pin", "    call: anything.at_all", 1)
	src = strings.Replace(src, "vars.found.name", "vars.found.nme", 1)
	if l := loadWithOps(t, src, nil); len(l) != 0 {
		t.Fatalf("with no operations given, calls are not checked; got:\n%v", diag.ListError(l))
	}
	if l := loadWithOps(t, src, map[string]engine.Operation{}); len(l) != 2 || !strings.Contains(l[0].Message, "declares no operations") {
		t.Fatalf("with none declared, every call is unknown; got:\n%v", diag.ListError(l))
	}
}

func TestAFieldIsCheckedAgainstEveryCallThatSavesIntoTheVariable(t *testing.T) {
	t.Parallel()
	ops := map[string]engine.Operation{
		"a.one": {Name: "a.one", Returns: []string{"name"}},
		"a.two": {Name: "a.two", Returns: []string{"address"}},
	}
	src := `flow: main
vars: {found: object}
nodes:
  first:
    call: a.one
    save: found
    next: second
    on_error: end
  second:
    call: a.two
    save: found
    next: show
    on_error: end
  show:
    say: t.got
    data: {pick: 'vars.found.name + vars.found.address + vars.found.phone'}
    next: end
`
	l := loadWithOps(t, src, ops)
	if len(l) != 1 || l[0].Code != "unknown-field" || !strings.Contains(l[0].Message, `"phone": a.one returns name, outcome; a.two returns address, outcome`) {
		t.Fatalf("want one unknown field naming both operations, got:\n%v", diag.ListError(l))
	}
}

func TestAnArchivedVersionIsNotHeldToTodaysOperations(t *testing.T) {
	t.Parallel()
	lib, l := engine.Load(testCatalog(t), []engine.File{{Path: "flows/main.yaml", Content: []byte(callFlow)}},
		engine.LoadOptions{Operations: officeOps})
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	old := []byte(strings.Replace(callFlow, "    call: offices.by_pin", "    call: offices.retired", 1))
	sum := sha256.Sum256(old)
	if _, err := lib.AddVersion("main", hex.EncodeToString(sum[:6]), old); err != nil {
		t.Fatalf("a session pinned to a version calling a retired operation must still resume: %v", err)
	}
}
