package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/expr-lang/expr/types"
	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/internal/yamlx"
	"github.com/samvad/samvad/engine/locale"
)

// compiler turns one flow file into a Flow, collecting every problem.
type compiler struct {
	file  string
	lib   *Library
	diags diag.List
	flow  *Flow
	// env is the typed expression environment of the flow (without `answer`).
	env types.Map
	// nodeDefs are the node mappings by name, read before any node compiles so
	// that targets can point forward.
	nodeDefs map[string]*yaml.Node
	// texts and flowRefs are resolved once every flow of the library is known.
	texts    []*Text
	flowRefs []flowRef
	// lineSays are the messages of says with each:, which must write
	// {{.lines}}.
	lineSays []*Text
	asks     []*Node
	// unknownStart is a start: naming a node the flow does not have.
	unknownStart Target
	// checkOps is set when calls are checked against the deployment's
	// operations; exprs then keeps every compiled expression, for the
	// check of the result fields they read (lint_operations.go).
	checkOps bool
	exprs    []compiledExpr
	// resultWriters says, per object variable, which operations save into
	// it (nil in the slice: something whose fields are not known).
	resultWriters map[string][]*Operation
}

// flowRef is a `flow:` node's reference to another flow.
type flowRef struct {
	id  string
	pos diag.Pos
}

var (
	identRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	flowIDRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// reserved targets a `next:` may name besides the flow's own nodes.
var reservedTargets = map[string]TargetKind{"end": ToEnd, "menu": ToMenu, "handoff": ToHandoff, "fallback": ToFallback}

// compileFlow compiles a flow file's content. The texts and references it
// holds are resolved by finish, once every flow of the library is known.
func compileFlow(lib *Library, file string, content []byte, checkOps bool) *compiler {
	c := &compiler{file: file, lib: lib, nodeDefs: map[string]*yaml.Node{}, checkOps: checkOps,
		resultWriters: map[string][]*Operation{}}
	sum := sha256.Sum256(content)
	c.flow = &Flow{File: file, Version: hex.EncodeToString(sum[:6]), Nodes: map[string]*Node{},
		Vars: map[string]VarType{}, DefaultLang: "en", Keywords: map[string][]string{}, Source: content}
	root, d := yamlx.Parse(file, content)
	if d != nil {
		c.diags.Add(*d)
		return c
	}
	c.compileRoot(root)
	return c
}

func (c *compiler) compileRoot(root *yaml.Node) {
	var startNode, nodesNode, varsNode, triggersNode, titleNode, languagesNode *yaml.Node
	c.fields(root, "a flow file", map[string]func(k, v *yaml.Node){
		"flow": func(k, v *yaml.Node) {
			if id, ok := c.str(v, "flow"); ok {
				if !flowIDRE.MatchString(id) {
					c.errorf(v, "flow-id", "flow id %q must be lower case letters, digits and _ , starting with a letter", id)
				}
				c.flow.ID = id
			}
		},
		"title":       func(k, v *yaml.Node) { titleNode = v },
		"description": func(k, v *yaml.Node) {},
		"default_language": func(k, v *yaml.Node) {
			if lang, ok := c.str(v, "default_language"); ok {
				if _, known := c.lib.Catalog.Lang(lang); !known {
					c.errorf(v, "unknown-language", "default_language %q has no locale file", lang)
				}
				c.flow.DefaultLang = lang
			}
		},
		"languages": func(k, v *yaml.Node) { languagesNode = v },
		"vars":      func(k, v *yaml.Node) { varsNode = v },
		"triggers":  func(k, v *yaml.Node) { triggersNode = v },
		"start":     func(k, v *yaml.Node) { startNode = v },
		"nodes":     func(k, v *yaml.Node) { nodesNode = v },
	})
	if c.flow.ID == "" {
		c.errorf(root, "flow-id", "a flow file needs `flow: <id>`")
	}
	if languagesNode != nil {
		c.compileLanguages(languagesNode)
	}
	if varsNode != nil {
		c.compileVars(varsNode)
	}
	c.env = c.baseEnv()
	if titleNode != nil {
		c.flow.Title = c.text(titleNode, nil, "title")
	}
	if nodesNode == nil || len(yamlx.Pairs(nodesNode)) == 0 {
		c.errorf(root, "no-nodes", "flow %q has no nodes", c.flow.ID)
		return
	}
	c.compileNodes(nodesNode)
	c.checkResultFields()
	c.compileStart(startNode, nodesNode)
	if triggersNode != nil {
		c.compileTriggers(triggersNode)
	}
	c.checkGraph()
}

// compileLanguages reads the languages a flow offers, and works out, for
// every language, the one the flow runs in: the citizen's own when the
// flow offers it, else the first of the flow's default_language and
// English that it offers, else the first it lists (of those the
// deployment enables).
func (c *compiler) compileLanguages(n *yaml.Node) {
	f := c.flow
	f.Languages = []string{}
	for _, v := range c.strList(n, "languages") {
		switch _, known := c.lib.Catalog.Lang(v.Value); {
		case !known:
			c.errorf(v, "unknown-language", "languages: %q has no locale file", v.Value)
		case f.Offers(v.Value):
			c.errorf(v, "duplicate-language", "languages: %s is listed twice", v.Value)
		default:
			f.Languages = append(f.Languages, v.Value)
		}
	}
	var enabled []string
	for _, code := range f.Languages {
		if c.lib.enabled(code) {
			enabled = append(enabled, code)
		}
	}
	if len(enabled) == 0 {
		c.errorf(n, "no-language", "flow %s offers %s, and none of them is enabled (%s)", f.ID, orNothing(f.Languages), joinCodes(c.lib.Languages))
		return
	}
	langs := c.lib.Catalog.Languages()
	f.langFor = make([]int, len(langs))
	for i, l := range langs {
		f.langFor[i] = c.lib.langIndex(enabled[0])
		for _, code := range []string{l.Code, f.DefaultLang, locale.Base} {
			if f.Offers(code) && c.lib.enabled(code) {
				f.langFor[i] = c.lib.langIndex(code)
				break
			}
		}
	}
}

func orNothing(codes []string) string {
	if len(codes) == 0 {
		return "no language"
	}
	return strings.Join(codes, ", ")
}

func (c *compiler) compileVars(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "shape", "vars must map variable names to types, not %s", yamlx.KindName(n))
		return
	}
	for _, kv := range yamlx.Pairs(n) {
		name := kv[0].Value
		if !identRE.MatchString(name) {
			c.errorf(kv[0], "var-name", "variable name %q must be lower case letters, digits and _ , starting with a letter", name)
			continue
		}
		tname, ok := c.str(kv[1], "a variable's type")
		if !ok {
			continue
		}
		t, known := varTypeNames[tname]
		if !known {
			c.errorf(kv[1], "var-type", "unknown type %q for variable %s (types: string, number, money, bool, date, location, attachment, object, list)", tname, name)
			continue
		}
		c.flow.Vars[name] = t
		c.flow.varOrder = append(c.flow.varOrder, name)
	}
}

