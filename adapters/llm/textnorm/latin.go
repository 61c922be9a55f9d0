package textnorm

import (
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"

	"github.com/samvad/samvad/engine/script"
)

// latinTerm is the term of a word in Latin letters: English or romanised
// Hindi.
func latinTerm(w string, buf []byte) (string, []byte) {
	lower := script.Fold(w)
	if englishStop[lower] || hinglishStop[lower] {
		return "", buf
	}
	stem := lower
	if len(lower) > 2 { // Snowball leaves words of one or two letters as they are
		env := snowballstem.NewEnv(lower)
		english.Stem(env)
		stem = env.Current()
	}
	buf = romanFold(buf[:0], stem)
	if len(buf) == 0 {
		return "", buf
	}
	return string(buf), buf
}

// englishStop holds the function words of English: pronouns, articles,
// auxiliaries, prepositions, conjunctions and question words, which say
// nothing about which service a citizen wants. (Snowball's stemmer comes
// without a list; the one of the stemmer we used first came with a
// package that linked "testing" into the binary.)
var englishStop = setOf(
	"i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself",
	"yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself",
	"they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that",
	"these", "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had",
	"having", "do", "does", "did", "doing", "would", "should", "could", "ought", "i'm", "you're",
	"he's", "she's", "it's", "we're", "they're", "i've", "you've", "we've", "they've", "i'd", "you'd",
	"he'd", "she'd", "we'd", "they'd", "i'll", "you'll", "he'll", "she'll", "we'll", "they'll",
	"isn't", "aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't", "doesn't", "don't",
	"didn't", "won't", "wouldn't", "shan't", "shouldn't", "can't", "couldn't", "mustn't",
	"let's", "that's", "who's", "what's", "here's", "there's", "when's", "where's", "why's", "how's",
	// What is left of a contraction once the word splitter has cut it at
	// its apostrophe ("don't" → "don", "t").
	"s", "t", "d", "ll", "m", "o", "re", "ve", "y", "ain", "aren", "couldn", "didn", "doesn", "don",
	"hadn", "hasn", "haven", "isn", "ma", "mightn", "mustn", "needn", "shan", "shouldn", "wasn",
	"weren", "won", "wouldn",
	"a", "an", "the", "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by",
	"for", "with", "about", "against", "between", "into", "through", "during", "before", "after",
	"above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again",
	"further", "then", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both",
	"each", "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same",
	"so", "than", "too", "very", "will", "just", "can", "should", "now",
)

// hinglishStop holds the function words of romanised Hindi, in the
// spellings people type: they say nothing about what a citizen wants.
// Words that carry meaning in a question (kya, kaise, kab, nahi) are not
// here.
var hinglishStop = setOf(
	"ka", "ki", "ke", "ko", "kaa", "kee", "hai", "hain", "hay", "h", "hei", "hy",
	"mein", "me", "mai", "main", "mujhe", "muje", "mujhko", "mera", "meri", "mere",
	"mra", "mri", "apna", "apni", "apne", "aap", "ap", "app", "hum", "ham", "hamara",
	"hamari", "tum", "se", "par", "pe", "aur", "or", "ya", "to", "toh", "bhi", "tha",
	"thi", "the", "ho", "yeh", "ye", "yah", "vo", "voh", "woh", "wo", "iska", "uska",
	"ji", "jee", "sir", "madam", "mam", "please", "pls", "plz", "kripya", "krupya",
	"krpya", "ek", "koi", "liye", "lie", "liya", "sakta", "sakti", "sakte", "raha",
	"rahi", "rahe", "hoga", "hogi", "dijiye", "kijiye", "batao", "bataiye",
	"bataye", "bata", "btao", "btaiye", "chahiye", "chaiye", "chahie",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// romanFold appends to dst the folded spelling of an ASCII-lower-case
// word, for the spelling variants of romanised Hindi (see the package
// documentation). Bytes outside ASCII letters pass through.
func romanFold(dst []byte, w string) []byte {
	start := len(dst)
	// Letters that stand for the same sound, and the h of aspirates.
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch c {
		case 'p':
			if i+1 < len(w) && w[i+1] == 'h' {
				c = 'f'
				i++
			}
		case 'c':
			if i+1 < len(w) && w[i+1] == 'k' {
				c = 'k'
				i++
			}
		case 'w':
			c = 'v'
		case 'z':
			c = 'j'
		case 'q':
			c = 'k'
		case 'y':
			c = 'i'
		case 'h':
			n := len(dst) - start
			if n > 0 && (!isVowel(dst[len(dst)-1]) || i == len(w)-1) {
				continue // kh, bh, th…, or a final h after a vowel
			}
		}
		dst = append(dst, c)
	}
	// ee → i, oo → u, then doubled letters collapse (aa → a, tt → t).
	out := dst[start:start]
	for i := start; i < len(dst); i++ {
		c := dst[i]
		if i+1 < len(dst) && dst[i+1] == c && (c == 'e' || c == 'o') {
			if c == 'e' {
				c = 'i'
			} else {
				c = 'u'
			}
			i++
		}
		if len(out) > 0 && out[len(out)-1] == c && c < 0x80 {
			continue
		}
		out = append(out, c)
	}
	// ai, ei → e; au, ou → o.
	w2 := out[:0]
	for i := 0; i < len(out); i++ {
		c := out[i]
		if i+1 < len(out) {
			switch {
			case (c == 'a' || c == 'e') && out[i+1] == 'i':
				c = 'e'
				i++
			case (c == 'a' || c == 'o') && out[i+1] == 'u':
				c = 'o'
				i++
			}
		}
		w2 = append(w2, c)
	}
	// A final vowel of a longer word: karna, karne, karni; hua, hui.
	if n := len(w2); n >= 3 && isVowel(w2[n-1]) {
		w2 = w2[:n-1]
	}
	return dst[:start+len(w2)]
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}
