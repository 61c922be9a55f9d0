package engine

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr/types"
	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/guard"
	"github.com/samvad/samvad/engine/internal/yamlx"
)

// nodeKeys lists, per kind, the keys a node of that kind may have.
var nodeKeys = map[NodeKind][]string{
	KindSay:     {"say", "data", "next", "each", "line", "more", "max_chars"},
	KindAsk:     {"ask", "data", "expect", "choices", "menu", "validate", "invalid", "retries", "on_fail", "save", "save_label", "next", "fallback", "optional"},
	KindBranch:  {"branch", "default"},
	KindSet:     {"set", "next"},
	KindCall:    {"call", "args", "save", "timeout", "next", "on", "on_error"},
	KindFlow:    {"flow", "next"},
	KindHandoff: {"handoff", "data", "queue"},
	KindEnd:     {"end", "data"},
	KindAnswer:  {"answer", "flows", "next", "on_none"},
}

func (c *compiler) compileNodes(nodesNode *yaml.Node) {
	if nodesNode.Kind != yaml.MappingNode {
		c.errorf(nodesNode, "shape", "nodes must map node names to nodes, not %s", yamlx.KindName(nodesNode))
		return
	}
	pairs := yamlx.Pairs(nodesNode)
	for _, kv := range pairs {
		name := kv[0].Value
		switch {
		case !identRE.MatchString(name):
			c.errorf(kv[0], "node-name", "node name %q must be lower case letters, digits and _ , starting with a letter", name)
		case reservedTargets[name] != ToNone:
			c.errorf(kv[0], "node-name", "%q is a reserved target (end, menu, handoff, fallback) and cannot name a node", name)
		case c.nodeDefs[name] != nil:
			c.errorf(kv[0], "duplicate-node", "node %q is defined twice", name)
		default:
			c.nodeDefs[name] = kv[1]
			c.flow.Nodes[name] = &Node{Name: name, Pos: c.pos(kv[0]), flow: c.flow}
		}
	}
	for _, kv := range pairs {
		if n := c.flow.Nodes[kv[0].Value]; n != nil && c.nodeDefs[kv[0].Value] == kv[1] {
			c.compileNode(n, kv[1])
		}
	}
}

