package script

import (
	"strings"
	"unicode/utf8"
)

// The checks in this file accept what citizens type: digits of any system
// DigitValue knows, surrounding spaces, and spaces or hyphens between the
// groups of a number ("400 051", "2345-6789-0123"). They do not allocate.

// isGroupSeparator reports whether r may stand between two groups of an
// identity number: a space (also the no-break space phones insert) or a
// hyphen (also the Unicode hyphens and dashes keyboards substitute).
func isGroupSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '-', '\u00A0', '\u2010', '\u2011', '\u2012', '\u2013':
		return true
	}
	return false
}

// readDigits reads s as digits in groups separated by isGroupSeparator
// runs, storing the digit values in dst. It fails if s has anything else,
// starts or ends with a separator (after trimming spaces), has no digit,
// or has more digits than dst holds.
func readDigits(s string, dst []byte) (n int, ok bool) {
	s = strings.TrimSpace(s)
	afterSep := false
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if v, isDigit := DigitValue(r); isDigit {
			if n == len(dst) {
				return n, false
			}
			dst[n] = byte(v)
			n++
			afterSep = false
			continue
		}
		if !isGroupSeparator(r) || n == 0 {
			return n, false
		}
		afterSep = true
	}
	return n, n > 0 && !afterSep
}

// IsPIN reports whether s is an Indian postal index number: six digits,
// the first of them 1 to 9 ("400051", "400 051", "४००००१").
func IsPIN(s string) bool {
	var d [6]byte
	n, ok := readDigits(s, d[:])
	return ok && n == 6 && d[0] != 0
}

// The Verhoeff check digit works in the dihedral group D5, the ten
// symmetries of a regular pentagon, which is not commutative: that is why
// it catches every swap of two adjacent digits, which a plain weighted
// sum modulo 10 cannot. The three tables below are computed from that
// definition when the package loads.
var (
	// verhoeffD is the group's multiplication. With r a rotation by a
	// fifth of a turn and s a reflection, digits 0-4 stand for the
	// rotations r⁰…r⁴ and digits 5-9 for the reflections r⁰s…r⁴s; the
	// rule s·r = r⁻¹·s gives every product.
	verhoeffD = dihedralTable()
	// verhoeffP[i] is Verhoeff's permutation σ applied i times; the digit
	// at position i (counted from the right, from 0) is passed through
	// verhoeffP[i mod 8] before it is multiplied in. σ maps 0→1, 1→5,
	// 2→7, 3→6, 4→2, 5→8, 6→3, 7→0, 8→9, 9→4; its cycles,
	// (0 1 5 8 9 4 2 7)(3 6), give it order 8.
	verhoeffP = permutationPowers([10]uint8{1, 5, 7, 6, 2, 8, 3, 0, 9, 4})
	// verhoeffInv[j] is the group inverse of j.
	verhoeffInv = groupInverses(&verhoeffD)
)

func dihedralTable() (t [10][10]uint8) {
	for j := range 10 {
		for k := range 10 {
			a, b := j%5, k%5
			switch {
			case j < 5 && k < 5: // r^a · r^b = r^(a+b)
				t[j][k] = uint8((a + b) % 5)
			case j < 5: // r^a · r^b s = r^(a+b) s
				t[j][k] = uint8(5 + (a+b)%5)
			case k < 5: // r^a s · r^b = r^(a-b) s
				t[j][k] = uint8(5 + (a-b+5)%5)
			default: // r^a s · r^b s = r^(a-b)
				t[j][k] = uint8((a - b + 5) % 5)
			}
		}
	}
	return t
}

func permutationPowers(sigma [10]uint8) (p [8][10]uint8) {
	for d := range p[0] {
		p[0][d] = uint8(d)
	}
	for i := 1; i < len(p); i++ {
		for d := range p[i] {
			p[i][d] = sigma[p[i-1][d]]
		}
	}
	return p
}

func groupInverses(d *[10][10]uint8) (inv [10]uint8) {
	for j := range 10 {
		for k := range 10 {
			if d[j][k] == 0 {
				inv[j] = uint8(k)
			}
		}
	}
	return inv
}

// verhoeffSum folds digit values into the group, the rightmost digit
// taking position shift.
func verhoeffSum(digits []byte, shift int) uint8 {
	var c uint8
	for i := len(digits) - 1; i >= 0; i-- {
		pos := len(digits) - 1 - i + shift
		c = verhoeffD[c][verhoeffP[pos%8][digits[i]]]
	}
	return c
}

// Verhoeff reports whether digits, whose last digit is a Verhoeff check
// digit, are consistent. Aadhaar numbers end in one. Up to 64 digits of
// any system, grouped with spaces or hyphens, are accepted; anything else
// is false.
func Verhoeff(digits string) bool {
	var d [64]byte
	n, ok := readDigits(digits, d[:])
	return ok && verhoeffSum(d[:n], 0) == 0
}

