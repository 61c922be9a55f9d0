package engine

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/guard"
	"github.com/samvad/samvad/engine/script"
)

// Lists at run time: choices made from a list (an ask's `choices: {from:
// …}`), the centres, slots or offices a call returned, one choice per
// item; and a message that lists items (a say's `each:`), a dues breakup,
// the hospitals of a district.

// The limits a choice made from a list is clipped to: a WhatsApp list row
// shows a title of 24 characters and a description of 72.
const (
	MaxRowLabel = 24
	// pageRows is how many items a page shows before its "more" row, when
	// the list does not fit in MaxChoices rows.
	pageRows = MaxChoices - 1
)

// moreChoiceID is the id of the row that shows the next page; an item's
// own id is never taken for it.
const moreChoiceID = "_more"

// listItems evaluates the list an ask's choices come from. A list that
// cannot be read is an expression_error event, and counts as empty.
func (x *run) listItems(n *Node) []any {
	v, err := n.Ask.List.From.Run(x.expressionEnv(nil))
	if err != nil {
		x.event(EventExprError, x.flow.ID, n.Name, err.Error())
		return nil
	}
	switch items := v.(type) {
	case []any:
		return items
	case nil:
		return nil
	}
	x.event(EventExprError, x.flow.ID, n.Name, fmt.Sprintf("choices from %q: a %s, not a list", n.Ask.List.From.Source(), describeValue(v)))
	return nil
}

// itemChoice computes an item's choice: its id (its position from 1 when
// the id is empty), and its label and description in full.
func (x *run) itemChoice(n *Node, item any, i int) Choice {
	l := n.Ask.List
	env := x.expressionEnv(nil)
	env["item"] = item
	ch := Choice{ID: x.itemText(n, l.ID, env), Label: x.itemText(n, l.Label, env),
		Description: x.itemText(n, l.Description, env)}
	if ch.ID == "" || ch.ID == moreChoiceID {
		ch.ID = strconv.Itoa(i + 1)
	}
	return ch
}

func (x *run) itemText(n *Node, p *guard.Program, env map[string]any) string {
	if p == nil {
		return ""
	}
	v, err := p.Run(env)
	if err != nil {
		x.event(EventExprError, x.flow.ID, n.Name, err.Error())
		return ""
	}
	return valueText(v)
}

