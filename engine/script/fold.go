package script

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns the form of s used to compare what a citizen typed with a
// button label, a list row or a keyword:
//
//   - letters in Unicode lower case ("YES" → "yes");
//   - digits of every system DigitValue knows as ASCII ("१" → "1");
//   - spaces, punctuation, symbols and emoji dropped, along with the
//     invisible characters keyboards insert: zero-width joiners and
//     non-joiners, variation selectors, the keycap of "1️⃣" and the
//     Arabic tatweel;
//   - the rest in Unicode NFC, so that a letter typed as one code point
//     on one keyboard and as two on another (फ़ as U+095E or as फ + ़;
//     ো as U+09CB or as ে + া) compares equal.
//
// Fold keeps everything else: vowel signs, viramas and nuktas, accents,
// and letters of every script. It does not transliterate ("haan" and
// "हाँ" stay different) and does not strip diacritics, so "फ़" and "फ"
// stay different too: list both spellings where citizens use both.
//
// Fold(Fold(s)) == Fold(s). When s is already folded, Fold returns s
// itself and allocates nothing; a pure ASCII or Indic string that needs
// changing costs one allocation.
//
//	Fold(" Yes, please! 👍") == "yesplease"
//	Fold("विकल्प २")         == "विकल्प2"
func Fold(s string) string {
	// Fast path: lower-case ASCII letters and digits only.
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && s[i] != 0 && asciiFold[s[i]] == s[i] {
		i++
	}
	if i == len(s) {
		return s
	}
	it := newFoldIter(s)
	var b strings.Builder
	writing := false
	for {
		start := it.i
		r, ok := it.next()
		if !writing && it.changed {
			// The output was s[:start] until now; from here on it is
			// written out. It is never longer than s, except where a
			// letter is decomposed (फ़, three bytes, becomes फ + ़, six).
			writing = true
			b.Grow(len(s) + 8)
			b.WriteString(s[:start])
		}
		if !ok {
			break
		}
		if writing {
			b.WriteRune(r)
		}
	}
	switch {
	case !writing && (!it.nfc.unsure || norm.NFC.IsNormalString(s)):
		return s
	case !writing:
		return norm.NFC.String(s)
	case it.nfc.unsure:
		return norm.NFC.String(b.String())
	}
	return b.String()
}

// EqualFold reports whether Fold(a) == Fold(b), without building either.
// It allocates nothing unless one of the strings needs the full NFC
// algorithm (Hangul, or a combining mark typed apart from the letter it
// belongs with), which Indian text almost never does.
//
//	EqualFold("Option 2", "option २") == true
func EqualFold(a, b string) bool {
	if a == b {
		return true
	}
	if equal, decided := equalFoldASCII(a, b); decided {
		return equal
	}
	ia, ib := newFoldIter(a), newFoldIter(b)
	equal := true
	for {
		ra, oka := ia.next()
		rb, okb := ib.next()
		if !oka || !okb {
			equal = oka == okb
			break
		}
		if ra != rb {
			equal = false
			break
		}
	}
	// A mismatch is final only if both streams are already in NFC: read
	// the rest of both to find out.
	for ok := true; ok; _, ok = ia.next() {
	}
	for ok := true; ok; _, ok = ib.next() {
	}
	if ia.nfc.unsure || ib.nfc.unsure {
		return Fold(a) == Fold(b)
	}
	return equal
}

// asciiFold[c] is what Fold makes of the ASCII character c: itself for
// lower-case letters and digits, the lower case of capitals, and 0 for
// everything it drops.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = c, c
	}
	return t
}()

