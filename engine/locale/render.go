package locale

import (
	"math"
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/nicksnyder/go-i18n/v2/i18n/template"
)

// Data gives a template the values it names. The engine implements it over a
// flow's variables, so rendering copies nothing it does not print.
type Data interface {
	Value(name string) (any, bool)
}

// MapData is Data over a plain map.
type MapData map[string]any

// Value returns m[name].
func (m MapData) Value(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

// Render renders the message with d. A plural message chooses its form by the
// CLDR rules of its language from the value named "count".
func (m *Message) Render(d Data) string {
	return string(m.AppendTo(nil, d))
}

// AppendTo renders the message into buf and returns the extended buffer.
func (m *Message) AppendTo(buf []byte, d Data) []byte {
	form := Other
	var count any
	if m.Plural && d != nil {
		if v, ok := d.Value("count"); ok {
			count = v
			form = m.Lang.pluralForm(v)
		}
	}
	t := m.forms[form]
	if t == nil {
		t = m.forms[Other]
	}
	if t.complex {
		return append(buf, m.renderComplex(d, count)...)
	}
	if cap(buf)-len(buf) < t.size+16 {
		grown := make([]byte, len(buf), len(buf)+t.size+32)
		copy(grown, buf)
		buf = grown
	}
	return t.appendTo(buf, d, m.Lang)
}

// renderComplex runs a text/template message through go-i18n's localizer of
// the message's own language (the chain has already chosen it).
func (m *Message) renderComplex(d Data, count any) string {
	data := map[string]any{}
	for f := range m.forms {
		t := m.forms[f]
		if t == nil {
			continue
		}
		for _, p := range t.Placeholders {
			if d != nil {
				if v, ok := d.Value(p); ok {
					data[p] = v
				}
			}
		}
	}
	out, err := m.Lang.localizer.Localize(&i18n.LocalizeConfig{
		MessageID:    m.Key,
		TemplateData: data,
		PluralCount:  count,
		Funcs:        formatFuncs(m.Lang, d),
	})
	if err != nil && out == "" {
		// Show the author's text rather than nothing; lint reports the error.
		return strings.TrimSpace(m.forms[Other].src)
	}
	return out
}

// Form is a CLDR plural form.
type Form uint8

// The CLDR plural forms.
const (
	Zero Form = iota
	One
	Two
	Few
	Many
	Other
	formCount
)

var formNames = [...]string{"zero", "one", "two", "few", "many", "other"}

// String names the form as locale files do.
func (f Form) String() string {
	if int(f) < len(formNames) {
		return formNames[f]
	}
	return "other"
}

const probeID = "samvad.internal.plural_probe"

// pluralProbe is a message whose forms are their own names; localizing it with
// a count tells which CLDR form a language uses for that count, through
// go-i18n's rules.
func pluralProbe() *i18n.Message {
	return &i18n.Message{ID: probeID, Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
}

// pluralForm returns the CLDR plural form of count in the language.
func (l *Lang) pluralForm(count any) Form {
	if l == nil || l.localizer == nil {
		return Other
	}
	out, err := l.localizer.Localize(&i18n.LocalizeConfig{
		MessageID:      probeID,
		PluralCount:    pluralOperand(count),
		TemplateParser: template.IdentityParser{},
	})
	if err != nil {
		return Other
	}
	for f, name := range formNames {
		if name == out {
			return Form(f)
		}
	}
	return Other
}

// PluralForm returns the CLDR plural form the language uses for count.
func (l *Lang) PluralForm(count any) Form { return l.pluralForm(count) }

// pluralOperand converts a count to what go-i18n's plural rules accept:
// integers as they are, other numbers as decimal strings.
func pluralOperand(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return int64(x)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return pluralOperand(float64(x))
	}
	return v
}

// Static returns the message's text when it has no placeholders and no plural
// forms, so that callers can show it without rendering (and without allocating).
func (m *Message) Static() (string, bool) {
	t := m.forms[Other]
	if m.Plural || !t.IsStatic() {
		return "", false
	}
	return t.src, true
}
