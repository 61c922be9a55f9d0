package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/samvad/samvad/engine/locale"
)

// textData is what a message's placeholders read: the text's own data:
// fields first, then the flow's variables, then a few built-in names.
type textData struct {
	names []string
	vals  []any
	vars  map[string]any
	c     *Contact
	// max is the number of choices on offer, for "reply 1 to {{.max}}".
	max int
	// run, key and node say where a value that cannot be formatted was
	// written, for its event.
	run       *run
	key, node string
	// item, with hasItem, is the item a list's line is written for: its
	// fields are the line's placeholders, {{.item}} the item itself.
	item    any
	hasItem bool
}

func (d *textData) Value(name string) (any, bool) {
	for i, n := range d.names {
		if n == name {
			return d.vals[i], true
		}
	}
	if d.hasItem {
		if name == "item" {
			return d.item, true
		}
		if m, ok := d.item.(map[string]any); ok {
			if v, ok := m[name]; ok {
				return v, true
			}
		}
	}
	if v, ok := d.vars[name]; ok {
		return v, true
	}
	switch name {
	case "contact_name":
		if d.c != nil {
			return d.c.Name, true
		}
	case "max":
		if d.max > 0 {
			return float64(d.max), true
		}
	}
	return nil, false
}

// FormatFailed records a value a formatter could not format as an event.
// The detail names the message and the placeholder and says what the value
// was, never the value itself (it may be something a citizen typed).
func (d *textData) FormatFailed(format, name string, v any) {
	action := "{{" + format + "}}"
	if name != "" {
		action = "{{" + format + " ." + name + "}}"
	}
	detail := fmt.Sprintf("%s %s: got %s; %s formats %s", d.key, action, describeValue(v), format, locale.Formats(format))
	d.run.event(EventFormatError, d.run.s.Flow, d.node, detail)
}

// describeValue names the kind of a value, not the value.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case string:
		return "text"
	case float64, float32, int, int64, int32:
		return "a number"
	case bool:
		return "yes/no"
	case time.Time:
		if x.IsZero() {
			return "no date (a date variable nothing was saved to)"
		}
		return "a date"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}

var (
	_ locale.Data           = (*textData)(nil)
	_ locale.FormatReporter = (*textData)(nil)
)

// render renders a text in the session's language.
func (x *run) render(t *Text, node string) string {
	if t == nil {
		return ""
	}
	m := t.byLang[x.li]
	if m == nil {
		return t.Key
	}
	if s, ok := m.Static(); ok && len(t.Data) == 0 {
		return s
	}
	x.prepareData(t, node)
	x.buf = m.AppendTo(x.buf[:0], &x.data)
	return string(x.buf)
}

// prepareData makes x.data what a text's placeholders read: its data:
// values, computed now, then the flow's variables.
func (x *run) prepareData(t *Text, node string) {
	d := &x.data
	d.names, d.vals, d.vars = d.names[:0], d.vals[:0], x.s.Vars
	d.key, d.node = t.Key, node
	d.item, d.hasItem = nil, false
	if len(t.Data) > 0 {
		env := x.expressionEnv(nil)
		for _, f := range t.Data {
			v, err := f.Expr.Run(env)
			if err != nil {
				x.event(EventExprError, x.s.Flow, node, err.Error())
				continue
			}
			d.names = append(d.names, f.Name)
			d.vals = append(d.vals, v)
		}
	}
}

// renderWith renders a text with one more value (a list's lines, the
// count of the items left out), or, with hasItem, for an item of a list.
func (x *run) renderWith(t *Text, node, name string, val any, item any, hasItem bool) string {
	m := t.byLang[x.li]
	if m == nil {
		return t.Key
	}
	x.prepareData(t, node)
	d := &x.data
	if name != "" {
		d.names = append(d.names, name)
		d.vals = append(d.vals, val)
	}
	d.item, d.hasItem = item, hasItem
	x.buf = m.AppendTo(x.buf[:0], d)
	d.item, d.hasItem = nil, false
	return string(x.buf)
}

