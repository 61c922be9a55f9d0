package textnorm_test

import (
	"reflect"
	"testing"

	"github.com/samvad/samvad/adapters/llm/textnorm"
)

func TestTerms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Meri shikaayat ka kya hua?", []string{"sikeat", "ki", "hu"}},
		{"GRV-26-4821-6K ka status", []string{"#ref", "status"}},
		{"grv 26 4821 6k", []string{"#ref"}},
		{"meri shikayat GRV-26-4821-7305-A ka kya hua", []string{"sikeat", "#ref", "ki", "hu"}},
		{"grv 26 4821 7305 a", []string{"#ref"}},
		{"PIN ४०००५१ office", []string{"pin", "#pin", "ofic"}},
		{"call 112 or 1098", []string{"cal", "112", "1098"}},
		{"account 1234567", []string{"acont", "#num"}},
		{"XXXX XXXX", nil},
		{"मेरी शिकायत का क्या हुआ", []string{"शिकायत", "क्य", "हुआ"}},
		{"👍 !!", nil},
	} {
		if got := textnorm.Terms(nil, tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Terms(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// same asserts that every spelling gives the same terms as the first.
func same(t *testing.T, spellings ...string) {
	t.Helper()
	want := textnorm.Terms(nil, spellings[0])
	if len(want) == 0 {
		t.Fatalf("%q has no terms", spellings[0])
	}
	for _, s := range spellings[1:] {
		if got := textnorm.Terms(nil, s); !reflect.DeepEqual(got, want) {
			t.Errorf("%q → %q, but %q → %q", s, got, spellings[0], want)
		}
	}
}

func TestRomanisedHindiSpellingsMeet(t *testing.T) {
	t.Parallel()
	same(t, "shikayat", "shikaayat", "shikayath", "Shikaiyat", "SHIKAYAT")
	same(t, "kya hua", "kya hua?", "kyaa huaa")
	same(t, "zaroori", "jaruri", "jaroori")
	same(t, "phone", "fone")
	same(t, "vapas", "wapas", "waapas")
	same(t, "karna", "karne", "karni")
	same(t, "paani", "pani")
}

func TestEnglishIsStemmed(t *testing.T) {
	t.Parallel()
	same(t, "complaints", "complaint")
	same(t, "vaccination", "vaccinations", "vaccinated")
	same(t, "paying", "pay", "pays")
}

func TestIndicVariantsMeet(t *testing.T) {
	t.Parallel()
	same(t, "ज़रूरी", "जरूरी", "ज\u093Cरूरी")     // precomposed nukta letter, without, decomposed
	same(t, "हिन्दी", "हिंदी")                    // nasal conjunct and anusvara
	same(t, "हाँ", "हां")                         // candrabindu and anusvara
	same(t, "शिकायत", "शिकायतें", "शिका\u200Dयत") // plural; a stray joiner
	same(t, "புகார்", "புகாரை", "புகாரின்")       // Tamil case endings and the pulli
	same(t, "অভিযোগ", "অভিযোগের")                 // Bengali genitive
	same(t, "ଅଭିଯୋଗ", "ଅଭିଯୋଗର")                  // Odia genitive
	same(t, "तक्रार", "तक्रारीची")                // Marathi case ending, then the vowel sign
	same(t, "সম্পত্তি ৪০০০৫১", "সম্পত্তি 400051") // Bengali digits
}
