package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun/schema"
)

// One SQL text serves both dialects; how values travel differs, each to what
// is cheapest for its engine:
//
//   - Postgres: values are inlined as literals by bun's dialect (quoting,
//     bytea hex, typed NULLs). This lets several statements travel in one
//     simple-protocol message: one round trip, run by the server as one
//     implicit transaction. A text built here is never passed through bun's
//     placeholder formatter again, so a '?' in a citizen's message cannot be
//     taken for a placeholder.
//   - SQLite: values become '?' parameters, and each statement's text is
//     prepared once and kept (see Store.prepared), so the engine does not
//     parse the same statement again and again. Parsing is most of what an
//     inlined statement would cost SQLite.
//
// Times: Postgres stores timestamptz; SQLite stores INTEGER microseconds since
// the Unix epoch (exact comparisons, no text formats to get wrong).
type sqlText struct {
	gen schema.QueryGen
	pg  bool
	// prep (Postgres): values become $n parameters whose literals are kept
	// in args, and each statement is run as EXECUTE of a statement prepared
	// once per connection (see pgStepText): for the step's writes, where
	// planning would cost as much as running.
	prep bool
	// b is the text being built: on Postgres every statement so far, on
	// SQLite the current statement, whose parameters are args.
	b     []byte
	args  []any
	stmts []stmt
	// lits and litEnds (prepared mode) hold the current statement's
	// parameter literals, one after the other, and where each ends.
	lits    []byte
	litEnds []int
}

// stmt is one finished statement: SQLite's with its arguments, or a
// prepared-mode Postgres one with its parameters' literals (lits, each
// ending at its ends offset).
type stmt struct {
	text string
	args []any
	lits string
	ends []int
}

// literals calls fn with each parameter literal of a prepared-mode
// statement, in order.
func (st stmt) literals(fn func(i int, lit string)) {
	from := 0
	for i, end := range st.ends {
		fn(i, st.lits[from:end])
		from = end
	}
}

func (s *Store) sql() *sqlText {
	return &sqlText{gen: s.db.QueryGen(), pg: s.pg, b: make([]byte, 0, 256)}
}

// sqlStep is the builder for a step's writes: prepared statements on both
// dialects.
func (s *Store) sqlStep() *sqlText {
	q := s.sql()
	q.prep = s.pg
	return q
}

// raw appends SQL text.
func (q *sqlText) raw(parts ...string) *sqlText {
	for _, p := range parts {
		q.b = append(q.b, p...)
	}
	return q
}

// litBuf returns where a Postgres literal is to be appended: the text
// itself, or in prepared mode the literal buffer, after writing the next $n
// placeholder into the text. litDone takes the buffer back.
func (q *sqlText) litBuf() []byte {
	if q.prep {
		q.b = append(q.b, '$')
		q.b = strconv.AppendInt(q.b, int64(len(q.litEnds)+1), 10)
		return q.lits
	}
	return q.b
}

func (q *sqlText) litDone(b []byte) *sqlText {
	if q.prep {
		q.lits = b
		q.litEnds = append(q.litEnds, len(b))
		return q
	}
	q.b = b
	return q
}

// arg appends an SQLite parameter.
func (q *sqlText) arg(v any) *sqlText {
	q.b = append(q.b, '?')
	q.args = append(q.args, v)
	return q
}

// str appends a string. NUL bytes are dropped and invalid UTF-8 becomes
// U+FFFD on both dialects (Postgres text accepts neither).
func (q *sqlText) str(s string) *sqlText {
	if !q.pg {
		return q.arg(cleanText(s))
	}
	return q.litDone(q.gen.Dialect().AppendString(q.litBuf(), s))
}

// cleanText makes s valid UTF-8 without NUL bytes, as bun's Postgres
// quoting does.
func cleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// strOrNull appends NULL for "".
func (q *sqlText) strOrNull(s string) *sqlText {
	if s == "" {
		return q.null("text")
	}
	return q.str(s)
}

// null appends a NULL of the given Postgres type.
func (q *sqlText) null(pgType string) *sqlText {
	if !q.pg {
		return q.arg(nil)
	}
	return q.litDone(append(append(q.litBuf(), "NULL::"...), pgType...))
}

func (q *sqlText) int(n int64) *sqlText {
	if !q.pg {
		return q.arg(n)
	}
	return q.litDone(strconv.AppendInt(q.litBuf(), n, 10))
}

func (q *sqlText) float(f float64) *sqlText {
	if !q.pg {
		return q.arg(f)
	}
	return q.litDone(strconv.AppendFloat(q.litBuf(), f, 'g', -1, 64))
}

