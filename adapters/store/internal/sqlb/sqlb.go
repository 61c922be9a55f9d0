// Package sqlb builds the statements of the store's hot path — ingest, the
// claims, a step's writes, the send marks — by hand, for the two drivers.
// Everything else the store sends goes through bun's query builder; these
// do not, because of what each database does with a statement it is sent
// (see docs/performance.md, BenchmarkIngest, BenchmarkProcessNext and
// BenchmarkOutboxSend of adapters/store):
//
//   - Postgres (modes Literal and Prepared): several statements travel in
//     one simple-protocol message, one round trip run by the server as one
//     implicit transaction, so values are inlined as literals by bun's
//     dialect (quoting, bytea hex, typed NULLs). In Prepared mode they
//     become $n parameters whose literals are kept apart, and the driver
//     runs the statement as EXECUTE of one prepared once per connection:
//     for the step's writes, planning would cost as much as running. A
//     text built here is never passed through bun's placeholder formatter,
//     so a '?' in a citizen's message cannot be taken for a placeholder.
//   - SQLite (mode Args): values become '?' parameters, and the driver
//     prepares each statement's text once and keeps it, so that SQLite
//     does not parse the same statement again and again: parsing is most
//     of what an inlined statement would cost it. Rows go in chunks of 16,
//     8, 4, 2 and 1 (see Each) so that a handful of texts serve any count.
//
// One SQL text serves both databases where the statement is the same; the
// statements that differ live in their driver.
package sqlb

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun/schema"
)

// Mode is how a Builder writes values.
type Mode int

// The modes: Postgres literals, Postgres prepared ($n), SQLite parameters.
const (
	Literal Mode = iota
	Prepared
	Args
)

// Builder builds statements. Times are timestamptz on Postgres and INTEGER
// microseconds since the Unix epoch on SQLite.
type Builder struct {
	gen  schema.QueryGen
	mode Mode
	// b is the text being built: in Literal mode every statement so far,
	// in the others the current statement, whose parameters are args (Args)
	// or lits (Prepared).
	b     []byte
	args  []any
	stmts []Stmt
	// lits and litEnds (Prepared) hold the current statement's parameter
	// literals, one after the other, and where each ends.
	lits    []byte
	litEnds []int
}

// Stmt is one finished statement: SQLite's with its arguments, or a
// Prepared one with its parameters' literals (Lits, each ending at its
// Ends offset).
type Stmt struct {
	Text string
	Args []any
	Lits string
	Ends []int
}

// Literals calls fn with each parameter literal of a Prepared statement,
// in order.
func (st Stmt) Literals(fn func(i int, lit string)) {
	from := 0
	for i, end := range st.Ends {
		fn(i, st.Lits[from:end])
		from = end
	}
}

// New starts a builder; gen (Postgres modes) quotes the literals. Args
// mode needs none: pass the zero QueryGen.
func New(mode Mode, gen schema.QueryGen) *Builder {
	return &Builder{gen: gen, mode: mode, b: make([]byte, 0, 256)}
}

// Mode is the builder's mode.
func (q *Builder) Mode() Mode { return q.mode }

// pg says the builder writes Postgres.
func (q *Builder) pg() bool { return q.mode != Args }

// Raw appends SQL text.
func (q *Builder) Raw(parts ...string) *Builder {
	for _, p := range parts {
		q.b = append(q.b, p...)
	}
	return q
}

// litBuf returns where a Postgres literal is to be appended: the text
// itself, or in Prepared mode the literal buffer, after writing the next
// $n placeholder into the text. litDone takes the buffer back.
func (q *Builder) litBuf() []byte {
	if q.mode == Prepared {
		q.b = append(q.b, '$')
		q.b = strconv.AppendInt(q.b, int64(len(q.litEnds)+1), 10)
		return q.lits
	}
	return q.b
}

func (q *Builder) litDone(b []byte) *Builder {
	if q.mode == Prepared {
		q.lits = b
		q.litEnds = append(q.litEnds, len(b))
		return q
	}
	q.b = b
	return q
}

// arg appends an SQLite parameter.
func (q *Builder) arg(v any) *Builder {
	q.b = append(q.b, '?')
	q.args = append(q.args, v)
	return q
}

// Str appends a string. NUL bytes are dropped and invalid UTF-8 becomes
// U+FFFD on both databases (Postgres text accepts neither).
func (q *Builder) Str(s string) *Builder {
	if !q.pg() {
		return q.arg(CleanText(s))
	}
	return q.litDone(q.gen.Dialect().AppendString(q.litBuf(), s))
}

// CleanText makes s valid UTF-8 without NUL bytes, as bun's Postgres
// quoting does.
func CleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// StrOrNull appends NULL for "".
func (q *Builder) StrOrNull(s string) *Builder {
	if s == "" {
		return q.Null("text")
	}
	return q.Str(s)
}

// Null appends a NULL of the given Postgres type.
func (q *Builder) Null(pgType string) *Builder {
	if !q.pg() {
		return q.arg(nil)
	}
	return q.litDone(append(append(q.litBuf(), "NULL::"...), pgType...))
}

