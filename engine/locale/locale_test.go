package locale

import (
	"strings"
	"testing"
	"time"
)

const enYAML = `
language:
  name: English
common:
  yes: "Yes"
  no: "No"
grievance:
  registered: "Your complaint is registered. Number: {{.docket}}."
  fee: "Fee: {{money .fee}} for {{number .n}} items"
  due: "Due on {{date .due}}"
  days:
    one: "{{.count}} day"
    other: "{{.count}} days"
  fancy: "{{if .urgent}}Urgent: {{end}}{{.title}}"
main:
  only_en: "Only in English"
`

const hiYAML = `
language:
  name: हिन्दी
date:
  months: जनवरी, फ़रवरी, मार्च, अप्रैल, मई, जून, जुलाई, अगस्त, सितंबर, अक्टूबर, नवंबर, दिसंबर
grievance:
  registered: "आपकी शिकायत दर्ज हो गई है। नंबर: {{.docket}}।"
  due: "अंतिम तिथि {{date .due}}"
  days:
    one: "{{.count}} दिन"
    other: "{{.count}} दिन"
`

func load(t *testing.T, files ...File) *Catalog {
	t.Helper()
	c, l := Load(files)
	if l.HasErrors() {
		t.Fatalf("load: %v", l.Err())
	}
	return c
}

func catalog(t *testing.T) *Catalog {
	return load(t, File{"locales/en.yaml", []byte(enYAML)}, File{"locales/hi.yaml", []byte(hiYAML)})
}

func TestRenderFastPathAndFormatters(t *testing.T) {
	c := catalog(t)
	d := MapData{"docket": "GRV-26-0412-7K", "fee": 1250.0, "n": 1234567.0,
		"due": time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}
	cases := []struct{ lang, key, want string }{
		{"en", "grievance.registered", "Your complaint is registered. Number: GRV-26-0412-7K."},
		{"hi", "grievance.registered", "आपकी शिकायत दर्ज हो गई है। नंबर: GRV-26-0412-7K।"},
		{"en", "grievance.fee", "Fee: ₹1,250 for 12,34,567 items"},
		{"en", "grievance.due", "Due on 21 November 2026"},
		{"hi", "grievance.due", "अंतिम तिथि 21 नवंबर 2026"},
	}
	for _, tc := range cases {
		m := c.Lookup(tc.lang, tc.key)
		if m == nil {
			t.Fatalf("%s/%s missing", tc.lang, tc.key)
		}
		if got := m.Render(d); got != tc.want {
			t.Errorf("%s/%s: got %q want %q", tc.lang, tc.key, got, tc.want)
		}
	}
}

func TestPluralUsesCLDRRules(t *testing.T) {
	c := catalog(t)
	en := c.Lookup("en", "grievance.days")
	for n, want := range map[float64]string{1: "1 day", 2: "2 days", 0: "0 days", 1.5: "1.5 days"} {
		if got := en.Render(MapData{"count": n}); got != want {
			t.Errorf("en count=%v: got %q want %q", n, got, want)
		}
	}
	// Hindi uses "one" for 0 and 1 in CLDR.
	hi, _ := c.Lang("hi")
	if f := hi.PluralForm(0); f != One {
		t.Errorf("hi plural form of 0 = %v, want one", f)
	}
	if f := hi.PluralForm(5); f != Other {
		t.Errorf("hi plural form of 5 = %v, want other", f)
	}
}

func TestComplexTemplateGoesThroughGoI18n(t *testing.T) {
	c := catalog(t)
	m := c.Lookup("en", "grievance.fancy")
	if got := m.Render(MapData{"urgent": true, "title": "Water"}); got != "Urgent: Water" {
		t.Fatalf("got %q", got)
	}
	if got := m.Render(MapData{"urgent": false, "title": "Water"}); got != "Water" {
		t.Fatalf("got %q", got)
	}
	if ph := m.Text().Placeholders; strings.Join(ph, ",") != "urgent,title" {
		t.Fatalf("placeholders %v", ph)
	}
}

