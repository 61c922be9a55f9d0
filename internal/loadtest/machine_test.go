package loadtest

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestMachineWindowShares(t *testing.T) {
	before := MachineTicks{Total: 1000, Busy: 400, Steal: 10}
	after := MachineTicks{Total: 3000, Busy: 1900, Steal: 210}
	w := after.Since(before)
	if w.Busy != 75 || w.Steal != 10 {
		t.Fatalf("since = %+v, want busy 75%% and stolen 10%% (1,500 and 200 of 2,000 ticks)", w)
	}
}

func TestWatchMachineReadsEachWindowAndTheLast(t *testing.T) {
	if _, ok := ReadMachine(); !ok {
		t.Skip("no /proc/stat on this system: the machine's load is not reported here")
	}
	clock := time.Now()
	now := func() time.Duration { return time.Since(clock) }
	ctx, cancel := context.WithCancel(context.Background())
	l := watchMachine(ctx, now()-windowSize+50*time.Millisecond, now) // the first window ends in 50 ms
	time.Sleep(150 * time.Millisecond)
	cancel()
	ws := l.wait()
	if len(ws) != 2 {
		t.Fatalf("windows read = %d (%+v), want the full one and the one cut short", len(ws), ws)
	}
	for _, w := range ws {
		if w.Busy < 0 || w.Busy > 100 || w.Steal < 0 || w.Steal > w.Busy {
			t.Fatalf("window %+v out of bounds", w)
		}
	}
}

func TestReportPrintsTheMachineBesideTheWindows(t *testing.T) {
	r := &Report{Verdict: &Verdict{}, Windows: make([]Window, 3),
		Machine: []MachineWindow{{Busy: 80, Steal: 1}, {Busy: 97.4, Steal: 22.6}, {Busy: 60}, {Busy: 5}}}
	out := r.String()
	if !strings.Contains(out, "  busy             80 97 60\n") || !strings.Contains(out, "  stolen           1 23 0\n") {
		t.Fatalf("report:\n%s\nwant the busy and stolen shares of the three windows", out)
	}
}
