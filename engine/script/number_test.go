package script

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"2", 2, true},
		{" 2 ", 2, true},
		{"2.", 2, true},
		{"2)", 2, true},
		{"02", 2, true},
		{"२", 2, true},
		{"১০", 10, true},
		{"୧୨", 12, true},
		{"௨", 2, true},
		{"۳", 3, true},
		{"٣.", 3, true},
		{"１２", 12, true},
		{"1२3", 123, true},
		{"\u00A02\u00A0", 2, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"9223372036854775808", 0, false},
		{"99999999999999999999", 0, false},
		{"", 0, false},
		{"   ", 0, false},
		{".", 0, false},
		{")", 0, false},
		{"2..", 0, false},
		{"2.)", 0, false},
		{"(2)", 0, false},
		{"-2", 0, false},
		{"+2", 0, false},
		{"2 3", 0, false},
		{"1,000", 0, false},
		{"2a", 0, false},
		{"two", 0, false},
		{"2 .", 0, false},
		{"\xff", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseInt(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseIntAgreesWithStrconv(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 99, 12345, 1 << 40, math.MaxInt64 - 1} {
		s := strconv.Itoa(n)
		if got, ok := ParseInt(s); !ok || got != n {
			t.Errorf("ParseInt(%q) = %d, %v", s, got, ok)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{"125000", 125000, true},
		{"1,25,000", 125000, true},
		{"125,000", 125000, true},
		{"12,345", 12345, true},
		{"12,34,56,789", 123456789, true},
		{"1,234,567", 1234567, true},
		{"1,000.50", 1000.5, true},
		{"1,00,000.75", 100000.75, true},
		{"0.1", 0.1, true},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"₹1,250", 1250, true},
		{"₹ 1,250", 1250, true},
		{"Rs. 500/-", 500, true},
		{"Rs 500", 500, true},
		{"rs.500", 500, true},
		{"RS500", 500, true},
		{"INR 2,500.00", 2500, true},
		{"inr 10", 10, true},
		{"  ४२.५  ", 42.5, true},
		{"১,২৫,০০০", 125000, true},
		{"٣٫١٤", 3.14, true},
		{"١٬٠٠٠", 1000, true},
		{"123456789012345678901234567890", 1.2345678901234568e29, true},
		{"0.1234567890123456789012345", 0.1234567890123456789012345, true},
		{"", 0, false},
		{"₹", 0, false},
		{"Rs.", 0, false},
		{".", 0, false},
		{"1,5", 0, false},
		{"12,3456", 0, false},
		{"1234,567", 0, false},
		{"123,45,678", 0, false}, // Indian grouping starts with 1-2 digits
		{"1,23,456,789", 0, false},
		{"1,234,56", 0, false},
		{"1,", 0, false},
		{",100", 0, false},
		{"1,,000", 0, false},
		{"1.000,50", 0, false},
		{"1.2.3", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1e5", 0, false},
		{"5 lakh", 0, false},
		{"five", 0, false},
		{"500/- Rs", 0, false},
		{"₹₹5", 0, false},
		{"1 000", 0, false},
		{strings.Repeat("9", 400), 0, false}, // beyond float64
	}
	for _, tt := range tests {
		got, ok := ParseNumber(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseNumberAgreesWithStrconv(t *testing.T) {
	// The fast path must round exactly as strconv does.
	for _, s := range []string{"0.3", "2.675", "1234.5678", "9007199254740993", "9007199254740992.5",
		"0.000000000000000000001", "123.4567890123456789", "4503599627370497.5", "99999999999999999999"} {
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := ParseNumber(s); !ok || got != want {
			t.Errorf("ParseNumber(%q) = %v, %v; strconv says %v", s, got, ok, want)
		}
	}
}

func TestNumbersDoNotAllocate(t *testing.T) {
	zeroAllocs(t, "ParseInt", func() { ParseInt(" २) ") })
	zeroAllocs(t, "ParseNumber", func() { ParseNumber("Rs. 1,25,000.50/-") })
	zeroAllocs(t, "ParseNumber slow path", func() { ParseNumber("123456789012345678901234567890") })
}
