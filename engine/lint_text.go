package engine

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/locale"
)

// The limits WhatsApp puts on what a choice can show; lint holds flows to them
// in every language so that a translation never breaks a menu.
const (
	MaxChoices     = 10
	MaxChoiceLabel = 20
	// MaxChoiceDescription is the longest description a list row shows.
	MaxChoiceDescription = 72
)

// builtinData are template names every message may use besides the flow's
// variables and its own data: fields.
var builtinData = map[string]bool{"contact_name": true, "max": true}

// checkText reports a key no language has, a key missing in an enabled
// language, and placeholders the flow cannot fill.
func (c *compiler) checkText(t *Text) {
	cat := c.lib.Catalog
	found := false
	for _, m := range t.byLang {
		found = found || m != nil
	}
	if !found {
		c.diags.Errorf(t.Pos, "unknown-message", "message %q is in no locale file%s", t.Key, didYouMean(t.Key, cat.Keys()))
		return
	}
	for _, lang := range c.lib.Languages {
		if !c.flow.Offers(lang.Code) {
			continue // the flow runs in another language for these citizens
		}
		if cat.Lookup(lang.Code, t.Key) == nil && c.lib.firstReport(lang.Code+"\x00"+t.Key) {
			shown := t.byLang[lang.Index]
			c.diags.Errorf(t.Pos, "missing-translation", "message %q has no %s text in %s (citizens would see %s)",
				t.Key, lang.Code, lang.File, fallbackName(shown))
		}
	}
	if t.itemFields {
		c.checkFormats(t)
		return // an item's fields are known at run time only
	}
	allowed := map[string]bool{}
	for _, d := range t.Data {
		allowed[d.Name] = true
	}
	for _, name := range t.filled {
		allowed[name] = true
	}
	for _, m := range t.byLang {
		if m == nil {
			continue
		}
		for _, tpl := range m.Forms() {
			for _, p := range tpl.Placeholders {
				if allowed[p] || builtinData[p] {
					continue
				}
				if _, isVar := c.flow.Vars[p]; isVar {
					continue
				}
				allowed[p] = true // report each name once
				c.diags.Errorf(t.Pos, "unknown-placeholder", "message %q (%s) uses {{.%s}}, which is not a variable of flow %s nor in data:",
					t.Key, m.Lang.Code, p, c.flow.ID)
			}
		}
	}
	c.checkFormats(t)
}

// checkFormats reports a placeholder written through a formatter that
// cannot format its type: {{money .name}} where name is a string variable
// the citizen typed, {{date .fee}} with a number. Where the type is only
// known at run time (an object's field, a text that may hold "1250" or
// "2026-11-21"), the run reports a value it cannot format as a
// format_error event instead.
func (c *compiler) checkFormats(t *Text) {
	reported := map[locale.Formatted]bool{}
	for _, m := range t.byLang {
		if m == nil {
			continue
		}
		for _, tpl := range m.Forms() {
			for _, f := range tpl.Formatted {
				kind, what := c.placeholderKind(t, f.Name)
				if formatTakes(f.Format, kind) || reported[f] {
					continue
				}
				reported[f] = true
				c.diags.Errorf(t.Pos, "format-type", "message %q (%s) writes {{%s .%s}}, but %s is %s; %s formats %s",
					t.Key, m.Lang.Code, f.Format, f.Name, f.Name, what, f.Format, locale.Formats(f.Format))
			}
		}
	}
}

// checkWritesLines reports a say with each: whose message does not write
// {{.lines}} in a language it is shown in: the list would not be shown.
func (c *compiler) checkWritesLines(t *Text) {
	var without []string
	for _, lang := range c.lib.Languages {
		m := t.byLang[lang.Index]
		if m == nil || !c.flow.Offers(lang.Code) || m.Lang != lang {
			continue
		}
		for _, tpl := range m.Forms() {
			if !contains(tpl.Placeholders, "lines") {
				without = append(without, lang.Code)
				break
			}
		}
	}
	if len(without) > 0 {
		c.diags.Errorf(t.Pos, "no-lines", "message %q does not write {{.lines}} (in %s): a say with each: shows the list where its message has {{.lines}}",
			t.Key, strings.Join(without, ", "))
	}
}

// valueKind is what lint knows at load of a value a message writes.
type valueKind uint8

const (
	kindUnknown valueKind = iota // known at run time only
	kindText
	kindNumber
	kindBool
	kindDate
	kindOther // a location, an attachment, an object, a list
)

// formatTakes reports whether a formatter can format a kind of value, as
// package locale's formatters do: money and number take numbers (and text,
// which may hold one), date takes dates (and text, which may hold an ISO
// date).
func formatTakes(format string, k valueKind) bool {
	switch k {
	case kindUnknown, kindText:
		return true
	case kindNumber:
		return format == "money" || format == "number"
	case kindDate:
		return format == "date"
	}
	return false
}

// placeholderKind finds the kind of what a text's placeholder holds: its
// data: expression's type, else the flow's variable, else a built-in name.
// what describes it for a message.
func (c *compiler) placeholderKind(t *Text, name string) (valueKind, string) {
	for _, d := range t.Data {
		if d.Name == name {
			k := exprKind(d.Expr.Type())
			return k, fmt.Sprintf("%s in data: (%q)", kindName(k), d.Expr.Source())
		}
	}
	if vt, ok := c.flow.Vars[name]; ok {
		return varKind(vt), fmt.Sprintf("a %s variable of flow %s", vt, c.flow.ID)
	}
	for _, f := range t.filled {
		if f == name && name == "count" {
			return kindNumber, "the number of items left out"
		}
		if f == name {
			return kindText, "the lines of the list"
		}
	}
	switch name {
	case "max":
		return kindNumber, "the number of choices"
	case "contact_name":
		return kindText, "the citizen's name"
	}
	return kindUnknown, ""
}