// nodeKind finds the one key that says what a node does.
func (c *compiler) nodeKind(n *yaml.Node, def *yaml.Node) NodeKind {
	var found []NodeKind
	for _, kv := range yamlx.Pairs(def) {
		for k := KindSay; k <= KindAnswer; k++ {
			if kv[0].Value == k.String() {
				found = append(found, k)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0]
	case 0:
		c.errorf(def, "node-kind", "node %q must say what it does with one of: say, ask, branch, set, call, flow, handoff, end, answer", n.Value)
	default:
		c.errorf(def, "node-kind", "node %q has more than one of say/ask/branch/set/call/flow/handoff/end/answer; split it into nodes", n.Value)
	}
	return 0
}

func (c *compiler) compileNode(node *Node, def *yaml.Node) {
	if def.Kind != yaml.MappingNode {
		c.errorf(def, "shape", "node %q must be a mapping, not %s", node.Name, yamlx.KindName(def))
		return
	}
	node.Kind = c.nodeKind(&yaml.Node{Value: node.Name}, def)
	if node.Kind == 0 {
		return
	}
	vals := map[string]*yaml.Node{}
	known := map[string]func(k, v *yaml.Node){}
	for _, key := range nodeKeys[node.Kind] {
		key := key
		known[key] = func(k, v *yaml.Node) { vals[key] = v; vals[key+"@key"] = k }
	}
	c.fields(def, fmt.Sprintf("a %s node", node.Kind), known)
	switch node.Kind {
	case KindSay:
		node.Say = c.sayItems(vals["say"], vals["data"])
		if vals["each"] != nil || vals["line"] != nil {
			c.compileLines(node, def, vals)
		} else {
			for _, k := range []string{"more", "max_chars"} {
				if vals[k] != nil {
					c.errorf(vals[k+"@key"], "shape", "%s: is for a say that lists items (each: and line:)", k)
				}
			}
		}
		node.Next = c.requiredTarget(def, vals["next"], node, "next")
	case KindAsk:
		c.compileAsk(node, def, vals)
	case KindBranch:
		c.compileBranch(node, def, vals)
	case KindSet:
		c.compileSet(node, vals["set"])
		node.Next = c.requiredTarget(def, vals["next"], node, "next")
	case KindCall:
		c.compileCall(node, def, vals)
	case KindFlow:
		if id, ok := c.str(vals["flow"], "flow"); ok {
			node.SubFlow = id
			c.flowRefs = append(c.flowRefs, flowRef{id: id, pos: c.pos(vals["flow"])})
		}
		node.Next = c.optionalTarget(vals["next"])
	case KindHandoff:
		node.Say = c.optionalMessage(vals["handoff"], vals["data"], "common.handoff")
		if q := vals["queue"]; q != nil {
			node.Queue, _ = c.str(q, "queue")
		}
	case KindEnd:
		node.Say = c.optionalMessage(vals["end"], vals["data"], "")
	case KindAnswer:
		c.compileAnswer(node, def, vals)
	}
}

// compileAnswer reads an answer: node: the question (an expression giving
// text), flows: (the only flows the fallback may lead to), next: (after an
// answer) and on_none: (when nothing answers; default: the citizen is told
// so and shown the main menu).
func (c *compiler) compileAnswer(node *Node, def *yaml.Node, vals map[string]*yaml.Node) {
	a := &AnswerNode{}
	node.Answer = a
	if v := vals["answer"]; v != nil {
		a.Question = c.expression(v, c.env, guard.AnyResult)
		if p := a.Question; p != nil {
			if rt := p.Type(); rt != nil && rt.Kind() != reflect.Interface && rt.Kind() != reflect.String {
				c.errorf(v, "answer-type", "answer: takes the citizen's question as text (such as vars.question or input), but %q gives %s", p.Source(), describeType(rt))
			}
		}
	}
	if v := vals["flows"]; v != nil {
		a.Flows = []string{}
		if v.Kind != yaml.SequenceNode || len(v.Content) > 0 {
			for _, e := range c.strList(v, "flows") {
				a.Flows = append(a.Flows, e.Value)
				c.flowRefs = append(c.flowRefs, flowRef{id: e.Value, pos: c.pos(e)})
			}
		}
	}
	node.Next = c.requiredTarget(def, vals["next"], node, "next")
	a.OnNone = c.optionalTarget(vals["on_none"])
}

// compileLines reads a say that lists the items of a list: each: (the
// list), line: (one item's message), more: and max_chars:.
func (c *compiler) compileLines(node *Node, def *yaml.Node, vals map[string]*yaml.Node) {
	l := &LineList{MaxChars: DefaultListChars}
	node.Lines = l
	switch {
	case vals["each"] == nil:
		c.errorf(def, "shape", "say %q has line: but no each: (the list whose items it writes)", node.Name)
	case vals["line"] == nil:
		c.errorf(def, "shape", "say %q has each: but no line: (the message key of one item's line)", node.Name)
	}
	if len(node.Say) != 1 || node.Say[0].Kind != OutputText {
		c.errorf(vals["say"], "shape", "a say with each: sends one message, which writes {{.lines}} where the list goes")
	} else if t := node.Say[0].Text; t != nil {
		t.filled = append(t.filled, "lines")
		c.lineSays = append(c.lineSays, t)
	}
	if v := vals["each"]; v != nil {
		l.Each = c.listExpression(v, "each:")
	}
	if v := vals["line"]; v != nil {
		if l.Line = c.text(v, nil, "line"); l.Line != nil {
			l.Line.itemFields = true
		}
	}
	if v := vals["more"]; v != nil {
		l.More = c.text(v, nil, "more")
	} else {
		at := vals["each@key"]
		if at == nil {
			at = def
		}
		l.More = c.textKey(at, defaultMoreItemsKey, nil, "more")
	}
	if l.More != nil {
		l.More.filled = append(l.More.filled, "count")
	}
	if v := vals["max_chars"]; v != nil {
		if err := v.Decode(&l.MaxChars); err != nil || l.MaxChars < 100 || l.MaxChars > MaxListChars {
			c.errorf(v, "shape", "max_chars is the most characters the lines may take: a whole number from 100 to %d", MaxListChars)
		}
	}
}

// defaultMoreItemsKey says how many items of a list did not fit.
const defaultMoreItemsKey = "common.more_items"

// optionalMessage reads `handoff: key` or `end: key`, where the key may be
// left out (or given as true) to use a default.
func (c *compiler) optionalMessage(n, data *yaml.Node, fallbackKey string) []*Item {
	if yamlx.IsNull(n) || (n.Tag == "!!bool") {
		if fallbackKey == "" {
			return nil
		}
		return []*Item{{Kind: OutputText, Text: c.textKey(n, fallbackKey, nil, "message")}}
	}
	return c.sayItems(n, data)
}

func (c *compiler) requiredTarget(def, n *yaml.Node, node *Node, key string) Target {
	if n == nil {
		c.errorf(def, "dead-end", "node %q is a dead end: give it `%s:` (a node, or end, menu or handoff)", node.Name, key)
		return Target{}
	}
	return c.target(n)
}

func (c *compiler) optionalTarget(n *yaml.Node) Target {
	if n == nil {
		return Target{}
	}
	return c.target(n)
}

// target resolves a node name or a reserved target.
func (c *compiler) target(n *yaml.Node) Target {
	name, ok := c.str(n, "a target")
	if !ok {
		return Target{}
	}
	t := Target{Pos: c.pos(n), name: name}
	switch k := reservedTargets[name]; k {
	case ToFallback:
		c.errorf(n, "fallback-target", "only an ask's on_fail: may lead to the fallback; to answer a question here, use an answer: node")
		t.Kind = ToEnd // reported; not a dead end as well
		return t
	case ToNone:
	default:
		t.Kind = k
		return t
	}
	if node := c.flow.Nodes[name]; node != nil {
		t.Kind, t.Node = ToNode, node
		return t
	}
	c.errorf(n, "unknown-node", "unknown node %q%s", name, c.suggest(name))
	return t // Kind ToNone: the flow does not load, and lint knows the name
}

// sayItems reads what a say sends: a key, or a list of keys and media.
func (c *compiler) sayItems(n, data *yaml.Node) []*Item {
	if n == nil {
		return nil
	}
	if yamlx.IsScalar(n) {
		return []*Item{{Kind: OutputText, Text: c.text(n, data, "message")}}
	}
	if n.Kind != yaml.SequenceNode {
		c.errorf(n, "shape", "say takes a message key or a list of messages, not %s", yamlx.KindName(n))
		return nil
	}
	if data != nil {
		c.errorf(data, "shape", "with a list of messages, give each its own data:")
	}
	var items []*Item
	for _, e := range n.Content {
		if it := c.sayItem(e); it != nil {
			items = append(items, it)
		}
	}
	return items
}

func (c *compiler) sayItem(e *yaml.Node) *Item {
	if yamlx.IsScalar(e) {
		return &Item{Kind: OutputText, Text: c.text(e, nil, "message")}
	}
	vals := map[string]*yaml.Node{}
	keep := func(name string) func(k, v *yaml.Node) { return func(k, v *yaml.Node) { vals[name] = v } }
	c.fields(e, "a message", map[string]func(k, v *yaml.Node){
		"text": keep("text"), "data": keep("data"), "image": keep("image"), "document": keep("document"),
		"audio": keep("audio"), "video": keep("video"), "filename": keep("filename"), "caption": keep("caption"),
		"location": keep("location"),
	})
	for _, kind := range []string{"image", "document", "audio", "video"} {
		if v := vals[kind]; v != nil {
			return c.mediaItem(kind, v, vals)
		}
	}
	if v := vals["location"]; v != nil {
		return c.locationItem(v)
	}
	if v := vals["text"]; v != nil {
		return &Item{Kind: OutputText, Text: c.text(v, vals["data"], "message")}
	}
	c.errorf(e, "shape", "a message needs text:, image:, document:, audio:, video: or location:")
	return nil
}

// mediaItem reads an image:, document:, audio: or video: message. Its
// file is a link (https://…), or an expression (vars.cert.url) giving a
// link or a media id; its filename may have {{.name}} placeholders, filled
// like the caption's from data: and the flow's variables.
func (c *compiler) mediaItem(kind string, v *yaml.Node, vals map[string]*yaml.Node) *Item {
	it := &Item{Kind: OutputMedia, Media: &Media{Kind: kind}}
	if d := vals["data"]; d != nil {
		it.Data = c.dataFields(d, c.env)
	}
	if src, ok := c.str(v, kind); ok {
		if isLink(src) {
			it.Media.URL = src
		} else {
			it.MediaURL = c.mediaSource(kind, v, src)
		}
	}
	if f := vals["filename"]; f != nil {
		if name, ok := c.str(f, "filename"); ok {
			if strings.Contains(name, "{{") {
				it.Filename = c.nameTemplate(f, name, it.Data)
			} else {
				it.Media.Filename = name
			}
		}
	}
	if capNode := vals["caption"]; capNode != nil {
		if key, ok := c.str(capNode, "caption"); ok {
			it.Text = c.textKey(capNode, key, nil, "caption")
			it.Text.Data = it.Data
		}
	}
	return it
}

// isLink reports whether a file is given as a link rather than computed.
func isLink(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// mediaSource compiles the expression that gives a message's file.
func (c *compiler) mediaSource(kind string, n *yaml.Node, src string) *guard.Program {
	if _, err := guard.Compile(src, c.env, guard.AnyResult); err != nil {
		c.errorf(n, "media", "%s: %q is neither a link (https://…) nor an expression giving one, such as vars.certificate.url (%v)", kind, src, err)
		return nil
	}
	p := c.expression(n, c.env, guard.AnyResult)
	if p == nil {
		return nil
	}
	if rt := p.Type(); rt != nil && rt.Kind() != reflect.Interface && rt.Kind() != reflect.String {
		c.errorf(n, "media", "%s: %q gives %s; it must give a link or a media id (text)", kind, src, describeType(rt))
		return nil
	}
	return p
}

// nameTemplate compiles a filename with {{.name}} placeholders, each a
// data: field or a variable of the flow.
func (c *compiler) nameTemplate(n *yaml.Node, src string, data []DataField) *NameTemplate {
	t := &NameTemplate{}
	rest := src
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.parts = append(t.parts, rest)
			return t
		}
		j := strings.Index(rest[i:], "}}")
		name, ok := "", j > 0
		if ok {
			name, ok = strings.CutPrefix(strings.TrimSpace(rest[i+2:i+j]), ".")
			ok = ok && identRE.MatchString(name)
		}
		if !ok {
			c.errorf(n, "filename", "filename %q: placeholders are written {{.name}}, a data: field or a variable", src)
			return nil
		}
		if _, isVar := c.flow.Vars[name]; !isVar && !hasField(data, name) {
			c.errorf(n, "unknown-placeholder", "filename %q uses {{.%s}}, which is not a variable of flow %s nor in data:", src, name, c.flow.ID)
		}
		t.parts = append(t.parts, rest[:i], name)
		rest = rest[i+j+2:]
	}
}

