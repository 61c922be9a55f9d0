package script

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// refAlphabet holds the characters of the last part of a docket
// reference; the package documentation says how they were chosen. Its
// length, 23, is prime, which the check character relies on.
const refAlphabet = "346789ACDEFHJKMNPRTVWXY"

const (
	refMaxPrefix = 6
	refModulus   = len(refAlphabet) // a prime
)

// NewReference returns a new docket reference such as "GRV-26-4821-6K"
// (the package documentation describes the format). prefix is
// upper-cased; characters
// other than ASCII letters are dropped, it is cut to six letters, and an
// empty prefix becomes "REF". Only the last two digits of year are used.
// rnd supplies the randomness (pass a seeded source in tests); when it is
// nil, math/rand/v2 is used.
//
// References are drawn at random, 230,000 per prefix and year: the caller
// must check that a new one is not in use yet (a unique index) and draw
// again when it is. Past a few tens of thousands of dockets a year, give
// each district or office its own prefix.
func NewReference(prefix string, year int, rnd func() uint32) string {
	if rnd == nil {
		rnd = rand.Uint32
	}
	var b [refMaxPrefix + 14]byte
	n := 0
	for i := 0; i < len(prefix) && n < refMaxPrefix; i++ {
		if c := prefix[i]; isASCIILetter(c) {
			b[n] = c &^ 0x20
			n++
		}
	}
	if n == 0 {
		n = copy(b[:], "REF")
	}
	yy := (year%100 + 100) % 100
	num := int(rnd() % 10000)
	b[n] = '-'
	b[n+1], b[n+2] = byte('0'+yy/10), byte('0'+yy%10)
	b[n+3] = '-'
	for i := 3; i >= 0; i-- {
		b[n+4+i] = byte('0' + num%10)
		num /= 10
	}
	b[n+8] = '-'
	b[n+9] = refAlphabet[rnd()%uint32(refModulus)]
	b[n+10] = refCheck(b[:n+10])
	return string(b[:n+11])
}

// refCheck computes the check character for the canonical text before
// it, such as "GRV-26-4821-7": prefix letters, digits, and the random
// character last. Hyphens do not count.
func refCheck(body []byte) byte {
	sum, pos := 0, 0
	last := len(body) - 1
	for _, c := range body[:last] {
		switch {
		case c == '-':
			continue
		case '0' <= c && c <= '9':
			pos++
			sum += pos * int(c-'0')
		default:
			pos++
			sum += pos * int(c-'A')
		}
	}
	pos++
	sum += pos * strings.IndexByte(refAlphabet, body[last])
	return refAlphabet[sum%refModulus]
}

// ValidReference reports whether s is a docket reference whose check
// character is right. It accepts what NormalizeReference accepts.
func ValidReference(s string) bool {
	_, _, ok := parseReference(s)
	return ok
}

// NormalizeReference reads a docket reference as a citizen or an officer
// may type it (any case; spaces or hyphens between the parts, or none;
// digits of any system: "grv 26 ४८२१ 6k") and returns it in canonical
// form, upper case with hyphens: "GRV-26-4821-6K". ok is false when s is
// not a reference or its check character is wrong, which is how a
// mistyped reference is told apart. When s is already canonical,
// NormalizeReference returns s itself.
func NormalizeReference(s string) (string, bool) {
	b, n, ok := parseReference(s)
	if !ok {
		return "", false
	}
	if s == string(b[:n]) { // compared without allocating
		return s, true
	}
	return string(b[:n]), true
}

// parseReference reads s into canonical form in b[:n].
func parseReference(s string) (b [refMaxPrefix + 14]byte, n int, ok bool) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && isASCIILetter(s[i]) {
		if n == refMaxPrefix {
			return b, 0, false
		}
		b[n] = s[i] &^ 0x20
		n++
		i++
	}
	if n == 0 {
		return b, 0, false
	}
	// The fixed-width parts: 2 digits, 4 digits, 2 characters of
	// refAlphabet, each optionally preceded by separators.
	for part, width := range [3]int{2, 4, 2} {
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !isGroupSeparator(r) {
				break
			}
			i += size
		}
		b[n] = '-'
		n++
		for range width {
			if i >= len(s) {
				return b, 0, false
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			c, ok := refChar(r, part == 2)
			if !ok {
				return b, 0, false
			}
			b[n] = c
			n++
		}
	}
	if i != len(s) || refCheck(b[:n-1]) != b[n-1] {
		return b, 0, false
	}
	return b, n, true
}

// refChar maps a typed character to its canonical form: an ASCII digit
// in the digit parts, a character of refAlphabet in the last part.
func refChar(r rune, last bool) (byte, bool) {
	if v, ok := DigitValue(r); ok {
		c := byte('0' + v)
		if last && strings.IndexByte(refAlphabet, c) < 0 {
			return 0, false
		}
		return c, true
	}
	if !last || r >= utf8.RuneSelf || !isASCIILetter(byte(r)) {
		return 0, false
	}
	c := byte(r) &^ 0x20
	return c, strings.IndexByte(refAlphabet, c) >= 0
}
