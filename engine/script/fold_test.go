package script

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// refFold is Fold written the slow, obvious way, from the Unicode
// categories and the norm package: the fast Fold must always agree.
func refFold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if v, ok := DigitValue(r); ok {
			b.WriteByte(byte('0' + v))
			continue
		}
		keep := unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r)
		if !keep || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Variation_Selector, r) ||
			r == '\u034F' || r == '\u0640' || r == utf8.RuneError {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"yes", "yes"},
		{"YES", "yes"},
		{" Yes, please! 👍", "yesplease"},
		{"Option 2", "option2"},
		{"option २", "option2"},
		{"1️⃣", "1"},
		{"#️⃣ 2", "2"},
		{"👍🏽", ""},
		{"हाँ", "हाँ"},
		{"हाँ।", "हाँ"},
		{"विकल्प २", "विकल्प2"},
		{"क्\u200Dष", "क्ष"},                         // zero-width joiner
		{"क्\u200Cष", "क्ष"},                         // zero-width non-joiner
		{"\u095E", "\u092B\u093C"},                   // फ़ precomposed: NFC writes फ + ़
		{"\u092B\u093C", "\u092B\u093C"},             // already NFC
		{"\u0928\u093C", "\u0929"},                   // न + ़ composes to ऩ
		{"\u09C7\u09BE", "\u09CB"},                   // Bengali ে + া → ো
		{"\u0BC6\u0BBE", "\u0BCA"},                   // Tamil ெ + ா → ொ
		{"\u0B47\u0B3E", "\u0B4B"},                   // Odia େ + ା → ୋ
		{"e\u0301", "\u00E9"},                        // é decomposed
		{"E\u0301", "\u00E9"},                        // É decomposed, lower-cased
		{"\u00C9", "\u00E9"},                         // É
		{"a\u0301\u0323", "\u1EA1\u0301"},            // marks reordered
		{"\u0915\u094D\u093C", "\u0915\u093C\u094D"}, // virama then nukta: reordered
		{"\u212B", "\u00E5"},                         // Ångström sign
		{"\u1100\u1161", "\uAC00"},                   // Hangul jamo compose
		{"Straße", "straße"},
		{"ΑΘΗΝΑ", "αθηνα"},
		{"نمبر ٣", "نمبر3"},
		{"ـسـلام", "سلام"}, // tatweel
		{"a\uFE0Fb", "ab"},
		{"\xffabc\xfe", "abc"},
		{"₹1,250/-", "1250"},
		{"Ⅻ", "ⅻ"},
		{"½", "½"},
	}
	for _, tt := range tests {
		got := Fold(tt.in)
		if got != tt.want {
			t.Errorf("Fold(%+q) = %+q, want %+q", tt.in, got, tt.want)
		}
		if ref := refFold(tt.in); ref != tt.want {
			t.Errorf("refFold(%+q) = %+q, want %+q (the test's expectation is wrong)", tt.in, ref, tt.want)
		}
		if again := Fold(got); again != got {
			t.Errorf("Fold(Fold(%+q)) = %+q, want %+q", tt.in, again, got)
		}
	}
}

func TestFoldReturnsFoldedInputItself(t *testing.T) {
	for _, s := range []string{"", "yes", "option2", "हाँ", "नमस्ते", "কোথায়", "வணக்கம்", "ਸਤਸ੍ਰੀਅਕਾਲ", "سلام", "é", "\u092B\u093C"} {
		got := Fold(s)
		if !sameString(got, s) {
			t.Errorf("Fold(%+q) = %+q, a copy", s, got)
		}
		zeroAllocs(t, "Fold("+s+")", func() { Fold(s) })
	}
}

func TestFoldEveryLowRune(t *testing.T) {
	// Alone, after a base letter, and before a combining mark: every
	// code point of the table and well past it.
	for r := rune(0); r < 0x3200; r++ {
		for _, s := range []string{string(r), "a" + string(r), "न" + string(r), string(r) + "\u0301", string(r) + "\u093C", "ে" + string(r)} {
			if got, want := Fold(s), refFold(s); got != want {
				t.Fatalf("Fold(%+q) = %+q, want %+q", s, got, want)
			}
		}
	}
}

func TestFoldIndicPairs(t *testing.T) {
	// Every pair of code points within each Indic block: this is where
	// the composition and reordering rules of NFC bite in Indian text.
	for block := rune(0x0900); block < 0x0D80; block += 0x80 {
		for a := block; a < block+0x80; a++ {
			for b := block; b < block+0x80; b++ {
				s := string(a) + string(b)
				got, want := Fold(s), refFold(s)
				if got != want {
					t.Fatalf("Fold(%+q) = %+q, want %+q", s, got, want)
				}
				if eq := EqualFold(s, want); !eq {
					t.Fatalf("EqualFold(%+q, %+q) = false", s, want)
				}
			}
		}
	}
}

