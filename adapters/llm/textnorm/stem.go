package textnorm

import (
	"bytes"
	"sort"
	"unicode"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/script"
)

// A light stemmer for the Indic scripts: one inflectional ending from the
// script's list, then one final vowel sign (or Tamil's pulli), as long as
// two letters of stem stay. Snowball has a Hindi stemmer, but no Go
// package of it exists among the modules we can use, and none at all for
// Bengali, Odia, Marathi or Tamil; the lists below are short on purpose:
// for retrieval, an ending left on costs less than a stem cut wrong,
// because both the knowledge base and the citizen's message go through
// the same function.

// endings lists, per script, the inflectional endings stripped first,
// longest first (sorted at start-up).
var endings = map[script.Script][][]byte{
	script.Devanagari: words(
		// Hindi plurals and oblique forms, verb endings.
		"ियों", "ियां", "ाओं", "ाएं", "ाने", "ाना", "ानी", "ाता", "ाती", "ाते", "ों", "ें", "ां", "ीं",
		// Marathi case endings.
		"मध्ये", "च्या", "ाच्या", "ाचा", "ाची", "ाचे", "ाला", "ांना", "ांचा", "ांची", "ची", "चा", "चे", "ला",
	),
	script.Bengali: words("গুলো", "গুলি", "দের", "েরা", "ের", "কে", "তে", "টা", "টি", "রা"),
	script.Odia:    words("ମାନଙ୍କ", "ମାନେ", "ଗୁଡିକ", "ରେ", "ରୁ", "କୁ", "ଟି", "ର"),
	script.Tamil: words("களின்", "களை", "கள்", "க்கு", "ுக்கு", "ிடம்", "ுடன்", "ோடு", "ின்", "ில்",
		"ால்", "ை"),
}

// vowelSigns lists, per script, the dependent vowel signs and nasal signs
// a word may end with, stripped second.
var vowelSigns = map[script.Script][][]byte{
	script.Devanagari: words("ा", "ि", "ी", "ु", "ू", "े", "ै", "ो", "ौ", "ं"),
	script.Bengali:    words("া", "ি", "ী", "ু", "ূ", "ে", "ৈ", "ো", "ৌ", "ং"),
	script.Odia:       words("ା", "ି", "ୀ", "ୁ", "ୂ", "େ", "ୈ", "ୋ", "ୌ", "ଂ"),
	script.Tamil:      words("்", "ா", "ி", "ீ", "ு", "ூ", "ெ", "ே", "ை", "ொ", "ோ", "ௌ"),
}

// words returns its arguments as byte slices, longest first.
func words(ws ...string) [][]byte {
	out := make([][]byte, len(ws))
	for i, w := range ws {
		out[i] = []byte(w)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// minStem is how many runes a stem keeps at least.
const minStem = 2

// stem strips one ending and then one vowel sign from w, in place.
func stem(w []byte) []byte {
	first, _ := utf8.DecodeRune(w)
	sc := script.ScriptOf(first)
	w = stripOne(w, endings[sc])
	return stripOne(w, vowelSigns[sc])
}

// stripOne strips the first (longest) of the suffixes that w ends with,
// if a stem of minStem runes stays.
func stripOne(w []byte, suffixes [][]byte) []byte {
	for _, suf := range suffixes {
		// A one-letter ending needs a longer stem: it is often the
		// word's own last letter.
		keep := minStem
		if utf8.RuneCount(suf) == 1 && !isSign(suf) {
			keep++
		}
		if bytes.HasSuffix(w, suf) && utf8.RuneCount(w[:len(w)-len(suf)]) >= keep {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

// isSign reports whether suf is a combining mark (a vowel sign, pulli or
// anusvara) rather than a letter.
func isSign(suf []byte) bool {
	r, _ := utf8.DecodeRune(suf)
	return unicode.IsMark(r)
}
