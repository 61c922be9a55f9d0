package templates

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/locale"
)

var shippedLanguages = []string{"bn", "en", "hi", "mr", "or", "ta"}

func shipped(t *testing.T) *Registry {
	t.Helper()
	paths, err := filepath.Glob("../../../flows/templates/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no shipped templates: %v", err)
	}
	var files []File
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Path: p, Content: b})
	}
	r, problems := Load(files)
	if len(problems) > 0 {
		t.Fatalf("shipped templates have problems:\n%v", diag.ListError(problems))
	}
	cat, problems := locale.LoadDir("../../../locales")
	if problems.HasErrors() {
		t.Fatalf("locales: %v", problems.Err())
	}
	return r.WithLocales(cat)
}

func TestShippedTemplatesLoadInSixLanguages(t *testing.T) {
	t.Parallel()
	r := shipped(t)
	want := []string{"application_ready", "appointment_reminder", "grievance_escalated", "grievance_status_update", "tax_due_reminder"}
	if got := strings.Join(r.Names(), ","); got != strings.Join(want, ",") {
		t.Fatalf("names = %s, want %s", got, strings.Join(want, ","))
	}
	for _, tpl := range r.List() {
		if got := strings.Join(tpl.Languages(), ","); got != strings.Join(shippedLanguages, ",") {
			t.Errorf("%s languages = %s", tpl.Name, got)
		}
		values := map[string]string{}
		for _, p := range tpl.Parameters {
			if p.Example == "" {
				t.Errorf("%s: parameter %s has no example", tpl.Name, p.Name)
			}
			values[p.Name] = p.Example
		}
		for _, lang := range shippedLanguages {
			m, err := r.Check(tpl.Name, lang, values)
			if err != nil {
				t.Errorf("%s/%s: %v", tpl.Name, lang, err)
				continue
			}
			m.Outgoing.To = "919876543210"
			if err := m.Outgoing.Validate(); err != nil {
				t.Errorf("%s/%s: not sendable: %v", tpl.Name, lang, err)
			}
			if strings.Contains(m.Preview, "{{") {
				t.Errorf("%s/%s: preview keeps a variable: %s", tpl.Name, lang, m.Preview)
			}
		}
	}
}

