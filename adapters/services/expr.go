package services

import (
	"errors"

	"github.com/expr-lang/expr/types"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/guard"
)

// program is a compiled expression of a declaration. It runs with the
// engine's budgets and function library (engine/guard), as flows do.
type program = *guard.Program

// Expression environments. Requests see the call's arguments; responses
// also see what came back.
var (
	headersType = types.Map{types.Extra: types.String}
	rowType     = types.Map{types.Extra: types.Any}
)

func (op *operation) argsEnv() types.Type {
	m := types.Map{}
	for name, a := range op.argTypes {
		m[name] = a.Type.ExprType()
	}
	return m
}

func (op *operation) requestEnv() types.Map {
	return types.Map{"args": op.argsEnv()}
}

// responseEnv is what result and outcome expressions see.
func (op *operation) responseEnv() types.Map {
	switch op.kind {
	case kindTable:
		return types.Map{"args": op.argsEnv(), "rows": types.Array(rowType), "row": rowType, "count": types.Int}
	case kindBuiltin:
		return types.Map{"args": op.argsEnv(), "result": rowType}
	}
	return types.Map{"args": op.argsEnv(), "status": types.Int, "body": types.Any, "headers": headersType}
}

// compile compiles ne against env, reporting an error at its position in
// the file (the expression's own line and column when it spans one line).
func (d *decoder) compile(ne *namedExpr, env types.Map, want guard.Result) {
	p, err := guard.Compile(ne.src, env, want)
	if err == nil {
		ne.prog = p
		return
	}
	pos := d.pos(ne.node)
	var ge *guard.Error
	msg := err.Error()
	if errors.As(err, &ge) {
		if ge.Line <= 1 && ne.node != nil && ne.node.Style == 0 {
			pos.Col += ge.Column - 1
		}
		msg = ge.Message
	}
	d.problems.Add(diag.Diagnostic{Pos: pos, Severity: diag.Error, Code: "bad-expression",
		Message: "expression " + quote(ne.src) + ": " + msg})
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:57] + "…"
	}
	return "`" + s + "`"
}

// compileAll compiles the result and outcome expressions of an operation.
func (d *decoder) compileResults(op *operation) {
	env := op.responseEnv()
	for i := range op.result {
		d.compile(&op.result[i], env, guard.AnyResult)
	}
	for i := range op.outcomes {
		d.compile(&op.outcomes[i], env, guard.BoolResult)
	}
}

// argValues is the environment of one call's arguments.
func argEnv(args map[string]any) map[string]any { return map[string]any{"args": args} }