func TestFallbackChain(t *testing.T) {
	c := catalog(t)
	m := c.Resolve("main.only_en", Chain("hi", "en")...)
	if m == nil || m.Lang.Code != "en" {
		t.Fatalf("fallback to English failed: %v", m)
	}
	if m := c.Resolve("grievance.registered", Chain("hi", "en")...); m.Lang.Code != "hi" {
		t.Fatalf("chain should prefer Hindi, got %s", m.Lang.Code)
	}
	if got := Chain("mr", "hi"); strings.Join(got, ",") != "mr,hi,en" {
		t.Fatalf("chain %v", got)
	}
	if got := Chain("en", "en"); strings.Join(got, ",") != "en" {
		t.Fatalf("chain %v", got)
	}
	missing := c.Missing("main.only_en")
	if len(missing) != 1 || missing[0].Code != "hi" {
		t.Fatalf("missing %v", missing)
	}
}

func TestLangInfo(t *testing.T) {
	c := catalog(t)
	hi, _ := c.Lang("hi")
	if hi.Name != "हिन्दी" || hi.Months[10] != "नवंबर" {
		t.Fatalf("lang info %+v", hi)
	}
	en, _ := c.Lang("en")
	if en.Yes != "Yes" || hi.Yes != "Yes" {
		t.Fatalf("yes words: en %q hi %q", en.Yes, hi.Yes)
	}
}

func TestLoadErrorsHavePositions(t *testing.T) {
	bad := "a:\n  ok: fine\n  broken: \"{{.x\"\n  plural:\n    one: x\n    lots: y\n  fewer:\n    few: x\n"
	_, l := Load([]File{{"locales/en.yaml", []byte(bad)}, {"locales/xx-notalang-!!.yaml", []byte("a: b")}})
	codes := map[string]string{}
	for _, d := range l {
		codes[d.Code] += d.Pos.String() + " "
	}
	if codes["locale-template"] != "locales/en.yaml:3:11 " {
		t.Errorf("template error at %q, want locales/en.yaml:3:11 (all: %v)", codes["locale-template"], l)
	}
	if !strings.Contains(codes["locale-mixed-keys"], "locales/en.yaml:5:5") {
		t.Errorf("mixed keys at %q (all: %v)", codes["locale-mixed-keys"], l)
	}
	if !strings.Contains(codes["locale-plural"], "locales/en.yaml:8:5") {
		t.Errorf("plural error at %q (all: %v)", codes["locale-plural"], l)
	}
	if codes["locale-name"] == "" {
		t.Errorf("bad file name not reported: %v", l)
	}
}

func TestMissingBaseLanguageReported(t *testing.T) {
	_, l := Load([]File{{"locales/hi.yaml", []byte("a: b")}})
	found := false
	for _, d := range l {
		found = found || d.Code == "locale-base-missing"
	}
	if !found {
		t.Fatalf("no locale-base-missing in %v", l)
	}
}

func BenchmarkRenderFastPath(b *testing.B) {
	c, _ := Load([]File{{"locales/en.yaml", []byte(enYAML)}, {"locales/hi.yaml", []byte(hiYAML)}})
	m := c.Lookup("hi", "grievance.registered")
	d := MapData{"docket": "GRV-26-0412-7K"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = m.Render(d)
	}
}

// reporter is MapData that records what a formatter could not format.
type reporter struct {
	MapData
	failed []string
}

func (r *reporter) FormatFailed(format, name string, v any) {
	r.failed = append(r.failed, format+" ."+name)
}

