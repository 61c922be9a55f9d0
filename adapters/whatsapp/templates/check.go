package templates

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine/locale"
	"github.com/samvad/samvad/engine/script"
)

// ErrUnknown is what a ParamError for a template or language the registry
// does not hold wraps.
var ErrUnknown = errors.New("templates: not in the registry")

// ParamError says which value cannot be sent and why. Field is "template",
// "language", "params" or "params.<name>".
type ParamError struct {
	Field  string
	Reason string
	Err    error
}

// Error formats the error.
func (e *ParamError) Error() string { return "templates: " + e.Field + ": " + e.Reason }

// Unwrap returns ErrUnknown for a template or language not in the registry.
func (e *ParamError) Unwrap() error { return e.Err }

// Message is a template filled for one language: what to send and what
// the citizen will read.
type Message struct {
	Template string
	Language string
	Category string
	// Outgoing is the message to send once its To (or Recipient) is set.
	Outgoing whatsapp.OutgoingMessage
	// Preview is the text as the citizen will see it: header, body, footer
	// and button labels, with the values filled in.
	Preview string
}

// WithLocales lets Check write numbers, amounts and dates in each
// language's conventions (month names), from the locale files. Without
// it, dates are written with English month names. It returns r.
func (r *Registry) WithLocales(cat *locale.Catalog) *Registry {
	if cat == nil {
		return r
	}
	r.langs = map[string]*locale.Lang{}
	for _, l := range cat.Languages() {
		r.langs[l.Code] = l
	}
	return r
}

// Names returns the templates' names, sorted.
func (r *Registry) Names() []string { return append([]string(nil), r.names...) }

