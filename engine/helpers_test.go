package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/locale"
)

// testLocales are the messages the tests' flows use, in English and Hindi.
var testLocales = map[string]string{
	"en": `
language: {name: English}
commands:
  menu: menu
  reset: restart
  yes: yes
  no: no
  skip: skip
common:
  yes: "Yes"
  no: "No"
  skip: Skip
  choose: Choose
  too_many_tries: Too many tries.
  unsupported: Unsupported.
  opted_out: Stopped.
  opted_in: Started.
  handoff: Passing you to an officer.
  error: Something went wrong.
  fallback_intro: Found this
  please_wait: Please wait.
  stale_choice: That button was from an earlier message.
  invalid:
    text: Type something.
    number: Send a number.
    choice: Reply 1 to {{.max}}.
    yesno: Yes or no.
    date: Send a date.
    pin: Send a PIN code.
    phone: Send a mobile number.
    location: Share a location.
    image: Send a photo.
    document: Send a document.
    media: Send a file.
    language: Pick a language.
t:
  title: Test
  menu: Pick one
  a: Apples
  b: Bananas
  c: Cherries
  got: "You picked {{.pick}}."
  hello: Hello
  bye: Bye
  ask_pin: Your PIN code?
  ask_age: Your age?
  ask_date: Which date?
  ask_ok: Is that right?
  ask_name: Your name?
  thanks: "Thanks {{.name}}, {{.age}} years, {{date .when}}."
  fee: "Fee {{money .fee}}."
  due: "Due {{date .due}}."
  days:
    one: "{{.count}} day"
    other: "{{.count}} days"
  more: More centres
  centre: "{{.pick}} booked."
  dues: "Dues of {{.pick}}:\n{{.lines}}"
  due_line: "{{.year}}: {{money .amount}}"
  item_line: "- {{.item}}"
  more_dues:
    one: "…and {{.count}} more year"
    other: "…and {{.count}} more years"
`,
	"hi": `
language: {name: हिन्दी}
commands:
  menu: मेनू
  reset: फिर से शुरू
  yes: हाँ
  no: नहीं
  skip: छोड़ें
common:
  yes: हाँ
  no: नहीं
  skip: छोड़ें
  choose: चुनें
  too_many_tries: बहुत कोशिशें।
  unsupported: समर्थित नहीं।
  opted_out: बंद।
  opted_in: चालू।
  handoff: अधिकारी को भेज रहे हैं।
  error: कुछ गड़बड़ हुई।
  fallback_intro: यह मिला
  please_wait: कृपया रुकें।
  stale_choice: वह बटन पुराने संदेश का था।
  invalid:
    text: कुछ लिखें।
    number: संख्या भेजें।
    choice: "1 से {{.max}} तक लिखें।"
    yesno: हाँ या नहीं।
    date: तारीख़ भेजें।
    pin: पिन कोड भेजें।
    phone: मोबाइल नंबर भेजें।
    location: लोकेशन भेजें।
    image: फ़ोटो भेजें।
    document: दस्तावेज़ भेजें।
    media: फ़ाइल भेजें।
    language: भाषा चुनें।
t:
  title: परीक्षण
  menu: एक चुनें
  a: सेब
  b: केला
  c: चेरी
  got: "आपने {{.pick}} चुना।"
  hello: नमस्ते
  bye: अलविदा
  ask_pin: आपका पिन कोड?
  ask_age: आपकी उम्र?
  ask_date: कौन सी तारीख़?
  ask_ok: क्या यह सही है?
  ask_name: आपका नाम?
  thanks: "धन्यवाद {{.name}}, {{.age}} साल, {{date .when}}।"
  fee: "शुल्क {{money .fee}}।"
  due: "अंतिम तिथि {{date .due}}।"
  days:
    one: "{{.count}} दिन"
    other: "{{.count}} दिन"
  more: और केंद्र
  centre: "{{.pick}} बुक हुआ।"
  dues: "{{.pick}} का बकाया:\n{{.lines}}"
  due_line: "{{.year}}: {{money .amount}}"
  item_line: "- {{.item}}"
  more_dues:
    one: "…और {{.count}} साल"
    other: "…और {{.count}} साल"
`,
}

func testCatalog(t testing.TB) *locale.Catalog {
	t.Helper()
	var files []locale.File
	for lang, content := range testLocales {
		files = append(files, locale.File{Path: "locales/" + lang + ".yaml", Content: []byte(content)})
	}
	cat, l := locale.Load(files)
	if l.HasErrors() {
		t.Fatalf("test locales: %v", l.Err())
	}
	return cat
}

// load compiles flows given as name → YAML, failing the test on any error.
func load(t testing.TB, flows map[string]string) *engine.Library {
	t.Helper()
	lib, l := loadDiag(t, flows)
	if l.HasErrors() {
		t.Fatalf("load: %v", l.Err())
	}
	return lib
}

func loadDiag(t testing.TB, flows map[string]string) (*engine.Library, diag.List) {
	t.Helper()
	var files []engine.File
	for name, src := range flows {
		files = append(files, engine.File{Path: "flows/" + name + ".yaml", Content: []byte(strings.TrimLeft(src, "\n"))})
	}
	return engine.Load(testCatalog(t), files, engine.LoadOptions{})
}

// chat drives an engine like a citizen would.
type chat struct {
	t       testing.TB
	eng     *engine.Engine
	sess    *engine.Session
	contact *engine.Contact
	clock   *engine.FixedClock
	res     engine.Result
}

func newChat(t testing.TB, lib *engine.Library, cfg engine.Config) *chat {
	t.Helper()
	clock := &engine.FixedClock{T: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	if cfg.Clock == nil {
		cfg.Clock = clock
	}
	eng, err := engine.New(lib, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &chat{t: t, eng: eng, sess: &engine.Session{Lang: "en"}, contact: &engine.Contact{ID: "919800000001", Language: "en"}, clock: clock}
}

func (c *chat) send(in engine.Input) *engine.Result {
	c.t.Helper()
	if err := c.eng.Step(context.Background(), c.sess, c.contact, in, &c.res); err != nil {
		c.t.Fatal(err)
	}
	return &c.res
}

func (c *chat) say(text string) *engine.Result {
	c.t.Helper()
	return c.send(engine.Input{Kind: engine.InputText, Text: text})
}

// texts returns the texts of the last step's outputs.
func (c *chat) texts() []string {
	var out []string
	for _, o := range c.res.Outputs {
		out = append(out, o.Text)
	}
	return out
}

func (c *chat) expect(want ...string) {
	c.t.Helper()
	got := c.texts()
	if strings.Join(got, "\n--\n") != strings.Join(want, "\n--\n") {
		c.t.Fatalf("bot said %q, want %q", got, want)
	}
}

func (c *chat) hasEvent(kind engine.EventKind) bool {
	for _, e := range c.res.Events {
		if e.Kind == kind {
			return true
		}
	}
	return false
}
