package script

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestFormatReference(t *testing.T) {
	tests := []struct {
		prefix string
		year   int
		serial uint64
		want   string // without its check character
	}{
		{"GRV", 2026, 48217305, "GRV-26-4821-7305-"},
		{"grv", 2026, 148217305, "GRV-26-4821-7305-"},
		{"RC", 2030, 7, "RC-30-0000-0007-"},
		{"PROPTAX", 1999, 99999999, "PROPTA-99-9999-9999-"},
		{"a-b_c", 2026, 0, "ABC-26-0000-0000-"},
		{"", 2026, 1, "REF-26-0000-0001-"},
		{"१२३", 5, 1, "REF-05-0000-0001-"},
		{"X", -2026, 1, "X-74-0000-0001-"},
	}
	for _, tt := range tests {
		got := FormatReference(tt.prefix, tt.year, tt.serial)
		if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+1 {
			t.Errorf("FormatReference(%q, %d, %d) = %q, want %q and a check character", tt.prefix, tt.year, tt.serial, got, tt.want)
		}
		if !ValidReference(got) {
			t.Errorf("ValidReference(%q) = false for a new reference", got)
		}
		if check := got[len(got)-1]; strings.IndexByte(refAlphabet, check) < 0 {
			t.Errorf("check character %q of %q is not in the alphabet", check, got)
		}
	}
}

// References of the older, shorter form stay valid: citizens hold them.
func TestShortReferencesStillRead(t *testing.T) {
	for _, ref := range []string{"GRV-26-4821-6K", "GRV-26-3586-N6"} {
		// Both were issued before the longer form; their check characters
		// are the older form's.
		if got, ok := NormalizeReference(strings.ToLower(ref)); !ok || got != ref {
			t.Errorf("NormalizeReference(%q) = %q, %v", ref, got, ok)
		}
	}
	for _, bad := range []string{"GRV-26-4821-7K", "GRV-26-4821-0K", "GRV-26-482A-6K", "GRV-26-4812-6K"} {
		if ValidReference(bad) {
			t.Errorf("%q passes", bad)
		}
	}
}

func TestRefAlphabet(t *testing.T) {
	// The letters that look or sound like a digit go; the digits stay.
	for _, c := range "0O1IL5S2ZQBGU" {
		if strings.ContainsRune(refAlphabet, c) {
			t.Errorf("the alphabet has the confusable %q", c)
		}
	}
	seen := map[rune]bool{}
	for _, c := range refAlphabet {
		if seen[c] {
			t.Errorf("%q twice in the alphabet", c)
		}
		seen[c] = true
	}
	n := len(refAlphabet)
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			t.Errorf("alphabet size %d is not prime", n)
		}
	}
}

func TestNormalizeReference(t *testing.T) {
	ref := FormatReference("GRV", 2026, 48217305)
	lower := strings.ToLower(ref)
	spaced := strings.ReplaceAll(ref, "-", " ")
	tests := []struct {
		in string
		ok bool
	}{
		{ref, true},
		{lower, true},
		{spaced, true},
		{"  " + spaced + "  ", true},
		{strings.ReplaceAll(ref, "-", ""), true},
		{strings.ReplaceAll(ref, "-", " - "), true},
		{strings.Replace(ref, "4821", "४८२१", 1), true},
		{strings.Replace(ref, "26", "২৬", 1), true},
		{strings.Replace(ref, "4821-", "48 21 ", 1), true}, // grouped as it was read out
		// Copied with the punctuation around it.
		{ref + "।", true},
		{ref + ".", true},
		{"\"" + ref + "\",", true},
		{"(" + lower + ")", true},
		{"*" + ref + "*", true},
		{strings.Replace(ref, "4821", "4812", 1), false}, // swapped digits
		{strings.Replace(ref, "4821", "4822", 1), false}, // mistyped digit
		{strings.Replace(ref, "-26-", "-27-", 1), false}, // wrong year
		{"GRV-26-4821", false},
		{"GRV-26-4821-7305", false},
		{ref + "K", false},
		{"-26-4821-7305-K", false},
		{"GRVGRVG-26-4821-7305-K", false},
		{"GRV/26/4821/7305/K", false},
		{ref + "।।x", false},
		{"", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeReference(tt.in)
		if ok != tt.ok || (ok && got != ref) {
			t.Errorf("NormalizeReference(%q) = %q, %v; want %q, %v", tt.in, got, ok, ref, tt.ok)
		}
		if ValidReference(tt.in) != ok {
			t.Errorf("ValidReference(%q) disagrees with NormalizeReference", tt.in)
		}
	}
	if got, _ := NormalizeReference(ref); !sameString(got, ref) {
		t.Error("NormalizeReference copied a canonical reference")
	}
}

func TestReferenceCheckCatchesTyposAndSwaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	letters := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for range 500 {
		ref := FormatReference("GRV", 2000+rng.IntN(100), rng.Uint64())
		// Every single-character change outside the prefix, to every
		// character a reference may hold there.
		for i := 4; i < len(ref); i++ {
			if ref[i] == '-' {
				continue
			}
			for _, c := range "0123456789" + letters {
				if byte(c) == ref[i] {
					continue
				}
				typo := ref[:i] + string(c) + ref[i+1:]
				if ValidReference(typo) {
					t.Fatalf("%s passes for %s", typo, ref)
				}
			}
		}
		// Every swap of two neighbouring characters, hyphens skipped.
		compact := strings.ReplaceAll(ref, "-", "")
		for i := 0; i+1 < len(compact); i++ {
			if compact[i] == compact[i+1] {
				continue
			}
			swap := compact[:i] + string(compact[i+1]) + string(compact[i]) + compact[i+2:]
			if ValidReference(swap) {
				t.Fatalf("%s passes for %s", swap, ref)
			}
		}
	}
}

func TestReferenceChecksDoNotAllocate(t *testing.T) {
	ref := FormatReference("GRV", 2026, 48217305)
	typed := "grv 26 4821 7305 " + ref[len(ref)-1:] + "।"
	zeroAllocs(t, "ValidReference", func() { ValidReference(typed) })
	zeroAllocs(t, "NormalizeReference canonical", func() { NormalizeReference(ref) })
}