func hasField(data []DataField, name string) bool {
	for _, d := range data {
		if d.Name == name {
			return true
		}
	}
	return false
}

func (c *compiler) locationItem(v *yaml.Node) *Item {
	loc := &Location{}
	var nameKey *yaml.Node
	c.fields(v, "a location", map[string]func(k, v *yaml.Node){
		"latitude":  func(k, v *yaml.Node) { c.float(v, &loc.Latitude, -90, 90, "latitude") },
		"longitude": func(k, v *yaml.Node) { c.float(v, &loc.Longitude, -180, 180, "longitude") },
		"name":      func(k, v *yaml.Node) { nameKey = v },
		"address":   func(k, v *yaml.Node) { loc.Address, _ = c.str(v, "address") },
	})
	it := &Item{Kind: OutputLocation, Location: loc}
	if nameKey != nil {
		it.Text = c.text(nameKey, nil, "location name")
	}
	return it
}

// text reads a message key (and optional data) and resolves it in every
// language through the fallback chain.
func (c *compiler) text(keyNode, data *yaml.Node, what string) *Text {
	key, ok := c.str(keyNode, what)
	if !ok {
		return nil
	}
	return c.textKey(keyNode, key, data, what)
}

func (c *compiler) textKey(keyNode *yaml.Node, key string, data *yaml.Node, what string) *Text {
	t := &Text{Key: key, Pos: c.pos(keyNode)}
	if data != nil {
		t.Data = c.dataFields(data, c.env)
	}
	c.texts = append(c.texts, t)
	return t
}

