package engine

import (
	"github.com/expr-lang/expr/types"

	"github.com/samvad/samvad/engine/diag"
)

// Operation describes a service operation that flows may `call`: the
// arguments it takes, the fields its result holds, and the outcomes it may
// report besides success (a result's "outcome" field). The department's
// declarations (adapters/services) describe them; the loader checks each
// call against them.
type Operation struct {
	Name string
	Args []OperationArg
	// Returns are the fields a successful result holds; nil when the
	// declaration does not say.
	Returns []string
	// Outcomes are the outcomes besides "ok" (not_found, full, …).
	Outcomes []string
	// Pos is where the operation is declared.
	Pos diag.Pos
}

// OperationArg is one argument an operation takes.
type OperationArg struct {
	Name     string
	Type     VarType
	Optional bool
}

// ParseVarType reads a type name as flows and declarations write it
// (string, number, money, bool, date, location, attachment, object, list).
func ParseVarType(name string) (VarType, bool) {
	t, ok := varTypeNames[name]
	return t, ok
}

// ExprType is the type expressions see for a value of this type.
func (t VarType) ExprType() types.Type { return t.exprType() }
