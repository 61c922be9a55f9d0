package script

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redact masks the personal data a citizen may put in a message, so that
// the text can be logged or sent to a language model:
//
//   - Aadhaar numbers: any run of twelve digits, contiguous, in three
//     groups of four or grouped some other way, whether or not its
//     checksum is valid, becomes
//     "XXXX XXXX " and its last four digits ("XXXX XXXX 0123");
//   - Indian mobile numbers, in every form NormalizeMobile accepts,
//     become "+91 XXXXXXXX" and their last two digits;
//   - any other run of ten or more digits (a landline with its STD code,
//     a foreign number, a 16-digit Aadhaar Virtual ID or card number)
//     keeps only its last two digits: "XXXXXXXXXXXXXX34";
//   - PAN numbers ("ABCPE1234F", any case; "ABCPE 1234 F" in capitals)
//     become "XXXXXXXXXX": nothing of a PAN is kept, its last letter is
//     only a check character;
//   - e-mail addresses keep their domain: "***@example.com". Digits in
//     a domain are left alone.
//
// Ordinary numbers are left alone: a PIN code, an amount ("₹1,250",
// "Rs. 12500000000"), a date, a time, a docket reference such as
// "GRV-26-0412-7K", or an application number glued to letters
// ("APP-2026-000123456"). Digits of any system DigitValue knows are
// recognised; the digits Redact keeps are written in ASCII.
//
// A run of digit groups is read as one number when the groups are joined
// by a space, hyphen, dot or bracket ("98123 45678", "(022) 2345-6789").
// When such a run holds several numbers, Redact looks for the Aadhaar and
// mobile numbers in it first, and masks what is left only if it still
// has ten digits or more. It errs on the side of masking.
//
// Redact returns s itself, without allocating, when it finds nothing to
// mask.
func Redact(s string) string {
	w := redactor{s: s}
	mail := nextEmail(s, 0)
	for i := 0; i < len(s); {
		if i == mail.start {
			w.replace(mail.start, mail.at, "***")
			i = mail.end
			mail = nextEmail(s, i)
			continue
		}
		// Nothing else reaches into the next e-mail address.
		limited := s[:mail.start]
		c := s[i]
		if isASCIILetter(c) && !letterOrDigitBefore(s, i) {
			if end, ok := matchPAN(limited, i); ok {
				w.replace(i, end, "XXXXXXXXXX")
				i = end
				continue
			}
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if IsDigit(r) || (c == '+' && startsWithDigit(limited[i+1:])) {
			i = w.digitRun(i, mail.start)
			continue
		}
		i += size
	}
	return w.result()
}

// redactor writes the redacted text, lazily: until the first
// replacement it holds nothing, and the result is s itself.
type redactor struct {
	s    string
	out  []byte
	done int // s[:done] has been written (or needs no writing)
}

// replace writes s[done:start], then repl in place of s[start:end].
func (w *redactor) replace(start, end int, repl string) {
	w.begin(start, end)
	w.out = append(w.out, repl...)
}

// begin writes s[done:start] and skips s[start:end]; the caller appends
// the replacement.
func (w *redactor) begin(start, end int) {
	if w.out == nil {
		w.out = make([]byte, 0, len(w.s)+8)
	}
	w.out = append(w.out, w.s[w.done:start]...)
	w.done = end
}

func (w *redactor) result() string {
	if w.out == nil {
		return w.s
	}
	return string(append(w.out, w.s[w.done:]...))
}

// digitGroup is one group of consecutive digits in a run.
type digitGroup struct {
	start, end int     // byte offsets of the digits in s
	n          int     // number of digits
	lead       [4]byte // values of the first (up to) four digits
	dotAfter   bool    // the gap to the next group holds a '.'
}

// What a span of groups is masked as.
const (
	spanNone uint8 = iota
	spanAadhaar
	spanMobile
	spanOther
)

const maxGroups = 16

// digitRun handles the run of digit groups starting at s[i] (a digit, or
// a '+' before one) and ending before s[limit], and returns the offset
// after it.
func (w *redactor) digitRun(i, limit int) int {
	s := w.s[:limit]
	plus := s[i] == '+'
	start := i
	if plus {
		i++
	}
	var g [maxGroups]digitGroup
	ng := 0
	for ng < maxGroups {
		grp := digitGroup{start: i}
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			v, ok := DigitValue(r)
			if !ok {
				break
			}
			if grp.n < len(grp.lead) {
				grp.lead[grp.n] = byte(v)
			}
			grp.n++
			i += size
		}
		grp.end = i
		g[ng] = grp
		ng++
		gap, dot := digitGap(s[i:])
		if gap == 0 {
			break
		}
		g[ng-1].dotAfter = dot
		i += gap
	}
	end := g[ng-1].end
	if amountBefore(s, start) {
		return end
	}
	attached := letterBefore(s, start) || letterAt(s, end)

	// First the numbers with a shape: Aadhaar, mobile, long single
	// groups. kind[k] is what group k is masked as; spanLast[k], for the
	// first group of a span, is its last group.
	var kind [maxGroups]uint8
	var spanLast [maxGroups]int
	for k := 0; k < ng; {
		m, what := matchGroups(g[:ng], k, plus && k == 0)
		if m == 0 {
			k++
			continue
		}
		spanLast[k] = k + m - 1
		for j := k; j < k+m; j++ {
			kind[j] = what
		}
		k += m
	}
	// Then what is left: a stretch of unmatched groups with ten digits or
	// more, unless the run is part of a code written with letters. The
	// digits a mask keeps count with the stretch after it, so that
	// Redact(Redact(s)) == Redact(s).
	if !attached {
		for k := 0; k < ng; {
			if kind[k] != spanNone {
				k++
				continue
			}
			last, digits, carried := k, g[k].n, 0
			if k > 0 && !g[k-1].dotAfter {
				carried = keptDigits(kind[k-1])
			}
			for last+1 < ng && kind[last+1] == spanNone && !g[last].dotAfter {
				last++
				digits += g[last].n
			}
			if digits+carried >= 10 {
				what := spanOther
				if digits == 12 && (k > 0 || !plus) { // grouped some other way, still an Aadhaar number
					what = spanAadhaar
				}
				spanLast[k] = last
				for j := k; j <= last; j++ {
					kind[j] = what
				}
			}
			k = last + 1
		}
	}
	for k := 0; k < ng; {
		if kind[k] == spanNone {
			k++
			continue
		}
		from, to := g[k].start, g[spanLast[k]].end
		if k == 0 && plus {
			from = start
		}
		w.mask(from, to, kind[k], plus && k == 0)
		k = spanLast[k] + 1
	}
	return end
}