func varKind(t VarType) valueKind {
	switch t {
	case TypeString:
		return kindText
	case TypeNumber, TypeMoney:
		return kindNumber
	case TypeBool:
		return kindBool
	case TypeDate:
		return kindDate
	}
	return kindOther
}

func exprKind(rt reflect.Type) valueKind {
	if rt == nil {
		return kindUnknown
	}
	switch rt.Kind() {
	case reflect.Interface:
		return kindUnknown
	case reflect.String:
		return kindText
	case reflect.Float64, reflect.Float32, reflect.Int, reflect.Int64, reflect.Int32:
		return kindNumber
	case reflect.Bool:
		return kindBool
	}
	if rt == reflect.TypeOf(time.Time{}) {
		return kindDate
	}
	return kindOther
}

func kindName(k valueKind) string {
	return [...]string{"of a type known at run time", "text", "a number", "yes/no", "a date", "an object or a list"}[k]
}

func fallbackName(m *locale.Message) string {
	if m == nil {
		return "nothing"
	}
	return "the " + m.Lang.Code + " text"
}

// firstReport reports whether a problem key is new, so that a key used in
// many places is reported once.
func (lib *Library) firstReport(key string) bool {
	lib.mu.Lock()
	defer lib.mu.Unlock()
	if lib.reported[key] {
		return false
	}
	lib.reported[key] = true
	return true
}

// checkDescription warns of a choice description longer than a list row
// shows: WhatsApp would refuse the list, so the renderer falls back to a
// numbered text menu for the whole question.
func (c *compiler) checkDescription(t *Text, li int, lang *locale.Lang, text string, node *Node) {
	m := t.byLang[li]
	if m == nil || m.Lang != lang || !c.lib.enabled(lang.Code) || !c.flow.Offers(lang.Code) || labelLen(text) <= MaxChoiceDescription ||
		!c.lib.firstReport("desc\x00"+lang.Code+"\x00"+t.Key) {
		return
	}
	c.diags.Warnf(m.Pos, "description-too-long", "choice description %q is %d characters in %s; a WhatsApp list row shows at most %d, so %s in %s is sent as a numbered text menu instead",
		t.Key, labelLen(text), lang.Code, MaxChoiceDescription, node.Name, c.file)
}

// checkCatalog reports problems of the locale files themselves: engine
// messages that are missing, and translations whose placeholders differ.
func (lib *Library) checkCatalog() diag.List {
	var l diag.List
	cat := lib.Catalog
	for _, key := range lib.builtinKeyList() {
		for _, lang := range lib.Languages {
			if cat.Lookup(lang.Code, key) == nil && lib.firstReport(lang.Code+"\x00"+key) {
				l.Errorf(diag.Pos{File: lang.File}, "missing-translation", "message %q, which the engine shows in every flow, has no %s text", key, lang.Code)
			}
		}
	}
	base, _ := cat.Lang(locale.Base)
	for _, key := range cat.Keys() {
		ref := cat.Lookup(locale.Base, key)
		if ref == nil || base == nil {
			continue
		}
		want := placeholderSet(ref)
		for _, lang := range cat.Languages() {
			m := cat.Lookup(lang.Code, key)
			if m == nil || lang == base {
				continue
			}
			if got := placeholderSet(m); got != want {
				l.Errorf(m.Pos, "placeholders-differ", "message %q uses %s in %s but %s in %s",
					key, orNone(got), lang.Code, orNone(want), locale.Base)
			}
		}
	}
	return l
}

func (lib *Library) builtinKeyList() []string {
	keys := make([]string, 0, len(lib.builtin))
	for k := range lib.builtin {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// placeholderSet is a message's placeholders across its forms, sorted and
// joined, ignoring "count" (plural forms may leave the number out).
func placeholderSet(m *locale.Message) string {
	seen := map[string]bool{}
	for _, t := range m.Forms() {
		for _, p := range t.Placeholders {
			if p != "count" || !m.Plural {
				seen[p] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for p := range seen {
		names = append(names, "{{."+p+"}}")
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

func orNone(s string) string {
	if s == "" {
		return "no placeholders"
	}
	return s
}

// checkDynamicLabel reports a choice label with placeholders: a button's
// title is fixed when the question is built.
func (c *compiler) checkDynamicLabel(t *Text) {
	if c.lib.firstReport("dyn\x00" + t.Key) {
		c.diags.Errorf(t.Pos, "dynamic-label", "choice label %q uses placeholders; labels must be fixed texts", t.Key)
	}
}

// checkLabelLength reports a label, in a language's own text, that WhatsApp
// would not show in full on a button.
func (c *compiler) checkLabelLength(t *Text, m *locale.Message, lang *locale.Lang, label string, node *Node) {
	if c.lib.enabled(lang.Code) && c.flow.Offers(lang.Code) && m.Lang == lang && labelLen(label) > MaxChoiceLabel &&
		c.lib.firstReport("len\x00"+lang.Code+"\x00"+t.Key) {
		c.diags.Errorf(m.Pos, "label-too-long", "choice label %q is %d characters in %s (%q); WhatsApp buttons show at most %d (used by %s in %s)",
			t.Key, labelLen(label), lang.Code, label, MaxChoiceLabel, node.Name, c.file)
	}
}

// labelLen counts what WhatsApp counts: characters, not bytes.
func labelLen(s string) int { return utf8.RuneCountInString(s) }
