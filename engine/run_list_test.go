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

// centresFlow lets a citizen pick one of the centres a call found.
const centresFlow = `
flow: main
vars: {found: object, centre: object, name: string, pick: string}
nodes:
  lookup:
    call: centres.near
    save: found
    next: pick
    on_error: end
  pick:
    ask: t.menu
    choices:
      from: vars.found.centres
      id: item.code
      label: item.name
      description: '"Open " + item.hours'
      more: t.more
      empty: none
    save: centre
    save_label: name
    next: booked
  booked:
    say: t.centre
    data: {pick: vars.centre.name + " (" + vars.centre.code + ")"}
    next: end
  none:
    say: t.bye
    next: end
`

// centres returns n centres; the seventh has a long Hindi name.
func centres(n int) engine.Services {
	return engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		list := make([]any, n)
		for i := range list {
			name := fmt.Sprintf("Centre %d", i+1)
			if i == 6 {
				name = "प्राथमिक स्वास्थ्य केंद्र बांद्रा पश्चिम"
			}
			list[i] = map[string]any{"code": fmt.Sprintf("C%02d", i+1), "name": name, "hours": "9 to 5"}
		}
		return map[string]any{"centres": list, "outcome": "ok"}, nil
	})
}

func labels(cs []engine.Choice) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Label)
	}
	return strings.Join(out, "|")
}

func TestChoicesFromAListArePagedNineAndMore(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": centresFlow})
	c := newChat(t, lib, engine.Config{Services: centres(25)})
	c.say("hi")
	page := c.res.Outputs[0].Choices
	if len(page) != 10 || page[9].Label != "More centres" || page[0].ID != "C01" || page[0].Description != "Open 9 to 5" {
		t.Fatalf("page 1: want 9 centres and a More row, got %+v", page)
	}
	long := page[6].Label
	if utf8.RuneCountInString(long) > engine.MaxRowLabel || !strings.HasSuffix(long, "…") || !strings.HasPrefix(long, "प्राथमिक स्वास्थ्य") {
		t.Fatalf("a long label is clipped to %d characters, between syllables: %q", engine.MaxRowLabel, long)
	}
	c.say("10") // the More row, by its number
	if got := labels(c.res.Outputs[0].Choices); !strings.HasPrefix(got, "Centre 10|") || !strings.HasSuffix(got, "Centre 18|More centres") {
		t.Fatalf("page 2: %s", got)
	}
	c.say("more centres") // by its label
	if got := labels(c.res.Outputs[0].Choices); got != "Centre 19|Centre 20|Centre 21|Centre 22|Centre 23|Centre 24|Centre 25" {
		t.Fatalf("page 3 shows the last seven, and no More: %s", got)
	}
	if c.sess.Page != 2 || c.sess.Retries != 0 {
		t.Fatalf("the session keeps the page (%d), and paging costs no retry (%d)", c.sess.Page, c.sess.Retries)
	}
	c.say("२") // the second of this page, in Devanagari digits
	c.expect("Centre 20 (C20) booked.")
	if c.sess.Vars["name"] != nil {
		t.Fatalf("the flow has ended; vars %v", c.sess.Vars)
	}
}

