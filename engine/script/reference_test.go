package script

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// seq returns a rnd function that yields vals in turn.
func seq(vals ...uint32) func() uint32 {
	i := 0
	return func() uint32 {
		v := vals[i%len(vals)]
		i++
		return v
	}
}

func TestNewReferenceFormat(t *testing.T) {
	tests := []struct {
		prefix string
		year   int
		rnd    []uint32
		want   string // without its check character
	}{
		{"GRV", 2026, []uint32{4821, 3}, "GRV-26-4821-7"},
		{"grv", 2026, []uint32{14821, 3}, "GRV-26-4821-7"},
		{"RC", 2030, []uint32{7, 0}, "RC-30-0007-3"},
		{"PROPTAX", 1999, []uint32{9999, 22}, "PROPTA-99-9999-Y"},
		{"a-b_c", 2026, []uint32{0, 6}, "ABC-26-0000-A"},
		{"", 2026, []uint32{1, 1}, "REF-26-0001-4"},
		{"१२३", 5, []uint32{1, 1}, "REF-05-0001-4"},
		{"X", -2026, []uint32{1, 23}, "X-74-0001-3"},
	}
	for _, tt := range tests {
		got := NewReference(tt.prefix, tt.year, seq(tt.rnd...))
		if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+1 {
			t.Errorf("NewReference(%q, %d) = %q, want %q and a check character", tt.prefix, tt.year, got, tt.want)
		}
		if !ValidReference(got) {
			t.Errorf("ValidReference(%q) = false for a new reference", got)
		}
		check := got[len(got)-1]
		if strings.IndexByte(refAlphabet, check) < 0 {
			t.Errorf("check character %q of %q is not in the alphabet", check, got)
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
	ref := NewReference("GRV", 2026, seq(4821, 3))
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
		{strings.Replace(ref, "4821", "4812", 1), false}, // swapped digits
		{strings.Replace(ref, "4821", "4822", 1), false}, // mistyped digit
		{strings.Replace(ref, "-26-", "-27-", 1), false}, // wrong year
		{"GRV-26-4821", false},
		{"GRV-26-4821-7", false},
		{"GRV-26-4821-7KK", false},
		{"GRV-2-64821-7K" + "X", false},
		{strings.Replace(ref, "4821-", "482-1", 1), false}, // a separator inside a part
		{"-26-4821-7K", false},
		{"GRVGRVG-26-4821-7K", false},
		{"GRV-26-4821-0K", false}, // 0 is not in the alphabet
		{"GRV/26/4821/7K", false},
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
		ref := NewReference("GRV", 2000+rng.IntN(100), rng.Uint32)
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

func TestNewReferenceDefaultRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		ref := NewReference("GRV", 2026, nil)
		if !ValidReference(ref) {
			t.Fatalf("invalid %q", ref)
		}
		seen[ref] = true
	}
	if len(seen) < 45 {
		t.Errorf("only %d distinct references in 50 draws", len(seen))
	}
}

func TestReferenceChecksDoNotAllocate(t *testing.T) {
	ref := NewReference("GRV", 2026, seq(4821, 3))
	zeroAllocs(t, "ValidReference", func() { ValidReference("grv 26 4821 " + ref[len(ref)-2:]) })
	zeroAllocs(t, "NormalizeReference canonical", func() { NormalizeReference(ref) })
}
