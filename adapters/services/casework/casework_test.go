package casework

import (
	"strings"
	"testing"
	"time"
)

// Consecutive cases get distinct, valid references that do not run in
// order; the same number in another series or year is another reference.
func TestReferencesAreDistinctAndValid(t *testing.T) {
	t.Parallel()
	seen := make(map[string]uint64, 200_000)
	for n := uint64(0); n < 200_000; n++ {
		ref := Reference("GRV", 2026, n)
		if !Valid(ref) || !strings.HasPrefix(ref, "GRV-26-") {
			t.Fatalf("case %d: %q", n, ref)
		}
		if m, ok := seen[ref]; ok {
			t.Fatalf("cases %d and %d both got %s", m, n, ref)
		}
		seen[ref] = n
	}
	a, b := Reference("GRV", 2026, 41), Reference("GRV", 2026, 42)
	if a[7:11] == b[7:11] {
		t.Errorf("consecutive cases look consecutive: %s, %s", a, b)
	}
	if Reference("GRV", 2027, 41)[7:] == a[7:] || Reference("RCA", 2026, 41)[4:] == a[4:] {
		t.Error("another year or series gives the same serial")
	}
	if Prefix(a) != "GRV" {
		t.Errorf("Prefix(%q) = %q", a, Prefix(a))
	}
}

// scramble is one to one on the whole year's space: its multiplier has an
// inverse modulo 10^8 for every prefix and year.
func TestScrambleIsABijection(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"GRV", "RCA", "PTX", "VAX", "X"} {
		for year := 2020; year < 2040; year++ {
			x := scramble(prefix, year, 1) + serials - scramble(prefix, year, 0) // the multiplier, modulo 10^8
			if x%2 == 0 || x%5 == 0 {
				t.Fatalf("%s %d: multiplier %d shares a factor with 10^8", prefix, year, x%serials)
			}
		}
	}
	if got := scramble("GRV", 2026, serials+7); got != scramble("GRV", 2026, 7) {
		t.Errorf("numbers past the year's space do not wrap: %d", got)
	}
}

func TestStatuses(t *testing.T) {
	t.Parallel()
	for _, legacy := range []string{"", "open", "registered"} {
		if s, err := ParseStatus(legacy); err != nil || s != Lodged {
			t.Errorf("ParseStatus(%q) = %q, %v", legacy, s, err)
		}
	}
	if _, err := ParseStatus("done"); err == nil || !strings.Contains(err.Error(), "in_progress") {
		t.Errorf("an unknown status: %v", err)
	}
	cases := []struct {
		from, to Status
		ok       bool
	}{
		{Lodged, Assigned, true}, {Assigned, InProgress, true}, {InProgress, Resolved, true},
		{Resolved, Closed, true}, {Reopened, InProgress, true}, {Lodged, Rejected, true},
		{Resolved, InProgress, false}, {Closed, Lodged, false}, {Lodged, Reopened, false}, {Rejected, Resolved, false},
	}
	for _, c := range cases {
		if CanMove(c.from, c.to) != c.ok {
			t.Errorf("CanMove(%s, %s) = %v", c.from, c.to, !c.ok)
		}
	}
	if !Lodged.Open() || !Reopened.Open() || Resolved.Open() || Closed.Open() {
		t.Error("Open is wrong")
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	if !CanReopen(Resolved, now.Add(-6*24*time.Hour), now, week) || CanReopen(Resolved, now.Add(-8*24*time.Hour), now, week) ||
		CanReopen(Closed, now.Add(-time.Hour), now, week) || CanReopen(Resolved, time.Time{}, now, week) {
		t.Error("CanReopen is wrong")
	}
}

func TestDeadlinesAndEscalation(t *testing.T) {
	t.Parallel()
	ist := time.FixedZone("IST", 5*3600+1800)
	p := Policy{Days: map[string]int{"water": 2}, Default: 10, Levels: []string{"ward", "zone"}}
	from := time.Date(2026, 12, 30, 22, 15, 0, 0, ist)
	if got, want := p.Due("water", from), time.Date(2027, 1, 1, 23, 59, 59, 0, ist); !got.Equal(want) {
		t.Errorf("water due %v, want %v", got, want)
	}
	if got := p.DaysFor("roads"); got != 10 {
		t.Errorf("roads have %d days", got)
	}
	if got := (Policy{}).DaysFor("x"); got != DefaultPolicy.Default {
		t.Errorf("an empty policy gives %d days", got)
	}
	if next, ok := p.Escalation(0); !ok || next != "zone" {
		t.Errorf("escalation from level 0: %q %v", next, ok)
	}
	if _, ok := p.Escalation(1); ok {
		t.Error("escalated past the last level")
	}
}

// Each mover may make its own moves: a supervisor every officer's and the
// reopening; a citizen only the reopening.
func TestMovers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		from, to Status
		by       Mover
		ok       bool
	}{
		{Resolved, Reopened, ByOfficer, false}, {Resolved, Reopened, BySupervisor, true}, {Resolved, Reopened, ByCitizen, true},
		{Lodged, Assigned, BySupervisor, true}, {Lodged, Assigned, ByCitizen, false}, {Closed, Reopened, BySupervisor, false},
		{Resolved, Closed, ByCitizen, false},
	}
	for _, c := range cases {
		if MayMove(c.from, c.to, c.by) != c.ok {
			t.Errorf("MayMove(%s, %s, %d) = %v", c.from, c.to, c.by, !c.ok)
		}
	}
	if got := Allowed(Resolved, BySupervisor); len(got) != 2 || got[0] != Reopened || got[1] != Closed {
		t.Errorf("a supervisor from resolved: %v", got)
	}
	if got := Allowed(Closed, BySupervisor); len(got) != 0 {
		t.Errorf("a closed case moves to %v", got)
	}
}

func TestStoredStatuses(t *testing.T) {
	t.Parallel()
	if got := strings.Join(OpenStored(), ","); got != "lodged,open,registered,,assigned,in_progress,reopened" {
		t.Errorf("OpenStored() = %s", got)
	}
	if got := StoredAs(Resolved); len(got) != 1 || got[0] != "resolved" {
		t.Errorf("StoredAs(resolved) = %v", got)
	}
}