// keptDigits is how many digits the mask of a kind leaves visible.
func keptDigits(kind uint8) int {
	if kind == spanAadhaar {
		return 4
	}
	return 2
}

// matchGroups tries the shaped numbers at group k and returns how many
// groups the match covers (0 for none) and its kind.
func matchGroups(g []digitGroup, k int, plus bool) (int, uint8) {
	// Groups of four: three are an Aadhaar number, four a Virtual ID or
	// a card number, more something else long.
	fours := 0
	for k+fours < len(g) && g[k+fours].n == 4 && (fours == 0 || !g[k+fours-1].dotAfter) {
		fours++
	}
	switch {
	case fours == 3:
		return 3, spanAadhaar
	case fours > 3:
		return fours, spanOther
	}
	if m := matchMobile(g, k, plus); m > 0 {
		return m, spanMobile
	}
	switch n := g[k].n; {
	case n == 12:
		return 1, spanAadhaar
	case n >= 10:
		return 1, spanOther
	}
	return 0, spanNone
}

// matchMobile matches an Indian mobile number at group k: optional
// prefix groups (91, or 0091 without a '+', then an optional trunk 0; or
// a trunk 0 alone) and then groups holding exactly ten digits, the first
// 6-9. A single group may hold the prefix too ("919812345678",
// "09812345678").
func matchMobile(g []digitGroup, k int, plus bool) int {
	first := g[k]
	switch {
	case first.n == 12 && first.lead[0] == 9 && first.lead[1] == 1 && first.lead[2] >= 6,
		first.n == 11 && first.lead[0] == 0 && first.lead[1] >= 6 && !plus,
		first.n == 14 && first.lead == [4]byte{0, 0, 9, 1} && !plus:
		return 1
	}
	j := k
	switch {
	case first.n == 2 && first.lead[0] == 9 && first.lead[1] == 1,
		first.n == 4 && first.lead == [4]byte{0, 0, 9, 1} && !plus:
		j++
		if j < len(g) && g[j].n == 1 && g[j].lead[0] == 0 {
			j++
		}
	case first.n == 1 && first.lead[0] == 0 && !plus:
		j++
	}
	if j > k && j < len(g) {
		if m := tenDigits(g, j); m > 0 {
			return j - k + m
		}
	}
	if plus {
		return 0 // "+" and no 91: some other country; the caller masks it if long
	}
	return tenDigits(g, k)
}

