package locale

import (
	"strings"
	"text/template"
	"text/template/parse"
)

// A Template is a message text compiled once at load. The common shapes
// ({{.name}}, and {{money .x}}, {{number .x}}, {{date .x}}) render on a fast
// path that does not use reflection; anything else text/template accepts
// ({{if}}, pipelines) is marked complex and rendered through go-i18n.
type Template struct {
	src     string
	segs    []segment
	size    int // bytes of literal text, to pre-size the output
	complex bool
	// Placeholders are the data names the text refers to, in order of first use.
	Placeholders []string
	// Formatted are the placeholders the text writes through a formatter
	// ({{money .fee}}), in order, for lint to check their types.
	Formatted []Formatted
}

// Formatted is one placeholder written through a formatter: {{money .fee}}
// is Format "money", Name "fee".
type Formatted struct {
	Format, Name string
}

type segment struct {
	lit        string
	name       string // data name when lit is empty
	format     formatter
	formatName string
}

// Source returns the text the template was compiled from.
func (t *Template) Source() string { return t.src }

// IsStatic reports whether the text has no placeholders at all.
func (t *Template) IsStatic() bool { return !t.complex && len(t.Placeholders) == 0 }

// compileTemplate parses src. An error is a template syntax error.
func compileTemplate(src string) (*Template, error) {
	t := &Template{src: src}
	rest := src
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.addLit(rest)
			break
		}
		t.addLit(rest[:i])
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			_, err := template.New("m").Parse(src)
			if err == nil {
				err = errUnclosedAction
			}
			return nil, err
		}
		action := rest[i+2 : i+j]
		if !t.addAction(action) {
			t.complex = true
		}
		rest = rest[i+j+2:]
	}
	if t.complex {
		tree, err := template.New("m").Funcs(formatFuncs(nil, nil)).Parse(src)
		if err != nil {
			return nil, err
		}
		t.segs = nil
		t.Placeholders = complexPlaceholders(src)
		t.Formatted = formattedIn(tree.Tree.Root)
	}
	return t, nil
}

func (t *Template) addLit(s string) {
	if s == "" {
		return
	}
	t.segs = append(t.segs, segment{lit: s})
	t.size += len(s)
}

// addAction handles "{{ .name }}" and "{{ fn .name }}"; it reports false for
// anything else.
func (t *Template) addAction(action string) bool {
	action = strings.Trim(action, " -")
	fields := strings.Fields(action)
	var f formatter
	var format string
	switch len(fields) {
	case 1:
	case 2:
		var ok bool
		if f, ok = formatters[fields[0]]; !ok {
			return false
		}
		format, fields = fields[0], fields[1:]
	default:
		return false
	}
	name, ok := strings.CutPrefix(fields[0], ".")
	if !ok || !isIdent(name) {
		return false
	}
	t.segs = append(t.segs, segment{name: name, format: f, formatName: format})
	t.addPlaceholder(name)
	if f != nil {
		t.Formatted = append(t.Formatted, Formatted{Format: format, Name: name})
	}
	return true
}

func (t *Template) addPlaceholder(name string) {
	for _, p := range t.Placeholders {
		if p == name {
			return
		}
	}
	t.Placeholders = append(t.Placeholders, name)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

// complexPlaceholders finds every ".name" inside the actions of a template
// the fast path does not handle, for lint's placeholder comparison.
func complexPlaceholders(src string) []string {
	var out []string
	seen := map[string]bool{}
	rest := src
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return out
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return out
		}
		action := rest[i+2 : i+j]
		for k := 0; k < len(action); k++ {
			if action[k] != '.' || (k > 0 && isIdentByte(action[k-1])) {
				continue
			}
			e := k + 1
			for e < len(action) && isIdentByte(action[e]) {
				e++
			}
			if name := action[k+1 : e]; isIdent(name) && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
		rest = rest[i+j+2:]
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// appendTo renders the fast-path template into buf.
func (t *Template) appendTo(buf []byte, d Data, l *Lang) []byte {
	for _, s := range t.segs {
		if s.name == "" {
			buf = append(buf, s.lit...)
			continue
		}
		var v any
		if d != nil {
			v, _ = d.Value(s.name)
		}
		if s.format != nil {
			var ok bool
			if buf, ok = s.format(buf, v, l); !ok {
				if r, isReporter := d.(FormatReporter); isReporter {
					r.FormatFailed(s.formatName, s.name, v)
				}
			}
		} else {
			buf = appendValue(buf, v, l)
		}
	}
	return buf
}

type templateError string

func (e templateError) Error() string { return string(e) }

const errUnclosedAction = templateError("unclosed action: a {{ has no matching }}")

// formattedIn finds, in a text/template tree, every formatter applied to a
// plain placeholder: {{money .fee}}, also inside {{if}} or {{range}}.
func formattedIn(n parse.Node) []Formatted {
	var out []Formatted
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch x := n.(type) {
		case *parse.ListNode:
			if x != nil {
				for _, c := range x.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(x.Pipe)
		case *parse.IfNode:
			walk(x.Pipe)
			walk(x.List)
			walk(x.ElseList)
		case *parse.RangeNode:
			walk(x.Pipe)
			walk(x.List)
			walk(x.ElseList)
		case *parse.WithNode:
			walk(x.Pipe)
			walk(x.List)
			walk(x.ElseList)
		case *parse.PipeNode:
			if x == nil {
				return
			}
			for _, cmd := range x.Cmds {
				out = append(out, formattedCommand(cmd)...)
			}
		}
	}
	walk(n)
	return out
}

// formattedCommand reads "money .fee" (and "money .fee" nested as an
// argument, "(money .fee)") from one command of a pipeline.
func formattedCommand(cmd *parse.CommandNode) []Formatted {
	var out []Formatted
	if len(cmd.Args) == 2 {
		fn, isIdent := cmd.Args[0].(*parse.IdentifierNode)
		field, isField := cmd.Args[1].(*parse.FieldNode)
		if isIdent && isField && len(field.Ident) == 1 {
			if _, known := formatters[fn.Ident]; known {
				out = append(out, Formatted{Format: fn.Ident, Name: field.Ident[0]})
			}
		}
	}
	for _, a := range cmd.Args {
		if p, ok := a.(*parse.PipeNode); ok {
			for _, c := range p.Cmds {
				out = append(out, formattedCommand(c)...)
			}
		}
	}
	return out
}
