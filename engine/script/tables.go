package script

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The per-rune facts Fold, EqualFold and Detect need for the first 4096
// code points (Latin, Greek, Cyrillic, Arabic and every Indic script live
// there) are worked out once, on first use, from the standard library's
// Unicode tables and golang.org/x/text/unicode/norm, and kept in one
// array. Code points above the table are looked up directly each time;
// they are rare in Indian messages apart from emoji, which Fold drops.

const lowRunes = 0x1000

// runeInfo describes one code point r: the table holds it for r below
// lowRunes, foldInfo works it out for any r.
type runeInfo struct {
	// to is what Fold makes of r: its simple lower case, or its ASCII
	// digit. Meaningless unless flags has fKeep.
	to rune
	// ccc and trail are the canonical combining class of to and of the
	// last code point of its canonical decomposition (they differ for
	// precomposed letters such as é, whose trail is the acute's 230).
	ccc, trail uint8
	flags      uint8
	// script is the writing system of r if r is a letter, else Unknown.
	script Script
}

// Flags of runeInfo. All but fKeep describe to, for the NFC check.
const (
	// fKeep: Fold keeps r (a letter, mark or number that is not a
	// variation selector, enclosing mark or other invisible modifier).
	fKeep = 1 << iota
	// fDecompose: to never occurs in NFC text (क़ U+0958 is always
	// written क + ़ in NFC); Fold writes its canonical decomposition.
	fDecompose
	// fCombFwd: to is the first part of some canonical composition
	// (न + ़ → ऩ), so a following fCombBack rune may merge with it.
	fCombFwd
	// fCombBack: to is the second part of some canonical composition
	// (the nukta, the Bengali and Tamil two-part vowel signs).
	fCombBack
	// fUnknown: to lies beyond the composition sets (or is a Hangul
	// jamo) and NFC may change it or what surrounds it; the fast NFC
	// check gives up and lets the norm package decide.
	fUnknown
)

// lowTable holds runeInfo for every code point below lowRunes.
type lowTable [lowRunes]runeInfo

var (
	tableOnce sync.Once
	table     *lowTable
	// compFwd and compBack are bit sets over the code points below
	// compositionLimit: the first and second parts of compositions.
	compFwd, compBack *[compositionLimit / 64]uint64
)

// runeTable returns the table, building it on first use (about 1.5 ms
// and 300 kB of garbage, once per process, on the first non-ASCII text).
func runeTable() *lowTable {
	tableOnce.Do(buildTable)
	return table
}

// The canonical compositions of two code points that are both below
// compositionLimit are all known to this program through a scan of the
// composites below the same limit: Unicode has no composite above U+3100
// that is made of parts below it except Hangul syllables, which the
// table does not cover and which take the slow path. TestCompositionScan
// checks this claim against the whole code space.
const compositionLimit = 0x3100

func buildTable() {
	compFwd, compBack = compositionParts()
	t := new(lowTable)
	for r := rune(0); r < lowRunes; r++ {
		t[r] = foldInfo(r)
		t[r].script = letterScript(r)
	}
	table = t
}

// foldInfo works out the Fold facts of any code point. Its result's
// script field is left Unknown.
func foldInfo(r rune) runeInfo {
	to, keep := foldRune(r)
	if !keep {
		return runeInfo{}
	}
	var b [utf8.UTFMax]byte
	enc := b[:utf8.EncodeRune(b[:], to)]
	p := norm.NFC.Properties(enc)
	info := runeInfo{to: to, ccc: p.CCC(), trail: p.TrailCCC(), flags: fKeep}
	normal := norm.NFC.IsNormal(enc)
	// Hangul syllables and conjoining jamo compose by arithmetic, not by
	// the tables compositionParts reads; leave them to the norm package.
	if to >= compositionLimit || (to >= 0x1100 && to < 0x1200) {
		if !normal || !p.BoundaryBefore() || !p.BoundaryAfter() {
			info.flags |= fUnknown
		}
		return info
	}
	if !normal {
		info.flags |= fDecompose
	}
	if hasBit(compFwd, to) {
		info.flags |= fCombFwd
	}
	if hasBit(compBack, to) {
		info.flags |= fCombBack
	}
	return info
}

func hasBit(set *[compositionLimit / 64]uint64, r rune) bool {
	return set[r/64]&(1<<(r%64)) != 0
}

// compositionParts finds, for every canonical composite below
// compositionLimit, the two code points it is composed from.
func compositionParts() (fwd, back *[compositionLimit / 64]uint64) {
	fwd, back = new([compositionLimit / 64]uint64), new([compositionLimit / 64]uint64)
	var b [utf8.UTFMax]byte
	for r := rune(0xC0); r < compositionLimit; r++ {
		first, second, ok := compositionOf(r, b[:])
		if ok && first < compositionLimit && second < compositionLimit {
			fwd[first/64] |= 1 << (first % 64)
			back[second/64] |= 1 << (second % 64)
		}
	}
	return fwd, back
}

// compositionOf reports the pair NFC composes into r, if r is a primary
// composite (a code point with a canonical decomposition that NFC keeps).
func compositionOf(r rune, buf []byte) (first, second rune, ok bool) {
	enc := buf[:utf8.EncodeRune(buf, r)]
	d := norm.NFC.Properties(enc).Decomposition()
	if d == nil || !norm.NFC.IsNormal(enc) {
		return 0, 0, false
	}
	second, n := utf8.DecodeLastRune(d)
	head := norm.NFC.String(string(d[:len(d)-n]))
	first, size := utf8.DecodeRuneInString(head)
	if size != len(head) {
		return 0, 0, false
	}
	return first, second, true
}

// foldRune says whether Fold keeps r and what it becomes.
func foldRune(r rune) (rune, bool) {
	if v, ok := DigitValue(r); ok {
		return rune('0' + v), true
	}
	if !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsNumber(r) {
		return 0, false
	}
	if ignorable(r) {
		return 0, false
	}
	return unicode.ToLower(r), true
}

// ignorable lists the letters and marks Fold drops because they change
// how text looks, not what it says.
func ignorable(r rune) bool {
	switch {
	case unicode.Is(unicode.Me, r): // enclosing marks: the keycap in 1️⃣
		return true
	case unicode.Is(unicode.Variation_Selector, r): // emoji vs text style
		return true
	case r == 0x034F: // combining grapheme joiner
		return true
	case r == 0x0640: // Arabic tatweel, a stretching stroke
		return true
	}
	return false
}

// letterScript is the Script of r if r is a letter, else Unknown.
func letterScript(r rune) Script {
	if !unicode.IsLetter(r) {
		return Unknown
	}
	if r >= 0x0900 && r < 0x0D80 {
		return Devanagari + Script((r-0x0900)>>7)
	}
	for s, tab := range scriptTables {
		if tab != nil && unicode.Is(tab, r) {
			return Script(s)
		}
	}
	return Unknown
}

// scriptTables maps each Script to the standard library's table.
var scriptTables = [...]*unicode.RangeTable{
	Latin:      unicode.Latin,
	Devanagari: unicode.Devanagari,
	Bengali:    unicode.Bengali,
	Gurmukhi:   unicode.Gurmukhi,
	Gujarati:   unicode.Gujarati,
	Odia:       unicode.Oriya,
	Tamil:      unicode.Tamil,
	Telugu:     unicode.Telugu,
	Kannada:    unicode.Kannada,
	Malayalam:  unicode.Malayalam,
	Arabic:     unicode.Arabic,
}