// say sends the items of a say (or handoff, or end) node.
func (x *run) say(items []*Item, node string) {
	for _, it := range items {
		out := Output{Kind: it.Kind, Lang: x.lang}
		if it.Text != nil {
			out.Key = it.Text.Key
			out.Text = x.render(it.Text, node)
		}
		switch it.Kind {
		case OutputMedia:
			out.Media = it.Media
			if it.MediaURL != nil || it.Filename != nil {
				if out.Media = x.media(it, node); out.Media == nil {
					// Never a caption that speaks of a file not sent.
					x.sayBuiltin("common.error")
					continue
				}
			}
		case OutputLocation:
			loc := *it.Location
			loc.Name, out.Text = out.Text, ""
			out.Location = &loc
		}
		x.r.Outputs = append(x.r.Outputs, out)
	}
}

// media computes a message's file: the link or media id its expression
// gives, and its filename. It returns nil, after an event, when the
// expression gives no file.
func (x *run) media(it *Item, node string) *Media {
	m := *it.Media
	env := x.expressionEnv(nil)
	if it.MediaURL != nil {
		v, err := it.MediaURL.Run(env)
		src, _ := v.(string)
		src = strings.TrimSpace(src)
		switch {
		case err != nil:
			x.event(EventExprError, x.s.Flow, node, err.Error())
			return nil
		case src == "":
			what := describeValue(v)
			if v == "" {
				what = "empty text"
			}
			x.event(EventExprError, x.s.Flow, node, fmt.Sprintf("%s: %q gave %s, not a link or a media id", m.Kind, it.MediaURL.Source(), what))
			return nil
		case isLink(src):
			m.URL = src
		default:
			m.ID = src
		}
	}
	if it.Filename != nil {
		m.Filename = x.fillName(it.Filename, it.Data, env, node)
	}
	return &m
}

// fillName fills a name template's placeholders from data: and the
// flow's variables.
func (x *run) fillName(t *NameTemplate, data []DataField, env map[string]any, node string) string {
	var b strings.Builder
	for i, part := range t.parts {
		if i%2 == 0 {
			b.WriteString(part)
			continue
		}
		v, found := x.s.Vars[part]
		for _, d := range data {
			if d.Name == part {
				var err error
				if v, err = d.Expr.Run(env); err != nil {
					x.event(EventExprError, x.s.Flow, node, err.Error())
				}
				found = true
			}
		}
		if found {
			b.WriteString(valueText(v))
		}
	}
	return b.String()
}

// sayBuiltin sends one of the engine's own messages.
func (x *run) sayBuiltin(key string) {
	t := x.lib.builtin[key]
	x.r.Outputs = append(x.r.Outputs, Output{Kind: OutputText, Key: key, Lang: x.lang, Text: x.render(t, "")})
}

// prompt sends an ask's question, or, when override is given, another text
// (an invalid-answer message) carrying the same choices.
func (x *run) prompt(n *Node, override *Text) {
	ask := n.Ask
	t := n.Say[0].Text
	if override != nil {
		t = override
	}
	out := Output{Kind: OutputText, Key: t.Key, Lang: x.lang}
	x.data.max = 0
	choices := x.choices(ask)
	if ask.List != nil {
		choices = x.listPage(n, x.listItems(n))
	}
	if len(choices) > 0 {
		out.Choices = choices
		out.ListLabel = x.lib.builtinStatic("common.choose", x.li)
		out.Asked = ask.token
		x.data.max = len(out.Choices)
	}
	out.Text = x.render(t, n.Name)
	if ask.expects(ExpectLocation) && len(out.Choices) == 0 {
		out.Kind = OutputLocationRequest
	}
	x.r.Outputs = append(x.r.Outputs, out)
}

// builtinStatic returns a static engine message in a language.
func (lib *Library) builtinStatic(key string, li int) string {
	t := lib.builtin[key]
	if t == nil || t.byLang[li] == nil {
		return ""
	}
	s, _ := t.byLang[li].Static()
	return s
}

// choices are the options an ask offers in the session's language.
func (x *run) choices(ask *Ask) []Choice {
	if ask.expects(ExpectLanguage) {
		return x.langs.choices
	}
	if len(ask.choicesByLang) == 0 {
		return nil
	}
	return ask.choicesByLang[x.li]
}
