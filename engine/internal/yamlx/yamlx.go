// Package yamlx reads YAML documents as trees of yaml.Node so that every
// value keeps its line and column, and turns YAML's own errors into
// positional diagnostics.
package yamlx

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/diag"
)

// Parse parses one YAML document. A syntax error becomes a diagnostic at the
// line and column of the problem (see locate).
func Parse(file string, content []byte) (*yaml.Node, *diag.Diagnostic) {
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		d := syntaxDiagnostic(file, content, err)
		return nil, &d
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}, nil
	}
	return doc.Content[0], nil
}

var lineRE = regexp.MustCompile(`^line (\d+)(?:, column (\d+))?: `)

func syntaxDiagnostic(file string, content []byte, err error) diag.Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	pos := diag.Pos{File: file}
	problem := msg
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		pos.Col, _ = strconv.Atoi(m[2])
		problem = msg[len(m[0]):]
	}
	if line, col, ok := locate(content, problem, pos.Line); ok {
		pos.Line, pos.Col = line, col
	}
	if pos.Line > 0 && pos.Col == 0 {
		pos.Col = 1
	}
	return diag.Diagnostic{Pos: pos, Severity: diag.Error, Code: "yaml-syntax", Message: "YAML syntax: " + problem}
}

// Pos is the position of n in file.
func Pos(file string, n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// KindName names a node's kind for error messages ("a list", "a text").
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return "a single value"
	case yaml.AliasNode:
		return "an alias"
	}
	return "an unknown YAML node"
}

// Resolve follows aliases so callers see the node an alias points at.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// Pairs returns a mapping's key and value nodes in document order.
func Pairs(n *yaml.Node) [][2]*yaml.Node {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], Resolve(n.Content[i+1])})
	}
	return out
}

// IsScalar reports whether n is a single non-null value.
func IsScalar(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag != "!!null"
}

// IsNull reports whether n is missing or an explicit null.
func IsNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}