func (c *compiler) compileStart(startNode, nodesNode *yaml.Node) {
	if startNode == nil {
		first := yamlx.Pairs(nodesNode)[0][0].Value
		c.flow.Start = c.flow.Nodes[first]
		return
	}
	name, ok := c.str(startNode, "start")
	if !ok {
		return
	}
	if n := c.flow.Nodes[name]; n != nil {
		c.flow.Start = n
		return
	}
	c.errorf(startNode, "unknown-node", "start names node %q, which the flow does not have%s", name, c.suggest(name))
	c.unknownStart = Target{Pos: c.pos(startNode), name: name}
}

func (c *compiler) compileTriggers(n *yaml.Node) {
	c.fields(n, "triggers", map[string]func(k, v *yaml.Node){
		"keywords": func(k, v *yaml.Node) { c.compileKeywords(v) },
		"menu": func(k, v *yaml.Node) {
			var order int
			if err := v.Decode(&order); err != nil || order < 1 {
				c.errorf(v, "menu-order", "menu is the flow's position in the main menu: a whole number from 1")
				return
			}
			c.flow.Menu = order
		},
		"patterns": func(k, v *yaml.Node) { c.compilePatterns(v) },
	})
}

func (c *compiler) compileKeywords(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "shape", "keywords map a language to a list of words, not %s", yamlx.KindName(n))
		return
	}
	for _, kv := range yamlx.Pairs(n) {
		lang := kv[0].Value
		if _, ok := c.lib.Catalog.Lang(lang); !ok {
			c.errorf(kv[0], "unknown-language", "keywords for %q, which has no locale file", lang)
		}
		for _, w := range c.strList(kv[1], "keywords") {
			c.flow.Keywords[lang] = append(c.flow.Keywords[lang], w.Value)
		}
	}
}

func (c *compiler) compilePatterns(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		c.errorf(n, "shape", "patterns must be a list of {match, save}, not %s", yamlx.KindName(n))
		return
	}
	for _, e := range n.Content {
		p := &Pattern{}
		var matchNode *yaml.Node
		c.fields(e, "a pattern", map[string]func(k, v *yaml.Node){
			"match": func(k, v *yaml.Node) { matchNode = v },
			"save": func(k, v *yaml.Node) {
				if name, ok := c.str(v, "save"); ok {
					p.Save = name
					c.checkVar(v, name, TypeString)
				}
			},
		})
		if matchNode == nil {
			c.errorf(e, "pattern", "a pattern needs `match:` (a regular expression)")
			continue
		}
		src, ok := c.str(matchNode, "match")
		if !ok {
			continue
		}
		re, err := regexp.Compile(src)
		if err != nil {
			c.errorf(matchNode, "pattern", "not a valid regular expression: %v", err)
			continue
		}
		p.Re = re
		c.flow.Patterns = append(c.flow.Patterns, p)
	}
}

// checkVar reports a variable that is not declared or has another type.
func (c *compiler) checkVar(n *yaml.Node, name string, want VarType) {
	got, ok := c.flow.Vars[name]
	switch {
	case !ok:
		c.errorf(n, "unknown-var", "variable %q is not declared under vars:%s", name, c.suggestVar(name))
	case want != 0 && got != want && !(got == TypeMoney && want == TypeNumber) && !(got == TypeNumber && want == TypeMoney):
		c.errorf(n, "var-type", "variable %q is declared as %s but gets a %s here", name, got, want)
	}
}

// suggest proposes the nearest node name for a typo.
func (c *compiler) suggest(name string) string {
	return didYouMeanThis(c.nearestNode(name))
}

// nearestNode is the node name a typo most likely meant, or "".
func (c *compiler) nearestNode(name string) string {
	names := make([]string, 0, len(c.nodeDefs))
	for n := range c.nodeDefs {
		names = append(names, n)
	}
	return nearest(name, names)
}

func (c *compiler) suggestVar(name string) string {
	names := make([]string, 0, len(c.flow.Vars))
	for n := range c.flow.Vars {
		names = append(names, n)
	}
	return didYouMean(name, names)
}

// didYouMean proposes the candidate nearest to a typo, as the end of a
// sentence; "" when none is near.
func didYouMean(name string, candidates []string) string {
	return didYouMeanThis(nearest(name, candidates))
}

func didYouMeanThis(best string) string {
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// nearest returns the candidate fewer than three edits from name, or "".
func nearest(name string, candidates []string) string { return diag.Nearest(name, candidates) }
