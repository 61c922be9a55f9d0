package script

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ParseDate reads a calendar date as Indian citizens type it and returns
// it at midnight in now's location. now supplies the current year for
// dates typed without one, the century of two-digit years, and the day
// for the relative words. It accepts:
//
//   - day first, with '/', '-', '.' or a space between the parts and the
//     same separator both times: "21/11/2026", "21-11-2026",
//     "21.11.2026", "1/2/26". A two-digit year is placed in the century
//     that puts it no more than 80 years before now's year and no more
//     than 19 after it (with now in 2026, "46" is 1946 and "45" is 2045),
//     so birth dates of the elderly come out right;
//   - ISO order with a four-digit year first: "2026-11-21";
//   - day and month only, with '/', '-' or '.': "21/11" is in now's year;
//   - a month name, English (full or abbreviated, any case, "Sept"
//     too) or Hindi (जनवरी, फ़रवरी or फरवरी, मार्च, अप्रैल, मई, जून,
//     जुलाई, अगस्त, सितंबर or सितम्बर, अक्टूबर, नवंबर or नवम्बर, दिसंबर
//     or दिसम्बर), day first or month first, with or without a year:
//     "21 Nov 2026", "21st November, 2026", "Nov 21, 2026",
//     "21-Nov-26", "२१ नवंबर २०२६", "21 Nov";
//   - the words "today", "tomorrow", "yesterday" and आज (today).
//
// Digits may be of any system DigitValue knows. Dates that do not exist
// ("31/02/2026", month 13) are rejected, and so is anything ambiguous:
// the Hindi कल means both yesterday and tomorrow and परसों both the day
// before yesterday and the day after tomorrow, so neither is accepted
// (ask again, or offer buttons); month-first numeric dates ("11/21/2026")
// fail as an impossible month rather than being guessed, and eight digits
// without separators ("21112026") are not read as a date.
func ParseDate(s string, now time.Time) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if offset, ok := relativeDay(s); ok {
		y, m, d := now.Date()
		return time.Date(y, m, d+offset, 0, 0, 0, 0, now.Location()), true
	}
	var toks [8]dateToken
	n, ok := tokenizeDate(s, &toks)
	if !ok || n == 0 {
		return time.Time{}, false
	}
	t := toks[:n]
	var year, month, day int
	numeric := !t[0].ordinal && (n < 3 || !t[2].ordinal) && (n < 5 || !t[4].ordinal)
	switch {
	case kinds(t, tokNum, tokSep, tokNum, tokSep, tokNum):
		if !numeric || t[1].sep != t[3].sep || !strings.ContainsRune("/-. ", rune(t[1].sep)) {
			return time.Time{}, false
		}
		if t[0].digits == 4 { // 2026-11-21
			year, month, day, ok = t[0].val, t[2].val, t[4].val, t[2].digits <= 2 && t[4].digits <= 2
		} else {
			day, month, ok = t[0].val, t[2].val, t[0].digits <= 2 && t[2].digits <= 2
			year, ok = yearOf(t[4], now, ok)
		}
	case kinds(t, tokNum, tokSep, tokNum):
		ok = numeric && strings.ContainsRune("/-.", rune(t[1].sep)) && t[0].digits <= 2 && t[2].digits <= 2
		day, month, year = t[0].val, t[2].val, now.Year()
	default:
		year, month, day, ok = namedMonthDate(t, now)
	}
	if !ok || month < 1 || month > 12 || day < 1 || day > 31 || year < 1000 || year > 9999 {
		return time.Time{}, false
	}
	date := time.Date(year, time.Month(month), day, 0, 0, 0, 0, now.Location())
	if date.Day() != day { // 31/02 rolls over into March
		return time.Time{}, false
	}
	return date, true
}

// relativeDay recognises the words for today, tomorrow and yesterday.
func relativeDay(s string) (int, bool) {
	switch {
	case EqualFold(s, "today"), EqualFold(s, "आज"):
		return 0, true
	case EqualFold(s, "tomorrow"):
		return 1, true
	case EqualFold(s, "yesterday"):
		return -1, true
	}
	return 0, false
}

// namedMonthDate reads the forms with a month name, ignoring separators:
// day month [year], month day [year].
func namedMonthDate(toks []dateToken, now time.Time) (year, month, day int, ok bool) {
	var parts [4]dateToken
	n := 0
	for _, t := range toks {
		if t.kind == tokSep || (t.kind == tokWord && EqualFold(t.text, "of")) {
			continue
		}
		if n == len(parts) {
			return 0, 0, 0, false
		}
		parts[n] = t
		n++
	}
	p := parts[:n]
	var dayTok, yearTok dateToken
	switch {
	case kinds(p, tokNum, tokWord, tokNum), kinds(p, tokNum, tokWord):
		dayTok, month = p[0], monthNumber(p[1].text)
	case kinds(p, tokWord, tokNum, tokNum), kinds(p, tokWord, tokNum):
		dayTok, month = p[1], monthNumber(p[0].text)
	default:
		return 0, 0, 0, false
	}
	if month == 0 || dayTok.digits > 2 {
		return 0, 0, 0, false
	}
	year, ok = now.Year(), true
	if len(p) == 3 {
		yearTok = p[2]
		year, ok = yearOf(yearTok, now, true)
	}
	return year, month, dayTok.val, ok
}

