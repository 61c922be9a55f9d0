package script

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets check invariants that hold for every input; with
// `go test -fuzz=FuzzX` they also prove that nothing panics.

var fuzzSeeds = []string{
	"", "2", " २) ", "1,25,000.50", "₹1,250", "Rs. 500/-", "नमस्ते", "কোথায়",
	"\u0995\u09C7\u09BE", "e\u0301", "\u095Eरवरी", "1️⃣", "👍🏽", "\u1100\u1161",
	"2345 6789 0123", "+91 98123 45678", "ABCPE1234F", "ravi@gmail.com",
	"21/11/2026", "21 नवंबर 2026", "GRV-26-4821-7305-A", "\xff\xfe", "a\u0301\u0323",
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
}

func FuzzParseInt(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseInt(s)
		// The same rules, written with strconv.
		ref := strings.TrimSpace(s)
		if len(ref) > 1 && (ref[len(ref)-1] == '.' || ref[len(ref)-1] == ')') {
			ref = ref[:len(ref)-1]
		}
		ref = ASCIIDigits(ref)
		allDigits := ref != "" && strings.Trim(ref, "0123456789") == ""
		want, err := strconv.Atoi(ref)
		wantOK := allDigits && err == nil
		if ok != wantOK || (ok && n != want) {
			t.Fatalf("ParseInt(%q) = %d, %v; strconv: %d, %v", s, n, ok, want, wantOK)
		}
	})
}

// numberSyntax is ParseNumber's grammar once the currency is trimmed
// and the digits are ASCII: plain, Western-grouped or Indian-grouped
// integer part, then an optional fraction.
var numberSyntax = regexp.MustCompile(`^(\d+|\d{1,3}(,\d{3})+|\d{1,2}(,\d{2})*,\d{3})?(\.\d*)?$`)

func FuzzParseNumber(f *testing.F) {
	addSeeds(f)
	for _, s := range []string{"1,25,000", "125,000", "12,34,56,789", "1,234,56", ".5", "5.", "Rs. 5/-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseNumber(s)
		ref := strings.NewReplacer("\u066B", ".", "\u066C", ",").Replace(ASCIIDigits(trimCurrency(strings.TrimSpace(s))))
		want, err := strconv.ParseFloat(strings.ReplaceAll(ref, ",", ""), 64)
		wantOK := numberSyntax.MatchString(ref) && strings.ContainsAny(ref, "0123456789") && err == nil
		if ok != wantOK {
			t.Fatalf("ParseNumber(%q) = %v, %v; the grammar says %v for %q", s, v, ok, wantOK, ref)
		}
		if !ok {
			return
		}
		if want != v {
			t.Fatalf("ParseNumber(%q) = %v, strconv says %v", s, v, want)
		}
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("ParseNumber(%q) = %v", s, v)
		}
		back := strconv.FormatFloat(v, 'f', -1, 64)
		if w, ok := ParseNumber(back); !ok || w != v {
			t.Fatalf("ParseNumber(%q) = %v, but ParseNumber(%q) = %v, %v", s, v, back, w, ok)
		}
	})
}

func FuzzDetect(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		got := Detect(s)
		if again := Detect(s + " 123 ४५६ !? 👍"); again != got {
			t.Fatalf("Detect(%q) = %v, but %v once digits and symbols are added", s, got, again)
		}
		if got == Unknown {
			return
		}
		found := false
		for _, r := range s {
			if ScriptOf(r) == got {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("Detect(%q) = %v, but no letter of s is", s, got)
		}
	})
}

func FuzzFold(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		got := Fold(s)
		if want := refFold(s); got != want {
			t.Fatalf("Fold(%+q) = %+q, want %+q", s, got, want)
		}
		if again := Fold(got); again != got {
			t.Fatalf("Fold is not idempotent on %+q: %+q then %+q", s, got, again)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Fold(%+q) = %+q, not UTF-8", s, got)
		}
		if !EqualFold(s, got) {
			t.Fatalf("EqualFold(%+q, Fold of it) = false", s)
		}
	})
}

func FuzzEqualFold(f *testing.F) {
	for _, a := range fuzzSeeds {
		f.Add(a, strings.ToUpper(a))
		f.Add(a, Fold(a)+"!")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got := EqualFold(a, b)
		if want := refFold(a) == refFold(b); got != want {
			t.Fatalf("EqualFold(%+q, %+q) = %v, want %v", a, b, got, want)
		}
		if EqualFold(b, a) != got {
			t.Fatalf("EqualFold(%+q, %+q) is not symmetric", a, b)
		}
	})
}

