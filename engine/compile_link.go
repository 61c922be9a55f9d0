package engine

import (
	"hash/fnv"
	"strconv"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/locale"
	"github.com/samvad/samvad/engine/script"
)

// finish resolves what needed the whole library: message texts in every
// language, sub-flow references, menu and language choices, choice matching.
func (c *compiler) finish() {
	c.finishTexts()
	c.finishAsks()
}

func (c *compiler) finishTexts() {
	for _, t := range c.texts {
		c.lib.resolve(t, c.flow.DefaultLang)
		c.checkText(t)
	}
	for _, t := range c.lineSays {
		c.checkWritesLines(t)
	}
	for _, r := range c.flowRefs {
		if c.lib.flows[r.id] == nil {
			c.diags.Errorf(r.pos, "unknown-flow", "unknown flow %q%s", r.id, didYouMean(r.id, c.lib.flowIDs()))
		}
	}
}

func (c *compiler) finishAsks() {
	for _, node := range c.asks {
		ask := node.Ask
		ask.token = askToken(c.flow.ID, node.Name)
		switch {
		case ask.Menu:
			ask.Choices = c.menuChoices()
		case ask.expects(ExpectLanguage):
			ask.Choices = nil // built per language below
		case ask.expects(ExpectYesNo):
			ask.Choices = []*ChoiceDef{
				{ID: "yes", Label: c.lib.builtin["common.yes"], boxedID: "yes"},
				{ID: "no", Label: c.lib.builtin["common.no"], boxedID: "no"},
			}
		case ask.Optional && !ask.expects(ExpectChoice):
			ask.Choices = []*ChoiceDef{{ID: "skip", Label: c.lib.builtin["common.skip"], boxedID: "skip"}}
		}
		c.buildChoiceTables(node)
	}
}

func (c *compiler) menuChoices() []*ChoiceDef {
	var out []*ChoiceDef
	for _, f := range c.lib.menu {
		if f.Title == nil {
			c.diags.Errorf(diag.Pos{File: f.File, Line: 1, Col: 1}, "menu-title", "flow %s has a menu entry but no title:", f.ID)
			continue
		}
		out = append(out, &ChoiceDef{ID: f.ID, Label: f.Title, Flow: f.ID, boxedID: f.ID})
	}
	return out
}

// buildChoiceTables renders static choice labels per language and the table
// that matches what a citizen types to a choice.
func (c *compiler) buildChoiceTables(node *Node) {
	ask := node.Ask
	langs := c.lib.Catalog.Languages()
	ask.choicesByLang = make([][]Choice, len(langs))
	ask.match = map[string]int{}
	if ask.expects(ExpectLanguage) {
		return // the engine offers its integration's languages at run time
	}
	ask.prefixes = make([][]string, len(ask.Choices))
	if l := ask.List; l != nil {
		l.moreByLang = make([]string, len(langs))
		for li, lang := range langs {
			l.moreByLang[li] = c.staticLabel(l.More, li, lang, node)
		}
	}
	for li, lang := range langs {
		list := make([]Choice, len(ask.Choices))
		for i, ch := range ask.Choices {
			// A menu entry's title is shown in the language its flow runs in.
			labelLi := li
			if ch.Flow != "" {
				labelLi = c.lib.flows[ch.Flow].langIndex(li)
			}
			list[i] = Choice{ID: ch.ID, Label: c.staticLabel(ch.Label, labelLi, lang, node)}
			if ch.Description != nil {
				list[i].Description = c.staticLabel(ch.Description, li, nil, node)
				c.checkDescription(ch.Description, li, lang, list[i].Description, node)
			}
			ask.addMatch(script.Fold(list[i].Label), i)
		}
		ask.choicesByLang[li] = list
	}
	for i, ch := range ask.Choices {
		ask.addMatch(script.Fold(ch.ID), i)
	}
}

// addMatch records that a folded string answers choice i; a string that
// would answer two choices answers neither.
func (a *Ask) addMatch(folded string, i int) {
	if folded == "" {
		return
	}
	if prev, ok := a.match[folded]; ok && prev != i {
		a.match[folded] = -1
		return
	}
	a.match[folded] = i
	for _, p := range a.prefixes[i] {
		if p == folded {
			return
		}
	}
	a.prefixes[i] = append(a.prefixes[i], folded)
}

// staticLabel renders a label in one language (lang is nil for
// descriptions), having lint check that WhatsApp can show it.
func (c *compiler) staticLabel(t *Text, li int, lang *locale.Lang, node *Node) string {
	if t == nil || t.byLang[li] == nil {
		return ""
	}
	m := t.byLang[li]
	if !m.Text().IsStatic() {
		c.checkDynamicLabel(t)
		return m.Text().Source()
	}
	label := m.Render(nil)
	if lang != nil {
		c.checkLabelLength(t, m, lang, label, node)
	}
	return label
}

// askToken names the question of a flow's node, for Output.Asked: a hash
// of the two, so that the same question asked again (after an invalid
// answer, or on a later visit) keeps its token and an older copy of its
// buttons still answers it. The compiler sets it once per ask.
func askToken(flow, node string) string {
	h := fnv.New32a()
	h.Write([]byte(flow))
	h.Write([]byte{0})
	h.Write([]byte(node))
	return strconv.FormatUint(uint64(h.Sum32()), 36)
}
