package whatsapp

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FormatText turns the engine's Markdown-ish text into WhatsApp's own
// formatting:
//
//	**bold**, __bold__   → *bold*
//	*italic*, _italic_   → _italic_
//	~~strike~~           → ~strike~
//	`code`, ```block```  → kept as they are (WhatsApp shows them monospaced)
//	[label](url)         → label (url)
//	- item, * item       → • item
//	# Heading            → *Heading*
//
// Markers only count where Markdown would see them (an opening marker
// follows a space or punctuation and precedes a non-space), so snake_case
// words, URLs and "5 * 3" are left alone. A backslash escapes a marker.
func FormatText(md string) string {
	if md == "" {
		return ""
	}
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	inFence := false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if strings.Count(trimmed, "```") == 1 || trimmed == "```" {
				inFence = !inFence
			}
			continue
		}
		if inFence {
			continue
		}
		lines[i] = formatLine(line)
	}
	return strings.Join(lines, "\n")
}

var (
	headingLine = regexp.MustCompile(`^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$`)
	bulletLine  = regexp.MustCompile(`^(\s*)[-*+]\s+(.*)$`)
)

func formatLine(line string) string {
	if m := headingLine.FindStringSubmatch(line); m != nil {
		// The heading is bold as a whole, so bold markers inside it go.
		inner := strings.TrimSpace(formatInline(strings.NewReplacer("**", "", "__", "").Replace(m[1])))
		if inner == "" {
			return ""
		}
		return "*" + inner + "*"
	}
	if m := bulletLine.FindStringSubmatch(line); m != nil && !isRule(line) {
		return m[1] + "• " + formatInline(m[2])
	}
	return formatInline(line)
}

// isRule reports a horizontal rule such as "***" or "- - -".
func isRule(line string) bool {
	t := strings.ReplaceAll(strings.TrimSpace(line), " ", "")
	return len(t) >= 3 && (strings.Trim(t, "-") == "" || strings.Trim(t, "*") == "")
}

// formatInline converts the inline markers of one line.
func formatInline(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if n, ok := inlineToken(&b, s, i); ok {
			i = n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// inlineToken writes the token starting at s[i], if there is one, and
// returns the index after it.
func inlineToken(b *strings.Builder, s string, i int) (int, bool) {
	c := s[i]
	switch {
	case c == '\\' && i+1 < len(s) && strings.IndexByte("\\`*_~[]()#-+!", s[i+1]) >= 0:
		b.WriteByte(s[i+1])
		return i + 2, true
	case c == '`':
		n := run(s, i, '`')
		if j := strings.Index(s[i+n:], s[i:i+n]); j >= 0 {
			b.WriteString(s[i : i+n+j+n])
			return i + n + j + n, true
		}
		b.WriteString(s[i : i+n])
		return i + n, true
	case (c == 'h' || c == 'H') && wordStart(s, i) && isURLStart(s[i:]):
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		b.WriteString(s[i:j])
		return j, true
	case c == '[' || (c == '!' && i+1 < len(s) && s[i+1] == '['):
		return writeLink(b, s, i)
	case c == '*' || c == '_':
		if i+1 < len(s) && s[i+1] == c {
			if inner, end, ok := delimited(s, i, s[i:i+2]); ok {
				b.WriteString("*" + formatInline(inner) + "*")
				return end, true
			}
			b.WriteString(s[i : i+2])
			return i + 2, true
		}
		if inner, end, ok := delimited(s, i, s[i:i+1]); ok {
			b.WriteString("_" + formatInline(inner) + "_")
			return end, true
		}
	case c == '~' && strings.HasPrefix(s[i:], "~~"):
		if inner, end, ok := delimited(s, i, "~~"); ok {
			b.WriteString("~" + formatInline(inner) + "~")
			return end, true
		}
	}
	return 0, false
}

func run(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

func isURLStart(s string) bool {
	l := strings.ToLower(s[:min(len(s), 8)])
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// writeLink converts [label](url) (and the image form ![alt](url)).
func writeLink(b *strings.Builder, s string, i int) (int, bool) {
	start := i
	if s[i] == '!' {
		start++
	}
	closeLabel := strings.IndexByte(s[start:], ']')
	if closeLabel < 0 || start+closeLabel+1 >= len(s) || s[start+closeLabel+1] != '(' {
		return 0, false
	}
	label := s[start+1 : start+closeLabel]
	urlStart := start + closeLabel + 2
	depth, end := 1, -1
	for j := urlStart; j < len(s); j++ {
		if s[j] == '(' {
			depth++
		} else if s[j] == ')' {
			if depth--; depth == 0 {
				end = j
				break
			}
		}
	}
	if end < 0 {
		return 0, false
	}
	url := strings.TrimSpace(s[urlStart:end])
	label = strings.TrimSpace(label)
	switch {
	case url == "":
		b.WriteString(formatInline(label))
	case label == "" || label == url:
		b.WriteString(url)
	default:
		b.WriteString(formatInline(label) + " (" + url + ")")
	}
	return end + 1, true
}

// delimited finds the span opened by marker at s[i]: the opener must start
// a word and precede a non-space, the closer must follow a non-space and end
// a word, and the span stays on its line.
func delimited(s string, i int, marker string) (inner string, end int, ok bool) {
	open := i + len(marker)
	if open >= len(s) || !wordStart(s, i) || isSpaceByte(s[open]) {
		return "", 0, false
	}
	for j := open + 1; j+len(marker) <= len(s); j++ {
		if s[j] == '\n' {
			return "", 0, false
		}
		if !strings.HasPrefix(s[j:], marker) || isSpaceByte(s[j-1]) {
			continue
		}
		after := j + len(marker)
		if len(marker) == 1 && after < len(s) && s[after] == marker[0] {
			j++ // part of a double marker
			continue
		}
		if !wordEnd(s, after) {
			continue
		}
		return s[open:j], after, true
	}
	return "", 0, false
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

// wordStart reports whether s[i] begins a word: nothing, a space or
// punctuation before it.
func wordStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

// wordEnd reports whether position i ends a word.
func wordEnd(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWordRune(r)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}
