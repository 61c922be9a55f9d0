package script

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestIsPIN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"400051", true},
		{"400 051", true},
		{"400-051", true},
		{" 110001 ", true},
		{"४०००५१", true},
		{"৭০০০০১", true},
		{"999999", true},
		{"000001", false},
		{"040051", false},
		{"40005", false},
		{"4000511", false},
		{"400 05 1", true},
		{"400  051", true},
		{"-400051", false},
		{"400051-", false},
		{"400,051", false},
		{"PIN 400051", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsPIN(tt.in); got != tt.want {
			t.Errorf("IsPIN(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// The Verhoeff tables as published with the algorithm. The package
// computes its own from the definition of the group; they must agree.
var (
	publishedD = [10]string{"0123456789", "1234067895", "2340178956", "3401289567", "4012395678",
		"5987604321", "6598710432", "7659821043", "8765932104", "9876543210"}
	publishedP = [8]string{"0123456789", "1576283094", "5803796142", "8916043527",
		"9453126870", "4286573901", "2793806415", "7046913258"}
	publishedInv = "0432156789"
)

func TestVerhoeffTables(t *testing.T) {
	for j := range 10 {
		for k := range 10 {
			if got, want := verhoeffD[j][k], publishedD[j][k]-'0'; got != want {
				t.Errorf("d[%d][%d] = %d, want %d", j, k, got, want)
			}
		}
		if got, want := verhoeffInv[j], publishedInv[j]-'0'; got != want {
			t.Errorf("inv[%d] = %d, want %d", j, got, want)
		}
	}
	for i := range 8 {
		for k := range 10 {
			if got, want := verhoeffP[i][k], publishedP[i][k]-'0'; got != want {
				t.Errorf("p[%d][%d] = %d, want %d", i, k, got, want)
			}
		}
	}
	// D5 is a group: associative, 0 is the identity, and not commutative.
	for a := range 10 {
		for b := range 10 {
			for c := range 10 {
				if verhoeffD[verhoeffD[a][b]][c] != verhoeffD[a][verhoeffD[b][c]] {
					t.Fatalf("not associative at %d %d %d", a, b, c)
				}
			}
		}
	}
	if verhoeffD[1][5] == verhoeffD[5][1] {
		t.Error("the multiplication commutes: it is not D5")
	}
}

func TestVerhoeff(t *testing.T) {
	// The worked example that comes with the algorithm: 236 → 3.
	if d, ok := VerhoeffCheckDigit("236"); !ok || d != 3 {
		t.Errorf("VerhoeffCheckDigit(236) = %d, %v; want 3, true", d, ok)
	}
	for _, s := range []string{"2363", "0", "२३६३", "23-63"} {
		if !Verhoeff(s) {
			t.Errorf("Verhoeff(%q) = false", s)
		}
	}
	for _, s := range []string{"2364", "2336", "", "abc", "23 6 3x"} {
		if Verhoeff(s) {
			t.Errorf("Verhoeff(%q) = true", s)
		}
	}
	if _, ok := VerhoeffCheckDigit(""); ok {
		t.Error("VerhoeffCheckDigit(\"\") succeeded")
	}
	if _, ok := VerhoeffCheckDigit(strings.Repeat("1", 64)); ok {
		t.Error("VerhoeffCheckDigit of 64 digits succeeded; the result would not fit Verhoeff's limit")
	}
}

func TestVerhoeffCatchesTyposAndSwaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		payload := make([]byte, 11)
		for i := range payload {
			payload[i] = byte('0' + rng.IntN(10))
		}
		d, ok := VerhoeffCheckDigit(string(payload))
		if !ok {
			t.Fatalf("VerhoeffCheckDigit(%s) failed", payload)
		}
		full := string(payload) + strconv.Itoa(d)
		if !Verhoeff(full) {
			t.Fatalf("Verhoeff(%s) = false after appending its check digit", full)
		}
		for i := range full {
			for c := byte('0'); c <= '9'; c++ {
				if c == full[i] {
					continue
				}
				typo := full[:i] + string(c) + full[i+1:]
				if Verhoeff(typo) {
					t.Fatalf("Verhoeff missed a typo: %s for %s", typo, full)
				}
			}
			if i+1 < len(full) && full[i] != full[i+1] {
				swap := full[:i] + string(full[i+1]) + string(full[i]) + full[i+2:]
				if Verhoeff(swap) {
					t.Fatalf("Verhoeff missed a swap: %s for %s", swap, full)
				}
			}
		}
	}
}

// aadhaarFor makes a well-formed Aadhaar number from 11 digits.
func aadhaarFor(t *testing.T, payload string) string {
	t.Helper()
	d, ok := VerhoeffCheckDigit(payload)
	if !ok {
		t.Fatalf("VerhoeffCheckDigit(%s) failed", payload)
	}
	return payload + strconv.Itoa(d)
}

func TestIsAadhaar(t *testing.T) {
	valid := aadhaarFor(t, "23456789012")
	grouped := valid[:4] + " " + valid[4:8] + " " + valid[8:]
	hyphened := valid[:4] + "-" + valid[4:8] + "-" + valid[8:]
	bad := valid[:11] + string('0'+(valid[11]-'0'+1)%10)
	tests := []struct {
		in   string
		want bool
	}{
		{valid, true},
		{grouped, true},
		{hyphened, true},
		{"  " + grouped + " ", true},
		{ASCIIDigitsTo(valid, '०'), true},
		{bad, false},
		{aadhaarFor(t, "13456789012"), false}, // first digit 1
		{aadhaarFor(t, "03456789012"), false},
		{valid[:11], false},
		{valid + "1", false},
		{"XXXX XXXX " + valid[8:], false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsAadhaar(tt.in); got != tt.want {
			t.Errorf("IsAadhaar(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// ASCIIDigitsTo writes the ASCII digits of s in the system starting at zero.
func ASCIIDigitsTo(s string, zero rune) string {
	var b strings.Builder
	for _, r := range s {
		if '0' <= r && r <= '9' {
			r = zero + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestIsPAN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"ABCPE1234F", true},
		{"abcpe1234f", true},
		{"AbCpE1234f", true},
		{"ABCPE 1234 F", true},
		{"ABCPE-1234-F", true},
		{" ABCPE1234F ", true},
		{"ABCPE१२३४F", true},
		{"AAACB1234C", true},
		{"AAAHB1234C", true},
		{"ABCXE1234F", false}, // X is no holder type
		{"ABCDE1234F", false}, // nor is D
		{"ABCP1234F", false},
		{"ABCPE12345", false},
		{"ABCPE1234FF", false},
		{"ABCP51234F", false},
		{"1BCPE1234F", false},
		{"ABCPE1234", false},
		{"-ABCPE1234F", false},
		{"ABCPE1234F-", false},
		{"ÄBCPE1234F", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsPAN(tt.in); got != tt.want {
			t.Errorf("IsPAN(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeMobile(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"9812345678", "+919812345678"},
		{"98123 45678", "+919812345678"},
		{"98123-45678", "+919812345678"},
		{"981.234.5678", "+919812345678"},
		{"(98123) 45678", "+919812345678"},
		{"09812345678", "+919812345678"},
		{"919812345678", "+919812345678"},
		{"+919812345678", "+919812345678"},
		{"+91 98123 45678", "+919812345678"},
		{"+91-98123-45678", "+919812345678"},
		{"+91 (0) 98123 45678", "+919812345678"},
		{"0091 98123 45678", "+919812345678"},
		{"  6012345678 ", "+916012345678"},
		{"९८१२३४५६७८", "+919812345678"},
		{"৯৮১২৩৪৫৬৭৮", "+919812345678"},
		{"5812345678", ""},     // mobiles start with 6-9
		{"02223456789", ""},    // a Mumbai landline
		{"981234567", ""},      // nine digits
		{"98123456789", ""},    // eleven, no trunk zero
		{"+449812345678", ""},  // another country
		{"+9198123456789", ""}, // too long
		{"91 98123 4567", ""},
		{"98123 45678 ext 2", ""},
		{"98123+45678", ""},
		{"++919812345678", ""},
		{"", ""},
		{"+", ""},
	}
	for _, tt := range tests {
		got, ok := NormalizeMobile(tt.in)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("NormalizeMobile(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
		if IsMobile(tt.in) != ok {
			t.Errorf("IsMobile(%q) disagrees with NormalizeMobile", tt.in)
		}
	}
	canonical := "+919812345678"
	if got, _ := NormalizeMobile(canonical); !sameString(got, canonical) {
		t.Error("NormalizeMobile copied a canonical number")
	}
}

func TestIdentityChecksDoNotAllocate(t *testing.T) {
	zeroAllocs(t, "IsPIN", func() { IsPIN("400 051") })
	zeroAllocs(t, "IsAadhaar", func() { IsAadhaar("2345 6789 0123") })
	zeroAllocs(t, "IsPAN", func() { IsPAN("ABCPE 1234 F") })
	zeroAllocs(t, "IsMobile", func() { IsMobile("+91 98123 45678") })
	zeroAllocs(t, "Verhoeff", func() { Verhoeff("2363") })
	zeroAllocs(t, "NormalizeMobile canonical", func() { NormalizeMobile("+919812345678") })
}