func TestCompositionScan(t *testing.T) {
	// tables.go relies on this: no composite at or above
	// compositionLimit is made of two parts below it (Hangul aside).
	var buf [utf8.UTFMax]byte
	for r := rune(compositionLimit); r <= unicode.MaxRune; r++ {
		if r >= 0xAC00 && r <= 0xD7A3 {
			continue
		}
		first, second, ok := compositionOf(r, buf[:])
		if ok && first < compositionLimit && second < compositionLimit {
			t.Errorf("%U composes from %U and %U, both below the scan limit", r, first, second)
		}
	}
	// And every composite below it is found, with parts that compose back.
	found := 0
	for r := rune(0); r < compositionLimit; r++ {
		first, second, ok := compositionOf(r, buf[:])
		if !ok {
			continue
		}
		found++
		if got := norm.NFC.String(string(first) + string(second)); got != string(r) {
			t.Errorf("%U: %U + %U composes to %+q", r, first, second, got)
		}
		if !hasBit(compFwd, first) || !hasBit(compBack, second) {
			runeTable()
			if !hasBit(compFwd, first) || !hasBit(compBack, second) {
				t.Errorf("%U: parts %U, %U not in the composition sets", r, first, second)
			}
		}
	}
	if found < 900 {
		t.Errorf("found %d composites, expected about 940", found)
	}
}

func TestEqualFold(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"", "!!", true},
		{"yes", "YES", true},
		{"Yes!", "yes", true},
		{"Option 2", "option २", true},
		{"Option 2", "option 3", false},
		{"2", "২", true},
		{"2", "୨", true},
		{"2", "௨", true},
		{"1️⃣", "1", true},
		{"हाँ", "हाँ।", true},
		{"हाँ", "हा", false},
		{"फ़रवरी", "\u092B\u093C\u0930\u0935\u0930\u0940", true},
		{"\u095Eरवरी", "\u092B\u093C\u0930\u0935\u0930\u0940", true},
		{"फरवरी", "फ़रवरी", false},
		{"\u09C7\u09BE", "\u09CB", true},
		{"কোথায়", "\u0995\u09C7\u09BE\u09A5\u09BE\u09AF\u09BC", true},
		{"e\u0301", "É", true},
		{"e\u0301x", "éy", false},
		{"abc", "abd", false},
		{"cafe\u0301", "CAFÉ", true},
		{"cafe", "cafe\u0301", false},
		{"cafe!", "cafe\u0301", false},
		{"abc", "abd\u0301", false},
		{"abc\u0301", "abd", false},
		{"abc", "abcd", false},
		{"abcd", "abc", false},
		{"ab c", "a-b-c", true},
		{"\u1100\u1161", "가", true},
		{"\u1100\u1161", "각", false},
		{"नमस्ते", "नमस्ते 🙏", true},
		{"நன்றி", "நன்றி!", true},
		{"நன்றி", "நன்றீ", false},
	}
	for _, tt := range tests {
		if got := EqualFold(tt.a, tt.b); got != tt.want {
			t.Errorf("EqualFold(%+q, %+q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := EqualFold(tt.b, tt.a); got != tt.want {
			t.Errorf("EqualFold(%+q, %+q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
		if ref := refFold(tt.a) == refFold(tt.b); ref != tt.want {
			t.Errorf("refFold disagrees on %+q, %+q: the expectation is wrong", tt.a, tt.b)
		}
	}
}

func TestEqualFoldDoesNotAllocate(t *testing.T) {
	pairs := [][2]string{
		{"Option 2", "option २"},
		{"Vaccination slots", "vaccination slot"},
		{"राशन कार्ड", "राशन कार्ड 👍"},
		{"কোথায়", "কোথায়!"},
		{"ரேஷன் கார்டு", "ரேஷன் கார்டு"},
		{"\u095Eरवरी", "फ़रवरी"},
	}
	for _, p := range pairs {
		zeroAllocs(t, "EqualFold("+p[0]+", "+p[1]+")", func() { EqualFold(p[0], p[1]) })
	}
}

func TestFoldAllocatesOnceWhenChanging(t *testing.T) {
	for _, s := range []string{"Vaccination Slots!", "राशन कार्ड 👍", "\u095Eरवरी", "কোথায়?"} {
		if n := testing.AllocsPerRun(100, func() { Fold(s) }); n != 1 {
			t.Errorf("Fold(%+q): %.1f allocations, want 1", s, n)
		}
	}
}