func FuzzIdentity(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		if IsAadhaar(s) && !Verhoeff(s) {
			t.Fatalf("IsAadhaar(%q) without a valid checksum", s)
		}
		if IsPIN(s) {
			if d := digitsOf(s); len(d) != 6 || d[0] == '0' {
				t.Fatalf("IsPIN(%q) with digits %q", s, d)
			}
		}
		if IsAadhaar(s) {
			if d := digitsOf(s); len(d) != 12 || d[0] < '2' {
				t.Fatalf("IsAadhaar(%q) with digits %q", s, d)
			}
		}
		if IsPAN(s) {
			if d := digitsOf(s); len(d) != 4 {
				t.Fatalf("IsPAN(%q) with digits %q", s, d)
			}
			if !IsPAN(strings.ToLower(s)) || !IsPAN(strings.ToUpper(s)) {
				t.Fatalf("IsPAN(%q) depends on case", s)
			}
		}
		m, ok := NormalizeMobile(s)
		if ok != IsMobile(s) {
			t.Fatalf("IsMobile(%q) disagrees with NormalizeMobile", s)
		}
		if ok {
			if len(m) != 13 || !strings.HasPrefix(m, "+91") || m[3] < '6' || strings.Trim(m[3:], "0123456789") != "" {
				t.Fatalf("NormalizeMobile(%q) = %q", s, m)
			}
			if again, ok := NormalizeMobile(m); !ok || again != m {
				t.Fatalf("NormalizeMobile(%q) = %q, %v", m, again, ok)
			}
			if !strings.HasSuffix(MaskPhone(s), m[len(m)-2:]) {
				t.Fatalf("MaskPhone(%q) = %q", s, MaskPhone(s))
			}
		}
		if d, ok := VerhoeffCheckDigit(s); ok && !Verhoeff(strings.TrimSpace(s)+strconv.Itoa(d)) {
			t.Fatalf("VerhoeffCheckDigit(%q) = %d does not check", s, d)
		}
	})
}

// digitsOf returns the digits of s in ASCII, dropping everything else.
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if v, ok := DigitValue(r); ok {
			b.WriteByte(byte('0' + v))
		}
	}
	return b.String()
}

func FuzzParseDate(f *testing.F) {
	addSeeds(f)
	loc := time.FixedZone("IST", 5*3600+1800)
	now := time.Date(2026, time.November, 21, 15, 30, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDate(s, now)
		if !ok {
			return
		}
		if d.Location() != loc || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, not midnight in now's location", s, d)
		}
		back := d.Format("02/01/2006")
		if again, ok := ParseDate(back, now); !ok || !again.Equal(d) {
			t.Fatalf("ParseDate(%q) = %v, but ParseDate(%q) = %v, %v", s, d, back, again, ok)
		}
	})
}

func FuzzRedact(f *testing.F) {
	addSeeds(f)
	f.Add("Ravi, 9812345678, ravi@x.in, PAN ABCPE1234F, UID 2345 6789 0123")
	f.Fuzz(func(t *testing.T, s string) {
		got := Redact(s)
		if again := Redact(got); again != got {
			t.Fatalf("Redact(%q) = %q, but Redact of that = %q", s, got, again)
		}
		if got == s && !sameString(got, s) {
			t.Fatalf("Redact(%q) copied an input it did not change", s)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Redact(%q) = %q, not UTF-8", s, got)
		}
		// A lone mobile or Aadhaar number keeps at most four of its
		// digits (the "91" a mobile mask writes is not one of them).
		if (IsMobile(s) || IsAadhaar(s)) && countDigits(strings.ReplaceAll(got, "+91 XXXXXXXX", "")) > 4 {
			t.Fatalf("Redact(%q) = %q keeps too much", s, got)
		}
		// Without a currency word or an e-mail domain to excuse it, no ten
		// contiguous digits survive.
		lower := strings.ToLower(s)
		if !strings.ContainsAny(s, "₹@") && !strings.Contains(lower, "rs") && !strings.Contains(lower, "inr") {
			run := 0
			for _, r := range got {
				if IsDigit(r) {
					if run++; run >= 10 {
						t.Fatalf("Redact(%q) = %q keeps ten digits in a row", s, got)
					}
				} else {
					run = 0
				}
			}
		}
	})
}

func FuzzMaskPhone(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		got := MaskPhone(s)
		if countDigits(got) > 4 {
			t.Fatalf("MaskPhone(%q) = %q keeps more than four digits", s, got)
		}
	})
}

func FuzzReference(f *testing.F) {
	addSeeds(f)
	f.Add(FormatReference("GRV", 2026, 48217305))
	f.Add("GRV-26-4821-7305-A")
	f.Fuzz(func(t *testing.T, s string) {
		canon, ok := NormalizeReference(s)
		if ok != ValidReference(s) {
			t.Fatalf("ValidReference(%q) disagrees with NormalizeReference", s)
		}
		if !ok {
			return
		}
		if dashes := strings.Count(canon, "-"); canon != strings.ToUpper(canon) || dashes != 3 && dashes != 4 {
			t.Fatalf("NormalizeReference(%q) = %q, not canonical", s, canon)
		}
		if again, ok := NormalizeReference(canon); !ok || again != canon {
			t.Fatalf("NormalizeReference(%q) = %q, %v", canon, again, ok)
		}
	})
}

func FuzzFormatReference(f *testing.F) {
	f.Add("GRV", 2026, uint64(48217305))
	f.Add("", -1, uint64(0))
	f.Add("नमस्ते", math.MaxInt32, uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, prefix string, year int, serial uint64) {
		ref := FormatReference(prefix, year, serial)
		if !ValidReference(ref) {
			t.Fatalf("FormatReference(%q, %d, %d) = %q, not valid", prefix, year, serial, ref)
		}
		if canon, _ := NormalizeReference(ref); canon != ref {
			t.Fatalf("FormatReference(%q, %d, %d) = %q, not canonical (%q)", prefix, year, serial, ref, canon)
		}
	})
}
