// Package pdf writes small, valid, one-page PDF documents of plain text: the
// vaccination certificates and tax receipts of the sample department APIs.
//
// It is written by hand rather than with a PDF library (codeberg.org/go-pdf/fpdf
// would do the job) because one page of Helvetica text with a few rules needs
// little code, and the sample server then depends on nothing beyond the
// standard library. The output follows PDF 1.4 (ISO 32000-1 describes the same
// structure):
//
//	%PDF-1.4                      header, then a comment of high bytes so
//	%âãÏÓ                         that tools treat the file as binary
//	1 0 obj … endobj              numbered objects: catalog, page tree, page,
//	…                             two fonts, the page's content stream, info
//	xref                          one 20-byte line per object: its byte offset
//	0 8                           from the start of the file
//	0000000000 65535 f
//	0000000015 00000 n
//	…
//	trailer << /Size 8 /Root 1 0 R /Info 7 0 R >>
//	startxref                     the byte offset of "xref"
//	%%EOF
//
// Text uses the standard Type 1 fonts Helvetica and Helvetica-Bold, which every
// PDF reader has, in WinAnsiEncoding; characters outside it are written as "?".
// The content stream is not compressed, so tests can read the text back.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// The size of an A4 page, in points (1/72 inch). Coordinates start at the
// bottom-left corner.
const (
	Width  = 595.28
	Height = 841.89
)

// Page is one page being drawn. The zero value is not usable; call New.
type Page struct {
	content bytes.Buffer
}

// New returns an empty A4 page.
func New() *Page { return &Page{} }

// Text writes s in Helvetica (or Helvetica-Bold) of the given size, its
// baseline starting at (x, y).
func (p *Page) Text(x, y, size float64, bold bool, s string) {
	font := "F1"
	if bold {
		font = "F2"
	}
	fmt.Fprintf(&p.content, "BT /%s %s Tf %s %s Td %s Tj ET\n", font, num(size), num(x), num(y), literal(encode(s)))
}

// TextRight writes s so that it ends at x.
func (p *Page) TextRight(x, y, size float64, bold bool, s string) {
	p.Text(x-TextWidth(s, size, bold), y, size, bold, s)
}

// TextCenter writes s centred on x.
func (p *Page) TextCenter(x, y, size float64, bold bool, s string) {
	p.Text(x-TextWidth(s, size, bold)/2, y, size, bold, s)
}

// Rule draws a straight line of the given width from (x1, y1) to (x2, y2).
func (p *Page) Rule(x1, y1, x2, y2, width float64) {
	fmt.Fprintf(&p.content, "%s w %s %s m %s %s l S\n", num(width), num(x1), num(y1), num(x2), num(y2))
}

// Box draws the outline of a rectangle whose bottom-left corner is (x, y).
func (p *Page) Box(x, y, w, h, width float64) {
	fmt.Fprintf(&p.content, "%s w %s %s %s %s re S\n", num(width), num(x), num(y), num(w), num(h))
}

// Shade fills a rectangle with a grey level (0 black, 1 white) and sets the
// fill colour back to black for the text that follows.
func (p *Page) Shade(x, y, w, h, gray float64) {
	fmt.Fprintf(&p.content, "%s g %s %s %s %s re f 0 g\n", num(gray), num(x), num(y), num(w), num(h))
}

// Info is the document's metadata, shown by readers in its properties.
type Info struct {
	Title    string
	Subject  string
	Producer string
	Created  time.Time
}

// Bytes returns the whole document. The same page and info give the same
// bytes.
func (p *Page) Bytes(info Info) []byte {
	stream := p.content.Bytes()
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>", num(Width), num(Height)),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		fmt.Sprintf("<< /Title %s /Subject %s /Producer %s /CreationDate %s >>",
			literal(encode(info.Title)), literal(encode(info.Subject)), literal(encode(info.Producer)), literal([]byte(pdfDate(info.Created)))),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	// Each cross-reference entry is exactly 20 bytes: 10-digit offset, space,
	// 5-digit generation, space, n or f, and a two-byte end of line.
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, len(objects), xref)
	return b.Bytes()
}

// Wrap breaks s into lines no wider than width when set in the given font.
// A word longer than the width stays whole on its own line.
func Wrap(s string, size float64, bold bool, width float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if line != "" && TextWidth(try, size, bold) > width {
			lines = append(lines, line)
			try = word
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// TextWidth is the width of s in points when set in Helvetica (or
// Helvetica-Bold) of the given size, from the fonts' published metrics.
func TextWidth(s string, size float64, bold bool) float64 {
	widths := &helvetica
	if bold {
		widths = &helveticaBold
	}
	units := 0
	for _, c := range encode(s) {
		if c >= 32 && c <= 126 {
			units += int(widths[c-32])
		} else {
			units += 556
		}
	}
	return float64(units) * size / 1000
}

// num formats a coordinate with at most two decimals and no trailing zeros.
func num(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// literal writes bytes as a PDF literal string: parentheses and backslashes
// escaped, bytes outside printable ASCII as octal escapes.
func literal(b []byte) string {
	var s strings.Builder
	s.WriteByte('(')
	for _, c := range b {
		switch {
		case c == '(' || c == ')' || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c < 32 || c > 126:
			fmt.Fprintf(&s, "\\%03o", c)
		default:
			s.WriteByte(c)
		}
	}
	s.WriteByte(')')
	return s.String()
}

// winAnsi maps the characters above Latin-1's range that WinAnsiEncoding
// places in 0x80–0x9F.
var winAnsi = map[rune]byte{
	'€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, '‰': 0x89,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '™': 0x99,
}

// encode converts text to WinAnsiEncoding bytes. The rupee sign has no place
// in it and becomes "Rs."; anything else without a place becomes "?".
func encode(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r == '₹':
			out = append(out, "Rs."...)
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			out = append(out, byte(r))
		case winAnsi[r] != 0:
			out = append(out, winAnsi[r])
		default:
			out = append(out, '?')
		}
	}
	return out
}

// pdfDate formats a time as a PDF date: D:YYYYMMDDHHmmSS+HH'mm'.
func pdfDate(t time.Time) string {
	_, offset := t.Zone()
	sign := '+'
	if offset < 0 {
		sign, offset = '-', -offset
	}
	return fmt.Sprintf("D:%s%c%02d'%02d'", t.Format("20060102150405"), sign, offset/3600, offset%3600/60)
}

// Advance widths of the printable ASCII characters (32–126), in thousandths
// of the font size, from Adobe's metrics of the standard fonts.
var helvetica = [95]uint16{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
}

var helveticaBold = [95]uint16{
	278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
	975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
	333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
	611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
}
