package driver

import (
	"testing"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/schema"
)

// A Time is written in each database's form, and read back from any of
// the forms a driver hands over.
func TestTimeBothForms(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 21, 10, 0, 0, 123456000, time.UTC)
	for _, tc := range []struct {
		gen  schema.QueryGen
		want string
	}{
		{schema.NewQueryGen(pgdialect.New()), "'2026-05-21 10:00:00.123456Z'::timestamptz"},
		{schema.NewQueryGen(sqlitedialect.New()), "1779357600123456"},
	} {
		b, err := At(at).AppendQuery(tc.gen, nil)
		if err != nil || string(b) != tc.want {
			t.Errorf("%s: %q (%v), want %q", tc.gen.Dialect().Name(), b, err, tc.want)
		}
		if b, _ := (Time{}).AppendQuery(tc.gen, nil); string(b) != "NULL" {
			t.Errorf("%s: the zero time is %q, want NULL", tc.gen.Dialect().Name(), b)
		}
	}
	for _, v := range []any{at, at.UnixMicro(), "2026-05-21 10:00:00.123456+00", []byte("1779357600123456")} {
		var got Time
		if err := got.Scan(v); err != nil || !got.T.Equal(at) {
			t.Errorf("Scan(%#v) = %v (%v), want %v", v, got.T, err, at)
		}
	}
	var got Time
	if err := got.Scan(3.5); err == nil {
		t.Error("Scan of a float: no error")
	}
}
