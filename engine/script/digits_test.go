package script

import (
	"testing"
	"unicode"
)

// digitZeros lists the zero of every system DigitValue must know.
var digitZeros = map[string]rune{
	"ASCII": '0', "Devanagari": '०', "Bengali": '০', "Gurmukhi": '੦',
	"Gujarati": '૦', "Odia": '୦', "Tamil": '௦', "Telugu": '౦',
	"Kannada": '೦', "Malayalam": '൦', "Arabic-Indic": '٠',
	"Extended Arabic-Indic": '۰', "Fullwidth": '０',
}

func TestDigitValueEverySystem(t *testing.T) {
	for name, zero := range digitZeros {
		for v := range 10 {
			r := zero + rune(v)
			got, ok := DigitValue(r)
			if !ok || got != v {
				t.Errorf("%s: DigitValue(%q) = %d, %v; want %d, true", name, r, got, ok, v)
			}
			if !unicode.IsDigit(r) {
				t.Errorf("%s: %q is not a Unicode digit: the zero is wrong", name, r)
			}
		}
	}
}

func TestDigitValueNothingElse(t *testing.T) {
	// Exactly the 13 systems × 10 digits, over the whole code space.
	count := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if _, ok := DigitValue(r); ok {
			count++
		}
	}
	if want := 10 * len(digitZeros); count != want {
		t.Errorf("DigitValue accepts %d code points, want %d", count, want)
	}
	for _, r := range []rune{'a', '/', ':', '௰' /* Tamil ten */, '॥', '\u0965', '\u09E5', '\u0D70', '٪', '\uFF1A', -1, unicode.MaxRune + 1} {
		if v, ok := DigitValue(r); ok {
			t.Errorf("DigitValue(%U) = %d, true; want false", r, v)
		}
	}
}

func TestASCIIDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"no digits", "no digits"},
		{"123", "123"},
		{"पिन ४०००५१", "पिन 400051"},
		{"০১২৩৪৫৬৭৮৯", "0123456789"},
		{"௦௧௨ and ௰", "012 and ௰"},
		{"۱۲۳-٤٥٦", "123-456"},
		{"１２３", "123"},
		{"mixed ୧2૩", "mixed 123"},
		{"bad \xff ५", "bad \xff 5"},
	}
	for _, tt := range tests {
		if got := ASCIIDigits(tt.in); got != tt.want {
			t.Errorf("ASCIIDigits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestASCIIDigitsReturnsInputUnchanged(t *testing.T) {
	for _, s := range []string{"", "Menu 1 2 3", "नमस्ते", "வணக்கம் 42"} {
		if got := ASCIIDigits(s); !sameString(got, s) {
			t.Errorf("ASCIIDigits(%q) copied its input", s)
		}
		zeroAllocs(t, "ASCIIDigits("+s+")", func() { ASCIIDigits(s) })
	}
}

func TestASCIIDigitsAllocatesOnceWhenChanging(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { ASCIIDigits("पिन ४०००५१") }); n != 1 {
		t.Errorf("ASCIIDigits: %.1f allocations, want 1", n)
	}
}
