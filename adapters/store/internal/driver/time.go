package driver

import (
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"
)

// Time is a time as the store keeps it: timestamptz on Postgres, INTEGER
// microseconds since the Unix epoch on SQLite (exact comparisons, no text
// formats to get wrong). It scans either form, and as a bun model field or
// query argument it is written in the form of the database at hand; the
// zero time is NULL. bun's own time.Time would be text on SQLite.
type Time struct{ T time.Time }

// At wraps t.
func At(t time.Time) Time { return Time{T: t} }

// AppendQuery writes t for bun, in the dialect's form.
func (t Time) AppendQuery(gen schema.QueryGen, b []byte) ([]byte, error) {
	switch {
	case t.T.IsZero():
		return append(b, "NULL"...), nil
	case gen.Dialect().Name() == dialect.SQLite:
		return strconv.AppendInt(b, t.T.UnixMicro(), 10), nil
	}
	b = append(b, '\'')
	b = t.T.UTC().AppendFormat(b, "2006-01-02 15:04:05.999999Z07:00")
	return append(b, "'::timestamptz"...), nil
}

// Scan reads a time stored either way.
func (t *Time) Scan(v any) error {
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

func (t *Time) parse(s string) error {
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
