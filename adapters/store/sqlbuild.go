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
}

// stmt is one finished SQLite statement.
type stmt struct {
	text string
	args []any
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

// param appends a value: a literal on Postgres, a parameter on SQLite.
func (q *sqlText) param(literal func([]byte) []byte, arg any) *sqlText {
	if q.prep {
		q.b = append(q.b, '$')
		q.b = strconv.AppendInt(q.b, int64(len(q.args)+1), 10)
		q.args = append(q.args, string(literal(nil)))
		return q
	}
	if q.pg {
		q.b = literal(q.b)
		return q
	}
	q.b = append(q.b, '?')
	q.args = append(q.args, arg)
	return q
}

// str appends a string. NUL bytes are dropped and invalid UTF-8 becomes
// U+FFFD on both dialects (Postgres text accepts neither).
func (q *sqlText) str(s string) *sqlText {
	return q.param(func(b []byte) []byte { return q.gen.Dialect().AppendString(b, s) }, cleanText(s))
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
	return q.param(func(b []byte) []byte { return append(b, "NULL::"+pgType...) }, nil)
}

func (q *sqlText) int(n int64) *sqlText {
	return q.param(func(b []byte) []byte { return strconv.AppendInt(b, n, 10) }, n)
}

func (q *sqlText) float(f float64) *sqlText {
	return q.param(func(b []byte) []byte { return strconv.AppendFloat(b, f, 'g', -1, 64) }, f)
}

func (q *sqlText) bool(v bool) *sqlText {
	var n int64
	if v {
		n = 1
	}
	return q.param(func(b []byte) []byte {
		if v {
			return append(b, "TRUE"...)
		}
		return append(b, "FALSE"...)
	}, n)
}

// bytes appends a bytea / blob; nil becomes NULL.
func (q *sqlText) bytes(v []byte) *sqlText {
	if v == nil {
		return q.null("bytea")
	}
	return q.param(func(b []byte) []byte { return q.gen.Dialect().AppendBytes(b, v) }, v)
}

// time appends a time; the zero time becomes NULL.
func (q *sqlText) time(t time.Time) *sqlText {
	if t.IsZero() {
		return q.null("timestamptz")
	}
	return q.param(func(b []byte) []byte {
		b = append(b, '\'')
		b = t.UTC().AppendFormat(b, "2006-01-02 15:04:05.999999Z07:00")
		return append(b, "'::timestamptz"...)
	}, t.UnixMicro())
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

func (q *sqlText) flush() {
	if len(strings.TrimSpace(string(q.b))) > 0 {
		q.stmts = append(q.stmts, stmt{text: string(q.b), args: q.args})
	}
	q.b, q.args = q.b[:0:0], nil
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
