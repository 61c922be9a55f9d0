package script

import (
	"testing"
	"unicode"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want Script
	}{
		{"hello, I need help", Latin},
		{"Café", Latin},
		{"नमस्ते, मुझे राशन कार्ड चाहिए", Devanagari},
		{"मला मदत हवी आहे", Devanagari}, // Marathi
		{"আমার রেশন কার্ড চাই", Bengali},
		{"ਸਤ ਸ੍ਰੀ ਅਕਾਲ", Gurmukhi},
		{"નમસ્તે", Gujarati},
		{"ନମସ୍କାର", Odia},
		{"வணக்கம்", Tamil},
		{"నమస్కారం", Telugu},
		{"ನಮಸ್ಕಾರ", Kannada},
		{"നമസ്കാരം", Malayalam},
		{"آداب، مجھے مدد چاہیے", Arabic},
		{"ﻣﺮﺣﺒﺎ", Arabic}, // presentation forms
		{"", Unknown},
		{"12345", Unknown},
		{"१२३ ৪৫৬", Unknown}, // digits are not letters
		{"👍🙏 !!! ...", Unknown},
		{"。你好", Unknown},        // letters of a script Detect does not know
		{"ी ् ँ", Unknown},      // vowel signs alone are marks, not letters
		{"OK ठीक", Devanagari},  // 2 against 2: Latin loses ties
		{"Hello नमस्ते", Latin}, // 5 letters against न म स त
		{"pin 400051 দাদা ভাই", Bengali},
		{"ok ok ok ਜੀ", Latin},
		{"ক ক ਕ ਕ", Bengali}, // a tie between Indic scripts: the earlier block
		{"\xff\xfe नमस्ते", Devanagari},
	}
	for _, tt := range tests {
		if got := Detect(tt.in); got != tt.want {
			t.Errorf("Detect(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestScriptOfAgreesWithUnicodeTables(t *testing.T) {
	tables := map[Script]*unicode.RangeTable{
		Latin: unicode.Latin, Devanagari: unicode.Devanagari, Bengali: unicode.Bengali,
		Gurmukhi: unicode.Gurmukhi, Gujarati: unicode.Gujarati, Odia: unicode.Oriya,
		Tamil: unicode.Tamil, Telugu: unicode.Telugu, Kannada: unicode.Kannada,
		Malayalam: unicode.Malayalam, Arabic: unicode.Arabic,
	}
	for r := rune(0); r < 0x20000; r++ {
		want := Unknown
		if unicode.IsLetter(r) {
			for s, tab := range tables {
				if unicode.Is(tab, r) {
					want = s
				}
			}
		}
		if got := ScriptOf(r); got != want {
			t.Fatalf("ScriptOf(%U) = %v, want %v", r, got, want)
		}
	}
}

func TestScriptStringAndLanguage(t *testing.T) {
	tests := []struct {
		s          Script
		name, lang string
	}{
		{Unknown, "Unknown", ""},
		{Latin, "Latin", ""},
		{Devanagari, "Devanagari", "hi"},
		{Bengali, "Bengali", "bn"},
		{Gurmukhi, "Gurmukhi", "pa"},
		{Gujarati, "Gujarati", "gu"},
		{Odia, "Odia", "or"},
		{Tamil, "Tamil", "ta"},
		{Telugu, "Telugu", "te"},
		{Kannada, "Kannada", "kn"},
		{Malayalam, "Malayalam", "ml"},
		{Arabic, "Arabic", "ur"},
		{Script(200), "Unknown", ""},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.name {
			t.Errorf("Script(%d).String() = %q, want %q", tt.s, got, tt.name)
		}
		if got := DefaultLanguage(tt.s); got != tt.lang {
			t.Errorf("DefaultLanguage(%v) = %q, want %q", tt.s, got, tt.lang)
		}
	}
}

func TestForLanguage(t *testing.T) {
	tests := map[string]Script{
		"en": Latin, "hi": Devanagari, "mr": Devanagari, "bn": Bengali, "or": Odia, "ta": Tamil,
		"hi-Latn": Latin, "HI-latn": Latin, "pa-Arab": Arabic, "pa": Gurmukhi, "ur": Arabic,
		"en-IN": Latin, "xx": Unknown, "": Unknown,
	}
	for code, want := range tests {
		if got := ForLanguage(code); got != want {
			t.Errorf("ForLanguage(%q) = %v, want %v", code, got, want)
		}
	}
	// Every script's default language is written in that script.
	for s := Latin + 1; s < numScripts; s++ {
		if got := ForLanguage(DefaultLanguage(s)); got != s {
			t.Errorf("ForLanguage(DefaultLanguage(%v)) = %v", s, got)
		}
	}
}

func TestDetectDoesNotAllocate(t *testing.T) {
	for _, s := range []string{"hello", "नमस्ते 👍", "வணக்கம்", "ﻣﺮﺣﺒﺎ"} {
		zeroAllocs(t, "Detect("+s+")", func() { Detect(s) })
	}
}
