package whatsapp

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFormatText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"**bold**", "*bold*"},
		{"__bold__", "*bold*"},
		{"*italic*", "_italic_"},
		{"_italic_", "_italic_"},
		{"~~strike~~", "~strike~"},
		{"~already~", "~already~"},
		{"`a **b** c`", "`a **b** c`"},
		{"```\n**kept**\n- kept\n```\n**after**", "```\n**kept**\n- kept\n```\n*after*"},
		{"[Portal](https://ex.gov.in/a_b)", "Portal (https://ex.gov.in/a_b)"},
		{"![map](https://ex.org/m.png)", "map (https://ex.org/m.png)"},
		{"[https://ex.org](https://ex.org)", "https://ex.org"},
		{"[Wiki](https://en.wikipedia.org/wiki/PIN_(India))", "Wiki (https://en.wikipedia.org/wiki/PIN_(India))"},
		{"See https://ex.org/a_b_c and *this*", "See https://ex.org/a_b_c and _this_"},
		{"- one\n* two\n+ three", "• one\n• two\n• three"},
		{"  - nested **b**", "  • nested *b*"},
		{"# Title", "*Title*"},
		{"## **Bold** title ##", "*Bold title*"},
		{"snake_case_name stays", "snake_case_name stays"},
		{"5 * 3 * 2", "5 * 3 * 2"},
		{"**bold with _it_ inside**", "*bold with _it_ inside*"},
		{"*a **b** c*", "_a *b* c_"},
		{`\*not italic\*`, "*not italic*"},
		{"**नमस्ते** दुनिया, _স্বাগতম_", "*नमस्ते* दुनिया, _স্বাগতম_"},
		{"***", "***"},
		{"1. first\n2. second", "1. first\n2. second"},
		{"**unclosed bold", "**unclosed bold"},
		{"a**b**c", "a**b**c"},
		{"** not bold **", "** not bold **"},
		{"(**Note:** bring ID)", "(*Note:* bring ID)"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := FormatText(tt.in); got != tt.want {
			t.Errorf("FormatText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatTextNeverLosesWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	atoms := []string{"word", "शब्द", "**", "*", "_", "__", "~~", "`", "[", "](", ")", "http://x.org/a_b", " ", " ", "\n", "- ", "# ", "\\"}
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(atoms[rng.IntN(len(atoms))])
		}
		in := b.String()
		out := FormatText(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q", in)
		}
		if strings.Count(out, "word") != strings.Count(in, "word") || strings.Count(out, "शब्द") != strings.Count(in, "शब्द") {
			t.Fatalf("words lost: %q → %q", in, out)
		}
	}
}

func TestSplitTextPrefersParagraphsThenSentencesThenWords(t *testing.T) {
	para := func(c string, n int) string { return strings.TrimSpace(strings.Repeat(c+" ", n)) }
	p1, p2, p3 := para("a", 1000), para("b", 1000), para("c", 1000) // 1999 characters each
	got := splitText(p1+"\n\n"+p2+"\n\n"+p3, MaxTextBody)
	if len(got) != 2 || got[0] != p1+"\n\n"+p2 || got[1] != p3 {
		t.Errorf("paragraph split: %d pieces, lengths %v", len(got), lens(got))
	}

	sentence := "The office is open from nine to five on weekdays. "
	long := strings.Repeat(sentence, 120)
	for i, piece := range splitText(long, MaxTextBody) {
		if chars(piece) > MaxTextBody || !strings.HasSuffix(piece, ".") {
			t.Errorf("sentence piece %d: %d chars, ends %q", i, chars(piece), piece[len(piece)-5:])
		}
	}

	hindi := strings.Repeat("कृपया अपना आधार नंबर न भेजें। ", 200)
	for i, piece := range splitText(hindi, 1000) {
		if chars(piece) > 1000 || !strings.HasSuffix(piece, "।") {
			t.Errorf("danda piece %d: %d chars, ends %q", i, chars(piece), string([]rune(piece)[chars(piece)-3:]))
		}
	}

	words := strings.Repeat("ration card renewal ", 400)
	for i, piece := range splitText(words, 100) {
		if chars(piece) > 100 {
			t.Errorf("word piece %d too long", i)
		}
		for _, w := range strings.Fields(piece) {
			if w != "ration" && w != "card" && w != "renewal" {
				t.Fatalf("word split: %q", w)
			}
		}
	}
}

func lens(ss []string) []int {
	var n []int
	for _, s := range ss {
		n = append(n, chars(s))
	}
	return n
}

func TestSplitTextHardCutsKeepCharactersWhole(t *testing.T) {
	// No spaces at all: Devanagari with combining vowel signs and viramas,
	// and emoji joined with zero-width joiners.
	for _, unit := range []string{"क्षत्रि", "👩\u200d💻", "e\u0301"} {
		s := strings.Repeat(unit, 300)
		pieces := splitText(s, 37)
		if strings.Join(pieces, "") != s {
			t.Fatalf("%q: pieces do not rebuild the text", unit)
		}
		for i, p := range pieces {
			first, _ := utf8.DecodeRuneInString(p)
			last, _ := utf8.DecodeLastRuneInString(p)
			if chars(p) > 37 || unicode.IsMark(first) || first == '\u200d' || last == '\u200d' {
				t.Fatalf("%q piece %d: %q", unit, i, p)
			}
		}
	}
}

func TestSplitTextKeepsFormattingAcrossPieces(t *testing.T) {
	bold := "*" + strings.TrimSpace(strings.Repeat("very important ", 40)) + "*"
	pieces := splitText("Note: "+bold, 120)
	if len(pieces) < 4 {
		t.Fatalf("%d pieces", len(pieces))
	}
	for i, p := range pieces[1:] {
		if chars(p) > 120 || !strings.HasPrefix(p, "*") || !strings.HasSuffix(p, "*") || len(formatSpans(p)) != 1 {
			t.Errorf("piece %d %q is not one whole bold span", i+1, p)
		}
	}
	code := "```" + strings.Repeat("line of code\n", 30) + "```"
	for i, p := range splitText(code, 100) {
		if chars(p) > 100 || !strings.HasPrefix(p, "```") || !strings.HasSuffix(p, "```") {
			t.Errorf("code piece %d: %q", i, p)
		}
	}
	// A clean cut is preferred to a cut inside a span.
	pieces = splitText("plain words here "+"*bold words*", 20)
	if pieces[0] != "plain words here" {
		t.Errorf("cut inside span although a clean cut existed: %q", pieces)
	}
}

func TestSplitTextProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	atoms := []string{"a", "bb", "नम", "স্বা", "😀", "👩\u200d💻", " ", " ", "\n", "\n\n", ". ", "। ", "*", "_", "~", "`", "```"}
	for n := range 2000 {
		var b strings.Builder
		for range rng.IntN(400) {
			b.WriteString(atoms[rng.IntN(len(atoms))])
		}
		s := b.String()
		limit := 8 + rng.IntN(60)
		pieces := splitText(s, limit)
		var rebuilt strings.Builder
		for i, p := range pieces {
			if p == "" || chars(p) > limit || !utf8.ValidString(p) {
				t.Fatalf("case %d limit %d: piece %d %q", n, limit, i, p)
			}
			rebuilt.WriteString(p)
		}
		// Without formatting markers, pieces hold exactly the text minus
		// white space at the cuts.
		if !strings.ContainsAny(s, "*_~`") && noSpace(rebuilt.String()) != noSpace(s) {
			t.Fatalf("case %d: content changed\n%q\n%q", n, s, pieces)
		}
		head, tail := splitTail(s, limit)
		if chars(tail) > limit || (strings.TrimSpace(s) != "" && tail == "") {
			t.Fatalf("case %d: tail %q (limit %d)", n, tail, limit)
		}
		if !strings.ContainsAny(s, "*_~`") && noSpace(head+tail) != noSpace(s) {
			t.Fatalf("case %d: splitTail changed content", n)
		}
	}
}

func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func TestSplitTailKeepsMenuWithLastParagraphs(t *testing.T) {
	p1 := strings.TrimSpace(strings.Repeat("First paragraph text. ", 30))  // 659 characters
	p2 := strings.TrimSpace(strings.Repeat("Second paragraph text. ", 20)) // 459 characters
	menu := "1. Yes\n2. No"
	head, tail := splitTail(p1+"\n\n"+p2+"\n\n"+menu, 1024)
	if tail != p2+"\n\n"+menu || head != p1 {
		t.Errorf("head %d chars, tail %q", chars(head), tail)
	}
	if h, tl := splitTail("short", 1024); h != "" || tl != "short" {
		t.Errorf("short: %q %q", h, tl)
	}
}

func TestTruncateChars(t *testing.T) {
	if got := truncateChars("Choose an office near you", 20); got != "Choose an office nea" {
		t.Errorf("got %q", got)
	}
	// "कि" is क + the vowel sign ि: cutting between them would leave a
	// bare letter that reads differently, so the whole syllable goes.
	s := strings.Repeat("क", 19) + "कि"
	if got := truncateChars(s, 20); got != strings.Repeat("क", 19) {
		t.Errorf("got %q (%d)", got, chars(got))
	}
}
