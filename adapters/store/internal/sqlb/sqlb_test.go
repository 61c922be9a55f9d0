package sqlb

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"
)

func pgGen() schema.QueryGen { return schema.NewQueryGen(pgdialect.New()) }

// On SQLite, rows go in chunks of 16, 8, 4, 2 and 1, so that a handful of
// statement texts serve any count; each chunk keeps its own arguments, in
// order.
func TestEachChunksRowsOnSQLite(t *testing.T) {
	t.Parallel()
	q := New(Args, schema.QueryGen{})
	q.Each(27, "INSERT INTO t (a) VALUES ", func(i int) { q.Raw("(").Int(int64(i)).Raw(")") }, "")
	var sizes []int
	next := int64(0)
	for _, st := range q.Statements() {
		sizes = append(sizes, len(st.Args))
		if strings.Count(st.Text, "?") != len(st.Args) {
			t.Fatalf("%q has %d arguments", st.Text, len(st.Args))
		}
		for _, a := range st.Args {
			if a != next {
				t.Fatalf("argument %v, want %d: rows out of order", a, next)
			}
			next++
		}
	}
	if got := fmt.Sprint(sizes); got != "[16 8 2 1]" {
		t.Fatalf("chunks of %v rows, want [16 8 2 1]", sizes)
	}
}

// In Prepared mode values become $1…$n, their literals kept apart; a text
// given with EndAs replaces what was built.
func TestPreparedKeepsLiteralsApart(t *testing.T) {
	t.Parallel()
	q := New(Prepared, pgGen())
	at := time.Date(2026, 5, 21, 10, 0, 0, 0, time.UTC)
	q.Raw("UPDATE t SET a = ").Str("it's ? here").Raw(", b = ").Time(at).Raw(" WHERE id = ").Int(7).End()
	q.Str("w").Bool(true).EndAs("SELECT $1, $2")
	sts := q.Statements()
	if len(sts) != 2 {
		t.Fatalf("%d statements, want 2", len(sts))
	}
	if sts[0].Text != "UPDATE t SET a = $1, b = $2 WHERE id = $3" {
		t.Fatalf("text %q", sts[0].Text)
	}
	var lits []string
	sts[0].Literals(func(_ int, lit string) { lits = append(lits, lit) })
	want := []string{`'it''s ? here'`, `'2026-05-21 10:00:00Z'::timestamptz`, "7"}
	if fmt.Sprint(lits) != fmt.Sprint(want) {
		t.Fatalf("literals %q, want %q", lits, want)
	}
	lits = nil
	sts[1].Literals(func(_ int, lit string) { lits = append(lits, lit) })
	if sts[1].Text != "SELECT $1, $2" || fmt.Sprint(lits) != "['w' TRUE]" {
		t.Fatalf("EndAs statement %q with %q", sts[1].Text, lits)
	}
}

// Text is cleaned the same way on both databases: no NUL, valid UTF-8;
// nil bytes and the zero time are NULL.
func TestValuesOnBothDatabases(t *testing.T) {
	t.Parallel()
	lit := New(Literal, pgGen())
	lit.Str("a\x00b\xff").Raw(", ").Bytes(nil).Raw(", ").Time(time.Time{}).End()
	if got := lit.Text(); got != "'ab\uFFFD', NULL::bytea, NULL::timestamptz;\n" {
		t.Fatalf("Postgres text %q", got)
	}
	args := New(Args, schema.QueryGen{})
	args.Str("a\x00b\xff").Raw(", ").Bytes(nil).Raw(", ").Time(time.UnixMicro(42)).Raw(", ").Bool(true).End()
	st := args.Statements()[0]
	if fmt.Sprint(st.Args) != fmt.Sprint([]any{"ab\uFFFD", nil, int64(42), int64(1)}) {
		t.Fatalf("SQLite arguments %#v", st.Args)
	}
	if TrimTo("नमस्ते", 4) != "न" {
		t.Fatalf("TrimTo cut inside a rune: %q", TrimTo("नमस्ते", 4))
	}
}
