package script

import (
	"fmt"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a longer line of text", 10, "a longer …"},
		{"पानी नहीं आ रहा", 10, "पानी नहीं…"},
		// The 9th character is ा, the vowel sign of बा: ब goes with it.
		{"शिकायत बाकी", 9, "शिकायत …"},
		{"किताब", 3, "कि…"},
		// स त ् य: the cut would leave त without its virama.
		{"सत्य", 3, "स…"},
		// त ् र: the cut would leave त् without the र it joins.
		{"पत्र भेजें", 4, "प…"},
		// क ् ष े: no whole syllable fits before the cut.
		{"क्षेत्र", 4, "…"},
		// A zero-width joiner stays with what it joins.
		{"र\u200dक्षा", 2, "…"},
		{"নদী আছে", 3, "ন…"},
		{"abc", 0, ""},
		{"a", 1, "a"},
		{"abcd", 1, "…"},
	}
	for _, c := range cases {
		got := Clip(c.in, c.n)
		if got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
		if c.n > 0 && utf8.RuneCountInString(got) > c.n {
			t.Errorf("Clip(%q, %d) = %q: %d characters", c.in, c.n, got, utf8.RuneCountInString(got))
		}
	}
}

func ExampleClip() {
	fmt.Println(Clip("पानी की आपूर्ति नहीं", 8))
	fmt.Println(Clip("Water supply", 8))
	// Output:
	// पानी की…
	// Water s…
}

func TestCut(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"fits", 4, "fits"},
		{"longer", 3, "lon"},
		{"पत्र भेजें", 3, "प"}, // त ् would be left without र
		{"नदी", 2, "न"},        // द without its vowel sign
		{"abc", 0, ""},
	} {
		if got := Cut(c.in, c.n); got != c.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
