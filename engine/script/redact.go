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
//     checksum is valid, becomes "XXXX XXXX " and its last four digits
//     ("XXXX XXXX 0123");
//   - Indian mobile numbers, in every form NormalizeMobile accepts,
//     become "+91 XXXXXXXX" and their last two digits (one typed with
//     its 91 in three groups of four reads as an Aadhaar number and is
//     masked as one);
//   - any other run of ten or more digits (a landline with its STD code,
//     a foreign number, a 16-digit Aadhaar Virtual ID or card number)
//     keeps its last two digits and its separators, the other digits
//     becoming X: "XXXX XXXX XXXX XX34", "(XXX) XXXX-XX89";
//   - PAN numbers ("ABCPE1234F", any case; "ABCPE 1234 F" in capitals)
//     become "XXXXXXXXXX": nothing of a PAN is kept, its last letter is
//     only a check character;
//   - e-mail addresses keep their domain: "***@example.com". Digits in
//     a domain are left alone; a domain needs a dot ("ravi@localhost"
//     is left as it is).
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
	wordBefore := false // the rune before s[i] is a letter or digit
	for i := 0; i < len(s); {
		if i == mail.start {
			if s[mail.start:mail.at] != "***" { // not masked already
				w.replace(mail.start, mail.at, "***")
			}
			i = mail.end
			mail = nextEmail(s, i)
			wordBefore = letterOrDigitBefore(s, i)
			continue
		}
		// Nothing else reaches into the next e-mail address.
		limited := s[:mail.start]
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case isASCIILetter(c):
				if !wordBefore && mayStartPAN(limited[i:]) {
					if end, ok := matchPAN(limited, i); ok {
						w.replace(i, end, "XXXXXXXXXX")
						i = end
						wordBefore = false // a PAN ends before a non-letter
						continue
					}
				}
				wordBefore = true
			case '0' <= c && c <= '9', c == '+' && startsWithDigit(limited[i+1:]):
				i = w.digitRun(i, mail.start)
				wordBefore = true // a digit run ends with a digit
				continue
			default:
				wordBefore = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if IsDigit(r) {
			i = w.digitRun(i, mail.start)
			wordBefore = true
			continue
		}
		wordBefore = isWordRune(r)
		i += size
	}
	return w.result()
}

// isWordRune reports whether r is part of a word: a letter, mark or
// number.
func isWordRune(r rune) bool {
	if r < lowRunes {
		return runeTable()[r].flags&fKeep != 0
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r)
}

// mayStartPAN is a quick test for matchPAN: five ASCII letters, then
// something that may be a digit or a separator.
func mayStartPAN(s string) bool {
	if len(s) < 10 {
		return false
	}
	for i := 1; i < 5; i++ {
		if !isASCIILetter(s[i]) {
			return false
		}
	}
	c := s[5]
	return c >= utf8.RuneSelf || ('0' <= c && c <= '9') || c == ' ' || c == '-'
}

// redactor writes the redacted text, lazily: until the first
// replacement it holds nothing, and the result is s itself.
type redactor struct {
	s       string
	out     strings.Builder
	started bool
	done    int // s[:done] has been written (or needs no writing)
}

// replace writes s[done:start], then repl in place of s[start:end].
func (w *redactor) replace(start, end int, repl string) {
	w.begin(start, end)
	w.out.WriteString(repl)
}

// begin writes s[done:start] and skips s[start:end]; the caller writes
// the replacement.
func (w *redactor) begin(start, end int) {
	if !w.started {
		w.started = true
		w.out.Grow(len(w.s) + 8)
	}
	w.out.WriteString(w.s[w.done:start])
	w.done = end
}

func (w *redactor) result() string {
	if !w.started {
		return w.s
	}
	w.out.WriteString(w.s[w.done:])
	return w.out.String()
}

// digitGroup is one group of consecutive digits in a run.
type digitGroup struct {
	start, end int     // byte offsets of the digits in s
	n          int     // number of digits
	lead       [6]byte // values of the first (up to) six digits
	sep        byte    // the gap to the next group when it is one ASCII character
}

// What a span of groups is masked as.
const (
	spanNone uint8 = iota
	spanAadhaar
	spanMobile
	spanOther
	spanDate // not masked, and not part of a longer number either
)

// maxGroups is how many digit groups a run may have before Redact needs
// the heap to hold them.
const maxGroups = 16

