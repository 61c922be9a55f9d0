package engine

import (
	"reflect"

	"github.com/expr-lang/expr/types"
	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/guard"
	"github.com/samvad/samvad/engine/internal/yamlx"
)

// DefaultRetries is how many invalid answers an ask tolerates before on_fail.
const DefaultRetries = 3

func (c *compiler) compileAsk(node *Node, def *yaml.Node, vals map[string]*yaml.Node) {
	ask := &Ask{Retries: DefaultRetries, Save: map[Expect]string{}}
	node.Ask = ask
	c.asks = append(c.asks, node)
	node.Say = []*Item{{Kind: OutputText, Text: c.text(vals["ask"], vals["data"], "the question")}}
	c.askExpect(ask, vals)
	if v := vals["choices"]; v != nil {
		c.askChoices(ask, v)
	}
	if v := vals["menu"]; v != nil {
		if err := v.Decode(&ask.Menu); err != nil {
			c.errorf(v, "shape", "menu must be true or false")
		}
		if ask.Menu && (len(ask.Choices) > 0 || ask.List != nil) {
			c.errorf(v, "shape", "an ask takes choices: or menu: true, not both")
		}
	}
	c.checkExpectChoices(node, def, ask)
	if v := vals["validate"]; v != nil {
		ask.Validate = c.expression(v, c.askEnv(ask), guard.BoolResult)
	}
	if v := vals["invalid"]; v != nil {
		ask.Invalid = c.text(v, nil, "invalid")
	}
	if v := vals["retries"]; v != nil {
		if err := v.Decode(&ask.Retries); err != nil || ask.Retries < 0 || ask.Retries > 10 {
			c.errorf(v, "shape", "retries is how many invalid answers to allow: a whole number from 0 to 10")
		}
	}
	ask.OnFail = Target{Kind: ToMenu}
	if v := vals["on_fail"]; v != nil {
		if yamlx.IsScalar(v) && v.Value == "fallback" {
			ask.OnFail = Target{Kind: ToFallback, Pos: c.pos(v), name: v.Value}
		} else {
			ask.OnFail = c.target(v)
		}
	}
	for _, flag := range []struct {
		key string
		dst *bool
	}{{"fallback", &ask.Fallback}, {"optional", &ask.Optional}} {
		if v := vals[flag.key]; v != nil {
			if err := v.Decode(flag.dst); err != nil {
				c.errorf(v, "shape", "%s must be true or false", flag.key)
			}
		}
	}
	if v := vals["save"]; v != nil {
		c.askSave(ask, v)
	}
	if v := vals["save_label"]; v != nil {
		if name, ok := c.str(v, "save_label"); ok {
			ask.SaveLabel = name
			c.checkVar(v, name, TypeString)
			if len(ask.Choices) == 0 && !ask.Menu && ask.List == nil && !ask.expects(ExpectLanguage) {
				c.errorf(v, "shape", "save_label saves the label of the chosen option; this ask has no choices")
			}
		}
	}
	node.Next = c.optionalTarget(vals["next"])
	if !node.Next.given() && !ask.everyChoiceLeads() {
		c.errorf(def, "dead-end", "ask %q is a dead end: give it next: (or a next: on every choice)", node.Name)
	}
}

func (a *Ask) everyChoiceLeads() bool {
	if a.Menu {
		return true
	}
	if len(a.Choices) == 0 {
		return false
	}
	for _, ch := range a.Choices {
		if !ch.Next.given() {
			return false
		}
	}
	return true
}

func (c *compiler) askExpect(ask *Ask, vals map[string]*yaml.Node) {
	v := vals["expect"]
	if v == nil {
		if vals["choices"] != nil || vals["menu"] != nil {
			ask.Expect = []Expect{ExpectChoice}
		} else {
			ask.Expect = []Expect{ExpectText}
		}
		return
	}
	for _, e := range c.strList(v, "expect") {
		x, ok := expectNames[e.Value]
		if !ok {
			c.errorf(e, "expect", "unknown answer kind %q (text, number, choice, yesno, date, pin, phone, location, image, document, media, language)", e.Value)
			continue
		}
		ask.Expect = append(ask.Expect, x)
	}
}

