package whatsapp

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/script"
)

// Splitting long text into messages.
//
// A cut is a byte position p: the piece before it is s[:p] with trailing
// space trimmed, the piece after it s[p:] with leading space trimmed. Cuts
// are graded: a paragraph break is best, then a line break, then the end of
// a sentence (".", "?", "!", "।", "॥"), then a space, and only when nothing
// else exists a character boundary (never inside a multi-byte character,
// before a combining mark, or around a zero-width joiner). A cut inside a
// formatting span (*bold*, _italic_, ~strike~, `code`, ```block```) is
// avoided; when it cannot be, the span is closed at the end of the first
// piece and opened again at the start of the next, so formatting survives.

const (
	levelParagraph = iota
	levelLine
	levelSentence
	levelWord
	levelRune
)

type cut struct {
	pos   int // byte offset
	char  int // character offset (the number of characters before pos)
	level int
	// open are the formatting markers open at pos, outermost first.
	open []string
}

type span struct {
	start, end int
	marker     string
}

// formatSpans finds the WhatsApp formatting spans of s.
func formatSpans(s string) []span {
	var spans []span
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '`':
			if strings.HasPrefix(s[i:], "```") {
				if j := strings.Index(s[i+3:], "```"); j >= 0 {
					spans = append(spans, span{i, i + 3 + j + 3, "```"})
					i += 3 + j + 2
					continue
				}
				i += 2
				continue
			}
			if j := strings.IndexAny(s[i+1:], "`\n"); j >= 0 && s[i+1+j] == '`' {
				spans = append(spans, span{i, i + 1 + j + 1, "`"})
				i += 1 + j
			}
		case '*', '_', '~':
			if _, end, ok := delimited(s, i, s[i:i+1]); ok {
				spans = append(spans, span{i, end, s[i : i+1]})
			}
		}
	}
	return spans
}

// cuts lists the possible cuts of s between characters from and to (inclusive)
// with their grades, in order.
func cuts(s string, from, to int) []cut {
	spans := formatSpans(s)
	var active []span
	var cs []cut
	next := 0
	prev := rune(-1)
	char := -1
	for p, r := range s {
		char++
		if p == 0 || char < from {
			prev = r
			continue
		}
		if char > to {
			break
		}
		level := cutLevel(s, p, r, prev)
		prev = r
		for next < len(spans) && spans[next].start < p {
			active = append(active, spans[next])
			next++
		}
		kept := active[:0]
		for _, sp := range active {
			if sp.end > p {
				kept = append(kept, sp)
			}
		}
		active = kept
		if level < 0 {
			continue
		}
		c := cut{pos: p, char: char, level: level}
		for _, sp := range active {
			c.open = append(c.open, sp.marker)
		}
		cs = append(cs, c)
	}
	return cs
}

// cutLevel grades a cut before rune r at byte p (prev is the rune before
// it); -1 means no cut is allowed there.
func cutLevel(s string, p int, r, prev rune) int {
	switch {
	case r == '\n':
		rest := strings.TrimLeft(s[p+1:], " \t")
		if strings.HasPrefix(rest, "\n") {
			return levelParagraph
		}
		return levelLine
	case r == ' ' || r == '\t':
		if strings.ContainsRune(".!?।॥…", prev) {
			return levelSentence
		}
		return levelWord
	case unicode.IsMark(r) || unicode.Is(unicode.Sk, r) || r == '\u200d' || r == '\u200c' || prev == '\u200d' || unicode.IsSpace(prev):
		return -1
	case r < utf8.RuneSelf && prev < utf8.RuneSelf && r == prev && strings.ContainsRune("`*_~", r):
		return -1 // inside a marker such as ``` or **
	}
	return levelRune
}

// markerChars is how many characters closing (or reopening) markers add.
func markerChars(open []string) int {
	n := 0
	for _, m := range open {
		n += len(m)
	}
	return n
}

// piece returns the two sides of cut c, with open spans closed and reopened.
func (c cut) piece(s string) (head, tail string) {
	head = strings.TrimRightFunc(s[:c.pos], unicode.IsSpace)
	tail = strings.TrimLeftFunc(s[c.pos:], unicode.IsSpace)
	for i := len(c.open) - 1; i >= 0; i-- {
		head += c.open[i]
	}
	return head, strings.Join(c.open, "") + tail
}