// equalFoldASCII is EqualFold for two ASCII strings. decided is false
// when either string has a non-ASCII byte.
func equalFoldASCII(a, b string) (equal, decided bool) {
	i, j := 0, 0
	for {
		for i < len(a) && a[i] < utf8.RuneSelf && asciiFold[a[i]] == 0 {
			i++
		}
		for j < len(b) && b[j] < utf8.RuneSelf && asciiFold[b[j]] == 0 {
			j++
		}
		if i == len(a) || j == len(b) || a[i] >= utf8.RuneSelf || b[j] >= utf8.RuneSelf {
			break
		}
		if asciiFold[a[i]] != asciiFold[b[j]] {
			// Final only if no combining mark can follow either.
			return false, isASCII(a[i:]) && isASCII(b[j:])
		}
		i, j = i+1, j+1
	}
	if i < len(a) && a[i] >= utf8.RuneSelf || j < len(b) && b[j] >= utf8.RuneSelf {
		return false, false
	}
	return i == len(a) && j == len(b), true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldSmall writes Fold(s) into buf when it fits and NFC has nothing to
// do, without allocating; ok is false otherwise.
func foldSmall(buf []byte, s string) (folded []byte, ok bool) {
	it := newFoldIter(s)
	out := buf[:0]
	for {
		r, more := it.next()
		if !more {
			break
		}
		if len(out)+utf8.UTFMax > cap(out) {
			return nil, false
		}
		out = utf8.AppendRune(out, r)
	}
	return out, !it.nfc.unsure
}

// foldIter yields the runes of Fold(s) before NFC: kept runes, mapped
// to lower case and ASCII digits, with the code points NFC never keeps
// replaced by their canonical decompositions. Its nfcCheck watches the
// stream; when the check stays sure, the stream is already NFC and so
// is exactly Fold(s).
type foldIter struct {
	s string
	i int
	// dec is what is left to yield of a canonical decomposition (a slice
	// of the norm package's tables, not a copy).
	dec []byte
	t   *lowTable
	nfc nfcCheck
	// changed: the stream differs from s so far (something was dropped,
	// mapped, decomposed, or s is not valid UTF-8).
	changed bool
}

func newFoldIter(s string) foldIter {
	return foldIter{s: s, t: runeTable()}
}

// next returns the next rune of the stream, or false at its end.
func (it *foldIter) next() (rune, bool) {
	if len(it.dec) > 0 {
		r, n := utf8.DecodeRune(it.dec)
		it.dec = it.dec[n:]
		it.nfc.push(it.info(r))
		return r, true
	}
	for it.i < len(it.s) {
		var r rune
		if c := it.s[it.i]; c < utf8.RuneSelf {
			r = rune(c)
			it.i++
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(it.s[it.i:])
			it.i += size
			if r == utf8.RuneError && size == 1 {
				it.changed = true // invalid UTF-8: dropped
				continue
			}
		}
		info := it.info(r)
		if info.flags&fKeep == 0 {
			it.changed = true
			continue
		}
		if info.to != r {
			it.changed = true
		}
		if info.flags&fDecompose != 0 {
			it.changed = true
			var b [utf8.UTFMax]byte
			d := norm.NFC.Properties(b[:utf8.EncodeRune(b[:], info.to)]).Decomposition()
			if len(d) > 0 {
				first, n := utf8.DecodeRune(d)
				it.dec = d[n:]
				it.nfc.push(it.info(first))
				return first, true
			}
		}
		it.nfc.push(info)
		return info.to, true
	}
	return 0, false
}

// info returns the Fold facts of r.
func (it *foldIter) info(r rune) runeInfo {
	if r < lowRunes {
		return it.t[r]
	}
	return foldInfo(r)
}

// nfcCheck follows a stream of runes and stays sure while the stream is
// certainly in NFC. It is conservative: it may become unsure of a stream
// that is in NFC (the caller then asks the norm package), never the
// other way round. A stream is in NFC when no rune needs decomposing,
// combining marks come in canonical order, and nothing composes; the
// check tracks the combining class of the previous rune and whether the
// last starter (a rune of class 0) can be the first part of a
// composition.
type nfcCheck struct {
	prevCCC uint8
	fwd     bool
	unsure  bool
}

func (c *nfcCheck) push(info runeInfo) {
	f := info.flags
	if f&(fUnknown|fDecompose) != 0 ||
		(info.ccc != 0 && info.ccc < c.prevCCC) ||
		(f&fCombBack != 0 && c.fwd) {
		c.unsure = true
	}
	if info.ccc == 0 {
		c.fwd = f&fCombFwd != 0
		c.prevCCC = info.trail
	} else {
		c.prevCCC = info.ccc
	}
}
