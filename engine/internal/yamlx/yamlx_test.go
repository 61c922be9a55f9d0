package yamlx

import "testing"

func TestParseSyntaxErrorHasLine(t *testing.T) {
	_, d := Parse("f.yaml", []byte("a: 1\nb: [1, 2\nc: 3\n"))
	if d == nil {
		t.Fatal("expected a syntax diagnostic")
	}
	if d.Pos.File != "f.yaml" || d.Pos.Line == 0 || d.Code != "yaml-syntax" {
		t.Fatalf("diagnostic lacks position: %+v", d)
	}
}

func TestPairsKeepsOrderAndPositions(t *testing.T) {
	n, d := Parse("f.yaml", []byte("z: 1\na:\n  b: 2\n"))
	if d != nil {
		t.Fatal(d)
	}
	p := Pairs(n)
	if len(p) != 2 || p[0][0].Value != "z" || p[1][0].Value != "a" {
		t.Fatalf("pairs out of order: %v", p)
	}
	if pos := Pos("f.yaml", Pairs(p[1][1])[0][1]); pos.Line != 3 || pos.Col != 6 {
		t.Fatalf("wrong position %v", pos)
	}
}

func TestParseEmptyDocument(t *testing.T) {
	n, d := Parse("f.yaml", nil)
	if d != nil || n == nil || len(Pairs(n)) != 0 {
		t.Fatalf("empty doc: %v %v", n, d)
	}
}
