package console

import (
	"strings"
	"testing"
	"time"
)

func TestLineChartPlacesEveryDay(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var days []Day
	for i := range 30 {
		days = append(days, Day{Day: day.AddDate(0, 0, i), In: i, Out: 2 * i})
	}
	c := newLineChart(days)
	if got := len(strings.Fields(c.In)); got != 30 {
		t.Fatalf("%d points for 30 days", got)
	}
	if c.Max != 58 || c.Total != 3*29*30/2 {
		t.Fatalf("max %d total %d", c.Max, c.Total)
	}
	// The highest point is inside the chart, the lowest on its floor.
	first, last := strings.Fields(c.Out)[0], strings.Fields(c.Out)[29]
	if first != "40,192" || !strings.HasPrefix(last, "588,") || c.Ticks[2].Label != "100" {
		t.Fatalf("first %s last %s ticks %+v", first, last, c.Ticks)
	}
	if len(c.XLabels) > 8 {
		t.Fatalf("%d day labels crowd the axis", len(c.XLabels))
	}
	if empty := newLineChart(nil); empty.Total != 0 || empty.In != "" {
		t.Fatalf("no days: %+v", empty)
	}
}

func TestBarChartScalesToTheLargest(t *testing.T) {
	t.Parallel()
	c := newBarChart([]Count{{"start", 10}, {"category", 5}, {"done", 0}}, 10)
	if c.Bars[0].Width != chartW-160 || c.Bars[1].Width != (chartW-160)/2 || c.Bars[2].Width != 2 {
		t.Fatalf("widths %d %d %d", c.Bars[0].Width, c.Bars[1].Width, c.Bars[2].Width)
	}
	if c.Bars[1].Percent != "50%" || c.Bars[2].Percent != "0%" {
		t.Fatalf("percentages %q %q", c.Bars[1].Percent, c.Bars[2].Percent)
	}
	if got := newBarChart([]Count{{"open", 3}}, 0); got.Bars[0].Percent != "" {
		t.Fatalf("a count with no total has a percentage: %q", got.Bars[0].Percent)
	}
}

func TestNiceCeil(t *testing.T) {
	t.Parallel()
	// A round number at least v and even, so that its half is a tick.
	for v, want := range map[int]int{0: 2, 1: 2, 3: 6, 7: 10, 58: 100, 120: 200, 1000: 1000} {
		if got := niceCeil(v); got != want {
			t.Errorf("niceCeil(%d) = %d, want %d", v, got, want)
		}
	}
}
