package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func sample() []byte {
	p := New()
	p.Shade(40, 760, 515, 40, 0.9)
	p.TextCenter(Width/2, 775, 16, true, "Property Tax Receipt")
	p.Text(50, 720, 11, false, "Owner: Farida (Yusuf) Shaikh \\ Bandra – ₹3,150 paid")
	p.TextRight(545, 700, 11, true, "Rs. 3,150")
	p.Rule(40, 690, 555, 690, 0.5)
	p.Box(40, 40, 515, 760, 1)
	return p.Bytes(Info{Title: "Receipt CHN-2627-500001", Subject: "Property tax", Producer: "test",
		Created: time.Date(2026, 5, 14, 10, 30, 0, 0, time.FixedZone("IST", 19800))})
}

func TestBytesIsAValidPDF(t *testing.T) {
	t.Parallel()
	doc := sample()
	if err := Check(doc); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"(Property Tax Receipt) Tj",
		`(Owner: Farida \(Yusuf\) Shaikh \\ Bandra \226 Rs.3,150 paid) Tj`,
		"/CreationDate (D:20260514103000+05'30')",
	} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("the document lacks %q", want)
		}
	}
	if !bytes.Equal(doc, sample()) {
		t.Error("the same page gave different bytes")
	}
}

func TestCheckFindsABrokenDocument(t *testing.T) {
	t.Parallel()
	doc := sample()
	// Point the entry of object 1 one byte past it.
	broken := bytes.Clone(doc)
	entry := bytes.Index(broken, []byte("xref\n0 8\n")) + len("xref\n0 8\n") + 20
	copy(broken[entry:], fmt.Sprintf("%010d", 16))
	if err := Check(broken); err == nil || !strings.Contains(err.Error(), "object 1") {
		t.Fatalf("a wrong offset passed, or failed for another reason: %v", err)
	}
	// A stream longer than its /Length says.
	longer := bytes.Replace(doc, []byte(" Tj ET\n"), []byte(" Tj ET \n"), 1)
	if err := Check(longer); err == nil {
		t.Fatal("a stream of the wrong length passed")
	}
	if err := Check(doc[:len(doc)-10]); err == nil {
		t.Fatal("a truncated document passed")
	}
}

func TestWrapKeepsLinesWithinTheWidth(t *testing.T) {
	t.Parallel()
	text := "Flat 402, Sea Breeze Co-operative Housing Society, Carter Road, Bandra West, Mumbai 400050"
	lines := Wrap(text, 10, false, 150)
	if len(lines) < 3 {
		t.Fatalf("wrapped into %d lines: %q", len(lines), lines)
	}
	for _, l := range lines {
		if w := TextWidth(l, 10, false); w > 150 {
			t.Errorf("line %q is %.1f pt wide", l, w)
		}
	}
	if strings.Join(lines, " ") != text {
		t.Errorf("wrapping lost words: %q", lines)
	}
}

func TestTextWidthUsesTheFontMetrics(t *testing.T) {
	t.Parallel()
	// "0" is 556/1000 of the size in both fonts; "i" is narrower in the regular one.
	if got := TextWidth("00", 10, false); got != 11.12 {
		t.Errorf("width of 00 at 10 pt = %v, want 11.12", got)
	}
	if TextWidth("iii", 10, false) >= TextWidth("iii", 10, true) {
		t.Error("bold i is not wider than regular i")
	}
}