// checkExpectChoices makes sure choices and expect agree.
func (c *compiler) checkExpectChoices(node *Node, def *yaml.Node, ask *Ask) {
	wantsChoices := ask.expects(ExpectChoice)
	hasChoices := len(ask.Choices) > 0 || ask.Menu || ask.List != nil
	switch {
	case wantsChoices && !hasChoices:
		c.errorf(def, "no-choices", "ask %q expects a choice but lists no choices:", node.Name)
	case hasChoices && !wantsChoices:
		c.errorf(def, "shape", "ask %q lists choices but does not expect a choice", node.Name)
	case wantsChoices && len(ask.Expect) > 1:
		c.errorf(def, "shape", "ask %q: a choice cannot be combined with other answer kinds", node.Name)
	}
}

func (a *Ask) expects(e Expect) bool {
	for _, x := range a.Expect {
		if x == e {
			return true
		}
	}
	return false
}

func (c *compiler) askChoices(ask *Ask, n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		c.choiceList(ask, n)
		return
	}
	if n.Kind != yaml.SequenceNode {
		c.errorf(n, "shape", "choices is a list, or {from: a list, id:, label:}, not %s", yamlx.KindName(n))
		return
	}
	if len(n.Content) > MaxChoices {
		c.errorf(n, "too-many-choices", "%d choices: WhatsApp shows at most %d; split the question", len(n.Content), MaxChoices)
	}
	ids := map[string]bool{}
	for _, e := range n.Content {
		ch := c.choice(e)
		if ch == nil {
			continue
		}
		if ids[ch.ID] {
			c.errorf(e, "duplicate-choice", "two choices have the id %q", ch.ID)
		}
		ids[ch.ID] = true
		ch.boxedID = ch.ID
		ask.Choices = append(ask.Choices, ch)
	}
}

func (c *compiler) choice(e *yaml.Node) *ChoiceDef {
	if yamlx.IsScalar(e) {
		return &ChoiceDef{ID: defaultChoiceID(e.Value), Label: c.text(e, nil, "label")}
	}
	ch := &ChoiceDef{}
	var labelNode *yaml.Node
	c.fields(e, "a choice", map[string]func(k, v *yaml.Node){
		"id":          func(k, v *yaml.Node) { ch.ID, _ = c.str(v, "id") },
		"label":       func(k, v *yaml.Node) { labelNode = v },
		"description": func(k, v *yaml.Node) { ch.Description = c.text(v, nil, "description") },
		"next":        func(k, v *yaml.Node) { ch.Next = c.target(v) },
	})
	if labelNode == nil {
		c.errorf(e, "shape", "a choice needs label: (a message key)")
		return nil
	}
	ch.Label = c.text(labelNode, nil, "label")
	if ch.ID == "" && ch.Label != nil {
		ch.ID = defaultChoiceID(ch.Label.Key)
	}
	return ch
}

func (c *compiler) askSave(ask *Ask, v *yaml.Node) {
	if ask.List != nil && yamlx.IsScalar(v) {
		c.saveListChoice(ask, v)
		return
	}
	if yamlx.IsScalar(v) {
		for _, e := range ask.Expect {
			ask.Save[e] = v.Value
			c.checkVar(v, v.Value, e.varType())
		}
		return
	}
	if v.Kind != yaml.MappingNode {
		c.errorf(v, "shape", "save names a variable, or maps answer kinds to variables")
		return
	}
	for _, kv := range yamlx.Pairs(v) {
		e, ok := expectNames[kv[0].Value]
		if !ok || !ask.expects(e) {
			c.errorf(kv[0], "expect", "save: %q is not one of the answer kinds this ask expects", kv[0].Value)
			continue
		}
		if name, ok := c.str(kv[1], "save"); ok {
			ask.Save[e] = name
			c.checkVar(kv[1], name, e.varType())
		}
	}
}

