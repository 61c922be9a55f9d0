package script

import (
	"strings"
	"unicode/utf8"
)

// refAlphabet holds the characters of a reference's check character (and
// of the random character of the older, shorter form); the package
// documentation says how they were chosen. Its length, 23, is prime,
// which the check character relies on.
const refAlphabet = "346789ACDEFHJKMNPRTVWXY"

const (
	refMaxPrefix = 6
	refModulus   = len(refAlphabet) // a prime
	// refNumbers is how many serial numbers a prefix has in a year: the
	// eight digits of the serial part.
	refNumbers = 100_000_000
	// refMaxLen is the longest canonical reference: six prefix letters,
	// and "-YY-DDDD-DDDD-C".
	refMaxLen = refMaxPrefix + 15
)

// FormatReference returns the reference of a service's serial number in a
// year, such as "GRV-26-4821-7305-K" (the package documentation describes
// the format): prefix is upper-cased, characters other than ASCII letters
// are dropped, it is cut to six letters, and an empty prefix becomes
// "REF"; only the last two digits of year are used; serial is taken modulo
// 100,000,000. A caller that numbers its dockets one after another should
// scramble the serial first (casework does), so that references do not
// give away how many came before.
func FormatReference(prefix string, year int, serial uint64) string {
	var b [refMaxLen]byte
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
	num := serial % refNumbers
	b[n] = '-'
	b[n+1], b[n+2] = byte('0'+yy/10), byte('0'+yy%10)
	b[n+3] = '-'
	for i := 7; i >= 0; i-- {
		pos := n + 4 + i
		if i >= 4 {
			pos++ // past the hyphen between the two groups
		}
		b[pos] = byte('0' + num%10)
		num /= 10
	}
	b[n+8] = '-'
	b[n+13] = '-'
	b[n+14] = serialCheck(b[:n+14])
	return string(b[:n+15])
}

// checkValues gives each character of refAlphabet its value as a check
// character: a digit its own value, each letter, in order, one of the
// residues modulo 23 the digits leave free. So a character has one value
// whether it is read as a digit of the serial or as the check character,
// and swapping the last digit with the check character changes the sum.
var checkValues = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	free := []int8{0, 1, 2, 5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22}
	for i := 0; i < len(refAlphabet); i++ {
		if c := refAlphabet[i]; '0' <= c && c <= '9' {
			v[c] = int8(c - '0')
		} else {
			v[c], free = free[0], free[1:]
		}
	}
	return v
}()

// checkChars is checkValues the other way round.
var checkChars = func() (c [refModulus]byte) {
	for i := 0; i < len(refAlphabet); i++ {
		c[checkValues[refAlphabet[i]]] = refAlphabet[i]
	}
	return c
}()

// serialCheck computes the check character of a reference's canonical
// text before it, such as "GRV-26-4821-7305-": the character whose value
// makes Σ i·vᵢ, over every character including itself, a multiple of 23,
// where vᵢ is a prefix letter's place in the Latin alphabet (A=0 … Z=25)
// and a digit's value, and hyphens do not count.
func serialCheck(body []byte) byte {
	sum, pos := 0, 0
	for _, c := range body {
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
	pos++ // the check character's own place
	// v·pos ≡ −sum (mod 23), and pos < 23 has an inverse modulo the prime.
	v := (refModulus - sum%refModulus) % refModulus * modInverse(pos) % refModulus
	return checkChars[v]
}

// modInverse returns x's inverse modulo refModulus, for 0 < x < refModulus.
func modInverse(x int) int {
	for y := 1; y < refModulus; y++ {
		if x*y%refModulus == 1 {
			return y
		}
	}
	return 0
}

// shortCheck computes the check character of the older, shorter form,
// such as "GRV-26-4821-7": as serialCheck, except that the last character
// counts by its place in refAlphabet.
func shortCheck(body []byte) byte {
	last := len(body) - 1
	sum := 0
	pos := 0
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
// may type or paste it (any case; spaces or hyphens between the parts, or
// none; digits of any system; a full stop, danda, comma or quotes around
// it: "grv 26 ४८२१ ७३०५ k।") and returns it in canonical form, upper case
// with hyphens: "GRV-26-4821-7305-K". References of the older, shorter
// form ("GRV-26-4821-6K") are read too. ok is false when s is not a
// reference or its check character is wrong, which is how a mistyped
// reference is told apart. When s is already canonical, NormalizeReference
// returns s itself.
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

// trimReference drops the space and punctuation a reference may be
// copied with: quotes and brackets around it, a full stop, danda, comma,
// colon or semicolon after it.
func trimReference(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '\u00A0', '.', ',', ';', ':', '!', '?', '।', '॥', '"', '\'', '“', '”', '‘', '’',
			'(', ')', '[', ']', '«', '»', '*', '_', '~':
			return true
		}
		return false
	})
}

// parseReference reads s into canonical form in b[:n]: the prefix, then
// the year, then either eight digits and a check character or, in the
// older form, four digits, a random character and a check character.
func parseReference(s string) (b [refMaxLen]byte, n int, ok bool) {
	s = trimReference(s)
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
	// After the prefix come characters in groups: read them all, then
	// decide the form by their count.
	var chars [12]byte
	nc := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if isGroupSeparator(r) {
			continue
		}
		c, ok := refChar(r)
		if !ok || nc == len(chars) {
			return b, 0, false
		}
		chars[nc] = c
		nc++
	}
	switch nc {
	case 11: // YY DDDD DDDD C
		return placeSerial(b, n, chars[:nc])
	case 8: // YY DDDD R C
		return placeShort(b, n, chars[:nc])
	}
	return b, 0, false
}

// placeSerial lays out "YY-DDDD-DDDD-C" after the prefix and checks it.
func placeSerial(b [refMaxLen]byte, n int, c []byte) ([refMaxLen]byte, int, bool) {
	for _, d := range c[:10] {
		if d < '0' || d > '9' {
			return b, 0, false
		}
	}
	for _, part := range [][]byte{c[:2], c[2:6], c[6:10], c[10:]} {
		b[n] = '-'
		n++
		n += copy(b[n:], part)
	}
	if strings.IndexByte(refAlphabet, b[n-1]) < 0 || serialCheck(b[:n-1]) != b[n-1] {
		return b, 0, false
	}
	return b, n, true
}

// placeShort lays out the older "YY-DDDD-RC" after the prefix and checks it.
func placeShort(b [refMaxLen]byte, n int, c []byte) ([refMaxLen]byte, int, bool) {
	for _, d := range c[:6] {
		if d < '0' || d > '9' {
			return b, 0, false
		}
	}
	for _, part := range [][]byte{c[:2], c[2:6], c[6:]} {
		b[n] = '-'
		n++
		n += copy(b[n:], part)
	}
	for _, x := range b[n-2 : n] {
		if strings.IndexByte(refAlphabet, x) < 0 {
			return b, 0, false
		}
	}
	if shortCheck(b[:n-1]) != b[n-1] {
		return b, 0, false
	}
	return b, n, true
}

// refChar maps a typed character to its canonical form: an ASCII digit
// for a digit of any script, an upper-case ASCII letter for a letter.
func refChar(r rune) (byte, bool) {
	if v, ok := DigitValue(r); ok {
		return byte('0' + v), true
	}
	if r >= utf8.RuneSelf || !isASCIILetter(byte(r)) {
		return 0, false
	}
	return byte(r) &^ 0x20, true
}
