package store

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun/schema"
)

// The hot paths build their SQL as text with values inlined by bun's dialect
// (quoting, bytea/blob hex, booleans) and send it without placeholders. This
// lets several statements travel to Postgres in one simple-protocol message
// (one round trip, run as one implicit transaction) and keeps one SQL text for
// both dialects. A text built here is never passed through bun's placeholder
// formatter again (no arguments are given with it), so a '?' in a citizen's
// message cannot be taken for a placeholder.
//
// Times: Postgres stores timestamptz; SQLite stores INTEGER microseconds since
// the Unix epoch (exact comparisons, no text formats to get wrong).

type sqlText struct {
	gen schema.QueryGen
	pg  bool
	b   []byte
}

func (s *Store) sql() *sqlText {
	return &sqlText{gen: s.db.QueryGen(), pg: s.pg, b: make([]byte, 0, 512)}
}

// raw appends SQL text.
func (q *sqlText) raw(parts ...string) *sqlText {
	for _, p := range parts {
		q.b = append(q.b, p...)
	}
	return q
}

// str appends a quoted string literal. NUL bytes are dropped and invalid
// UTF-8 becomes U+FFFD (Postgres text accepts neither).
func (q *sqlText) str(s string) *sqlText {
	q.b = q.gen.Dialect().AppendString(q.b, s)
	return q
}

// strOrNull appends NULL for "".
func (q *sqlText) strOrNull(s string) *sqlText {
	if s == "" {
		return q.raw("NULL")
	}
	return q.str(s)
}

func (q *sqlText) int(n int64) *sqlText {
	q.b = strconv.AppendInt(q.b, n, 10)
	return q
}

func (q *sqlText) bool(v bool) *sqlText {
	if v {
		return q.raw("TRUE")
	}
	return q.raw("FALSE")
}

// bytes appends a bytea / blob literal; nil becomes NULL.
func (q *sqlText) bytes(b []byte) *sqlText {
	q.b = q.gen.Dialect().AppendBytes(q.b, b)
	return q
}

// time appends a typed time literal; the zero time becomes NULL.
func (q *sqlText) time(t time.Time) *sqlText {
	if t.IsZero() {
		if q.pg {
			return q.raw("NULL::timestamptz")
		}
		return q.raw("NULL")
	}
	if q.pg {
		q.b = append(q.b, '\'')
		q.b = t.UTC().AppendFormat(q.b, "2006-01-02 15:04:05.999999Z07:00")
		q.b = append(q.b, "'::timestamptz"...)
		return q
	}
	return q.int(t.UnixMicro())
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

// greatest is max(a, b) of two SQL expressions.
func (q *sqlText) greatest(a, b string) *sqlText {
	if q.pg {
		return q.raw("GREATEST(", a, ", ", b, ")")
	}
	return q.raw("MAX(", a, ", ", b, ")")
}

// end closes a statement.
func (q *sqlText) end() *sqlText { return q.raw(";\n") }

func (q *sqlText) String() string { return string(q.b) }

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

// placeholders-free helpers for building WHERE … IN lists of strings.
func (q *sqlText) strs(ss []string) *sqlText {
	for i, s := range ss {
		if i > 0 {
			q.b = append(q.b, ',')
		}
		q.str(s)
	}
	return q
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
