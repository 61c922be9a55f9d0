package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// outcomeFlow looks a name up and tells three outcomes apart.
const outcomeFlow = `
flow: main
vars: {res: object, pick: string}
nodes:
  ask:
    ask: t.ask_name
    save: pick
    next: lookup
  lookup:
    call: names.find
    args: {name: vars.pick}
    save: res
    next: found
    on: {not_found: missing, not_yours: handoff}
    on_error: end
  found:
    say: t.got
    data: {pick: vars.res.name}
    next: end
  missing:
    say: t.got
    data: {pick: '"no " + vars.pick + " (" + vars.res.outcome + ")"'}
    next: end
`

func TestACallsOutcomeChoosesTheWay(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": outcomeFlow})
	svc := engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		switch args["name"] {
		case "mango":
			return map[string]any{"name": "mango", "outcome": "ok"}, nil
		case "kiwi":
			return map[string]any{"outcome": "not_found"}, nil
		case "fig":
			return map[string]any{"outcome": "not_yours"}, nil
		}
		return map[string]any{"name": "a " + args["name"].(string), "outcome": "surprise"}, nil
	})
	for _, tc := range []struct{ name, want string }{
		{"mango", "You picked mango."},
		{"kiwi", "You picked no kiwi (not_found)."},
		{"fig", "Passing you to an officer."},
		{"plum", "You picked a plum."}, // an outcome on: does not name goes to next:
	} {
		c := newChat(t, lib, engine.Config{Services: svc})
		c.say("hi")
		c.say(tc.name)
		if got := c.texts(); len(got) == 0 || got[0] != tc.want {
			t.Errorf("%s: bot said %q, want %q first", tc.name, got, tc.want)
		}
	}
}

func TestLintChecksTheOutcomesACallBranchesOn(t *testing.T) {
	t.Parallel()
	ops := map[string]engine.Operation{"names.find": {Name: "names.find", Args: []engine.OperationArg{{Name: "name", Type: engine.TypeString}},
		Returns: []string{"name"}, Outcomes: []string{"not_found", "not_yours"}}}
	src := strings.TrimLeft(outcomeFlow, "\n")
	if l := loadWithOps(t, src, ops); len(l) != 0 {
		t.Fatalf("the fixture has problems:\n%v", diag.ListError(l))
	}
	for _, tc := range []struct {
		with, code, message string
		more                int // problems that follow from it
	}{
		{"{not_fund: missing, not_yours: handoff}", "unknown-outcome", `names.find has no outcome "not_fund" (its outcomes besides ok: not_found, not_yours) (did you mean "not_found"?)`, 0},
		{"{ok: missing, not_yours: handoff}", "unknown-outcome", "ok is where next: leads", 0},
		{"{not_found: misssing, not_yours: handoff}", "unknown-node", `unknown node "misssing" (did you mean "missing"?)`, 0},
		{"[missing]", "shape", "on maps an outcome", 1}, // and missing is unreached
	} {
		broken := strings.Replace(src, "{not_found: missing, not_yours: handoff}", tc.with, 1)
		l := loadWithOps(t, broken, ops)
		if len(l) != 1+tc.more || l[0].Code != tc.code || l[0].Pos.Line != 13 || !strings.Contains(l[0].Message, tc.message) {
			t.Errorf("on: %s: want one %s on line 13 saying %q, got:\n%v", tc.with, tc.code, tc.message, diag.ListError(l))
		}
	}
	// Without the operations, the outcome's name cannot be checked, but
	// the node it leads to counts as reached.
	if l := loadWithOps(t, strings.Replace(src, "not_found: missing", "not_fund: missing", 1), nil); len(l) != 0 {
		t.Fatalf("want no problem, got:\n%v", diag.ListError(l))
	}
}

func TestServiceEventsCarryTheCallsLatency(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": outcomeFlow})
	clock := &engine.FixedClock{T: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	svc := engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		clock.Advance(1234 * time.Millisecond)
		if args["name"] == "boom" {
			return nil, errors.New("down")
		}
		return map[string]any{"name": "mango"}, nil
	})
	for name, want := range map[string]string{"mango": "names.find 1234ms", "boom": "names.find 1234ms: "} {
		c := newChat(t, lib, engine.Config{Services: svc, Clock: clock})
		c.say("hi")
		c.say(name)
		var got string
		for _, e := range c.res.Events {
			if e.Kind == engine.EventServiceCalled || e.Kind == engine.EventServiceError {
				got = e.Detail
			}
		}
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s: service event detail %q, want it to begin %q", name, got, want)
		}
	}
}
