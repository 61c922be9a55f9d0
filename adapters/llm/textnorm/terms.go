package textnorm

import (
	"unicode"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/script"
)

// The special terms that stand for a shape rather than a spelling.
const (
	// TermReference stands for a docket reference such as GRV-26-4821-6K.
	TermReference = "#ref"
	// TermPIN stands for a six-digit PIN code.
	TermPIN = "#pin"
	// TermNumber stands for any other number of five digits or more.
	TermNumber = "#num"
)

// Terms appends the search terms of s to dst and returns the extended
// slice. The same text always gives the same terms, in the order of the
// words they come from; stop words give none.
//
//	Terms(nil, "Meri shikaayat ka kya hua?") == ["sikeat", "kia", "hua"]
func Terms(dst []string, s string) []string {
	var buf []byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		if isASCIILetter(r) && !wordBefore(s, i) {
			if end, ok := referenceAt(s, i); ok {
				dst = append(dst, TermReference)
				i = end
				continue
			}
		}
		end := wordEnd(s, i)
		var term string
		term, buf = wordTerm(s[i:end], buf)
		if term != "" {
			dst = append(dst, term)
		}
		i = end
	}
	return dst
}

// isWordRune reports whether r belongs in a word: a letter, a combining
// mark, a digit, or a zero-width (non-)joiner.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIILetter(r) || ('0' <= r && r <= '9')
	}
	return r == zwnj || r == zwj || unicode.IsLetter(r) || unicode.IsMark(r) || script.IsDigit(r)
}

const (
	zwnj = '\u200C'
	zwj  = '\u200D'
)

func isASCIILetter(r rune) bool { return 'a' <= r|0x20 && r|0x20 <= 'z' }

// wordEnd returns the offset after the word that starts at s[i].
func wordEnd(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			break
		}
		i += size
	}
	return i
}

// wordBefore reports whether the rune before s[i] is part of a word.
func wordBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isWordRune(r)
}

// wordTerm returns the term of one word ("" when it has none) and the
// scratch buffer for the next call.
func wordTerm(w string, buf []byte) (string, []byte) {
	letters, digits, xs := 0, 0, 0
	var first rune = -1
	for _, r := range w {
		switch {
		case script.IsDigit(r):
			digits++
		case r == 'x' || r == 'X':
			xs++
			letters++
		case unicode.IsLetter(r):
			letters++
		}
		if first < 0 && unicode.IsLetter(r) {
			first = r
		}
	}
	switch {
	case letters == 0 && digits > 0:
		return numberTerm(w, digits), buf
	case xs >= 2 && xs == letters:
		return "", buf // a redaction mask such as XXXX or XXXXXXXX10
	case first < 0:
		return "", buf
	}
	if script.ScriptOf(first) == script.Latin {
		return latinTerm(w, buf)
	}
	return indicTerm(w, buf)
}

// numberTerm is the term of a word made of digits only.
func numberTerm(w string, digits int) string {
	switch {
	case digits == 6 && !startsWithZero(w):
		return TermPIN
	case digits >= 5:
		return TermNumber
	}
	return script.ASCIIDigits(w)
}

func startsWithZero(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	v, _ := script.DigitValue(r)
	return v == 0
}

// referenceAt reports whether a docket reference starts at s[i] (an
// ASCII letter at the start of a word) and where it ends: one to six
// letters, then two digits, four digits, and either four digits and a
// letter or digit (GRV-26-4821-7305-A) or, in the older form, two letters
// or digits (GRV-26-4821-6K), with spaces or hyphens between the parts or
// not. Only the shape counts: a mistyped reference still says that the
// citizen asks about a docket.
func referenceAt(s string, i int) (int, bool) {
	n := 0
	for i < len(s) && isASCIILetter(rune(s[i])) {
		i++
		n++
	}
	if n > 6 {
		return 0, false
	}
	i, ok := refPart(s, i, 2, false)
	if ok {
		i, ok = refPart(s, i, 4, false)
	}
	if !ok {
		return 0, false
	}
	if j, ok := refPart(s, i, 4, false); ok {
		if j, ok = refPart(s, j, 1, true); ok && refEnds(s, j) {
			return j, true
		}
	}
	if j, ok := refPart(s, i, 2, true); ok && refEnds(s, j) {
		return j, true
	}
	return 0, false
}

// refPart reads a part of a reference of width characters at s[i], after
// any spaces or hyphens: digits of any system, or ASCII letters too when
// letters is set. It returns where the part ends.
func refPart(s string, i, width int, letters bool) (int, bool) {
	for i < len(s) && (s[i] == '-' || s[i] == ' ') {
		i++
	}
	for range width {
		if i >= len(s) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !script.IsDigit(r) && (!letters || !isASCIILetter(r)) {
			return 0, false
		}
		i += size
	}
	return i, true
}

// refEnds reports whether a reference may end at s[i]: the end of the
// text, or a character that is not part of a word.
func refEnds(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWordRune(r)
}
