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
// either a plain non-negative number or ok is false. ParseNumber does not
// allocate for numbers of up to 64 digits.
func ParseNumber(s string) (float64, bool) {
	s = trimCurrency(strings.TrimSpace(s))
	if s == "" {
		return 0, false
	}
	var (
		buf     [64]byte // the ASCII digits and '.', for strconv
		digits  = buf[:0]
		mant    uint64 // the digits as an integer, while it fits
		exact   = true // mant holds every digit
		fracLen int    // digits after the decimal point
		inFrac  bool
		nDigits int
		group   int // digits since the last comma (or the start)
		groups  int // commas seen
		first   int // digits before the first comma
		indian  bool
		western bool
	)
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if d, ok := DigitValue(r); ok {
			if mant > (math.MaxUint64-9)/10 {
				exact = false
			} else if exact {
				mant = mant*10 + uint64(d)
			}
			digits = append(digits, byte('0'+d))
			nDigits++
			group++
			if inFrac {
				fracLen++
			}
			continue
		}
		switch r {
		case ',', '\u066C': // comma, Arabic thousands separator
			if inFrac || group == 0 {
				return 0, false
			}
			if groups == 0 {
				// The first group may be shorter than the others but
				// not longer than three digits.
				if group > 3 {
					return 0, false
				}
				first = group
			} else if !checkGroup(group, &indian, &western) {
				return 0, false
			}
			groups++
			group = 0
		case '.', '\u066B': // decimal point, Arabic decimal separator
			if inFrac {
				return 0, false
			}
			if groups > 0 && group != 3 {
				return 0, false
			}
			inFrac = true
			digits = append(digits, '.')
			group = 0
		default:
			return 0, false
		}
	}
	if nDigits == 0 || (groups > 0 && !inFrac && group != 3) {
		return 0, false
	}
	// Indian grouping starts with one or two digits ("1,25,000",
	// "12,34,567"); mixing the two conventions is a typo, not a number.
	if (indian && western) || (indian && first > 2) {
		return 0, false
	}
	// Clinger's fast path: an integer of at most 2^53 divided by an exact
	// power of ten is correctly rounded by one IEEE division.
	if exact && mant <= 1<<53 && fracLen <= 22 {
		return float64(mant) / pow10[fracLen], true
	}
	f, err := strconv.ParseFloat(string(digits), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// checkGroup checks a group of digits between two commas: three digits in
// Western grouping, two in Indian. Mixing both in one number is rejected
// by the caller through the two flags.
func checkGroup(n int, indian, western *bool) bool {
	switch n {
	case 2:
		*indian = true
	case 3:
		*western = true
	default:
		return false
	}
	return true
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
