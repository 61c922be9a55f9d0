package engine

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/guard"
	"github.com/samvad/samvad/engine/internal/yamlx"
)

// The checks of `call` nodes against the operations a deployment declares
// (LoadOptions.Operations). Without them nothing here runs: a flow is then
// checked as far as it can be on its own.

// checkCall checks a call node's operation and arguments. It returns the
// operation, or nil when it is not known.
func (c *compiler) checkCall(call *Call, vals map[string]*yaml.Node) *Operation {
	if !c.checkOps || call.Service == "" {
		return nil
	}
	op, ok := c.lib.ops[call.Service]
	if !ok {
		c.errorf(vals["call"], "unknown-operation", "no operation %q is declared%s", call.Service, c.suggestOperation(call.Service))
		return nil
	}
	given := map[string]*yaml.Node{}
	if a := vals["args"]; a != nil && a.Kind == yaml.MappingNode {
		for _, kv := range yamlx.Pairs(a) {
			given[kv[0].Value] = kv[0]
		}
	}
	declared := map[string]OperationArg{}
	for _, a := range op.Args {
		declared[a.Name] = a
	}
	// A misspelt argument is one problem: the argument it was meant to be
	// is not reported missing as well.
	meant := map[string]bool{}
	for _, name := range sortedKeys(given) {
		if _, ok := declared[name]; !ok {
			near := nearest(name, argNames(op.Args))
			meant[near] = true
			c.errorf(given[name], "unknown-arg", "%s takes no argument %q (%s)%s", op.Name, name, argList(op.Args), didYouMeanThis(near))
		}
	}
	for _, a := range op.Args {
		if _, ok := given[a.Name]; !ok && !a.Optional && !meant[a.Name] {
			at := vals["args"]
			if at == nil {
				at = vals["call"]
			}
			c.errorf(at, "missing-arg", "%s needs argument %s (a %s); give it under args:", op.Name, a.Name, a.Type)
		}
	}
	for _, f := range call.Args {
		a, ok := declared[f.Name]
		if !ok || assignable(f.Expr.Type(), a.Type) {
			continue
		}
		c.errorf(c.argValueNode(vals["args"], f.Name), "arg-type", "argument %s of %s is a %s, but %q gives %s",
			f.Name, op.Name, a.Type, f.Expr.Source(), describeType(f.Expr.Type()))
	}
	return &op
}

// noteResult records what saves into an object variable: an operation
// (whose fields are then known when it declares them), or nil for
// anything else.
func (c *compiler) noteResult(name string, op *Operation) {
	if c.checkOps {
		c.resultWriters[name] = append(c.resultWriters[name], op)
	}
}

// checkResultFields reports a field read from a saved result
// (vars.found.nme) that no operation saving into that variable returns.
func (c *compiler) checkResultFields() {
	if !c.checkOps {
		return
	}
	for _, e := range c.exprs {
		for _, m := range e.prog.Members() {
			if len(m.Path) != 3 || m.Path[0] != "vars" {
				continue
			}
			name, field := m.Path[1], m.Path[2]
			fields, ops := c.resultFields(name)
			if fields == nil || fields[field] {
				continue
			}
			pos := exprPos(e.node, c.pos(e.node), &guard.Error{Line: m.Line, Column: m.Column})
			c.diags.Errorf(pos, "unknown-field", "vars.%s has no field %q: %s%s",
				name, field, ops, didYouMean(field, sortedKeys(fields)))
		}
	}
}

// resultFields are the fields a variable holds when only operations that
// declare their results save into it, with a sentence naming them; nil
// when they are not known.
func (c *compiler) resultFields(name string) (map[string]bool, string) {
	writers := c.resultWriters[name]
	if len(writers) == 0 {
		return nil, ""
	}
	fields := map[string]bool{"outcome": true}
	var says []string
	for _, op := range writers {
		if op == nil || op.Returns == nil {
			return nil, ""
		}
		for _, f := range op.Returns {
			fields[f] = true
		}
		says = append(says, fmt.Sprintf("%s returns %s", op.Name, strings.Join(withOutcome(op.Returns), ", ")))
	}
	return fields, strings.Join(says, "; ")
}

func withOutcome(returns []string) []string {
	for _, f := range returns {
		if f == "outcome" {
			return returns
		}
	}
	return append(append([]string{}, returns...), "outcome")
}

// argValueNode finds the YAML value of a named argument, for a position.
func (c *compiler) argValueNode(args *yaml.Node, name string) *yaml.Node {
	for _, kv := range yamlx.Pairs(args) {
		if kv[0].Value == name {
			return kv[1]
		}
	}
	return args
}

func (c *compiler) suggestOperation(name string) string {
	if len(c.lib.ops) == 0 {
		return " (the deployment declares no operations)"
	}
	return didYouMean(name, sortedKeys(c.lib.ops))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func argNames(args []OperationArg) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a.Name
	}
	return out
}

// argList says what an operation takes, for a message.
func argList(args []OperationArg) string {
	if len(args) == 0 {
		return "it takes no arguments"
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Name + " " + a.Type.String()
		if a.Optional {
			parts[i] = a.Name + " optional " + a.Type.String()
		}
	}
	return "it takes " + strings.Join(parts, ", ")
}

// describeType names an expression's static type the way flows write types.
func describeType(rt reflect.Type) string {
	if rt == nil {
		return "a value known at run time"
	}
	switch rt.Kind() {
	case reflect.String:
		return "text"
	case reflect.Float64, reflect.Float32, reflect.Int, reflect.Int64, reflect.Int32:
		return "a number"
	case reflect.Bool:
		return "yes/no"
	case reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	if rt == reflect.TypeOf(time.Time{}) {
		return "a date"
	}
	return "a " + rt.String()
}
