package script

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		// Aadhaar: grouped, contiguous, hyphened, other digits, bad checksum.
		{"my aadhaar is 2345 6789 0123 ok", "my aadhaar is XXXX XXXX 0123 ok"},
		{"234567890123", "XXXX XXXX 0123"},
		{"UID: 2345-6789-0123.", "UID: XXXX XXXX 0123."},
		{"२३४५ ६७८९ ०१२३", "XXXX XXXX 0123"},
		{"aadhaar:234567890124", "aadhaar:XXXX XXXX 0124"},
		// Mobile numbers in every accepted form.
		{"call 9812345678", "call +91 XXXXXXXX78"},
		{"call 98123 45678 now", "call +91 XXXXXXXX78 now"},
		{"+91 98123 45678", "+91 XXXXXXXX78"},
		{"+91-98123-45678", "+91 XXXXXXXX78"},
		{"+919812345678", "+91 XXXXXXXX78"},
		{"919812345678", "+91 XXXXXXXX78"}, // a WhatsApp id, not an Aadhaar
		{"09812345678", "+91 XXXXXXXX78"},
		{"0091 98123 45678", "+91 XXXXXXXX78"},
		{"91 98123 45678", "+91 XXXXXXXX78"},
		{"981.234.5678", "+91 XXXXXXXX78"},
		{"(0) 98123 45678", "(+91 XXXXXXXX78"},
		{"९८१२३४५६७८", "+91 XXXXXXXX78"},
		{"mob9812345678", "mob+91 XXXXXXXX78"},
		{"9812345678@ybl", "+91 XXXXXXXX78@ybl"},
		// Other long numbers.
		{"office (022) 2345-6789", "office (XXX) XXXX-XX89"},
		{"+44 20 7946 0958", "+XX XX XXXX XX58"},
		{"VID 9123 4567 8901 2345", "VID XXXX XXXX XXXX XX45"},
		{"1234567890", "XXXXXXXX90"},
		// Several numbers in one run.
		{"21-11-2026 9812345678", "21-11-2026 +91 XXXXXXXX78"},
		{"9812345678 21-11-2026", "+91 XXXXXXXX78 21-11-2026"},
		{"2026-11-21 12345678", "2026-11-21 12345678"},
		{"2345 6789 0123 9812345678", "XXXX XXXX 0123 +91 XXXXXXXX78"},
		{"2345 6789 0123 456789", "XXXX XXXX 0123 XXXX89"},
		// PAN.
		{"PAN ABCPE1234F.", "PAN XXXXXXXXXX."},
		{"pan abcpe1234f", "pan XXXXXXXXXX"},
		{"ABCPE 1234 F", "XXXXXXXXXX"},
		{"ABCPE-1234-F", "XXXXXXXXXX"},
		{"ABCDE1234F", "XXXXXXXXXX"}, // any holder letter when written together
		{"ABCPE1234F9812345678", "XXXXXXXXXX+91 XXXXXXXX78"},
		// E-mail.
		{"mail ravi.kumar98@gmail.com.", "mail ***@gmail.com."},
		{"<a_b+c@mail.gov.in>", "<***@mail.gov.in>"},
		{"9812345678@gmail.com", "***@gmail.com"},
		{"call 98123 45678x@y.com", "call 98123 ***@y.com"},
		{"x@1234567890.com", "***@1234567890.com"},
		{"a@b.c 1234567890", "***@b.c XXXXXXXX90"},
		{"0@0A.00.0000000.0", "***@0A.00.0000000.0"},
		{"0@00 00000000.A", "0@XX XXXXXX00.A"},
		// Everything together.
		{"Ravi, 9812345678, ravi@x.in, PAN ABCPE1234F, UID 2345 6789 0123",
			"Ravi, +91 XXXXXXXX78, ***@x.in, PAN XXXXXXXXXX, UID XXXX XXXX 0123"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactLeavesOrdinaryTextAlone(t *testing.T) {
	for _, s := range []string{
		"",
		"hello, I need a ration card",
		"मुझे राशन कार्ड चाहिए",
		"PIN 400051",
		"PIN 400 051",
		"amount ₹1,250",
		"₹ 1,25,00,000",
		"Rs. 12500000000",
		"INR 1234567890",
		"on 21/11/2026 at 10:30",
		"on 21-11-2026",
		"2026-11-21T10:30:00",
		"2026-11-21 10:30:45",
		"21-11-2026 10:30",
		"on 21.11.26 12 34 at 5",
		"docket GRV-26-0412-7K",
		"application APP-2026-000123456",
		"ward 12, house 345, 2nd floor",
		"1 2 3 4 5",
		"+5",
		"email me at @ravi",
		"ravi@localhost",
		"ABCPE1234FG",
		"XABCPE1234F",
		"Flats 1234 B",
		"HOUSE 1234 B", // fourth letter S is no PAN holder type
		"2025 2026",
		"XXXX XXXX 0123",
		"+91 XXXXXXXX78",
	} {
		got := Redact(s)
		if got != s {
			t.Errorf("Redact(%q) = %q, want it unchanged", s, got)
			continue
		}
		if !sameString(got, s) {
			t.Errorf("Redact(%q) copied its input", s)
		}
	}
}

func TestRedactDoesNotAllocateOnCleanText(t *testing.T) {
	for _, s := range []string{
		"hello, I need a ration card for PIN 400051, amount ₹1,250 on 21/11/2026",
		"मुझे राशन कार्ड चाहिए, मेरा पिन ४०००५१ है",
		"my docket is GRV-26-0412-7K, email @support",
	} {
		zeroAllocs(t, "Redact", func() { Redact(s) })
	}
}

func TestRedactAllocatesOnceWhenMasking(t *testing.T) {
	s := "I am Ravi, call 98123 45678, aadhaar 2345 6789 0123, PAN ABCPE1234F, ravi@gmail.com"
	if n := testing.AllocsPerRun(100, func() { Redact(s) }); n != 1 {
		t.Errorf("Redact: %.1f allocations, want 1", n)
	}
}

func TestRedactIsIdempotent(t *testing.T) {
	for _, s := range []string{
		"98123 45678 12345678",
		"2345 6789 0123 456789",
		"12345678901 23456789",
		"ABC-98123 45678 1234567890 12",
		"000000000000000000000@0.0000 0000 0000",
		"(0) 98123 45678@x.com",
		"1234567890@x.y",
		"@0.000000000000",
		"0 0 70 0 0 0 0 0 070 0 0 0 0 0 0 0 0", // more groups than the stack holds
		"AAAAA0000A7000000000",
		"000000007000 000000A",
		"0000000070.00000000",
	} {
		once := Redact(s)
		if twice := Redact(once); twice != once {
			t.Errorf("Redact(%q) = %q, but Redact of that = %q", s, once, twice)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"919812345678", "91XXXXXXXX78"},
		{"+919812345678", "91XXXXXXXX78"},
		{"+91 98123 45678", "91XXXXXXXX78"},
		{"9812345678", "91XXXXXXXX78"},
		{"09812345678", "91XXXXXXXX78"},
		{"९१९८१२३४५६७८", "91XXXXXXXX78"},
		{"+442079460958", "44XXXXXXXX58"},
		{"+1 415 555 2671", "14XXXXXXX71"},
		{"12345678", "12XXXX78"},
		{"1234567", "XXXX"},
		{"", "XXXX"},
		{"abc", "XXXX"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.in != "" && strings.Contains(MaskPhone(tt.in), tt.in) {
			t.Errorf("MaskPhone(%q) kept the number", tt.in)
		}
	}
}