// yearOf reads a year token of two or four digits.
func yearOf(t dateToken, now time.Time, ok bool) (int, bool) {
	switch t.digits {
	case 4:
		return t.val, ok && !t.ordinal
	case 2:
		return pivotYear(t.val, now.Year()), ok && !t.ordinal
	}
	return 0, false
}

// pivotYear places a two-digit year yy in the hundred years from 80
// before now to 19 after it.
func pivotYear(yy, nowYear int) int {
	base := nowYear - 80
	y := base - ((base%100)+100)%100 + yy
	if y < base {
		y += 100
	}
	return y
}

// monthNames lists the names ParseDate knows, month by month, as Fold
// writes them (फ़ is फ + ़ there), so that case, a trailing dot and the
// two ways of typing फ़ do not matter.
var monthNames = [12][]string{
	{"january", "jan", "जनवरी"},
	{"february", "feb", "फ़रवरी", "फरवरी"},
	{"march", "mar", "मार्च"},
	{"april", "apr", "अप्रैल", "अप्रेल"},
	{"may", "मई"},
	{"june", "jun", "जून"},
	{"july", "jul", "जुलाई"},
	{"august", "aug", "अगस्त"},
	{"september", "sep", "sept", "सितंबर", "सितम्बर"},
	{"october", "oct", "अक्टूबर", "अक्तूबर"},
	{"november", "nov", "नवंबर", "नवम्बर"},
	{"december", "dec", "दिसंबर", "दिसम्बर"},
}

// monthNumber returns 1-12 for a month name, 0 for anything else.
func monthNumber(word string) int {
	var buf [64]byte
	folded, ok := foldSmall(buf[:], word)
	if !ok {
		folded = []byte(Fold(word))
	}
	for i, names := range monthNames {
		for _, name := range names {
			if string(folded) == name {
				return i + 1
			}
		}
	}
	return 0
}

type tokenKind uint8

const (
	tokNum tokenKind = iota + 1
	tokWord
	tokSep
)

// dateToken is one piece of a typed date.
type dateToken struct {
	kind    tokenKind
	val     int    // tokNum: the value
	digits  int    // tokNum: how many digits
	ordinal bool   // tokNum: followed by st, nd, rd or th
	text    string // tokWord
	// sep is the separator a tokSep stands for: its one non-space
	// character, ' ' if it is only spaces, or 0 if it mixes several
	// ("/-").
	sep byte
}

func kinds(toks []dateToken, want ...tokenKind) bool {
	if len(toks) != len(want) {
		return false
	}
	for i, k := range want {
		if toks[i].kind != k {
			return false
		}
	}
	return true
}

// tokenizeDate splits s into numbers, words and separator runs.
func tokenizeDate(s string, toks *[8]dateToken) (int, bool) {
	n := 0
	add := func(t dateToken) bool {
		if n == len(toks) {
			return false
		}
		toks[n] = t
		n++
		return true
	}
	for i := 0; i < len(s); {
		// Each case reads its token rune by rune from i, this first rune
		// included; r only chooses the case.
		r, _ := utf8.DecodeRuneInString(s[i:])
		switch {
		case IsDigit(r):
			t := dateToken{kind: tokNum}
			for i < len(s) {
				r, size := utf8.DecodeRuneInString(s[i:])
				v, ok := DigitValue(r)
				if !ok {
					break
				}
				if t.digits < 9 {
					t.val = t.val*10 + v
				}
				t.digits++
				i += size
			}
			if suffix := ordinalSuffix(s[i:]); suffix > 0 {
				t.ordinal = true
				i += suffix
			}
			if !add(t) {
				return 0, false
			}
		case isDateSeparator(r):
			t := dateToken{kind: tokSep, sep: ' '}
			for i < len(s) {
				r, size := utf8.DecodeRuneInString(s[i:])
				if !isDateSeparator(r) {
					break
				}
				if r < utf8.RuneSelf && r != ' ' && r != '\t' {
					if t.sep == ' ' {
						t.sep = byte(r)
					} else if t.sep != byte(r) {
						t.sep = 0
					}
				}
				i += size
			}
			if !add(t) {
				return 0, false
			}
		case unicode.IsLetter(r):
			start := i
			for i < len(s) {
				r, size := utf8.DecodeRuneInString(s[i:])
				if !unicode.IsLetter(r) && !unicode.IsMark(r) {
					break
				}
				i += size
			}
			if !add(dateToken{kind: tokWord, text: s[start:i]}) {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	return n, true
}

func isDateSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\u00A0', '/', '-', '.', ',':
		return true
	}
	return false
}

// ordinalSuffix returns the length of an English ordinal suffix ("st",
// "nd", "rd", "th", any case) at the start of s, if no letter follows it.
func ordinalSuffix(s string) int {
	if !hasPrefixFoldASCII(s, "st") && !hasPrefixFoldASCII(s, "nd") &&
		!hasPrefixFoldASCII(s, "rd") && !hasPrefixFoldASCII(s, "th") {
		return 0
	}
	if len(s) > 2 {
		if r, _ := utf8.DecodeRuneInString(s[2:]); unicode.IsLetter(r) {
			return 0
		}
	}
	return 2
}
