package script

import (
	"strings"
	"unicode/utf8"
)

// Script is a writing system a citizen may write in. The zero value is
// Unknown.
type Script uint8

// The scripts Detect tells apart. The nine Indic scripts come in the order
// of their Unicode blocks, from U+0900 to U+0D7F.
const (
	Unknown Script = iota
	Latin
	Devanagari
	Bengali
	Gurmukhi
	Gujarati
	Odia
	Tamil
	Telugu
	Kannada
	Malayalam
	Arabic
	numScripts
)

var scriptNames = [numScripts]string{
	"Unknown", "Latin", "Devanagari", "Bengali", "Gurmukhi", "Gujarati",
	"Odia", "Tamil", "Telugu", "Kannada", "Malayalam", "Arabic",
}

// String returns the script's English name, such as "Devanagari".
func (s Script) String() string {
	if s < numScripts {
		return scriptNames[s]
	}
	return "Unknown"
}

var defaultLanguages = [numScripts]string{
	Devanagari: "hi",
	Bengali:    "bn",
	Gurmukhi:   "pa",
	Gujarati:   "gu",
	Odia:       "or",
	Tamil:      "ta",
	Telugu:     "te",
	Kannada:    "kn",
	Malayalam:  "ml",
	Arabic:     "ur",
}

// DefaultLanguage returns the language code (BCP 47, as the locales
// directory names them) most citizens writing in s mean: "hi" for
// Devanagari, "bn" for Bengali, "pa" for Gurmukhi, "gu", "or", "ta",
// "te", "kn", "ml" for the scripts of those names, and "ur" for Arabic
// script. For Latin and Unknown it returns "": English, Hinglish and
// romanised Indian languages all arrive in Latin letters, so the caller
// keeps its configured default.
//
// A script is not a language. Devanagari is shared by Hindi, Marathi,
// Nepali, Konkani and others; Bengali script by Bengali and Assamese;
// Arabic script by Urdu and Kashmiri. A flow that picks the language
// from a first message should let the citizen confirm or change it.
func DefaultLanguage(s Script) string {
	if s < numScripts {
		return defaultLanguages[s]
	}
	return ""
}

// languageScripts are the scripts the languages of India are written in,
// by language code.
var languageScripts = map[string]Script{
	"en": Latin, "hi": Devanagari, "mr": Devanagari, "ne": Devanagari, "kok": Devanagari,
	"mai": Devanagari, "sa": Devanagari, "doi": Devanagari, "brx": Devanagari,
	"bn": Bengali, "as": Bengali, "pa": Gurmukhi, "gu": Gujarati, "or": Odia, "ta": Tamil,
	"te": Telugu, "kn": Kannada, "ml": Malayalam, "ur": Arabic, "ks": Arabic,
}

// ForLanguage returns the script a text in a language is written in: Latin
// for English and for a tag that says so ("hi-Latn", Hindi in Latin
// letters), Devanagari for Hindi and Marathi, and so on for the languages
// of India; Unknown for a language it does not know. A tag's script subtag
// wins over its language's ("pa-Arab" is Arabic).
func ForLanguage(code string) Script {
	base, rest, _ := strings.Cut(code, "-")
	for _, sub := range strings.Split(rest, "-") {
		switch strings.ToLower(sub) {
		case "latn":
			return Latin
		case "deva":
			return Devanagari
		case "beng":
			return Bengali
		case "guru":
			return Gurmukhi
		case "gujr":
			return Gujarati
		case "orya":
			return Odia
		case "taml":
			return Tamil
		case "telu":
			return Telugu
		case "knda":
			return Kannada
		case "mlym":
			return Malayalam
		case "arab":
			return Arabic
		}
	}
	return languageScripts[strings.ToLower(base)]
}

// ScriptOf returns the script of r if r is a letter of one of the scripts
// Detect knows, and Unknown otherwise (for digits, marks, punctuation,
// emoji and letters of other scripts).
func ScriptOf(r rune) Script {
	if r < utf8.RuneSelf {
		if 'a' <= r|0x20 && r|0x20 <= 'z' {
			return Latin
		}
		return Unknown
	}
	if r < lowRunes {
		return runeTable()[r].script
	}
	return letterScript(r)
}

// Detect returns the script most of the letters of s are written in, or
// Unknown when s has no letter of a known script. Only letters count:
// digits (of any system), vowel signs and other marks, punctuation,
// spaces and emoji do not. A tie goes to the script listed first in the
// Script constants, except that Latin loses every tie: in "OK ठीक"
// the citizen has shown they read Devanagari. Detect does not allocate.
func Detect(s string) Script {
	var counts [numScripts]int
	var t *lowTable
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c|0x20 && c|0x20 <= 'z' {
				counts[Latin]++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r < lowRunes {
			if t == nil {
				t = runeTable()
			}
			counts[t[r].script]++
		} else {
			counts[letterScript(r)]++
		}
	}
	// counts[Unknown] holds everything that is not a letter: ignore it.
	best, most := Unknown, 0
	for sc := Devanagari; sc < numScripts; sc++ {
		if counts[sc] > most {
			best, most = sc, counts[sc]
		}
	}
	if counts[Latin] > most {
		best = Latin
	}
	return best
}
