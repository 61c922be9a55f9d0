package textnorm

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/samvad/samvad/engine/script"
)

// indicTerm is the term of a word in an Indic script (or any other
// non-Latin script, which only gets the folding).
func indicTerm(w string, buf []byte) (string, []byte) {
	folded := script.Fold(w)
	buf = indicFold(buf[:0], folded)
	if len(buf) == 0 || indicStop[string(buf)] {
		return "", buf
	}
	buf = stem(buf)
	return string(buf), buf
}

// Code points the fold works with.
const (
	devaVirama   = '\u094D'
	devaAnusvara = '\u0902'
)

// nuktaBase maps a letter that carries a nukta in its canonical
// decomposition (क़ U+0958, ऩ U+0929, ড় U+09DC, ଡ଼ U+0B5C …) to the
// letter without it. It is worked out from the Unicode decompositions
// that golang.org/x/text/unicode/norm holds, for the Indic blocks.
var nuktaBase = func() map[rune]rune {
	m := map[rune]rune{}
	for r := rune(0x0900); r < 0x0D00; r++ {
		d := norm.NFD.PropertiesString(string(r)).Decomposition()
		if len(d) == 0 {
			continue
		}
		base, size := utf8.DecodeRune(d)
		if mark, _ := utf8.DecodeRune(d[size:]); isNukta(mark) {
			m[r] = base
		}
	}
	return m
}()

// isNukta reports whether r is the nukta of one of the scripts from
// Devanagari to Kannada, which all keep it at offset 0x3C of their block.
func isNukta(r rune) bool { return r >= 0x0900 && r < 0x0D00 && r&0x7F == 0x3C }

// candrabindu maps the candrabindu of Devanagari, Bengali and Odia to
// their anusvara.
var candrabindu = map[rune]rune{'\u0901': '\u0902', '\u0981': '\u0982', '\u0B01': '\u0B02'}

// indicFold appends the folded form of an already script.Fold-ed word.
func indicFold(dst []byte, w string) []byte {
	for i := 0; i < len(w); {
		r, size := utf8.DecodeRuneInString(w[i:])
		i += size
		switch {
		case isNukta(r):
			continue
		case nuktaBase[r] != 0:
			r = nuktaBase[r]
		case candrabindu[r] != 0:
			r = candrabindu[r]
		case isDevaNasal(r):
			// न्द → ंद: a nasal, a virama and a stop of a class.
			v, vs := utf8.DecodeRuneInString(w[i:])
			next, _ := utf8.DecodeRuneInString(w[i+vs:])
			if v == devaVirama && isDevaStop(next) {
				r = devaAnusvara
				i += vs
			}
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// isDevaNasal reports whether r is one of the five nasal consonants of
// Devanagari (ङ ञ ण न म).
func isDevaNasal(r rune) bool {
	return r == '\u0919' || r == '\u091E' || r == '\u0923' || r == '\u0928' || r == '\u092E'
}

// isDevaStop reports whether r is a Devanagari consonant of the five
// classes other than their nasal (क to भ, less ङ ञ ण न), before which
// a nasal is written as anusvara as often as in full.
func isDevaStop(r rune) bool {
	return r >= '\u0915' && r <= '\u092D' && !isDevaNasal(r) && r != '\u0929'
}

// indicStop holds the function words of Hindi, Marathi, Bengali, Odia
// and Tamil, folded: postpositions, pronouns, the copula. Question words
// (क्या, कैसे, कब) are kept: they carry meaning.
var indicStop = func() map[string]bool {
	words := strings.Fields(`
		का की के को है हैं में से पर और या भी तो यह वह ये वो मैं मेरा मेरी मेरे मुझे
		हम आप अपना अपनी अपने था थी थे हो एक कोई लिए जी कृपया कृप्या
		चा ची चे ला ना ने आहे आहेत मी माझा माझी माझे माझ्या मला तुम्ही आणि किंवा पण
		এর এই ওই আমি আমার আমাকে আপনি আপনার কি না হয় হবে ও এবং বা দয়া করে
		ମୁଁ ମୋର ମୋତେ ଆପଣ ଆପଣଙ୍କ ଏହି ସେହି ଏବଂ କିମ୍ବା ଅଛି ହେବ ଦୟାକରି
		நான் என் எனது எனக்கு நீங்கள் உங்கள் இது அது மற்றும் அல்லது உள்ளது தயவுசெய்து`)
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[string(indicFold(nil, script.Fold(w)))] = true
	}
	return m
}()