func TestCheckFormatsInTheLanguage(t *testing.T) {
	t.Parallel()
	r := shipped(t)
	m, err := r.Check("tax_due_reminder", "hi", map[string]string{
		"tax": "संपत्ति कर", "property": "W12-0456-78", "amount": "1234567.5", "due": "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"₹12,34,567.50", "31 दिसंबर 2026", "संपत्ति W12-0456-78 का संपत्ति कर"} {
		if !strings.Contains(m.Preview, want) {
			t.Errorf("preview lacks %q:\n%s", want, m.Preview)
		}
	}
	b, err := json.Marshal(m.Outgoing.Template)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"tax_due_reminder","language":{"code":"hi"},"components":[{"type":"body","parameters":[` +
		`{"type":"text","text":"संपत्ति कर"},{"type":"text","text":"W12-0456-78"},{"type":"text","text":"₹12,34,567.50"},{"type":"text","text":"31 दिसंबर 2026"}]}]}`
	if string(b) != want {
		t.Errorf("wire form\n got %s\nwant %s", b, want)
	}
	if m.Category != Utility || m.Language != "hi" {
		t.Errorf("category %q language %q", m.Category, m.Language)
	}
}

func TestCheckRefusesBadValues(t *testing.T) {
	t.Parallel()
	r := shipped(t)
	good := map[string]string{"reference": "GRV-26-4821-7305-A", "level": "the District Collector's office", "due": "2026-12-21"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if v == "\x00" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name, template, lang string
		values               map[string]string
		field, reason        string
		unknown              bool
	}{
		{"unknown template", "no_such", "en", good, "template", "no approved template", true},
		{"unknown language", "grievance_escalated", "fr", good, "language", "has no approved \"fr\" translation (it has bn, en, hi, mr, or, ta)", true},
		{"missing value", "grievance_escalated", "en", with("level", "\x00"), "params.level", "required", false},
		{"extra value", "grievance_escalated", "en", with("colour", "red"), "params.colour", "has no parameter \"colour\"", false},
		{"empty value", "grievance_escalated", "en", with("level", "  "), "params.level", "empty", false},
		{"new line", "grievance_escalated", "en", with("level", "a\nb"), "params.level", "new line", false},
		{"five spaces", "grievance_escalated", "en", with("level", "a     b"), "params.level", "four spaces", false},
		{"bad date", "grievance_escalated", "en", with("due", "21/12/2026"), "params.due", "not a date written YYYY-MM-DD", false},
		{"bad reference", "grievance_escalated", "en", with("reference", "GRV-26-4821-7305-K"), "params.reference", "not a reference number", false},
		{"over max", "grievance_escalated", "en", with("level", strings.Repeat("क", 81)), "params.level", "81 characters, limit 80", false},
		{"bad amount", "tax_due_reminder", "en", map[string]string{"tax": "x", "property": "y", "amount": "-5", "due": "2026-01-01"}, "params.amount", "not a positive amount", false},
		{"bad number", "tax_due_reminder", "en", map[string]string{"tax": "x", "property": "y", "amount": "lots", "due": "2026-01-01"}, "params.amount", "not a positive amount", false},
	}
	for _, c := range cases {
		_, err := r.Check(c.template, c.lang, c.values)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v, want a ParamError", c.name, err)
			continue
		}
		if pe.Field != c.field || !strings.Contains(pe.Reason, c.reason) {
			t.Errorf("%s: %s: %s, want %s: …%s…", c.name, pe.Field, pe.Reason, c.field, c.reason)
		}
		if errors.Is(err, ErrUnknown) != c.unknown {
			t.Errorf("%s: errors.Is(ErrUnknown) = %v", c.name, !c.unknown)
		}
	}
}

func TestCheckFallsBackToTheBaseLanguage(t *testing.T) {
	t.Parallel()
	r := shipped(t)
	m, err := r.Check("grievance_escalated", "en_IN", map[string]string{"reference": "grv 26 ४८२१ 7305 a", "level": "x", "due": "2026-12-21"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Language != "en" || !strings.Contains(m.Preview, "GRV-26-4821-7305-A was not resolved") || !strings.Contains(m.Preview, "21 December 2026") {
		t.Errorf("language %q preview:\n%s", m.Language, m.Preview)
	}
}

const buttonsYAML = `templates:
  pay_now:
    category: UTILITY
    parameters:
      - {name: amount, type: currency}
      - {name: bill, type: text}
    buttons:
      - {type: quick_reply, payload: paid_already}
      - {type: url, url: "https://pay.example.gov.in/bill/{{1}}", parameter: bill}
    en:
      body: "Please pay {{1}} for bill {{2}} today."
      buttons: [I have paid, Pay online]
`

func TestButtonsOnTheWire(t *testing.T) {
	t.Parallel()
	r, problems := Load([]File{{Path: "t.yaml", Content: []byte(buttonsYAML)}})
	if len(problems) > 0 {
		t.Fatal(diag.ListError(problems))
	}
	m, err := r.Check("pay_now", "en", map[string]string{"amount": "250", "bill": "A/7 9"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m.Outgoing.Template.Components)
	want := `[{"type":"body","parameters":[{"type":"text","text":"₹250"},{"type":"text","text":"A/7 9"}]},` +
		`{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"paid_already"}]},` +
		`{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"A%2F7%209"}]}]`
	if string(b) != want {
		t.Errorf("components\n got %s\nwant %s", b, want)
	}
	if want := "Please pay ₹250 for bill A/7 9 today.\n\n[I have paid] [Pay online]"; m.Preview != want {
		t.Errorf("preview %q, want %q", m.Preview, want)
	}
	_, err = r.Check("pay_now", "en", map[string]string{"amount": "250", "bill": strings.Repeat("/", 700)})
	if err == nil || !strings.Contains(err.Error(), "link longer than 2000") {
		t.Errorf("a long URL suffix: %v", err)
	}
	_, err = r.Check("pay_now", "en", map[string]string{"amount": "250", "bill": strings.Repeat("x", 1100)})
	if err == nil || !strings.Contains(err.Error(), "filled body has") {
		t.Errorf("an overlong body: %v", err)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, yaml, code, message string }{
		{"bad name", "templates:\n  Bad-Name:\n    category: UTILITY\n    en: {body: hi there}\n", "bad-name", "lower-case"},
		{"no category", "templates:\n  t:\n    en: {body: hi there}\n", "missing-category", "needs category"},
		{"bad category", "templates:\n  t:\n    category: PROMO\n    en: {body: hi there}\n", "bad-category", `"PROMO"`},
		{"no translation", "templates:\n  t:\n    category: UTILITY\n", "no-translations", "no translation"},
		{"unknown key", "templates:\n  t:\n    category: UTILITY\n    colour: red\n    en: {body: hi there}\n", "unknown-key", `"colour"`},
		{"no body", "templates:\n  t:\n    category: UTILITY\n    en: {header: x}\n", "missing-body", "no body"},
		{"long header", "templates:\n  t:\n    category: UTILITY\n    en: {body: hi, header: " + strings.Repeat("h", 61) + "}\n", "too-long", "header has 61"},
		{"variable in footer", "templates:\n  t:\n    category: UTILITY\n    en: {body: hi, footer: \"x {{1}} y\"}\n", "variable-outside-body", "not the footer"},
		{"unused parameter", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a}, {name: b}]\n    en: {body: \"x {{1}} y\"}\n", "bad-variable", "{{2}} is never used"},
		{"out of range", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a}]\n    en: {body: \"x {{1}} y {{2}} z\"}\n", "bad-variable", "{{2}} has no parameter"},
		{"named", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a}]\n    en: {body: \"x {{1}} y {{name}} z\"}\n", "bad-variable", "{{name}} is not a variable"},
		{"malformed", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a}]\n    en: {body: \"x {{1}} y {2}} z\"}\n", "bad-variable", "malformed"},
		{"at the start", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a}]\n    en: {body: \"{{1}} is here\"}\n", "bad-variable", "begins or ends"},
		{"at the end", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a}]\n    en: {body: \"here is {{1}}\"}\n", "bad-variable", "begins or ends"},
		{"adjacent", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a}, {name: b}]\n    en: {body: \"x {{1}} {{2}} y\"}\n", "bad-variable", "no text between"},
		{"bad type", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a, type: colour}]\n    en: {body: \"x {{1}} y\"}\n", "bad-type", `"colour"`},
		{"duplicate parameter", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a}, {name: a}]\n    en: {body: \"x {{1}} y {{2}} z\"}\n", "duplicate-parameter", "used twice"},
		{"labels", "templates:\n  t:\n    category: UTILITY\n    buttons: [{type: quick_reply, payload: p}]\n    en: {body: hi}\n", "button-labels", "0 button labels for the template's 1"},
		{"long label", "templates:\n  t:\n    category: UTILITY\n    buttons: [{type: quick_reply, payload: p}]\n    en: {body: hi, buttons: [" + strings.Repeat("b", 26) + "]}\n", "button-labels", "1 to 25"},
		{"no payload", "templates:\n  t:\n    category: UTILITY\n    buttons: [{type: quick_reply}]\n    en: {body: hi, buttons: [b]}\n", "bad-payload", "payload"},
		{"http url", "templates:\n  t:\n    category: UTILITY\n    buttons: [{type: url, url: \"http://x\"}]\n    en: {body: hi, buttons: [b]}\n", "bad-url", "https://"},
		{"url variable mid", "templates:\n  t:\n    category: UTILITY\n    parameters: [{name: a}]\n    buttons: [{type: url, url: \"https://x/{{1}}/y\", parameter: a}]\n    en: {body: \"x {{1}} y\", buttons: [b]}\n", "bad-url", "ends with {{1}}"},
		{"url unknown parameter", "templates:\n  t:\n    category: UTILITY\n    buttons: [{type: url, url: \"https://x/{{1}}\", parameter: zz}]\n    en: {body: hi, buttons: [b]}\n", "unknown-parameter", `"zz"`},
		{"button type", "templates:\n  t:\n    category: UTILITY\n    buttons: [{type: call}]\n    en: {body: hi, buttons: [b]}\n", "bad-button", `"call"`},
		{"yaml", "templates:\n  t: [\n", "yaml", ""},
		{"top key", "templates: {}\nother: 1\n", "unknown-key", `"other"`},
	}
	for _, c := range cases {
		r, problems := Load([]File{{Path: "t.yaml", Content: []byte(c.yaml)}})
		found := false
		for _, d := range problems {
			if d.Code == c.code && strings.Contains(d.Message, c.message) && d.Pos.File == "t.yaml" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want %s …%s…, got:\n%v", c.name, c.code, c.message, diag.ListError(problems))
		}
		if _, ok := r.Get("t"); ok {
			t.Errorf("%s: a template with an error was registered", c.name)
		}
	}
}

func TestLoadCollectsAcrossFilesAndPlacesProblems(t *testing.T) {
	t.Parallel()
	good := "templates:\n  t:\n    category: UTILITY\n    en: {body: hi}\n"
	bad := "templates:\n  u:\n    category: UTILITY\n    parameters: [{name: a}]\n    en:\n      body: \"{{1}} x\"\n  t:\n    category: UTILITY\n    en: {body: hi}\n"
	r, problems := Load([]File{{Path: "a.yaml", Content: []byte(good)}, {Path: "b.yaml", Content: []byte(bad)}})
	if len(problems) != 2 {
		t.Fatalf("want 2 problems, got:\n%v", diag.ListError(problems))
	}
	if d := problems[0]; d.Pos.String() != "b.yaml:6:13" || d.Snippet != `      body: "{{1}} x"` {
		t.Errorf("first problem at %s (%q): %s", d.Pos, d.Snippet, d)
	}
	if d := problems[1]; d.Code != "duplicate-template" || !strings.Contains(d.Message, "a.yaml:2:3") {
		t.Errorf("second problem: %s", d)
	}
	if got := strings.Join(r.Names(), ","); got != "t" {
		t.Errorf("names %s", got)
	}
	if _, err := (*Registry)(nil).Check("t", "en", nil); !errors.Is(err, ErrUnknown) {
		t.Errorf("nil registry: %v", err)
	}
}

// What was sent reads back as the citizen saw it.
func TestPreviewOfASentTemplate(t *testing.T) {
	t.Parallel()
	r := shipped(t)
	m, err := r.Check("application_ready", "ta", map[string]string{"document": "வருமானச் சான்றிதழ்", "reference": "APP-26-4821-7305-D", "office": "வார்டு 12 அலுவலகம்"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m.Outgoing)
	var sent struct{ Template *whatsapp.Template }
	if err := json.Unmarshal(b, &sent); err != nil {
		t.Fatal(err)
	}
	if got, ok := r.Preview(sent.Template); !ok || got != m.Preview {
		t.Errorf("preview of the sent message %q, want %q", got, m.Preview)
	}
	for _, bad := range []*whatsapp.Template{nil, {Name: "nope"}, {Name: "application_ready", Language: whatsapp.TemplateLanguage{Code: "fr"}}} {
		if _, ok := r.Preview(bad); ok {
			t.Errorf("a preview for %+v", bad)
		}
	}
}
