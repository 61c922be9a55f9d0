package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// duesFlow lists the years a property owes tax for.
const duesFlow = `
flow: main
vars: {bill: object}
nodes:
  fetch:
    call: tax.dues
    save: bill
    next: show
    on_error: end
  show:
    say: t.dues
    data: {pick: vars.bill.property}
    each: vars.bill.dues
    line: t.due_line
    more: t.more_dues
    next: end
`

func dues(years int) engine.Services {
	return engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		list := make([]any, years)
		for i := range list {
			list[i] = map[string]any{"year": fmt.Sprintf("%d-%02d", 1990+i, (91+i)%100), "amount": 125000 + i}
		}
		return map[string]any{"property": "H/W-0042", "dues": list, "outcome": "ok"}, nil
	})
}

func TestASayListsTheItemsOfAListWithinItsBudget(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": duesFlow})
	c := newChat(t, lib, engine.Config{Services: dues(3)})
	c.say("hi")
	c.expect("Dues of H/W-0042:\n1990-91: ₹1,25,000\n1991-92: ₹1,25,001\n1992-93: ₹1,25,002")

	c = newChat(t, lib, engine.Config{Services: dues(100)})
	c.say("hi")
	text := c.res.Outputs[0].Text
	lines := strings.Split(text, "\n")
	last := lines[len(lines)-1]
	shown := len(lines) - 2 // the heading and the count
	if want := fmt.Sprintf("…and %d more years", 100-shown); last != want {
		t.Fatalf("the last line counts what did not fit: %q, want %q", last, want)
	}
	body := strings.Join(lines[1:len(lines)-1], "\n")
	if n := utf8.RuneCountInString(body); n > engine.DefaultListChars || n < engine.DefaultListChars-30 {
		t.Fatalf("the lines take %d characters; the budget is %d", n, engine.DefaultListChars)
	}

	c = newChat(t, lib, engine.Config{Services: dues(2)})
	c.sess.Lang, c.contact.Language = "hi", "hi"
	c.say("hi")
	c.expect("H/W-0042 का बकाया:\n1990-91: ₹1,25,000\n1991-92: ₹1,25,001")

	one := load(t, map[string]string{"main": strings.Replace(duesFlow, "    more: t.more_dues\n", "    more: t.more_dues\n    max_chars: 160\n", 1)})
	c = newChat(t, one, engine.Config{Services: dues(9)})
	c.say("hi")
	if got := c.res.Outputs[0].Text; !strings.HasSuffix(got, "\n…and 1 more year") {
		t.Fatalf("one left out is counted in the singular: %q", got)
	}
}

func TestAnEmptyOrUnreadableListWritesNoLines(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": duesFlow})
	c := newChat(t, lib, engine.Config{Services: dues(0)})
	c.say("hi")
	c.expect("Dues of H/W-0042:\n")
	svc := engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		return map[string]any{"property": "X", "dues": "none", "outcome": "ok"}, nil
	})
	c = newChat(t, lib, engine.Config{Services: svc})
	c.say("hi")
	if !c.hasEvent(engine.EventExprError) {
		t.Fatalf("a value that is not a list is an event; events %v", c.res.Events)
	}
}

func TestLintChecksASayThatListsItems(t *testing.T) {
	t.Parallel()
	src := strings.TrimLeft(duesFlow, "\n")
	if _, l := loadDiag(t, map[string]string{"main": src}); len(l) != 0 {
		t.Fatalf("the fixture has problems:\n%v", diag.ListError(l))
	}
	for _, tc := range []struct{ line, with, want string }{
		{"    say: t.dues", "    say: t.got", `message "t.got" does not write {{.lines}} (in en, hi)`},
		{"    each: vars.bill.dues", "    each: vars.bill.property == 1", `each: must be a list, but "vars.bill.property == 1" gives yes/no`},
		{"    line: t.due_line", "", "has each: but no line:"},
		{"    more: t.more_dues", "", `message "common.more_items" is in no locale file`},
		{"    more: t.more_dues", "    more: t.more_dues\n    max_chars: 5000", "max_chars is the most characters"},
		{"    say: t.dues", "    say: [t.dues, t.bye]", "a say with each: sends one message"},
	} {
		broken := strings.Replace(src, tc.line+"\n", tc.with+"\n", 1)
		if tc.with == "" {
			broken = strings.Replace(src, tc.line+"\n", "", 1)
		}
		if broken == src {
			t.Fatalf("no line %q", tc.line)
		}
		_, l := loadDiag(t, map[string]string{"main": broken})
		// A list of messages also leaves their data: without a home.
		if len(l) != 1 && !strings.Contains(tc.with, "[") || len(l) == 0 || !strings.Contains(l[0].Message, tc.want) {
			t.Errorf("%s: want one problem %q, got:\n%v", strings.TrimSpace(tc.with), tc.want, diag.ListError(l))
		}
	}
}

func TestALineOfAListOfTextsWritesTheItem(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": `
flow: main
vars: {hospitals: list, pick: string}
nodes:
  fill:
    set: {hospitals: '["KEM Hospital", "Sion Hospital"]', pick: '"Mumbai"'}
    next: show
  show:
    say: t.dues
    each: vars.hospitals
    line: t.item_line
    more: t.more_dues
    next: end
`})
	c := newChat(t, lib, engine.Config{})
	c.say("hi")
	c.expect("Dues of Mumbai:\n- KEM Hospital\n- Sion Hospital")
}