// splitText cuts s into pieces of at most limit characters each.
func splitText(s string, limit int) []string {
	s = strings.TrimSpace(s)
	var out []string
	for chars(s) > limit {
		c, ok := bestHeadCut(s, limit)
		if !ok {
			// Not even one character fits before a legal cut (a run of
			// combining marks longer than limit): cut on any rune boundary.
			c = cut{pos: byteIndexOfChar(s, limit)}
		}
		head, tail := c.piece(s)
		if len(tail) >= len(s) { // cannot happen with the checks above; never loop
			c = cut{pos: byteIndexOfChar(s, limit)}
			head, tail = c.piece(s)
		}
		out = append(out, head)
		s = tail
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// bestHeadCut picks the cut that makes the longest good first piece of at
// most limit characters: the best grade whose piece is at least half the
// limit, else the longest piece at any grade; clean cuts before cuts inside
// a formatting span, word-or-better grades before character cuts.
func bestHeadCut(s string, limit int) (cut, bool) {
	all := cuts(s, 1, limit)
	// s starts with a non-space, so every head is non-empty; trimming only
	// shortens it, so char + markers bounds its length.
	// The piece must also hold more than the markers it reopens, or the
	// rest would not get shorter.
	fits := func(c cut) bool {
		m := markerChars(c.open)
		return c.char+m <= limit && c.char > m
	}
	for _, clean := range []bool{true, false} {
		var best [levelRune + 1]*cut
		for i := range all {
			c := &all[i]
			if (len(c.open) == 0) != clean || !fits(*c) {
				continue
			}
			if best[c.level] == nil || c.pos > best[c.level].pos {
				best[c.level] = c
			}
		}
		for level := levelParagraph; level <= levelWord; level++ {
			if c := best[level]; c != nil && 2*c.char >= limit {
				return *c, true
			}
		}
		var longest *cut
		for level := levelParagraph; level <= levelWord; level++ {
			if c := best[level]; c != nil && (longest == nil || c.pos > longest.pos) {
				longest = c
			}
		}
		if longest != nil {
			return *longest, true
		}
	}
	for _, clean := range []bool{true, false} {
		var best *cut
		for i := range all {
			c := &all[i]
			if c.level == levelRune && (len(c.open) == 0) == clean && fits(*c) && (best == nil || c.pos > best.pos) {
				best = c
			}
		}
		if best != nil {
			return *best, true
		}
	}
	return cut{}, false
}

// splitTail splits s so that the tail has at most limit characters and is
// as long as the best available grade of cut allows; head may be empty.
func splitTail(s string, limit int) (head, tail string) {
	s = strings.TrimSpace(s)
	total := chars(s)
	if total <= limit {
		return "", s
	}
	all := cuts(s, max(1, total-limit), total-1)
	// The tail is at most total-char characters plus reopened markers.
	fits := func(c cut) bool { return total-c.char+markerChars(c.open) <= limit }
	for _, pass := range []struct {
		clean          bool
		fromLvl, toLvl int
	}{
		{true, levelParagraph, levelWord},
		{false, levelParagraph, levelWord},
		{true, levelRune, levelRune},
		{false, levelRune, levelRune},
	} {
		for level := pass.fromLvl; level <= pass.toLvl; level++ {
			for _, c := range all { // earliest first: the longest tail
				if c.level == level && (len(c.open) == 0) == pass.clean && fits(c) {
					return c.piece(s)
				}
			}
		}
	}
	// Only reachable when no legal cut exists near the end (a long run of
	// combining marks); keep the last limit characters.
	p := byteIndexOfChar(s, total-limit)
	return s[:p], s[p:]
}

// byteIndexOfChar returns the byte offset of the n-th character of s.
func byteIndexOfChar(s string, n int) int {
	i := 0
	for p := range s {
		if i == n {
			return p
		}
		i++
	}
	return len(s)
}

// truncateChars shortens s to at most n characters without cutting a
// syllable in two (script.Cut), and trims the spaces around it.
func truncateChars(s string, n int) string {
	return strings.TrimSpace(script.Cut(strings.TrimSpace(s), max(n, 0)))
}
