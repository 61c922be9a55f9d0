package engine_test

import (
	"strings"
	"testing"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/locale"
)

// englishOnly is a service written in English only so far: its messages
// have no Hindi text, and one of its labels would be too long in Hindi.
const englishOnly = `
flow: pension
title: p.title
languages: [en]
triggers: {menu: 2}
nodes:
  q:
    ask: p.ask
    choices: [p.yes, t.b]
    next: done
  done:
    say: p.done
    next: end
`

const menuFlow = `
flow: main
title: t.title
triggers: {menu: 1}
nodes:
  services:
    ask: t.menu
    menu: true
    next: services
`

// languageCatalog adds the pension service's messages: English, and a
// Hindi title only (with a label too long for a button, which lint
// would report if the flow were offered in Hindi).
func languageCatalog(t *testing.T) *locale.Catalog {
	t.Helper()
	cat, l := locale.Load([]locale.File{
		{Path: "locales/en.yaml", Content: []byte(testLocales["en"] + "\np:\n  title: Pension\n  ask: Do you get a pension?\n  yes: I do\n  done: Noted.\n")},
		{Path: "locales/hi.yaml", Content: []byte(testLocales["hi"] + "\np:\n  title: पेंशन\n  yes: जी हाँ, मुझे पेंशन मिलती है हर महीने\n")},
	})
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	return cat
}

func loadLanguages(t *testing.T, flows map[string]string, langs ...string) (*engine.Library, diag.List) {
	t.Helper()
	var files []engine.File
	for name, src := range flows {
		files = append(files, engine.File{Path: "flows/" + name + ".yaml", Content: []byte(strings.TrimLeft(src, "\n"))})
	}
	return engine.Load(languageCatalog(t), files, engine.LoadOptions{Languages: langs})
}

func TestAFlowIsCheckedOnlyInTheLanguagesItOffers(t *testing.T) {
	t.Parallel()
	if _, l := loadLanguages(t, map[string]string{"main": menuFlow, "pension": englishOnly}); len(l) != 0 {
		t.Fatalf("an English-only flow must load beside Hindi without a problem, got:\n%v", diag.ListError(l))
	}
	_, l := loadLanguages(t, map[string]string{"main": menuFlow, "pension": strings.Replace(englishOnly, "languages: [en]\n", "", 1)})
	codes := map[string]int{}
	for _, d := range l {
		codes[d.Code]++
	}
	if codes["missing-translation"] != 2 || codes["label-too-long"] != 1 {
		t.Fatalf("offered in every language, the flow's Hindi gaps are errors; got:\n%v", diag.ListError(l))
	}
	for _, tc := range []struct{ langs, want string }{
		{"languages: [en, xx]", `languages: "xx" has no locale file`},
		{"languages: [en, en]", "languages: en is listed twice"},
		{"languages: [hi]", "messages"}, // offered in Hindi, its gaps are errors again
	} {
		_, l := loadLanguages(t, map[string]string{"main": menuFlow, "pension": strings.Replace(englishOnly, "languages: [en]", tc.langs, 1)})
		if !l.HasErrors() || (tc.want != "messages" && !strings.Contains(l.Err().Error(), tc.want)) {
			t.Errorf("%s: want an error %q, got:\n%v", tc.langs, tc.want, diag.ListError(l))
		}
	}
	_, l = loadLanguages(t, map[string]string{"main": menuFlow, "pension": englishOnly}, "hi")
	if !l.HasErrors() || !strings.Contains(l.Err().Error(), "flow pension offers en, and none of them is enabled (hi)") {
		t.Fatalf("a flow the deployment enables none of the languages of: got\n%v", diag.ListError(l))
	}
}

func TestACitizenWhoseLanguageAFlowDoesNotOfferGetsItsFallback(t *testing.T) {
	t.Parallel()
	lib, l := loadLanguages(t, map[string]string{"main": menuFlow, "pension": englishOnly})
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	c := newChat(t, lib, engine.Config{})
	c.sess.Lang, c.contact.Language = "hi", "hi"
	c.say("मेनू")
	if got := c.res.Outputs[0].Choices; len(got) != 2 || got[0].Label != "परीक्षण" || got[1].Label != "Pension" {
		t.Fatalf("the menu shows each service in the language it runs in: got %+v", got)
	}
	c.say("2")
	if out := c.res.Outputs[0]; out.Text != "Do you get a pension?" || out.Lang != "en" || !c.hasEvent(engine.EventLanguageFallback) {
		t.Fatalf("the English-only flow answers in English, and says so in an event; got %+v, events %v", out, c.res.Events)
	}
	c.say("1")
	// The service ends, and the menu (which offers Hindi) is Hindi again.
	c.expect("Noted.", "एक चुनें")
	if c.res.Outputs[0].Lang != "en" || c.res.Outputs[1].Lang != "hi" {
		t.Fatalf("languages of the outputs: %+v", c.res.Outputs)
	}
	if c.sess.Lang != "hi" || c.contact.Language != "hi" {
		t.Fatalf("the citizen's language stays Hindi: session %q, contact %q", c.sess.Lang, c.contact.Language)
	}
}