// digitRun handles the run of digit groups starting at s[i] (a digit, or
// a '+' before one) and ending before s[limit], and returns the offset
// after it.
func (w *redactor) digitRun(i, limit int) int {
	s := w.s[:limit]
	// Runs of up to maxGroups groups live on the stack.
	var groups [maxGroups]digitGroup
	var kinds [maxGroups]uint8
	var lasts [maxGroups]int
	var run numberRun
	run.start, run.plus, run.g = readRun(s, i, groups[:0])
	if n := len(run.g); n <= maxGroups {
		run.kind, run.spanLast = kinds[:n], lasts[:n]
	} else {
		run.kind, run.spanLast = make([]uint8, n), make([]int, n)
	}
	end := run.g[len(run.g)-1].end
	if run.digits() < 10 || amountBefore(s, run.start) {
		return end // too short to be anything Redact masks, or an amount
	}
	run.markShaped()
	run.markLeftovers(letterBefore(s, run.start), letterAt(s, end))
	for k := 0; k < len(run.g); {
		if run.kind[k] == spanNone || run.kind[k] == spanDate {
			k++
			continue
		}
		from, to := run.g[k].start, run.g[run.spanLast[k]].end
		if k == 0 && run.plus {
			from = run.start
		}
		w.mask(from, to, run.kind[k])
		k = run.spanLast[k] + 1
	}
	return end
}

// numberRun is a run of digit groups and what each group is masked as.
type numberRun struct {
	start int  // where the run starts: its '+' or first digit
	plus  bool // the run starts with '+'
	g     []digitGroup
	// kind[k] is what group k is masked as; spanLast[k], for the first
	// group of a span of groups masked together, is its last group.
	kind     []uint8
	spanLast []int
}

// readRun reads the digit groups of the run starting at s[i] into g.
func readRun(s string, i int, g []digitGroup) (start int, plus bool, _ []digitGroup) {
	start, plus = i, s[i] == '+'
	if plus {
		i++
	}
	for {
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
		gap := digitGap(s[i:])
		if gap == 1 {
			grp.sep = s[i]
		}
		g = append(g, grp)
		if gap == 0 {
			return start, plus, g
		}
		i += gap
	}
}

// digits counts the digits of the run.
func (run *numberRun) digits() int {
	n := 0
	for _, g := range run.g {
		n += g.n
	}
	return n
}

// mark records that groups k..last are masked together as what.
func (run *numberRun) mark(k, last int, what uint8) {
	run.spanLast[k] = last
	for j := k; j <= last; j++ {
		run.kind[j] = what
	}
}

// markShaped marks the numbers with a shape: Aadhaar, mobile, long
// single groups.
func (run *numberRun) markShaped() {
	for k := 0; k < len(run.g); {
		m, what := matchGroups(run.g, k, run.plus && k == 0)
		if m == 0 {
			k++
			continue
		}
		run.mark(k, k+m-1, what)
		k += m
	}
}

// markLeftovers marks each stretch of unmarked groups that still holds
// ten digits or more. The digits a mask keeps count with the stretch
// after it, so that Redact(Redact(s)) == Redact(s). A stretch glued to
// letters (the first one when gluedStart, the last one when gluedEnd)
// is part of a code such as "APP-2026-000123456" and is left alone,
// unless it follows a mask: then the run is no mere code.
func (run *numberRun) markLeftovers(gluedStart, gluedEnd bool) {
	for k := 0; k < len(run.g); {
		if run.kind[k] != spanNone {
			k++
			continue
		}
		last, digits, carried := k, run.g[k].n, 0
		if k > 0 {
			carried = keptDigits(run.kind[k-1])
		}
		for last+1 < len(run.g) && run.kind[last+1] == spanNone {
			last++
			digits += run.g[last].n
		}
		switch {
		case carried == 0 && ((k == 0 && gluedStart) || (last == len(run.g)-1 && gluedEnd)):
		case digits == 12 && (k > 0 || !run.plus):
			run.mark(k, last, spanAadhaar) // grouped some other way, still an Aadhaar number
		case digits+carried >= 10:
			run.mark(k, last, spanOther)
		}
		k = last + 1
	}
}

// keptDigits is how many digits the mask of a kind leaves visible.
func keptDigits(kind uint8) int {
	switch kind {
	case spanAadhaar:
		return 4
	case spanDate:
		return 0
	}
	return 2
}

