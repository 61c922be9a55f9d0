package engine

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/locale"
	"github.com/samvad/samvad/engine/script"
)

// builtinData are template names every message may use besides the flow's
// variables and its own data: fields.
var builtinData = map[string]bool{"contact_name": true, "max": true}

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
	for _, r := range c.flowRefs {
		if c.lib.flows[r.id] == nil {
			c.diags.Errorf(r.pos, "unknown-flow", "unknown flow %q%s", r.id, didYouMean(r.id, c.lib.flowIDs()))
		}
	}
}

func (lib *Library) flowIDs() []string {
	ids := make([]string, 0, len(lib.flows))
	for id := range lib.flows {
		ids = append(ids, id)
	}
	return ids
}

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
		if cat.Lookup(lang.Code, t.Key) == nil && c.lib.firstReport(lang.Code+"\x00"+t.Key) {
			shown := t.byLang[lang.Index]
			c.diags.Errorf(t.Pos, "missing-translation", "message %q has no %s text in %s (citizens would see %s)",
				t.Key, lang.Code, lang.File, fallbackName(shown))
		}
	}
	allowed := map[string]bool{}
	for _, d := range t.Data {
		allowed[d.Name] = true
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
	for li, lang := range langs {
		list := make([]Choice, len(ask.Choices))
		for i, ch := range ask.Choices {
			list[i] = Choice{ID: ch.ID, Label: c.staticLabel(ch.Label, li, lang, node)}
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

// staticLabel renders a label in one language, reporting one that WhatsApp
// would not show in full (lang is nil for descriptions, which are not limited here).
func (c *compiler) staticLabel(t *Text, li int, lang *locale.Lang, node *Node) string {
	if t == nil || t.byLang[li] == nil {
		return ""
	}
	m := t.byLang[li]
	if !m.Text().IsStatic() {
		if c.lib.firstReport("dyn\x00" + t.Key) {
			c.diags.Errorf(t.Pos, "dynamic-label", "choice label %q uses placeholders; labels must be fixed texts", t.Key)
		}
		return m.Text().Source()
	}
	label := m.Render(nil)
	if lang != nil && c.lib.enabled(lang.Code) && m.Lang == lang && labelLen(label) > MaxChoiceLabel &&
		c.lib.firstReport("len\x00"+lang.Code+"\x00"+t.Key) {
		c.diags.Errorf(m.Pos, "label-too-long", "choice label %q is %d characters in %s (%q); WhatsApp buttons show at most %d (used by %s in %s)",
			t.Key, labelLen(label), lang.Code, label, MaxChoiceLabel, node.Name, c.file)
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

// checkDescription warns of a choice description longer than a list row
// shows: WhatsApp would refuse the list, so the renderer falls back to a
// numbered text menu for the whole question.
func (c *compiler) checkDescription(t *Text, li int, lang *locale.Lang, text string, node *Node) {
	m := t.byLang[li]
	if m == nil || m.Lang != lang || !c.lib.enabled(lang.Code) || labelLen(text) <= MaxChoiceDescription ||
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

// checkGraph reports nodes the start never reaches and loops in which the
// citizen is never asked anything (they would spin until the step limit).
func (c *compiler) checkGraph() {
	if c.flow.Start == nil {
		return
	}
	seen := map[*Node]bool{}
	var visit func(n *Node)
	visit = func(n *Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		for _, t := range n.targets() {
			visit(t.Node)
		}
	}
	visit(c.flow.Start)
	for _, name := range sortedNodeNames(c.flow) {
		n := c.flow.Nodes[name]
		if !seen[n] && n.Kind != 0 {
			c.diags.Errorf(n.Pos, "unreachable", "node %q is never reached from the start (%s)", name, c.flow.Start.Name)
		}
	}
	c.checkLoops()
}

// targets lists every transition out of a node.
func (n *Node) targets() []Target {
	out := []Target{n.Next, n.Default}
	for _, cs := range n.Cases {
		out = append(out, cs.Next)
	}
	if n.Ask != nil {
		out = append(out, n.Ask.OnFail)
		for _, ch := range n.Ask.Choices {
			out = append(out, ch.Next)
		}
	}
	if n.Call != nil {
		out = append(out, n.Call.OnError)
	}
	return out
}

func sortedNodeNames(f *Flow) []string {
	names := make([]string, 0, len(f.Nodes))
	for name := range f.Nodes {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := f.Nodes[names[i]].Pos, f.Nodes[names[j]].Pos
		return a.Line < b.Line || (a.Line == b.Line && names[i] < names[j])
	})
	return names
}

// checkLoops finds cycles among nodes that never wait for the citizen.
func (c *compiler) checkLoops() {
	const (
		white = iota
		grey
		black
	)
	color := map[*Node]int{}
	var stack []*Node
	var visit func(n *Node) bool
	visit = func(n *Node) bool {
		color[n] = grey
		stack = append(stack, n)
		for _, t := range n.targets() {
			next := t.Node
			if next == nil || next.Kind == KindAsk || next.Kind == KindHandoff {
				continue
			}
			if color[next] == grey {
				c.reportLoop(stack, next)
				return true
			}
			if color[next] == white && visit(next) {
				return true
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return false
	}
	for _, name := range sortedNodeNames(c.flow) {
		n := c.flow.Nodes[name]
		if color[n] == white && n.Kind != KindAsk && n.Kind != 0 {
			if visit(n) {
				return
			}
		}
	}
}

func (c *compiler) reportLoop(stack []*Node, back *Node) {
	var names []string
	start := 0
	for i, n := range stack {
		if n == back {
			start = i
		}
	}
	for _, n := range stack[start:] {
		names = append(names, n.Name)
	}
	names = append(names, back.Name)
	c.diags.Errorf(back.Pos, "loop", "these nodes loop without asking the citizen anything: %s", strings.Join(names, " → "))
}

// String describes a library for logs.
func (lib *Library) String() string {
	return fmt.Sprintf("%d flows, %s, languages %s", len(lib.flows), lib.Catalog, joinCodes(lib.Languages))
}
