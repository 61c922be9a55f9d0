package script

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

const maxInt = int(^uint(0) >> 1)

// ParseInt reads a whole number the way citizens type menu choices and
// counts: surrounding spaces are ignored, digits may be of any system
// DigitValue knows (even mixed), and one trailing '.' or ')' is allowed,
// because people answer a numbered menu with "2." or "2)". Signs, inner
// spaces, grouping commas and anything else make it fail, as does a number
// too large for an int. It never allocates.
//
//	ParseInt(" २ ")  == 2, true
//	ParseInt("2)")   == 2, true
//	ParseInt("2 a")  == 0, false
func ParseInt(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if n := len(s); n > 1 && (s[n-1] == '.' || s[n-1] == ')') {
		s = s[:n-1]
	}
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); {
		var d int
		if c := s[i]; c < utf8.RuneSelf {
			if c < '0' || c > '9' {
				return 0, false
			}
			d = int(c - '0')
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			v, ok := nonASCIIDigitValue(r)
			if !ok {
				return 0, false
			}
			d = v
			i += size
		}
		if n > (maxInt-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// ParseNumber reads an amount or quantity the way Indian citizens write it:
//
//   - digits of any system DigitValue knows;
//   - optional thousands grouping with commas, either Western ("125,000",
//     groups of three) or Indian ("1,25,000", "12,34,56,789": a last group
//     of three, groups of two before it); a grouping that is neither, such
//     as "1,5" or "12,3456", is rejected rather than guessed at;
//   - an optional decimal part after '.' (or the Arabic decimal separator
//     U+066B);
//   - an optional leading currency sign "₹", "Rs", "Rs." or "INR" (any case)
//     and the trailing "/-" written on Indian cheques and bills
//     ("Rs. 500/-");
//   - surrounding spaces.
//
// Signs, exponents and words ("5 lakh") are not accepted: the answer is
// either a plain non-negative number or ok is false, as it is for numbers
// beyond the range of a float64. ParseNumber does not allocate for
// numbers of up to 64 digits.
func ParseNumber(s string) (float64, bool) {
	s = trimCurrency(strings.TrimSpace(s))
	var (
		num    decimal
		groups grouping
		inFrac bool
	)
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if d, ok := DigitValue(r); ok {
			num.addDigit(d, inFrac)
			if !inFrac {
				groups.digit()
			}
			continue
		}
		switch r {
		case ',', '\u066C': // comma, Arabic thousands separator
			if inFrac || !groups.comma() {
				return 0, false
			}
		case '.', '\u066B': // decimal point, Arabic decimal separator
			if inFrac || !groups.complete() {
				return 0, false
			}
			inFrac = true
		default:
			return 0, false
		}
	}
	if num.digits == 0 || !groups.complete() {
		return 0, false
	}
	if f, ok := num.value(); ok {
		return f, true
	}
	// Too many digits for the fast path: let strconv round them.
	var buf [64]byte
	f, err := strconv.ParseFloat(string(asciiNumber(buf[:0], s)), 64)
	if err != nil { // beyond float64's range
		return 0, false
	}
	return f, true
}

// asciiNumber appends the digits and decimal point of the number s in
// ASCII, without its grouping commas.
func asciiNumber(dst []byte, s string) []byte {
	for _, r := range s {
		if d, ok := DigitValue(r); ok {
			dst = append(dst, byte('0'+d))
		} else if r == '.' || r == '\u066B' {
			dst = append(dst, '.')
		}
	}
	return dst
}

// decimal collects the digits of a number.
type decimal struct {
	mant    uint64 // the digits as an integer, while it fits
	inexact bool   // mant does not hold every digit
	fracLen int    // digits after the decimal point
	digits  int
}

func (n *decimal) addDigit(d int, inFrac bool) {
	if n.mant > (math.MaxUint64-9)/10 {
		n.inexact = true
	} else if !n.inexact {
		n.mant = n.mant*10 + uint64(d)
	}
	n.digits++
	if inFrac {
		n.fracLen++
	}
}

// value computes the number by Clinger's fast path: an integer of at most
// 2^53 divided by an exact power of ten is correctly rounded by one IEEE
// division. ok is false when the number is too long for it.
func (n *decimal) value() (float64, bool) {
	if !n.inexact && n.mant <= 1<<53 && n.fracLen < len(pow10) {
		return float64(n.mant) / pow10[n.fracLen], true
	}
	return 0, false
}

// grouping checks the commas of the integer part: Western grouping has
// groups of three after a first group of one to three digits; Indian
// grouping has groups of two after a first group of one or two, and a
// last group of three. Mixing the two conventions is a typo, not a
// number.
type grouping struct {
	commas          int
	group           int // digits since the last comma (or the start)
	indian, western bool
}

func (g *grouping) digit() { g.group++ }

// comma ends a group and reports whether the grouping is still valid.
func (g *grouping) comma() bool {
	switch {
	case g.commas == 0 && g.group >= 1 && g.group <= 3: // the first group
		if g.group == 3 {
			g.western = true
		}
	case g.commas > 0 && g.group == 2:
		g.indian = true
	case g.commas > 0 && g.group == 3:
		g.western = true
	default:
		return false
	}
	g.commas++
	g.group = 0
	return !(g.indian && g.western)
}

// complete reports whether the integer part may end here.
func (g *grouping) complete() bool {
	return g.commas == 0 || g.group == 3
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// trimCurrency removes a leading rupee sign or abbreviation and a trailing
// "/-", with the spaces around them.
func trimCurrency(s string) string {
	switch {
	case strings.HasPrefix(s, "₹"):
		s = s[len("₹"):]
	case hasPrefixFoldASCII(s, "inr"):
		s = s[3:]
	case hasPrefixFoldASCII(s, "rs."):
		s = s[3:]
	case hasPrefixFoldASCII(s, "rs"):
		s = s[2:]
	}
	s = strings.TrimSuffix(s, "/-")
	return strings.TrimSpace(s)
}

// hasPrefixFoldASCII reports whether s starts with prefix, ignoring ASCII
// case; prefix must be lower-case ASCII.
func hasPrefixFoldASCII(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
