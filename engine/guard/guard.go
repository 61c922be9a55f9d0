// Package guard compiles and runs the expressions of a flow: the `when:` of a
// branch, the `validate:` of an ask, the values of `set:`, `data:` and `args:`.
//
// Expressions are written in expr (github.com/expr-lang/expr) and compiled
// once, when flows load, against a typed environment built from the flow's
// declared variables:
//
//	input    the citizen's message, trimmed, digits in ASCII (string)
//	answer   the parsed answer at an ask (its type follows `expect:`)
//	vars     the flow's variables, each with its declared type
//	contact  name, phone, language, new, opted_out
//	session  language, flow, node, retries, started
//	now      the current time
//
// A typo in a variable name, or comparing a PIN code (text) with a number, is
// therefore a load error with a position, not a surprise in production. At run
// time each expression has a node budget (at compile) and a memory budget (in
// the VM): expr's VM has no time limit, so these budgets are what keep a bad
// expression from hurting the service. A runtime error is returned, never
// panicked; the engine turns it into an event and the invalid path.
package guard

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// Budgets for one expression.
const (
	// MaxNodes caps the size of an expression's syntax tree.
	MaxNodes = 400
	// MemoryBudget caps what one run may allocate, in expr's units.
	MemoryBudget = 100_000
)

// Result says what an expression must produce.
type Result uint8

const (
	// AnyResult accepts any value.
	AnyResult Result = iota
	// BoolResult requires true or false (guards and validations).
	BoolResult
)

// Program is one compiled expression.
type Program struct {
	src  string
	prog *vm.Program
}

// Source returns the expression's text.
func (p *Program) Source() string { return p.src }

// Type returns the static type of the expression's result, or nil when it is
// only known at run time.
func (p *Program) Type() reflect.Type {
	if n := p.prog.Node(); n != nil {
		return n.Type()
	}
	return nil
}

// Error is a compile error with the position inside the expression's text.
// Line counts from 1, Column from 1.
type Error struct {
	Line, Column int
	Message      string
	Snippet      string
}

func (e *Error) Error() string { return e.Message }

// Compile compiles src against env. Functions of this package's library are
// available to it.
func Compile(src string, env types.Map, want Result) (*Program, error) {
	opts := []expr.Option{expr.Env(env), expr.MaxNodes(MaxNodes)}
	opts = append(opts, library...)
	if want == BoolResult {
		opts = append(opts, expr.AsBool())
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, toError(err)
	}
	return &Program{src: src, prog: prog}, nil
}

func toError(err error) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		return &Error{Line: max(fe.Line, 1), Column: fe.Column + 1, Message: fe.Message, Snippet: fe.Snippet}
	}
	return &Error{Line: 1, Column: 1, Message: err.Error()}
}

var vms = sync.Pool{New: func() any { return &vm.VM{MemoryBudget: MemoryBudget} }}

// Run evaluates the program over env. It never panics: a runtime error (a
// missing value, a failed conversion, the memory budget) is returned.
func (p *Program) Run(env map[string]any) (out any, err error) {
	machine := vms.Get().(*vm.VM)
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("expression %q: %v", p.src, r)
		}
		vms.Put(machine)
	}()
	out, err = machine.Run(p.prog, env)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", p.src, err)
	}
	return out, nil
}

// Bool evaluates a guard. A nil result counts as false.
func (p *Program) Bool(env map[string]any) (bool, error) {
	out, err := p.Run(env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok && out != nil {
		return false, fmt.Errorf("expression %q gave %T, not true or false", p.src, out)
	}
	return b, nil
}

// Time is the type of dates and of `now`.
var Time = types.TypeOf(time.Time{})