// choiceList reads `choices: {from: vars.found.centres, id: item.code,
// label: item.name, description: item.address, more: key, empty: node}`:
// choices made at run time, one per item of a list.
func (c *compiler) choiceList(ask *Ask, n *yaml.Node) {
	l := &ChoiceList{}
	ask.List = l
	env := c.itemEnv()
	var fromNode, emptyNode, moreNode *yaml.Node
	c.fields(n, "choices from a list", map[string]func(k, v *yaml.Node){
		"from":        func(k, v *yaml.Node) { fromNode = v },
		"id":          func(k, v *yaml.Node) { l.ID = c.expression(v, env, guard.AnyResult) },
		"label":       func(k, v *yaml.Node) { l.Label = c.expression(v, env, guard.AnyResult) },
		"description": func(k, v *yaml.Node) { l.Description = c.expression(v, env, guard.AnyResult) },
		"more":        func(k, v *yaml.Node) { moreNode = v },
		"empty":       func(k, v *yaml.Node) { emptyNode = v },
	})
	if fromNode == nil {
		c.errorf(n, "shape", "choices from a list need from: (a list, such as vars.found.centres)")
	} else {
		l.From = c.listExpression(fromNode, "choices from:")
	}
	for _, need := range []struct {
		set  bool
		what string
	}{{l.ID != nil, "id"}, {l.Label != nil, "label"}} {
		if !need.set && !c.hasKey(n, need.what) {
			c.errorf(n, "shape", "choices from a list need %s: (an expression over item, such as item.%s)", need.what, need.what)
		}
	}
	if moreNode != nil {
		l.More = c.text(moreNode, nil, "the label of the next page's row")
	} else {
		l.More = c.textKey(n, defaultMoreKey, nil, "the label of the next page's row")
	}
	if emptyNode == nil {
		emptyNode = c.misspeltKey(n, "empty") // reported as an unknown key: once is enough
	}
	if emptyNode == nil {
		c.errorf(n, "shape", "choices from a list need empty: the node to go to when the list is empty")
	} else {
		l.Empty = c.target(emptyNode)
	}
}

// defaultMoreKey labels the row that shows the next page of a list.
const defaultMoreKey = "common.more"

// misspeltKey returns the value of a key that is a typo of key, if the
// mapping has one.
func (c *compiler) misspeltKey(n *yaml.Node, key string) *yaml.Node {
	for _, kv := range yamlx.Pairs(n) {
		if kv[0].Value != key && nearest(kv[0].Value, []string{key}) == key {
			return kv[1]
		}
	}
	return nil
}

// hasKey reports whether a mapping has a key (even one whose value did not
// compile, so that it is not reported missing too).
func (c *compiler) hasKey(n *yaml.Node, key string) bool {
	for _, kv := range yamlx.Pairs(n) {
		if kv[0].Value == key {
			return true
		}
	}
	return false
}

// itemEnv is the flow's environment with `item`, one item of a list.
func (c *compiler) itemEnv() types.Map {
	env := types.Map{}
	for k, v := range c.env {
		env[k] = v
	}
	env["item"] = types.Any
	return env
}

// listExpression compiles an expression that must give a list.
func (c *compiler) listExpression(n *yaml.Node, what string) *guard.Program {
	p := c.expression(n, c.env, guard.AnyResult)
	if p == nil {
		return nil
	}
	if rt := p.Type(); rt != nil && rt.Kind() != reflect.Interface && rt.Kind() != reflect.Slice && rt.Kind() != reflect.Array {
		c.errorf(n, "list-type", "%s must be a list, but %q gives %s", what, p.Source(), describeType(rt))
		return nil
	}
	return p
}

// saveListChoice checks where the answer to choices from a list goes: an
// object variable gets the chosen item, a string variable its id.
func (c *compiler) saveListChoice(ask *Ask, v *yaml.Node) {
	name := v.Value
	ask.Save[ExpectChoice] = name
	t, ok := c.flow.Vars[name]
	switch {
	case !ok:
		c.checkVar(v, name, 0)
	case t == TypeObject:
		ask.List.saveItem = true
		c.noteResult(name, nil)
	case t != TypeString:
		c.errorf(v, "var-type", "variable %q is a %s; the answer to choices from a list is the chosen item (save it to an object variable) or its id (to a string variable)", name, t)
	}
}
