package yamlx

import (
	"strings"
	"testing"
)

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

func TestSyntaxErrorPointsAtTheProblem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		doc       string
		line, col int
	}{
		// yaml.v3 names line 2 (where the list began) and no column.
		{"name: x\nturns:\n  - say: hi\n    bot:\n      - text: a\n     - text: b\n", 6, 6},
		{"name: x\nturns:\n  - say: hi\n  bot: []\n", 4, 3},
		{"turns:\n  - say: hi\n     bot: []\n", 3, 6},
		{"name: x\n  turns: 1\n", 2, 3},
		// A colon inside a value is the problem itself.
		{"turns:\n  - say: hello: world\n", 2, 15},
		{"turns:\n  - say: नमस्ते: दुनिया\n", 2, 16},
		{"turns:\n  - say: hi\n\tbot: []\n", 3, 1},
		// Unclosed quotes and brackets are placed where they open.
		{"turns:\n  - say: \"hi\n  - say: x\n", 2, 10},
		{"name: x\nname2: 'abc\n", 2, 8},
		{"a: 1\nb: [1, 2\nc: 3\n", 2, 5},
		{"a: b\n@c: d\n", 2, 1},
		{"a: `b`\n", 1, 4},
	}
	for _, c := range cases {
		_, d := Parse("t.yaml", []byte(c.doc))
		if d == nil {
			t.Errorf("%q parsed", c.doc)
			continue
		}
		if d.Pos.Line != c.line || d.Pos.Col != c.col || d.Code != "yaml-syntax" {
			t.Errorf("%q: at %d:%d (%s), want %d:%d", c.doc, d.Pos.Line, d.Pos.Col, d.Message, c.line, c.col)
		}
		if strings.Contains(d.Message, "line ") {
			t.Errorf("%q: the message repeats yaml.v3's line, which may be another: %s", c.doc, d.Message)
		}
	}
}