// VerhoeffCheckDigit returns the Verhoeff check digit to append to
// digits (up to 63 digits of any system, grouped with spaces or hyphens).
// ok is false if digits is not such a string.
//
//	VerhoeffCheckDigit("236") == 3, true // and Verhoeff("2363") is true
func VerhoeffCheckDigit(digits string) (int, bool) {
	var d [63]byte
	n, ok := readDigits(digits, d[:])
	if !ok {
		return 0, false
	}
	return int(verhoeffInv[verhoeffSum(d[:n], 1)]), true
}

// IsAadhaar reports whether s is a well-formed Aadhaar number: twelve
// digits ("2345 6789 0124" or contiguous), the first of them 2 to 9, the
// last a valid Verhoeff check digit. It checks the form only; whether the
// number was ever issued is UIDAI's to say.
func IsAadhaar(s string) bool {
	var d [12]byte
	n, ok := readDigits(s, d[:])
	return ok && n == 12 && d[0] >= 2 && verhoeffSum(d[:], 0) == 0
}

// panHolderTypes are the letters the fourth character of a PAN may take:
// the kind of holder (Person, Company, HUF, Firm, Association of persons,
// Trust, Body of individuals, Local authority, artificial Juridical
// person, Government).
const panHolderTypes = "PCHFATBLJG"

// IsPAN reports whether s is a well-formed Permanent Account Number: five
// letters, four digits and a letter ("ABCPE1234F"), in any case, the
// fourth letter being a holder type (P, C, H, F, A, T, B, L, J or G).
// Spaces or hyphens may separate the characters ("ABCPE 1234 F"); the
// digits may be of any system.
func IsPAN(s string) bool {
	s = strings.TrimSpace(s)
	n := 0
	afterSep := false
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if isGroupSeparator(r) {
			if n == 0 {
				return false
			}
			afterSep = true
			continue
		}
		afterSep = false
		if n == 10 || !panCharOK(n, r) {
			return false
		}
		n++
	}
	return n == 10 && !afterSep
}

// panCharOK checks the character at position n of a PAN.
func panCharOK(n int, r rune) bool {
	if n >= 5 && n <= 8 {
		return IsDigit(r)
	}
	upper := r &^ 0x20
	if r >= utf8.RuneSelf || upper < 'A' || upper > 'Z' {
		return false
	}
	return n != 3 || strings.IndexByte(panHolderTypes, byte(upper)) >= 0
}

// NormalizeMobile reads an Indian mobile number as citizens write it and
// returns it in E.164 form with the plus: "+919812345678". It accepts ten
// digits starting with 6, 7, 8 or 9, optionally preceded by +91, 91, 0091
// or a trunk 0 (and "+91 0"); spaces, hyphens, dots and brackets between
// digits; digits of any system. ok is false for anything else: landlines,
// numbers of other countries, too few or too many digits, letters.
// When s is already in the returned form, NormalizeMobile returns s itself.
//
//	NormalizeMobile("098123 45678")      == "+919812345678", true
//	NormalizeMobile("+91 (98123) 45678") == "+919812345678", true
func NormalizeMobile(s string) (string, bool) {
	d, ok := parseMobile(s)
	if !ok {
		return "", false
	}
	var b [13]byte
	copy(b[:], "+91")
	for i, v := range d {
		b[3+i] = '0' + v
	}
	if s == string(b[:]) { // compared without allocating
		return s, true
	}
	return string(b[:]), true
}

// IsMobile reports whether NormalizeMobile accepts s, without allocating.
func IsMobile(s string) bool {
	_, ok := parseMobile(s)
	return ok
}

// parseMobile returns the ten national digits of an Indian mobile number.
func parseMobile(s string) (national [10]byte, ok bool) {
	var d [16]byte
	n := 0
	plus := false
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if v, isDigit := DigitValue(r); isDigit {
			if n == len(d) {
				return national, false
			}
			d[n] = byte(v)
			n++
			continue
		}
		switch {
		case r == '+' && n == 0 && !plus:
			plus = true
		case r == '.' || r == '(' || r == ')' || isGroupSeparator(r):
		default:
			return national, false
		}
	}
	digits := d[:n]
	switch {
	case plus:
		if n < 2 || d[0] != 9 || d[1] != 1 {
			return national, false
		}
		digits = digits[2:]
		if len(digits) == 11 && digits[0] == 0 {
			digits = digits[1:]
		}
	case n == 11 && d[0] == 0:
		digits = digits[1:]
	case n == 12 && d[0] == 9 && d[1] == 1:
		digits = digits[2:]
	case n == 14 && d[0] == 0 && d[1] == 0 && d[2] == 9 && d[3] == 1:
		digits = digits[4:]
	}
	if len(digits) != 10 || digits[0] < 6 {
		return national, false
	}
	copy(national[:], digits)
	return national, true
}
