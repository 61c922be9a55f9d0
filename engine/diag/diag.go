// Package diag is the one positional problem type of Samvad's flow tools.
//
// Everything a department can get wrong in a flow or a locale file is reported
// as a Diagnostic: where it is (file, line, column), how bad it is, a stable
// code a tool can match on, a sentence for a person, and the line of source it
// points at. The loader collects every problem it finds before it reports, so
// an author fixes a whole file in one pass instead of one error per run.
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a source file. Line and Col count from 1; a zero Line
// means the whole file.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// String formats the position as file:line:col, the form editors jump to.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Severity says whether a problem stops a flow from loading.
type Severity uint8

const (
	// Error: the flow set does not load; `samvad lint` exits non-zero.
	Error Severity = iota
	// Warning: the flow set loads, but an author should look.
	Warning
)

// String names the severity.
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText writes the severity's name, for --json output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is one problem found in a flow or locale file.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	// Code is stable and short (for example "unknown-node"), for tools and tests.
	Code    string `json:"code"`
	Message string `json:"message"`
	// Snippet is the source line the position points into, when known.
	Snippet string `json:"snippet,omitempty"`
}

// String formats the diagnostic as one or more lines:
//
//	flows/grievance.yaml:12:11: error: unknown node "confrim" (unknown-node)
//	   | next: confrim
//	   |       ^
func (d Diagnostic) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s (%s)", d.Pos, d.Severity, d.Message, d.Code)
	if d.Snippet != "" {
		b.WriteString("\n   | ")
		b.WriteString(d.Snippet)
		if d.Pos.Col > 0 {
			b.WriteString("\n   | ")
			b.WriteString(caretPad(d.Snippet, d.Pos.Col))
			b.WriteString("^")
		}
	}
	return b.String()
}

// caretPad returns the whitespace that puts a caret under column col of line,
// keeping tabs so the caret lines up in a terminal.
func caretPad(line string, col int) string {
	var b strings.Builder
	i := 1
	for _, r := range line {
		if i >= col {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		i++
	}
	return b.String()
}

// List is every problem found in one load, in file and position order once
// sorted.
type List []Diagnostic

// Add appends a problem.
func (l *List) Add(d Diagnostic) { *l = append(*l, d) }

// Errorf appends an error at pos.
func (l *List) Errorf(pos Pos, code, format string, args ...any) {
	l.Add(Diagnostic{Pos: pos, Severity: Error, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Warnf appends a warning at pos.
func (l *List) Warnf(pos Pos, code, format string, args ...any) {
	l.Add(Diagnostic{Pos: pos, Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any problem is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the errors.
func (l List) Errors() List {
	var out List
	for _, d := range l {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders the list by file, line, column and code, so output is stable.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return l[i].Code < l[j].Code
	})
}

// Err returns the list as an error when it holds errors, else nil.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return ListError(l.Errors())
}

// ListError is a List used as an error.
type ListError List

// Error prints every problem, one after another.
func (e ListError) Error() string {
	parts := make([]string, len(e))
	for i, d := range e {
		parts[i] = d.String()
	}
	return strings.Join(parts, "\n")
}

// Source holds the lines of a file so that diagnostics can quote them.
type Source struct {
	File  string
	lines []string
}

// NewSource splits a file's content into lines.
func NewSource(file string, content []byte) *Source {
	return &Source{File: file, lines: strings.Split(string(content), "\n")}
}

// Line returns line n (from 1) without its newline, or "".
func (s *Source) Line(n int) string {
	if s == nil || n < 1 || n > len(s.lines) {
		return ""
	}
	return strings.TrimRight(s.lines[n-1], "\r")
}

// Quote fills in the snippet of every diagnostic that points into this file.
func (s *Source) Quote(l List) {
	for i := range l {
		if l[i].Pos.File == s.File && l[i].Snippet == "" {
			l[i].Snippet = s.Line(l[i].Pos.Line)
		}
	}
}