// tenDigits returns how many groups from k hold exactly ten digits
// starting with 6-9, or 0.
func tenDigits(g []digitGroup, k int) int {
	if g[k].lead[0] < 6 {
		return 0
	}
	total := 0
	for j := k; j < len(g); j++ {
		total += g[j].n
		if total == 10 {
			return j - k + 1
		}
		if total > 10 || g[j].dotAfter && j+1 < len(g) && g[j+1].n+total > 10 {
			return 0
		}
	}
	return 0
}

// mask writes the replacement for the digits in s[from:to].
func (w *redactor) mask(from, to int, kind uint8, plus bool) {
	var tail [4]byte
	digits := countDigits(w.s[from:to])
	w.begin(from, to)
	switch kind {
	case spanAadhaar:
		w.out = append(w.out, "XXXX XXXX "...)
		w.out = append(w.out, lastDigits(w.s[from:to], tail[:4])...)
	case spanMobile:
		w.out = append(w.out, "+91 XXXXXXXX"...)
		w.out = append(w.out, lastDigits(w.s[from:to], tail[:2])...)
	default:
		if plus {
			w.out = append(w.out, '+')
		}
		for range digits - 2 {
			w.out = append(w.out, 'X')
		}
		w.out = append(w.out, lastDigits(w.s[from:to], tail[:2])...)
	}
}

// lastDigits fills dst with the last len(dst) digits of s, in ASCII.
func lastDigits(s string, dst []byte) []byte {
	k := len(dst)
	for i := len(s); i > 0 && k > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		if v, ok := DigitValue(r); ok {
			k--
			dst[k] = byte('0' + v)
		}
	}
	return dst[k:]
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if IsDigit(r) {
			n++
		}
	}
	return n
}

// digitGap returns the length of the gap between two digit groups at the
// start of s (spaces, hyphens, dots and brackets, as NormalizeMobile
// allows, followed by a digit), or 0 when s does not start with one; dot
// tells whether the gap holds a '.'.
func digitGap(s string) (n int, dot bool) {
	for n < len(s) {
		r, size := rune(s[n]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[n:])
		}
		if r == '.' {
			dot = true
		} else if r != '(' && r != ')' && !isGroupSeparator(r) {
			break
		}
		n += size
	}
	if n > 0 && startsWithDigit(s[n:]) {
		return n, dot
	}
	return 0, false
}

func startsWithDigit(s string) bool {
	if s == "" {
		return false
	}
	if s[0] < utf8.RuneSelf {
		return '0' <= s[0] && s[0] <= '9'
	}
	r, _ := utf8.DecodeRuneInString(s)
	return IsDigit(r)
}

// amountBefore reports whether the number at s[i] follows a rupee sign
// or abbreviation ("₹", "Rs", "Rs.", "INR", with or without a space).
func amountBefore(s string, i int) bool {
	before := strings.TrimRight(s[:i], " ")
	if strings.HasSuffix(before, "₹") {
		return true
	}
	before = strings.TrimSuffix(before, ".")
	for _, word := range [...]string{"rs", "inr"} {
		if len(before) >= len(word) && hasPrefixFoldASCII(before[len(before)-len(word):], word) &&
			!letterBefore(before, len(before)-len(word)) {
			return true
		}
	}
	return false
}

// letterBefore reports whether the number starting at s[i] is glued to a
// word: a letter just before it, or a letter and a hyphen ("APP-2026").
func letterBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, size := utf8.DecodeLastRuneInString(s[:i])
	if r == '-' {
		r, _ = utf8.DecodeLastRuneInString(s[:i-size])
	}
	return unicode.IsLetter(r)
}

// letterAt reports whether a letter starts at s[i].
func letterAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && unicode.IsLetter(r)
}

// letterOrDigitBefore reports whether the rune before s[i] is a letter or
// a digit.
func letterOrDigitBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || IsDigit(r)
}

