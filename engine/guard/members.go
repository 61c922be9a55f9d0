package guard

import (
	"github.com/expr-lang/expr/ast"
)

// Member is a chain of names an expression reads, such as vars.found.name:
// an identifier followed by fields written with a dot or as a quoted index
// (vars.found["name"]).
type Member struct {
	// Path is the chain, from the identifier: ["vars", "found", "name"].
	Path []string
	// Line and Column (from 1) are where the last name of the chain is
	// written in the expression's text.
	Line, Column int
}

// Members lists every chain of field names the expression reads, each
// prefix of a longer chain included (vars.found.name also lists
// vars.found). Lint uses it to check the fields a flow reads from a
// service's result against what the service declares.
func (p *Program) Members() []Member {
	root := p.prog.Node()
	if root == nil {
		return nil
	}
	w := &memberWalker{src: []rune(p.src)}
	ast.Walk(&root, w)
	return w.out
}

type memberWalker struct {
	src []rune
	out []Member
}

func (w *memberWalker) Visit(n *ast.Node) {
	m, ok := (*n).(*ast.MemberNode)
	if !ok {
		return
	}
	path := memberPath(m)
	if path == nil {
		return
	}
	line, col := w.lineCol(m.Property.Location().From)
	w.out = append(w.out, Member{Path: path, Line: line, Column: col})
}

// memberPath is the chain of names a member node reads, or nil when a part
// of it is not a plain name (an index by number, a call, a variable).
func memberPath(n ast.Node) []string {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return []string{x.Value}
	case *ast.MemberNode:
		prop, ok := x.Property.(*ast.StringNode)
		if !ok || x.Method {
			return nil
		}
		head := memberPath(x.Node)
		if head == nil {
			return nil
		}
		return append(head, prop.Value)
	}
	return nil
}

// lineCol turns a character offset into the expression's line and column,
// both counted from 1.
func (w *memberWalker) lineCol(offset int) (int, int) {
	line, start := 1, 0
	for i := 0; i < offset && i < len(w.src); i++ {
		if w.src[i] == '\n' {
			line, start = line+1, i+1
		}
	}
	return line, offset - start + 1
}