func TestAChoiceFromAListIsAnsweredByTapLabelOrNumber(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": strings.Replace(centresFlow, "    next: end\n  none:", "    next: again\n  again:\n    ask: t.ask_name\n    next: end\n  none:", 1)})
	for _, tc := range []struct {
		in   engine.Input
		want string
	}{
		{engine.Input{Kind: engine.InputChoice, ChoiceID: "C23"}, "Centre 23 (C23)"}, // a row of a page not on show
		{engine.Input{Kind: engine.InputText, Text: "प्राथमिक"}, "प्राथमिक स्वास्थ्य केंद्र बांद्रा पश्चिम (C07)"},
		{engine.Input{Kind: engine.InputText, Text: "centre 12"}, "Centre 12 (C12)"},
		{engine.Input{Kind: engine.InputText, Text: "c05"}, "Centre 5 (C05)"},
		{engine.Input{Kind: engine.InputText, Text: "3"}, "Centre 3 (C03)"},
	} {
		c := newChat(t, lib, engine.Config{Services: centres(25)})
		c.say("hi")
		c.send(tc.in)
		if got := c.texts(); len(got) == 0 || got[0] != tc.want+" booked." {
			t.Errorf("%+v: bot said %q", tc.in, got)
			continue
		}
		if c.sess.Vars["centre"].(map[string]any)["hours"] != "9 to 5" || !strings.HasPrefix(tc.want, c.sess.Vars["name"].(string)) {
			t.Errorf("%+v: the item and its full label are saved: %v", tc.in, c.sess.Vars)
		}
	}
	c := newChat(t, lib, engine.Config{Services: centres(25)})
	c.say("hi")
	c.say("centre") // the beginning of many labels
	c.say("11")     // page 1 has ten rows
	if c.sess.Retries != 2 || !c.hasEvent(engine.EventAnswerInvalid) || c.res.Outputs[0].Text != "Reply 1 to 10." {
		t.Fatalf("ambiguous and out-of-page answers are invalid: retries %d, %q", c.sess.Retries, c.texts())
	}
}

func TestAShortListHasNoMoreRowAndAnEmptyOneIsNotAsked(t *testing.T) {
	t.Parallel()
	src := strings.Replace(centresFlow, "centre: object", "centre: string", 1)
	src = strings.Replace(src, `vars.centre.name + " (" + vars.centre.code + ")"`, "vars.centre", 1)
	lib := load(t, map[string]string{"main": src})
	c := newChat(t, lib, engine.Config{Services: centres(10)})
	c.say("hi")
	if got := c.res.Outputs[0].Choices; len(got) != 10 || got[9].Label != "Centre 10" {
		t.Fatalf("ten centres fit one list: %s", labels(got))
	}
	c = newChat(t, lib, engine.Config{Services: centres(0)})
	c.say("hi")
	c.expect("Bye")
	if c.sess.Status != engine.SessionIdle {
		t.Fatal("an empty list leads to empty:, without a question")
	}
}

func TestLintChecksChoicesFromAList(t *testing.T) {
	t.Parallel()
	src := strings.TrimLeft(centresFlow, "\n")
	if _, l := loadDiag(t, map[string]string{"main": src}); len(l) != 0 {
		t.Fatalf("the fixture has problems:\n%v", diag.ListError(l))
	}
	for _, tc := range []struct{ line, with, want string }{
		{"      from: vars.found.centres", "      from: vars.name", `choices from: must be a list, but "vars.name" gives text`},
		{"      empty: none", "      emtpy: none", `unknown key "emtpy"`}, // and only that
		{"      more: t.more", "      more: t.mroe", `message "t.mroe" is in no locale file`},
		{"      more: t.more", "", `message "common.more" is in no locale file`},
		{"    save: centre", "    save: centre\n    validate: answer.code != \"C13\"", ""}, // answer is the item
		// (and vars.centre.name no longer type-checks)
		{"vars: {found: object, centre: object, name: string, pick: string}", "vars: {found: object, centre: number, name: string, pick: string}", `variable "centre" is a number; the answer to choices from a list is the chosen item`},
		{"      label: item.name", "      label: item.name +", "expression"},
		{"    ask: t.menu", "    ask: t.menu\n    menu: true", "choices: or menu: true, not both"},
	} {
		broken := strings.Replace(src, tc.line+"\n", tc.with+"\n", 1)
		if broken == src {
			t.Fatalf("no line %q", tc.line)
		}
		_, l := loadDiag(t, map[string]string{"main": broken})
		switch {
		case tc.want == "" && len(l) != 0:
			t.Errorf("%s: want no problem, got:\n%v", tc.with, diag.ListError(l))
		case tc.want != "" && (len(l) != 1 && !strings.Contains(tc.with, "number") || len(l) == 0 || !strings.Contains(l[0].Message, tc.want)):
			t.Errorf("%s: want one problem %q, got:\n%v", tc.with, tc.want, diag.ListError(l))
		}
	}
}
