package script

import (
	"unicode"
	"unicode/utf8"
)

// Clip shortens s to at most n characters (runes), the last of them "…",
// for a table cell, a log line or an error. It never cuts a syllable of an
// Indic script in two: in Devanagari, Bengali or Tamil a vowel sign or a
// virama is a character of its own, and a cut between it and its letter,
// or between a virama and the consonant it joins to, would show a
// different syllable. Such a cluster is dropped whole instead. s is
// returned as it is when it fits, and "" when n is less than 1.
func Clip(s string, n int) string {
	if n < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return Cut(s, n-1) + "…"
}

// Cut returns the longest beginning of s that has at most n characters
// (runes) and does not end inside a syllable (see Clip): s itself when it
// fits.
func Cut(s string, n int) string {
	cut, i := len(s), 0
	for pos := range s {
		if i == n {
			cut = pos
			break
		}
		i++
	}
	for cut > 0 && cut < len(s) {
		r, _ := utf8.DecodeRuneInString(s[cut:])
		prev, size := utf8.DecodeLastRuneInString(s[:cut])
		if !joinsPrevious(r) && !isVirama(prev) {
			break
		}
		cut -= size
	}
	return s[:cut]
}

// joinsPrevious says r belongs with the character before it: a combining
// mark (a vowel sign, virama, nukta, anusvara) or a zero-width (non-)joiner.
func joinsPrevious(r rune) bool {
	return unicode.IsMark(r) || r == '\u200d' || r == '\u200c'
}

// isVirama says r is the virama of one of the nine Indic scripts of
// Unicode's 0900–0D7F blocks, each at offset 4D of its block: it joins the
// consonant before it to the one after.
func isVirama(r rune) bool {
	return r >= 0x0900 && r < 0x0D80 && r&0x7F == 0x4D
}