func isASCIILetter(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z'
}

// matchPAN reports whether a PAN starts at s[i] and where it ends: ten
// characters with a word boundary after them, contiguous in any case, or
// in capitals as "ABCPE 1234 F" or "ABCPE-1234-F" (the fourth letter must
// then be a holder type, as the spacing makes a chance match likelier).
func matchPAN(s string, i int) (int, bool) {
	n := 0
	spaced, upper := false, true
	var fourth byte
	for n < 10 && i < len(s) {
		if (n == 5 || n == 9) && (s[i] == ' ' || s[i] == '-') && i+1 < len(s) {
			spaced = true
			i++
		}
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if n < 5 || n == 9 {
			if r >= utf8.RuneSelf || !isASCIILetter(byte(r)) {
				return 0, false
			}
			upper = upper && r <= 'Z'
			if n == 3 {
				fourth = byte(r) &^ 0x20
			}
		} else if !IsDigit(r) {
			return 0, false
		}
		n++
		i += size
	}
	if n < 10 || letterAt(s, i) || startsWithDigit(s[i:]) {
		return 0, false
	}
	if spaced && (!upper || strings.IndexByte(panHolderTypes, fourth) < 0) {
		return 0, false
	}
	return i, true
}

// isLocalPartChar reports whether c may appear in the local part of an
// e-mail address as people write them.
func isLocalPartChar(c byte) bool {
	switch c {
	case '.', '_', '%', '+', '-', '*':
		return true
	}
	return isASCIILetter(c) || ('0' <= c && c <= '9')
}

// emailSpan is an e-mail address in s: s[start:at] is its local part,
// s[at] the '@', s[at+1:end] its domain.
type emailSpan struct{ start, at, end int }

// nextEmail finds the first e-mail address in s whose local part starts
// at or after from. Its local part is everything before the '@' that may
// be part of one (so a masked "***" still is), its domain two or more
// labels of letters, digits and hyphens, the last at least two characters
// long. Without one it returns a span starting at len(s).
func nextEmail(s string, from int) emailSpan {
	for from < len(s) {
		k := strings.IndexByte(s[from:], '@')
		if k < 0 {
			break
		}
		at := from + k
		start := at
		for start > from && isLocalPartChar(s[start-1]) {
			start--
		}
		if end, ok := emailDomain(s, at+1); start < at && ok {
			return emailSpan{start, at, end}
		}
		from = at + 1
	}
	return emailSpan{len(s), len(s), len(s)}
}

// emailDomain reads the domain starting at s[i] and returns its end (a
// full stop after it is left out).
func emailDomain(s string, i int) (int, bool) {
	labels, lastLabel := 0, i
	for {
		lastLabel = i
		for i < len(s) && isDomainChar(s[i]) {
			i++
		}
		if i == lastLabel {
			return 0, false
		}
		labels++
		if i+1 < len(s) && s[i] == '.' && isDomainChar(s[i+1]) {
			i++
			continue
		}
		break
	}
	return i, labels >= 2 && i-lastLabel >= 2
}

func isDomainChar(c byte) bool {
	return isASCIILetter(c) || ('0' <= c && c <= '9') || c == '-'
}

// MaskPhone masks a phone number for a log field: it keeps the first two
// digits (the country code, 91 for India) and the last two, and replaces
// the rest with X: "919812345678", "+91 98123 45678" and "09812345678"
// all give "91XXXXXXXX78". Other characters are ignored; fewer than eight
// digits give "XXXX", as a short number would be given away by what is
// kept.
func MaskPhone(s string) string {
	if national, ok := parseMobile(s); ok {
		var b [12]byte
		copy(b[:], "91XXXXXXXX")
		b[10], b[11] = '0'+national[8], '0'+national[9]
		return string(b[:])
	}
	n := countDigits(s)
	if n < 8 {
		return "XXXX"
	}
	var head, tail [2]byte
	k := 0
	for _, r := range s {
		if v, ok := DigitValue(r); ok {
			head[k] = byte('0' + v)
			if k++; k == 2 {
				break
			}
		}
	}
	b := make([]byte, 0, n)
	b = append(b, head[:]...)
	for range n - 4 {
		b = append(b, 'X')
	}
	b = append(b, lastDigits(s, tail[:])...)
	return string(b)
}
