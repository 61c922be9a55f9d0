package guard

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/types"
)

var testEnv = types.Map{
	"input": types.String,
	"now":   Time,
	"vars":  types.Map{"pin": types.String, "age": types.Float64, "res": types.Map{types.Extra: types.Any}, "list": types.Array(types.Any)},
}

func TestCompileCatchesTypesAndTypos(t *testing.T) {
	for src, want := range map[string]string{
		`vars.pin > 5`:      "mismatched types string and int",
		`vars.pim == "1"`:   "unknown field pim",
		`isPin(vars.age)`:   "cannot use float64 as argument",
		`vars.age + 1`:      "expected bool",
		`len(vars.age) > 1`: "",
	} {
		_, err := Compile(src, testEnv, BoolResult)
		if err == nil {
			t.Errorf("%s compiled", src)
			continue
		}
		ge, ok := err.(*Error)
		if !ok || ge.Line != 1 || ge.Column < 1 {
			t.Errorf("%s: no position in %#v", src, err)
		}
		if want != "" && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
}

func TestLibraryFunctions(t *testing.T) {
	env := map[string]any{"input": "४०० ०५१", "now": time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC),
		"vars": map[string]any{"pin": "", "age": 42.0, "res": map[string]any{"ok": true}, "list": []any{1, 2}}}
	for src, want := range map[string]bool{
		`isPin(input)`:                                        true,
		`digits(input) == "400 051"`:                          true,
		`len("ଅଳିଆ") == 4 && len("bins") == 4`:                true,
		`len(vars.list) == 2 && len(vars.res) == 1`:           true,
		`isMobile("+91 98765-43210")`:                         true,
		`mobile("098765 43210") == "+919876543210"`:           true,
		`isAadhaar("1234 5678 9012")`:                         false,
		`isDate("31/02/2026", now)`:                           false,
		`daysBetween(now, parseDate("1/12/2026", now)) == 10`: true,
		`lastDigits("98765 43210", 4) == "3210"`:              true,
		`toNumber("₹1,250") == 1250`:                          true,
		`vars.res.ok == true`:                                 true,
	} {
		p, err := Compile(src, testEnv, BoolResult)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		got, err := p.Bool(env)
		if err != nil || got != want {
			t.Errorf("%s = %v (%v), want %v", src, got, err, want)
		}
	}
}

func TestRuntimeErrorIsReturnedNotPanicked(t *testing.T) {
	p, err := Compile(`toNumber(input) > 3`, testEnv, BoolResult)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Bool(map[string]any{"input": "abc"}); err == nil {
		t.Fatal("a failing conversion must be an error")
	}
	// Memory budget: building a huge list must stop with an error.
	p, err = Compile(`len(map(1..10000000, # * 2)) > 0`, testEnv, BoolResult)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Bool(map[string]any{}); err == nil || !strings.Contains(err.Error(), "memory budget") {
		t.Fatalf("no memory budget error: %v", err)
	}
}

func TestNodeBudget(t *testing.T) {
	src := "1" + strings.Repeat(" + 1", MaxNodes) + " > 0"
	if _, err := Compile(src, testEnv, BoolResult); err == nil {
		t.Fatal("an expression over the node budget compiled")
	}
}

func TestMembersListsTheFieldChainsAnExpressionReads(t *testing.T) {
	p, err := Compile(`vars.res.name == "x" && vars.res["code"] != "" && len(vars.list) > 0`, testEnv, BoolResult)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range p.Members() {
		got = append(got, fmt.Sprintf("%s@%d:%d", strings.Join(m.Path, "."), m.Line, m.Column))
	}
	want := "vars.res@1:6 vars.res.name@1:10 vars.res@1:30 vars.res.code@1:34 vars.list@1:60"
	if strings.Join(got, " ") != want {
		t.Fatalf("members %q, want %q", strings.Join(got, " "), want)
	}
}