func TestAValueAFormatterCannotFormatIsWrittenAndReported(t *testing.T) {
	t.Parallel()
	c := load(t, File{"locales/en.yaml", []byte(`
fee: "Fee: {{money .fee}} for {{number .n}} items"
due: "Due on {{date .due}}"
maybe: "{{if .fee}}Fee: {{money .fee}}{{end}}"
`)})
	cases := []struct {
		key  string
		data MapData
		want string
		fail []string
	}{
		{"fee", MapData{"fee": 1250.0, "n": "12"}, "Fee: ₹1,250 for 12 items", nil},
		{"fee", MapData{"fee": "abc", "n": true}, "Fee: abc for yes items", []string{"money .fee", "number .n"}},
		{"fee", MapData{"n": 2.0}, "Fee:  for 2 items", []string{"money .fee"}},
		{"due", MapData{"due": "2026-11-21"}, "Due on 21 November 2026", nil},
		{"due", MapData{"due": "next week"}, "Due on next week", []string{"date .due"}},
		{"due", MapData{"due": 3.0}, "Due on 3", []string{"date .due"}},
		{"due", MapData{"due": time.Time{}}, "Due on 1 January 1", []string{"date .due"}},
		// Through text/template the formatter sees the value only.
		{"maybe", MapData{"fee": "abc"}, "Fee: abc", []string{"money ."}},
		{"maybe", MapData{"fee": 10.0}, "Fee: ₹10", nil},
	}
	for _, tc := range cases {
		r := &reporter{MapData: tc.data}
		if got := c.Lookup("en", tc.key).Render(r); got != tc.want {
			t.Errorf("%s with %v = %q, want %q", tc.key, tc.data, got, tc.want)
		}
		if strings.Join(r.failed, ", ") != strings.Join(tc.fail, ", ") {
			t.Errorf("%s with %v reported %q, want %q", tc.key, tc.data, r.failed, tc.fail)
		}
	}
}

func TestTemplatesListWhatTheyFormat(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"Fee: {{money .fee}} for {{number .n}} items, {{.plain}}":       "money .fee, number .n",
		"{{if .fee}}{{money .fee}}{{else}}{{date .due}}{{end}}":         "money .fee, date .due",
		"{{range .items}}{{.}}{{end}} by {{printf \"%s\" (date .due)}}": "date .due",
		"{{money .a.b}}": "", // a field of a field: its type is not known at load
	}
	for src, want := range cases {
		tpl, err := compileTemplate(src)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		var got []string
		for _, f := range tpl.Formatted {
			got = append(got, f.Format+" ."+f.Name)
		}
		if strings.Join(got, ", ") != want {
			t.Errorf("%q formats %q, want %q", src, got, want)
		}
	}
}

// A language may be split over several files (one per service); a key
// written in two of them is an error that names both.
func TestALanguageOverSeveralFiles(t *testing.T) {
	t.Parallel()
	c, l := Load([]File{
		{Path: "locales/en.yaml", Content: []byte("common:\n  yes: \"Yes\"\n")},
		{Path: "locales/pension/en.yaml", Content: []byte("pension:\n  ask: \"Your PPO number?\"\n")},
		{Path: "locales/pension/hi.yaml", Content: []byte("pension:\n  ask: \"आपका पीपीओ नंबर?\"\n")},
		{Path: "locales/hi.yaml", Content: []byte("common:\n  yes: \"हाँ\"\n")},
	})
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	for key, want := range map[string]string{"common.yes": "हाँ", "pension.ask": "आपका पीपीओ नंबर?"} {
		m := c.Resolve(key, "hi")
		if m == nil || m.Render(nil) != want {
			t.Fatalf("%s in Hindi: %v", key, m)
		}
	}
	if got := len(c.Languages()); got != 2 {
		t.Fatalf("%d languages", got)
	}
	_, l = Load([]File{
		{Path: "locales/en.yaml", Content: []byte("common:\n  yes: \"Yes\"\n")},
		{Path: "locales/extra/en.yaml", Content: []byte("common:\n  yes: \"Yes!\"\n")},
	})
	if !l.HasErrors() || !strings.Contains(l.Err().Error(), "locales/extra/en.yaml:2:8: error: common.yes is in locales/en.yaml already") {
		t.Fatalf("a key in two files: %v", l)
	}
}
