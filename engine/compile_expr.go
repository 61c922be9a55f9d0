package engine

import (
	"fmt"
	"time"

	"github.com/expr-lang/expr/types"
	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/guard"
)

// ContactEnv is what expressions see as `contact`.
type ContactEnv struct {
	ID       string `expr:"id"`
	Name     string `expr:"name"`
	Phone    string `expr:"phone"`
	Language string `expr:"language"`
	New      bool   `expr:"new"`
	OptedOut bool   `expr:"opted_out"`
}

// SessionEnv is what expressions see as `session`.
type SessionEnv struct {
	Language string    `expr:"language"`
	Flow     string    `expr:"flow"`
	Node     string    `expr:"node"`
	Retries  int       `expr:"retries"`
	Started  time.Time `expr:"started"`
	// Detected is true when the language was just taken from the script of
	// the citizen's first message.
	Detected bool `expr:"detected"`
}

var (
	locationType = types.Map{
		"latitude": types.Float64, "longitude": types.Float64, "name": types.String, "address": types.String,
	}
	attachmentType = types.Map{
		"kind": types.String, "media_id": types.String, "mime_type": types.String, "filename": types.String,
		"url": types.String, "caption": types.String,
	}
	objectType = types.Map{types.Extra: types.Any}
)

// exprType is the expression type of a variable type.
func (t VarType) exprType() types.Type {
	switch t {
	case TypeString:
		return types.String
	case TypeNumber, TypeMoney:
		return types.Float64
	case TypeBool:
		return types.Bool
	case TypeDate:
		return guard.Time
	case TypeLocation:
		return locationType
	case TypeAttachment:
		return attachmentType
	case TypeList:
		return types.Array(types.Any)
	}
	return objectType
}

// zero is the value a variable holds before anything is saved to it.
func (t VarType) zero() any {
	switch t {
	case TypeString:
		return ""
	case TypeNumber, TypeMoney:
		return 0.0
	case TypeBool:
		return false
	case TypeDate:
		return time.Time{}
	case TypeList:
		return []any{}
	}
	return nil
}

// baseEnv is the typed environment every expression of the flow sees.
func (c *compiler) baseEnv() types.Map {
	vars := types.Map{}
	for name, t := range c.flow.Vars {
		vars[name] = t.exprType()
	}
	return types.Map{
		"input":   types.String,
		"vars":    vars,
		"contact": types.TypeOf(&ContactEnv{}),
		"session": types.TypeOf(&SessionEnv{}),
		"now":     guard.Time,
	}
}

// askEnv adds `answer`, typed by what the ask expects.
func (c *compiler) askEnv(ask *Ask) types.Map {
	env := types.Map{}
	for k, v := range c.env {
		env[k] = v
	}
	env["answer"] = types.Any
	if len(ask.Expect) == 1 && ask.List == nil { // a list's item, or its id
		env["answer"] = ask.Expect[0].varType().exprType()
	}
	return env
}

// expression compiles an expression found in YAML node n against env, mapping
// an error's position inside the expression to the file.
func (c *compiler) expression(n *yaml.Node, env types.Map, want guard.Result) *guard.Program {
	src, ok := c.str(n, "an expression")
	if !ok {
		return nil
	}
	p, err := guard.Compile(src, env, want)
	if err != nil {
		ge, _ := err.(*guard.Error)
		pos := c.pos(n)
		if ge != nil {
			pos = exprPos(n, pos, ge)
		}
		c.diags.Add(diag.Diagnostic{Pos: pos, Severity: diag.Error, Code: "expression",
			Message: fmt.Sprintf("expression %q: %s", src, err.Error())})
		return nil
	}
	if c.checkOps {
		c.exprs = append(c.exprs, compiledExpr{node: n, prog: p})
	}
	return p
}

// compiledExpr is an expression and the YAML scalar it was written in.
type compiledExpr struct {
	node *yaml.Node
	prog *guard.Program
}

// exprPos finds the file position of a column inside an expression scalar.
func exprPos(n *yaml.Node, base diag.Pos, e *guard.Error) diag.Pos {
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		base.Line += e.Line
		base.Col = base.Col + e.Column - 1
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if e.Line == 1 {
			base.Col += e.Column // one for the quote, minus one for 1-based
		}
	default:
		if e.Line == 1 {
			base.Col += e.Column - 1
		}
	}
	return base
}