func (c *compiler) dataFields(n *yaml.Node, env types.Map) []DataField {
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "shape", "data maps template names to expressions, not %s", yamlx.KindName(n))
		return nil
	}
	var out []DataField
	for _, kv := range yamlx.Pairs(n) {
		if p := c.expression(kv[1], env, guard.AnyResult); p != nil {
			out = append(out, DataField{Name: kv[0].Value, Expr: p})
		}
	}
	return out
}

func (c *compiler) compileBranch(node *Node, def *yaml.Node, vals map[string]*yaml.Node) {
	list := vals["branch"]
	if list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		c.errorf(list, "shape", "branch takes a list of {when, next}")
	} else {
		for _, e := range list.Content {
			cs := Case{Pos: c.pos(e)}
			var whenNode, nextNode *yaml.Node
			c.fields(e, "a branch case", map[string]func(k, v *yaml.Node){
				"when": func(k, v *yaml.Node) { whenNode = v },
				"next": func(k, v *yaml.Node) { nextNode = v },
			})
			if whenNode == nil || nextNode == nil {
				c.errorf(e, "shape", "each branch case needs when: and next:")
				continue
			}
			cs.When = c.expression(whenNode, c.env, guard.BoolResult)
			cs.Next = c.target(nextNode)
			node.Cases = append(node.Cases, cs)
		}
	}
	if vals["default"] == nil {
		c.errorf(def, "no-default", "branch %q needs a default: where to go when no case is true", node.Name)
		return
	}
	node.Default = c.target(vals["default"])
}

