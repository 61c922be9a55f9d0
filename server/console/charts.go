package console

import (
	"fmt"
	"strings"
)

// The charts are SVG drawn on the server: the template writes the
// elements; this file works out where they go. Every label reaches the
// page through html/template, which escapes it.

// chart sizes, in SVG user units.
const (
	chartW, chartH = 600, 220
	padL, padB     = 40, 28
	padT, padR     = 12, 12
)

// lineChart is a line of messages per day, in and out.
type lineChart struct {
	W, H       int
	In, Out    string // polyline points
	Ticks      []tick
	XLabels    []tick
	Max, Total int
}

// tick is a positioned label.
type tick struct {
	X, Y  int
	Label string
}

// newLineChart places days on a line chart.
func newLineChart(days []Day) lineChart {
	c := lineChart{W: chartW, H: chartH}
	for _, d := range days {
		c.Max = max(c.Max, d.In, d.Out)
		c.Total += d.In + d.Out
	}
	top := niceCeil(c.Max)
	plotW, plotH := chartW-padL-padR, chartH-padT-padB
	x := func(i int) int {
		if len(days) < 2 {
			return padL + plotW/2
		}
		return padL + i*plotW/(len(days)-1)
	}
	y := func(v int) int { return padT + plotH - v*plotH/top }
	var in, out []string
	for i, d := range days {
		in = append(in, fmt.Sprintf("%d,%d", x(i), y(d.In)))
		out = append(out, fmt.Sprintf("%d,%d", x(i), y(d.Out)))
		if len(days) <= 8 || i%(len(days)/7+1) == 0 || i == len(days)-1 {
			c.XLabels = append(c.XLabels, tick{X: x(i), Y: chartH - 8, Label: d.Day.Format("02 Jan")})
		}
	}
	c.In, c.Out = strings.Join(in, " "), strings.Join(out, " ")
	for _, v := range []int{0, top / 2, top} {
		c.Ticks = append(c.Ticks, tick{X: padL - 6, Y: y(v) + 4, Label: fmt.Sprint(v)})
	}
	return c
}

// niceCeil is a round number at least v (and at least 1), for an axis.
func niceCeil(v int) int {
	if v <= 1 {
		return 2
	}
	step := 1
	for step*10 < v {
		step *= 10
	}
	for _, m := range []int{1, 2, 5, 10} {
		if m*step >= v {
			if (m*step)%2 != 0 {
				return m*step + 1
			}
			return m * step
		}
	}
	return 10 * step
}

// barChart is horizontal bars, one per label.
type barChart struct {
	W, H int
	Bars []bar
}

// bar is one bar and its label.
type bar struct {
	Label           string
	N               int
	Y, Width, TextY int
	Percent         string
}

// newBarChart places counts as horizontal bars; of, when above zero, is
// the total each bar is a percentage of (a funnel's starts).
func newBarChart(counts []Count, of int) barChart {
	const rowH, labelW, barMax = 30, 0, chartW - 160
	c := barChart{W: chartW, H: len(counts)*rowH + 4}
	top := 1
	for _, n := range counts {
		top = max(top, n.N)
	}
	for i, n := range counts {
		b := bar{Label: n.Label, N: n.N, Y: i*rowH + 14, TextY: i*rowH + 10, Width: max(2, labelW+n.N*barMax/top)}
		if of > 0 {
			b.Percent = fmt.Sprintf("%d%%", n.N*100/of)
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}
