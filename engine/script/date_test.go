package script

import (
	"testing"
	"time"
)

var ist = time.FixedZone("IST", 5*3600+1800)

func TestParseDate(t *testing.T) {
	now := time.Date(2026, time.November, 21, 15, 30, 0, 0, ist)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, ist) }
	tests := []struct {
		in   string
		want time.Time // zero: not a date
	}{
		{"21/11/2026", day(2026, 11, 21)},
		{"21-11-2026", day(2026, 11, 21)},
		{"21.11.2026", day(2026, 11, 21)},
		{"21 11 2026", day(2026, 11, 21)},
		{" 1/2/2026 ", day(2026, 2, 1)},
		{"01/02/2026", day(2026, 2, 1)},
		{"3/4/26", day(2026, 4, 3)},
		{"3/4/45", day(2045, 4, 3)},
		{"3/4/46", day(1946, 4, 3)},
		{"3/4/99", day(1999, 4, 3)},
		{"3/4/00", day(2000, 4, 3)},
		{"2026-11-21", day(2026, 11, 21)},
		{"2026/1/5", day(2026, 1, 5)},
		{"21/11", day(2026, 11, 21)},
		{"5-1", day(2026, 1, 5)},
		{"२१/११/२०२६", day(2026, 11, 21)},
		{"২১-১১-২০২৬", day(2026, 11, 21)},
		{"௨௧.௧௧.௨௦௨௬", day(2026, 11, 21)},
		{"21 Nov 2026", day(2026, 11, 21)},
		{"21 November 2026", day(2026, 11, 21)},
		{"21 NOVEMBER 2026", day(2026, 11, 21)},
		{"21-Nov-2026", day(2026, 11, 21)},
		{"21-Nov-26", day(2026, 11, 21)},
		{"21 Nov. 2026", day(2026, 11, 21)},
		{"21st November, 2026", day(2026, 11, 21)},
		{"1st Jan 2027", day(2027, 1, 1)},
		{"2nd of March 2026", day(2026, 3, 2)},
		{"Nov 21, 2026", day(2026, 11, 21)},
		{"November 21st 2026", day(2026, 11, 21)},
		{"Sept 9 2026", day(2026, 9, 9)},
		{"21 Nov", day(2026, 11, 21)},
		{"Nov 21", day(2026, 11, 21)},
		{"21 नवंबर 2026", day(2026, 11, 21)},
		{"21 नवम्बर, 2026", day(2026, 11, 21)},
		{"२१ नवंबर २०२६", day(2026, 11, 21)},
		{"5 फ़रवरी 2026", day(2026, 2, 5)},
		{"5 \u092B\u093C\u0930\u0935\u0930\u0940 2026", day(2026, 2, 5)},
		{"5 फरवरी 2026", day(2026, 2, 5)},
		{"15 अगस्त 1947", day(1947, 8, 15)},
		{"1 मई", day(2026, 5, 1)},
		{"2 सितम्बर 2026", day(2026, 9, 2)},
		{"29 Feb 2028", day(2028, 2, 29)},
		{"today", day(2026, 11, 21)},
		{"Today!", day(2026, 11, 21)},
		{"TOMORROW", day(2026, 11, 22)},
		{"yesterday", day(2026, 11, 20)},
		{"आज", day(2026, 11, 21)},

		{"31/02/2026", time.Time{}},
		{"29/02/2026", time.Time{}},
		{"31 April 2026", time.Time{}},
		{"0/1/2026", time.Time{}},
		{"1/0/2026", time.Time{}},
		{"32/1/2026", time.Time{}},
		{"11/21/2026", time.Time{}}, // month first: month 21
		{"1/2/026", time.Time{}},
		{"1/2/20266", time.Time{}},
		{"21/11-2026", time.Time{}},
		{"21//11/2026", day(2026, 11, 21)}, // a doubled separator is a slip
		{"21/-11/2026", time.Time{}},
		{"21112026", time.Time{}},
		{"21 11", time.Time{}},
		{"21st/11/2026", time.Time{}},
		{"Nov 2026", time.Time{}},
		{"21 Novembre 2026", time.Time{}},
		{"21 Nov 2026 10:30", time.Time{}},
		{"कल", time.Time{}},
		{"परसों", time.Time{}},
		{"next week", time.Time{}},
		{"1/1/0999", time.Time{}},
		{"", time.Time{}},
		{"2026", time.Time{}},
		{"21", time.Time{}},
		{"21 Nov 2026 Nov", time.Time{}},
		{"1 2 3 4 5 6 7 8 9", time.Time{}},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in, now)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
			continue
		}
		if ok && got.Location() != ist {
			t.Errorf("ParseDate(%q) is in %v, want now's location", tt.in, got.Location())
		}
	}
}

func TestParseDateRelativeAcrossMonthEnd(t *testing.T) {
	now := time.Date(2026, time.December, 31, 23, 59, 0, 0, ist)
	got, ok := ParseDate("tomorrow", now)
	if want := time.Date(2027, time.January, 1, 0, 0, 0, 0, ist); !ok || !got.Equal(want) {
		t.Errorf("tomorrow on 31 Dec = %v, %v; want %v", got, ok, want)
	}
}

func TestMonthNamesAreFolded(t *testing.T) {
	for m, names := range monthNames {
		for _, name := range names {
			if Fold(name) != name {
				t.Errorf("month %d: %+q is not folded (%+q)", m+1, name, Fold(name))
			}
		}
	}
}

func TestPivotYear(t *testing.T) {
	for now := 1990; now < 2200; now++ {
		for yy := range 100 {
			y := pivotYear(yy, now)
			if y%100 != yy || y < now-80 || y > now+19 {
				t.Fatalf("pivotYear(%d, %d) = %d", yy, now, y)
			}
		}
	}
}

func TestParseDateDoesNotAllocate(t *testing.T) {
	now := time.Date(2026, time.November, 21, 15, 30, 0, 0, ist)
	for _, s := range []string{"21/11/2026", "21 नवंबर 2026", "Nov 21, 2026", "today"} {
		zeroAllocs(t, "ParseDate("+s+")", func() { ParseDate(s, now) })
	}
}