// matchGroups tries the shaped numbers at group k and returns how many
// groups the match covers (0 for none) and its kind.
func matchGroups(g []digitGroup, k int, plus bool) (int, uint8) {
	if isDate(g[k:]) {
		return 3, spanDate
	}
	// Groups of four: three are an Aadhaar number, four a Virtual ID or
	// a card number, more something else long.
	fours := 0
	for k+fours < len(g) && g[k+fours].n == 4 {
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

// isDate reports whether the first three groups are a date written with
// hyphens or dots: day, month and a year of two or four digits
// ("21-11-2026", "21.11.26"), or a four-digit year, month and day
// ("2026-11-21").
func isDate(g []digitGroup) bool {
	if len(g) < 3 || g[0].sep != g[1].sep || (g[0].sep != '-' && g[0].sep != '.') {
		return false
	}
	day, month, year := g[0], g[1], g[2]
	if g[0].n == 4 {
		year, day = g[0], g[2]
	}
	return day.n <= 2 && month.n <= 2 && (year.n == 2 || year.n == 4) &&
		inRange(day, 1, 31) && inRange(month, 1, 12)
}

// inRange reports whether the value of a group of one or two digits lies
// in [lo, hi].
func inRange(g digitGroup, lo, hi int) bool {
	v := int(g.lead[0])
	if g.n == 2 {
		v = v*10 + int(g.lead[1])
	}
	return lo <= v && v <= hi
}

// matchMobile matches an Indian mobile number at group k, however its
// digits are grouped, and returns how many groups it covers (0 for none).
// The digits read as NormalizeMobile reads them: ten starting with 6-9,
// after 91 (with or without a '+', then perhaps a trunk 0), 0091 or a
// trunk 0.
func matchMobile(g []digitGroup, k int, plus bool) int {
	var head [6]byte // the first digits of the groups from k on
	n, total := 0, 0
	for j := k; j < len(g) && total < 16; j++ {
		for d := 0; d < g[j].n && d < len(g[j].lead) && n < len(head); d++ {
			head[n] = g[j].lead[d]
			n++
		}
		total += g[j].n
		if national := nationalStart(&head, total, plus); national >= 0 && head[national] >= 6 {
			return j - k + 1
		}
	}
	return 0
}

// nationalStart returns where the ten national digits start in a number
// of total digits beginning with head, or -1 if it has no such shape.
func nationalStart(head *[6]byte, total int, plus bool) int {
	has91 := head[0] == 9 && head[1] == 1
	switch {
	case plus && has91 && total == 12:
		return 2
	case plus && has91 && total == 13 && head[2] == 0:
		return 3
	case plus:
		return -1
	case total == 10:
		return 0
	case total == 11 && head[0] == 0:
		return 1
	case total == 12 && has91:
		return 2
	case total == 14 && head[0] == 0 && head[1] == 0 && head[2] == 9 && head[3] == 1:
		return 4
	}
	return -1
}

// mask writes the replacement for the digits in s[from:to].
func (w *redactor) mask(from, to int, kind uint8) {
	var tail [4]byte
	number := w.s[from:to]
	w.begin(from, to)
	switch kind {
	case spanAadhaar:
		w.out.WriteString("XXXX XXXX ")
		w.out.Write(lastDigits(number, tail[:4]))
	case spanMobile:
		w.out.WriteString("+91 XXXXXXXX")
		w.out.Write(lastDigits(number, tail[:2]))
	default:
		// Keep the '+' and the separators, so that the number keeps its
		// shape and no separator that ended something (an e-mail
		// domain, say) disappears.
		hide := countDigits(number) - 2
		for _, r := range number {
			v, ok := DigitValue(r)
			switch {
			case !ok:
				w.out.WriteRune(r)
			case hide > 0:
				w.out.WriteByte('X')
				hide--
			default:
				w.out.WriteByte(byte('0' + v))
			}
		}
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
// allows, followed by a digit), or 0 when s does not start with one.
func digitGap(s string) int {
	n := 0
	for n < len(s) {
		r, size := rune(s[n]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[n:])
		}
		if r != '.' && r != '(' && r != ')' && !isGroupSeparator(r) {
			break
		}
		n += size
	}
	if n > 0 && startsWithDigit(s[n:]) {
		return n
	}
	return 0
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
// characters not followed by a letter, contiguous in any case, or
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
	// A digit may follow: "ABCPE1234F9812345678" is a PAN and a mobile
	// number typed together (and a masked mobile number starts with '+',
	// which must not turn a non-PAN into one).
	if n < 10 || letterAt(s, i) {
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
// labels of letters, digits and hyphens. (Asking more of the last label
// would let masking a number in a would-be domain make an address of it,
// and Redact would not be idempotent.) Without one it returns a span
// starting at len(s).
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
	return i, labels >= 2
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
	var b strings.Builder
	b.Grow(n)
	b.Write(head[:])
	for range n - 4 {
		b.WriteByte('X')
	}
	b.Write(lastDigits(s, tail[:]))
	return b.String()
}