// Int appends an integer.
func (q *Builder) Int(n int64) *Builder {
	if !q.pg() {
		return q.arg(n)
	}
	return q.litDone(strconv.AppendInt(q.litBuf(), n, 10))
}

// Float appends a float.
func (q *Builder) Float(f float64) *Builder {
	if !q.pg() {
		return q.arg(f)
	}
	return q.litDone(strconv.AppendFloat(q.litBuf(), f, 'g', -1, 64))
}

// Bool appends a boolean (an INTEGER 0 or 1 on SQLite).
func (q *Builder) Bool(v bool) *Builder {
	switch {
	case !q.pg() && v:
		return q.arg(int64(1))
	case !q.pg():
		return q.arg(int64(0))
	case v:
		return q.litDone(append(q.litBuf(), "TRUE"...))
	default:
		return q.litDone(append(q.litBuf(), "FALSE"...))
	}
}

// Bytes appends a bytea / blob; nil becomes NULL.
func (q *Builder) Bytes(v []byte) *Builder {
	switch {
	case v == nil:
		return q.Null("bytea")
	case !q.pg():
		return q.arg(v)
	}
	return q.litDone(q.gen.Dialect().AppendBytes(q.litBuf(), v))
}

// Time appends a time; the zero time becomes NULL.
func (q *Builder) Time(t time.Time) *Builder {
	switch {
	case t.IsZero():
		return q.Null("timestamptz")
	case !q.pg():
		return q.arg(t.UnixMicro())
	}
	b := append(q.litBuf(), '\'')
	b = t.UTC().AppendFormat(b, "2006-01-02 15:04:05.999999Z07:00")
	return q.litDone(append(b, "'::timestamptz"...))
}

// Ints appends a comma-separated list.
func (q *Builder) Ints(ns []int64) *Builder {
	for i, n := range ns {
		if i > 0 {
			q.b = append(q.b, ',')
		}
		q.Int(n)
	}
	return q
}

// Strs appends a comma-separated list of strings.
func (q *Builder) Strs(ss []string) *Builder {
	for i, s := range ss {
		if i > 0 {
			q.b = append(q.b, ',')
		}
		q.Str(s)
	}
	return q
}

// ErrorFields appends error code, title and details, typed NULLs when
// empty.
func (q *Builder) ErrorFields(code int, title, details string) *Builder {
	if code == 0 && title == "" && details == "" {
		return q.Null("integer").Raw(", ").Null("text").Raw(", ").Null("text")
	}
	return q.Int(int64(code)).Raw(", ").Str(TrimTo(title, 512)).Raw(", ").Str(TrimTo(details, 2048))
}

// End closes a statement.
func (q *Builder) End() *Builder {
	if q.mode == Literal {
		q.b = append(q.b, ";\n"...)
		return q
	}
	q.flush()
	return q
}

// EndAs closes a Prepared statement whose text is given, in place of what
// was built: the parameters appended since the last statement are its
// $1…$n, in order.
func (q *Builder) EndAs(text string) *Builder {
	q.b = append(q.b[:0], text...)
	return q.End()
}

func (q *Builder) flush() {
	if len(strings.TrimSpace(string(q.b))) > 0 {
		st := Stmt{Text: string(q.b), Args: q.args}
		if q.mode == Prepared {
			st.Lits, st.Ends = string(q.lits), q.litEnds
		}
		q.stmts = append(q.stmts, st)
	}
	q.b, q.args = q.b[:0], nil
	q.lits, q.litEnds = q.lits[:0], nil
}

// Each writes a statement over n rows (nothing when n is 0): on Postgres one
// statement listing them all (head, row 0, ", ", row 1, …, tail). On SQLite
// the rows go in chunks of 16, 8, 4, 2 and 1 rows, so that a handful of
// texts — each prepared once — serve any number of rows.
func (q *Builder) Each(n int, head string, row func(i int), tail string) *Builder {
	if n == 0 {
		return q
	}
	if q.pg() {
		return q.rows(0, n, head, row, tail)
	}
	for i, size := 0, 16; i < n; {
		for size > n-i {
			size /= 2
		}
		q.rows(i, i+size, head, row, tail)
		i += size
	}
	return q
}

// rows writes one statement over rows lo to hi.
func (q *Builder) rows(lo, hi int, head string, row func(i int), tail string) *Builder {
	q.Raw(head)
	for i := lo; i < hi; i++ {
		if i > lo {
			q.Raw(", ")
		}
		row(i)
	}
	return q.Raw(tail).End()
}

// Empty reports whether nothing was built.
func (q *Builder) Empty() bool {
	return q == nil || len(strings.TrimSpace(string(q.b))) == 0 && len(q.stmts) == 0
}

// Text is the text built in Literal mode.
func (q *Builder) Text() string {
	if q == nil {
		return ""
	}
	return string(q.b)
}

// Statements are the statements built in Args or Prepared mode.
func (q *Builder) Statements() []Stmt {
	if q == nil {
		return nil
	}
	q.flush()
	return q.stmts
}

// TrimTo cuts s to at most n bytes on a rune boundary.
func TrimTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