// valueText writes a value a choice shows: text as it is, numbers without
// a needless ".0".
func valueText(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// pageBounds are the items the session's page shows, [start, end), and
// whether a "more" row follows them. A page out of range (the list has
// shrunk) is the first.
func (x *run) pageBounds(total int) (start, end int, more bool) {
	if total <= MaxChoices {
		x.s.Page = 0
		return 0, total, false
	}
	start = x.s.Page * pageRows
	if start >= total {
		x.s.Page, start = 0, 0
	}
	if total-start <= MaxChoices {
		return start, total, false
	}
	return start, start + pageRows, true
}

// listPage is the choices the ask shows now: the page's items, labels
// clipped to what a list row shows (never inside a syllable), and the
// "more" row when the list goes on.
func (x *run) listPage(n *Node, items []any) []Choice {
	start, end, more := x.pageBounds(len(items))
	page := make([]Choice, 0, end-start+1)
	for i := start; i < end; i++ {
		ch := x.itemChoice(n, items[i], i)
		ch.Label = script.Clip(ch.Label, MaxRowLabel)
		ch.Description = script.Clip(ch.Description, MaxChoiceDescription)
		page = append(page, ch)
	}
	if more {
		page = append(page, Choice{ID: moreChoiceID, Label: n.Ask.List.moreByLang[x.li]})
	}
	return page
}

// matchListItem finds the item the input chooses: a tapped row by its id
// (of any page), a number of the page on show in any digit system, an
// item's label or id typed in full, or the unambiguous beginning of a
// label. more reports the "more" row. It returns -1 when nothing matches.
func (x *run) matchListItem(n *Node, items []any) (index int, more bool) {
	in := x.in
	if in.Kind == InputChoice && in.ChoiceID == moreChoiceID {
		return -1, true
	}
	if in.Kind != InputText && in.Kind != InputChoice {
		return -1, false
	}
	choices := make([]Choice, len(items))
	for i, item := range items {
		choices[i] = x.itemChoice(n, item, i)
	}
	if in.Kind == InputChoice {
		for i, ch := range choices {
			if ch.ID == in.ChoiceID {
				return i, false
			}
		}
	}
	if k, ok := script.ParseInt(x.text); ok {
		start, end, hasMore := x.pageBounds(len(items))
		switch {
		case k >= 1 && k <= end-start:
			return start + k - 1, false
		case hasMore && k == end-start+1:
			return -1, true
		}
		return -1, false
	}
	folded := script.Fold(x.text)
	if folded == "" {
		return -1, false
	}
	if folded == script.Fold(n.Ask.List.moreByLang[x.li]) {
		return -1, true
	}
	found := -1
	for i, ch := range choices {
		if script.Fold(ch.Label) == folded || script.Fold(ch.ID) == folded {
			if found >= 0 {
				return -1, false // two items answer to it
			}
			found = i
		}
	}
	if found >= 0 || len([]rune(folded)) < 3 {
		return found, false
	}
	for i, ch := range choices {
		if strings.HasPrefix(script.Fold(ch.Label), folded) {
			if found >= 0 {
				return -1, false
			}
			found = i
		}
	}
	return found, false
}

// answerList handles the answer to choices made from a list.
func (x *run) answerList(n *Node) {
	ask := n.Ask
	items := x.listItems(n)
	if len(items) == 0 {
		// The list was emptied since the question was asked.
		x.s.Page = 0
		x.runFrom(x.follow(ask.List.Empty))
		return
	}
	i, more := x.matchListItem(n, items)
	if more {
		x.s.Page++
		x.prompt(n, nil) // the next page is not an invalid answer
		return
	}
	if i < 0 {
		x.invalid(n)
		return
	}
	ch := x.itemChoice(n, items[i], i)
	val := any(ch.ID)
	if ask.List.saveItem {
		val = items[i]
	}
	if !x.validAnswer(n, val) {
		x.invalid(n)
		return
	}
	if name := ask.Save[ExpectChoice]; name != "" {
		x.s.Vars[name] = val
	}
	if ask.SaveLabel != "" {
		x.s.Vars[ask.SaveLabel] = ch.Label
	}
	x.s.Retries, x.s.Page = 0, 0
	x.runFrom(x.follow(n.Next))
}

// sayLines sends a say's message with the lines of a list where it writes
// {{.lines}}: one line per item while they fit in MaxChars characters,
// then a line that counts the rest. A first line longer than the budget
// is clipped, never inside a syllable.
func (x *run) sayLines(n *Node) {
	l := n.Lines
	var items []any
	if v, err := l.Each.Run(x.expressionEnv(nil)); err != nil {
		x.event(EventExprError, x.flow.ID, n.Name, err.Error())
	} else if list, ok := v.([]any); ok {
		items = list
	} else if v != nil {
		x.event(EventExprError, x.flow.ID, n.Name, fmt.Sprintf("each: %q gave %s, not a list", l.Each.Source(), describeValue(v)))
	}
	var b strings.Builder
	used, shown := 0, 0
	for _, item := range items {
		line := x.renderWith(l.Line, n.Name, "", nil, item, true)
		size := utf8.RuneCountInString(line)
		if shown > 0 {
			size++ // the line break
		}
		if used+size > l.MaxChars {
			if shown > 0 {
				break
			}
			line = script.Clip(line, l.MaxChars)
			size = utf8.RuneCountInString(line)
		}
		if shown > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
		used += size
		shown++
	}
	if rest := len(items) - shown; rest > 0 {
		b.WriteByte('\n')
		b.WriteString(x.renderWith(l.More, n.Name, "count", float64(rest), nil, false))
	}
	t := n.Say[0].Text
	x.r.Outputs = append(x.r.Outputs, Output{Kind: OutputText, Key: t.Key, Lang: x.lang,
		Text: x.renderWith(t, n.Name, "lines", b.String(), nil, false)})
}