func (c *compiler) compileSet(node *Node, n *yaml.Node) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		c.errorf(n, "shape", "set maps variable names to expressions")
		return
	}
	for _, kv := range yamlx.Pairs(n) {
		name := kv[0].Value
		c.noteResult(name, nil)
		t, declared := c.flow.Vars[name]
		if !declared {
			c.checkVar(kv[0], name, 0)
			continue
		}
		p := c.expression(kv[1], c.env, guard.AnyResult)
		if p == nil {
			continue
		}
		if !assignable(p.Type(), t) {
			c.errorf(kv[1], "var-type", "variable %q is a %s, but %q gives %v", name, t, p.Source(), p.Type())
			continue
		}
		node.Assign = append(node.Assign, Assignment{Var: name, Expr: p})
	}
}

// assignable checks an expression's static type against a variable's type;
// an unknown static type is checked at run time instead.
func assignable(rt reflect.Type, t VarType) bool {
	if rt == nil || rt.Kind() == reflect.Interface {
		return true
	}
	switch t {
	case TypeString:
		return rt.Kind() == reflect.String
	case TypeNumber, TypeMoney:
		switch rt.Kind() {
		case reflect.Float64, reflect.Float32, reflect.Int, reflect.Int64, reflect.Int32:
			return true
		}
		return false
	case TypeBool:
		return rt.Kind() == reflect.Bool
	case TypeDate:
		return rt == reflect.TypeOf(time.Time{})
	case TypeList:
		return rt.Kind() == reflect.Slice
	}
	return rt.Kind() == reflect.Map
}

func (c *compiler) compileCall(node *Node, def *yaml.Node, vals map[string]*yaml.Node) {
	call := &Call{Timeout: DefaultCallTimeout}
	node.Call = call
	call.Service, _ = c.str(vals["call"], "call")
	if a := vals["args"]; a != nil {
		call.Args = c.dataFields(a, c.env)
	}
	op := c.checkCall(call, vals)
	if s := vals["save"]; s != nil {
		if name, ok := c.str(s, "save"); ok {
			call.Save = name
			c.checkVar(s, name, TypeObject)
			c.noteResult(name, op)
		}
	}
	if t := vals["timeout"]; t != nil {
		if d, ok := c.duration(t, "timeout"); ok {
			if d > MaxCallTimeout {
				c.errorf(t, "duration", "timeout %v is longer than the %v a citizen can be kept waiting", d, MaxCallTimeout)
			}
			call.Timeout = d
		}
	}
	node.Next = c.requiredTarget(def, vals["next"], node, "next")
	if on := vals["on"]; on != nil {
		c.compileOutcomes(call, op, on)
	}
	call.OnError = c.requiredTarget(def, vals["on_error"], node, "on_error")
}

// compileOutcomes reads a call's `on: {outcome: node}`. With the
// deployment's operations known, each outcome must be one the operation
// declares.
func (c *compiler) compileOutcomes(call *Call, op *Operation, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "shape", "on maps an outcome of the call to the node it leads to, such as {not_found: no_office}, not %s", yamlx.KindName(n))
		return
	}
	for _, kv := range yamlx.Pairs(n) {
		name := kv[0].Value
		t := c.target(kv[1])
		switch {
		case name == "ok":
			// Kept, so that the node it names is not also unreached.
			c.errorf(kv[0], "unknown-outcome", "ok is where next: leads; on: names the other outcomes")
		case op != nil && !contains(op.Outcomes, name):
			c.errorf(kv[0], "unknown-outcome", "%s has no outcome %q (%s)%s", op.Name, name, outcomeList(op.Outcomes), didYouMean(name, op.Outcomes))
		}
		call.On = append(call.On, OutcomeTarget{Outcome: name, Next: t})
	}
}

func outcomeList(outcomes []string) string {
	if len(outcomes) == 0 {
		return "it declares none besides ok"
	}
	return "its outcomes besides ok: " + strings.Join(outcomes, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// defaultChoiceID derives an id from a label key: grievance.cat.water → water.
func defaultChoiceID(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}