// Get returns the named template.
func (r *Registry) Get(name string) (*Template, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// List returns every template, sorted by name.
func (r *Registry) List() []*Template {
	out := make([]*Template, 0, len(r.names))
	for _, n := range r.names {
		out = append(out, r.byName[n])
	}
	return out
}

// Languages returns the template's language codes, sorted.
func (t *Template) Languages() []string {
	return sortedKeys(t.Translations)
}

// Translation returns the template's text in lang, or in its base
// language ("en" for "en_IN") when lang itself is not approved.
func (t *Template) Translation(lang string) (*Translation, bool) {
	if tr, ok := t.Translations[lang]; ok {
		return tr, true
	}
	if base, _, cut := strings.Cut(lang, "_"); cut {
		tr, ok := t.Translations[base]
		return tr, ok
	}
	return nil, false
}

// Check fills the named template in lang with values, keyed by parameter
// name. It refuses (with a *ParamError) an unknown template or language, a
// missing or unexpected value, a value not of its parameter's type, and a
// text over Meta's limits.
func (r *Registry) Check(name, lang string, values map[string]string) (*Message, error) {
	var t *Template
	ok := false
	if r != nil {
		t, ok = r.byName[name]
	}
	if !ok {
		return nil, &ParamError{Field: "template", Reason: fmt.Sprintf("no approved template %q", name), Err: ErrUnknown}
	}
	tr, ok := t.Translation(lang)
	if !ok {
		return nil, &ParamError{Field: "language", Err: ErrUnknown,
			Reason: fmt.Sprintf("template %q has no approved %q translation (it has %s)", name, lang, strings.Join(t.Languages(), ", "))}
	}
	shown, raw, err := r.values(t, tr.Language, values)
	if err != nil {
		return nil, err
	}
	body := fill(tr.Body, shown)
	if n := chars(body); n > MaxBody {
		return nil, &ParamError{Field: "params", Reason: fmt.Sprintf("the filled body has %d characters, Meta allows %d", n, MaxBody)}
	}
	var comps []whatsapp.TemplateComponent
	if len(shown) > 0 {
		comps = append(comps, whatsapp.BodyParams(shown...))
	}
	for i, b := range t.Buttons {
		switch {
		case b.Type == "quick_reply":
			comps = append(comps, whatsapp.QuickReplyButton(i, b.Payload))
		case b.Parameter != "":
			suffix := url.PathEscape(raw[t.param(b.Parameter)])
			if len(b.URL)-len("{{1}}")+len(suffix) > MaxURL {
				return nil, &ParamError{Field: "params." + b.Parameter, Reason: fmt.Sprintf("makes button %d's link longer than %d characters", i+1, MaxURL)}
			}
			comps = append(comps, whatsapp.URLButton(i, suffix))
		}
	}
	return &Message{Template: name, Language: tr.Language, Category: t.Category,
		Outgoing: whatsapp.TemplateMessage(name, tr.Language, comps...),
		Preview:  preview(tr, body)}, nil
}

// values checks every value and returns, in parameter order, each as the
// citizen reads it and as a link carries it.
func (r *Registry) values(t *Template, lang string, values map[string]string) (shown, raw []string, err error) {
	for k := range values {
		if t.param(k) < 0 {
			return nil, nil, &ParamError{Field: "params." + k, Reason: fmt.Sprintf("template %q has no parameter %q (it takes %s)", t.Name, k, t.paramNames())}
		}
	}
	l := r.lang(lang)
	for _, p := range t.Parameters {
		v, ok := values[p.Name]
		if !ok {
			return nil, nil, &ParamError{Field: "params." + p.Name, Reason: "required (a " + p.Type + ")"}
		}
		s, canon, err := formatValue(p, strings.TrimSpace(v), l)
		if err != nil {
			return nil, nil, &ParamError{Field: "params." + p.Name, Reason: err.Error()}
		}
		if p.Max > 0 && chars(s) > p.Max {
			return nil, nil, &ParamError{Field: "params." + p.Name, Reason: fmt.Sprintf("%d characters, limit %d", chars(s), p.Max)}
		}
		shown, raw = append(shown, s), append(raw, canon)
	}
	return shown, raw, nil
}

func (t *Template) paramNames() string {
	names := make([]string, len(t.Parameters))
	for i, p := range t.Parameters {
		names[i] = p.Name
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// lang returns the locale language for a template language code.
func (r *Registry) lang(code string) *locale.Lang {
	if l, ok := r.langs[code]; ok {
		return l
	}
	base, _, _ := strings.Cut(code, "_")
	return r.langs[base]
}

// formatValue checks v against p's type and returns it as shown to the
// citizen and in its canonical form.
func formatValue(p Param, v string, l *locale.Lang) (shown, canon string, err error) {
	if v == "" {
		return "", "", errors.New("empty (Meta refuses an empty parameter)")
	}
	if strings.ContainsAny(v, "\n\r\t") || strings.Contains(v, "     ") {
		return "", "", errors.New("has a new line, a tab or more than four spaces in a row (Meta refuses them)")
	}
	switch p.Type {
	case TypeNumber, TypeCurrency:
		f, ok := script.ParseNumber(strings.TrimPrefix(v, "₹"))
		if !ok || (p.Type == TypeCurrency && f < 0) {
			return "", "", fmt.Errorf("%q is not a %s", v, map[string]string{TypeNumber: "number", TypeCurrency: "positive amount"}[p.Type])
		}
		format := map[string]string{TypeNumber: "number", TypeCurrency: "money"}[p.Type]
		s, _ := locale.Format(format, f, l)
		return s, strconv.FormatFloat(f, 'f', -1, 64), nil
	case TypeDate:
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return "", "", fmt.Errorf("%q is not a date written YYYY-MM-DD", v)
		}
		s, _ := locale.Format("date", d, l)
		return s, v, nil
	case TypeReference:
		ref, ok := script.NormalizeReference(v)
		if !ok {
			return "", "", fmt.Errorf("%q is not a reference number (or its check character is wrong)", v)
		}
		return ref, ref, nil
	}
	return v, v, nil
}

// fill puts the values in place of {{1}}, {{2}}...
func fill(body string, values []string) string {
	return varRE.ReplaceAllStringFunc(body, func(m string) string {
		n, err := strconv.Atoi(strings.TrimSpace(m[2 : len(m)-2]))
		if err != nil || n < 1 || n > len(values) {
			return m
		}
		return values[n-1]
	})
}

// preview is the message as the citizen reads it.
func preview(tr *Translation, body string) string {
	parts := make([]string, 0, 4)
	if tr.Header != "" {
		parts = append(parts, "*"+tr.Header+"*")
	}
	parts = append(parts, body)
	if tr.Footer != "" {
		parts = append(parts, "_"+tr.Footer+"_")
	}
	if len(tr.Buttons) > 0 {
		labels := make([]string, len(tr.Buttons))
		for i, b := range tr.Buttons {
			labels[i] = "[" + b + "]"
		}
		parts = append(parts, strings.Join(labels, " "))
	}
	return strings.Join(parts, "\n\n")
}

// Example fills the template in lang with each parameter's example, for a
// preview before sending; parameters without an example keep their {{N}}.
func (t *Template) Example(lang string) string {
	tr, ok := t.Translation(lang)
	if !ok {
		return ""
	}
	values := make([]string, len(t.Parameters))
	for i, p := range t.Parameters {
		values[i] = p.Example
		if p.Example == "" {
			values[i] = "{{" + strconv.Itoa(i+1) + "}}"
		}
	}
	return preview(tr, fill(tr.Body, values))
}

// Preview is the text a citizen reads for a template message as it goes
// on the wire (its name, language and body parameters): for the
// simulator and the history, which keep what was sent. It reports false
// for a template or language the registry does not hold.
func (r *Registry) Preview(t *whatsapp.Template) (string, bool) {
	if r == nil || t == nil {
		return "", false
	}
	tpl, ok := r.byName[t.Name]
	if !ok {
		return "", false
	}
	tr, ok := tpl.Translations[t.Language.Code]
	if !ok {
		return "", false
	}
	var values []string
	for _, c := range t.Components {
		if c.Type == "body" {
			for _, p := range c.Parameters {
				values = append(values, p.Text)
			}
		}
	}
	return preview(tr, fill(tr.Body, values)), true
}