func (q *sqlText) bool(v bool) *sqlText {
	switch {
	case !q.pg && v:
		return q.arg(int64(1))
	case !q.pg:
		return q.arg(int64(0))
	case v:
		return q.litDone(append(q.litBuf(), "TRUE"...))
	default:
		return q.litDone(append(q.litBuf(), "FALSE"...))
	}
}

// bytes appends a bytea / blob; nil becomes NULL.
func (q *sqlText) bytes(v []byte) *sqlText {
	switch {
	case v == nil:
		return q.null("bytea")
	case !q.pg:
		return q.arg(v)
	}
	return q.litDone(q.gen.Dialect().AppendBytes(q.litBuf(), v))
}

// time appends a time; the zero time becomes NULL.
func (q *sqlText) time(t time.Time) *sqlText {
	switch {
	case t.IsZero():
		return q.null("timestamptz")
	case !q.pg:
		return q.arg(t.UnixMicro())
	}
	b := append(q.litBuf(), '\'')
	b = t.UTC().AppendFormat(b, "2006-01-02 15:04:05.999999Z07:00")
	return q.litDone(append(b, "'::timestamptz"...))
}

// ints appends a comma-separated list.
func (q *sqlText) ints(ns []int64) *sqlText {
	for i, n := range ns {
		if i > 0 {
			q.b = append(q.b, ',')
		}
		q.int(n)
	}
	return q
}

// strs appends a comma-separated list of strings.
func (q *sqlText) strs(ss []string) *sqlText {
	for i, s := range ss {
		if i > 0 {
			q.b = append(q.b, ',')
		}
		q.str(s)
	}
	return q
}

// end closes a statement.
func (q *sqlText) end() *sqlText {
	if q.pg && !q.prep {
		q.b = append(q.b, ";\n"...)
		return q
	}
	q.flush()
	return q
}

// endAs closes a prepared-mode statement whose text is given, in place of
// what was built: the parameters appended since the last statement are its
// $1…$n, in order.
func (q *sqlText) endAs(text string) *sqlText {
	q.b = append(q.b[:0], text...)
	return q.end()
}

func (q *sqlText) flush() {
	if len(strings.TrimSpace(string(q.b))) > 0 {
		st := stmt{text: string(q.b), args: q.args}
		if q.prep {
			st.lits, st.ends = string(q.lits), q.litEnds
		}
		q.stmts = append(q.stmts, st)
	}
	q.b, q.args = q.b[:0], nil
	q.lits, q.litEnds = q.lits[:0], nil
}

// each writes a statement over n rows (nothing when n is 0): on Postgres one
// statement listing them all (head, row 0, ", ", row 1, …, tail). On SQLite
// the rows go in chunks of 16, 8, 4, 2 and 1 rows, so that a handful of
// texts — each prepared once — serve any number of rows.
func (q *sqlText) each(n int, head string, row func(i int), tail string) *sqlText {
	if n == 0 {
		return q
	}
	if q.pg || q.prep {
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
func (q *sqlText) rows(lo, hi int, head string, row func(i int), tail string) *sqlText {
	q.raw(head)
	for i := lo; i < hi; i++ {
		if i > lo {
			q.raw(", ")
		}
		row(i)
	}
	return q.raw(tail).end()
}

// add appends the statements of o.
func (q *sqlText) add(o *sqlText) *sqlText {
	if o == nil {
		return q
	}
	if q.pg && !q.prep {
		q.b = append(q.b, o.b...)
		return q
	}
	q.flush()
	o.flush()
	q.stmts = append(q.stmts, o.stmts...)
	return q
}

// empty reports whether nothing was built.
func (q *sqlText) empty() bool {
	return q == nil || len(strings.TrimSpace(string(q.b))) == 0 && len(q.stmts) == 0
}

// pgText is the Postgres text (Postgres only).
func (q *sqlText) pgText() string {
	if q == nil {
		return ""
	}
	return string(q.b)
}

// statements are the SQLite statements, or the prepared Postgres ones.
func (q *sqlText) statements() []stmt {
	if q == nil {
		return nil
	}
	q.flush()
	return q.stmts
}

// dbTime scans a time stored either way (timestamptz or integer micros).
type dbTime struct{ T time.Time }

func (t *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		t.T = time.Time{}
	case time.Time:
		t.T = v.UTC()
	case int64:
		t.T = time.UnixMicro(v).UTC()
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	default:
		return fmt.Errorf("store: cannot scan %T into a time", v)
	}
	return nil
}

func (t *dbTime) parse(s string) error {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		t.T = time.UnixMicro(n).UTC()
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999-07"} {
		if tm, err := time.Parse(layout, s); err == nil {
			t.T = tm.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: cannot parse time %q", s)
}

// trimTo cuts s to at most n bytes on a rune boundary.
func trimTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
