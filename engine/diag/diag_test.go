package diag

import (
	"strings"
	"testing"
)

func TestDiagnosticStringPointsAtColumn(t *testing.T) {
	src := NewSource("flows/g.yaml", []byte("nodes:\n  a:\n    next: confrim\n"))
	var l List
	l.Errorf(Pos{File: "flows/g.yaml", Line: 3, Col: 11}, "unknown-node", "unknown node %q", "confrim")
	src.Quote(l)
	got := l[0].String()
	want := "flows/g.yaml:3:11: error: unknown node \"confrim\" (unknown-node)\n   |     next: confrim\n   |           ^"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestListSortAndErr(t *testing.T) {
	var l List
	l.Warnf(Pos{File: "b.yaml", Line: 1, Col: 1}, "w", "warn")
	l.Errorf(Pos{File: "a.yaml", Line: 9, Col: 2}, "e2", "second")
	l.Errorf(Pos{File: "a.yaml", Line: 2, Col: 5}, "e1", "first")
	l.Sort()
	if l[0].Code != "e1" || l[1].Code != "e2" || l[2].Code != "w" {
		t.Fatalf("unsorted: %v", l)
	}
	err := l.Err()
	if err == nil || !strings.Contains(err.Error(), "a.yaml:2:5") || strings.Contains(err.Error(), "warn") {
		t.Fatalf("Err() = %v", err)
	}
	if (List{{Severity: Warning}}).Err() != nil {
		t.Fatal("warnings alone must not be an error")
	}
}

func TestPosString(t *testing.T) {
	cases := map[Pos]string{
		{File: "f"}:                  "f",
		{File: "f", Line: 3}:         "f:3",
		{File: "f", Line: 3, Col: 4}: "f:3:4",
	}
	for p, want := range cases {
		if p.String() != want {
			t.Errorf("%#v: got %q want %q", p, p.String(), want)
		}
	}
}
