package script

import (
	"strings"
	"unicode/utf8"
)

// Zeros of the digit systems DigitValue knows, besides ASCII. Each system
// has its ten digits in order from its zero. The nine Indic scripts share
// one layout: each owns a block of 128 code points from U+0900 on, with the
// digits at offsets 0x66..0x6F, so they are recognised by arithmetic.
const (
	arabicIndicZero    = 0x0660 // ٠ used with Arabic script
	extArabicIndicZero = 0x06F0 // ۰ Urdu, Persian
	indicFirstZero     = 0x0966 // ० Devanagari; Bengali ০ is 0x09E6, …, Malayalam ൦ 0x0D66
	indicLastZero      = 0x0D66
	fullwidthZero      = 0xFF10 // ０
)

// DigitValue reports the value of r if r is a decimal digit in one of the
// systems citizens use: ASCII, Devanagari (०-९), Bengali (০-৯), Gurmukhi
// (੦-੯), Gujarati (૦-૯), Odia (୦-୯), Tamil (௦-௯, including the Tamil zero
// added in Unicode 4.1), Telugu (౦-౯), Kannada (೦-೯), Malayalam (൦-൯),
// Arabic-Indic (٠-٩), Extended Arabic-Indic as used for Urdu (۰-۹), and
// fullwidth (０-９). It returns false for anything else, including Tamil's
// signs for ten, hundred and thousand, which are not positional digits.
func DigitValue(r rune) (int, bool) {
	if r < utf8.RuneSelf {
		if '0' <= r && r <= '9' {
			return int(r - '0'), true
		}
		return 0, false
	}
	return nonASCIIDigitValue(r)
}

// nonASCIIDigitValue is DigitValue for r >= 0x80, split out so that the
// ASCII test above inlines into callers.
func nonASCIIDigitValue(r rune) (int, bool) {
	switch {
	case r >= indicFirstZero && r <= indicLastZero+9:
		// Offset within the script's 128-code-point block.
		if off := r & 0x7F; off >= 0x66 && off <= 0x6F {
			return int(off - 0x66), true
		}
	case r >= arabicIndicZero && r <= arabicIndicZero+9:
		return int(r - arabicIndicZero), true
	case r >= extArabicIndicZero && r <= extArabicIndicZero+9:
		return int(r - extArabicIndicZero), true
	case r >= fullwidthZero && r <= fullwidthZero+9:
		return int(r - fullwidthZero), true
	}
	return 0, false
}

// IsDigit reports whether r is a digit DigitValue knows.
func IsDigit(r rune) bool {
	_, ok := DigitValue(r)
	return ok
}

// ASCIIDigits returns s with every digit DigitValue knows replaced by its
// ASCII digit; all other text is left as it is. When s has no digit to
// convert, ASCIIDigits returns s itself and allocates nothing.
//
//	ASCIIDigits("पिन ४०००५१") == "पिन 400051"
func ASCIIDigits(s string) string {
	first := firstNonASCIIDigit(s)
	if first < 0 {
		return s
	}
	// Each converted digit shrinks from 2 or 3 bytes to 1, so len(s) is
	// enough room.
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:first])
	for i := first; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if v, ok := nonASCIIDigitValue(r); ok {
			b.WriteByte(byte('0' + v))
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstNonASCIIDigit returns the byte offset of the first non-ASCII digit
// in s, or -1.
func firstNonASCIIDigit(s string) int {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if _, ok := nonASCIIDigitValue(r); ok {
			return i
		}
		i += size
	}
	return -1
}
