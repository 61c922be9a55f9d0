package loadtest

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MachineTicks are the whole machine's CPU counters (Linux /proc/stat, in
// clock ticks): all time, busy time (all but idle and iowait) and the time
// the hypervisor gave this machine's CPUs to others (steal, part of busy).
type MachineTicks struct{ Total, Busy, Steal int64 }

// ReadMachine reads /proc/stat's first line; false where there is none.
func ReadMachine() (MachineTicks, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return MachineTicks{}, false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return MachineTicks{}, false
	}
	var m MachineTicks
	for i, f := range fields[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		m.Total += n
		if i != 3 && i != 4 { // idle, iowait
			m.Busy += n
		}
		if i == 7 {
			m.Steal = n
		}
	}
	return m, true
}

// machineLoad is the machine's busy and stolen share of each windowSize of
// the offer, read while it goes on, so that a stall in Report.Windows can
// be told from a machine that was busy, or slowed by its hypervisor.
type machineLoad struct {
	mu      sync.Mutex
	windows []MachineWindow
	done    chan struct{}
}

// MachineWindow is the whole machine's load during one window of the offer,
// in percent of all its CPUs' time.
type MachineWindow struct{ Busy, Steal float64 }

// watchMachine reads /proc/stat at start (on the run's clock, now), at
// every windowSize after it, and once more when ctx ends.
func watchMachine(ctx context.Context, start time.Duration, now func() time.Duration) *machineLoad {
	l := &machineLoad{done: make(chan struct{})}
	prev, ok := ReadMachine()
	if !ok {
		close(l.done)
		return l
	}
	go func() {
		defer close(l.done)
		for i := 1; ; i++ {
			ended := false
			select {
			case <-ctx.Done():
				ended = true // the last window, cut short
			case <-time.After(start + time.Duration(i)*windowSize - now()):
			}
			cur, ok := ReadMachine()
			if ok && cur.Total > prev.Total {
				l.mu.Lock()
				l.windows = append(l.windows, cur.Since(prev))
				l.mu.Unlock()
			}
			if ended || !ok {
				return
			}
			prev = cur
		}
	}()
	return l
}

// Since is the machine's load between before and m.
func (m MachineTicks) Since(before MachineTicks) MachineWindow {
	total := float64(max(1, m.Total-before.Total))
	return MachineWindow{Busy: float64(m.Busy-before.Busy) / total * 100, Steal: float64(m.Steal-before.Steal) / total * 100}
}

// wait returns the windows read, once the watch has ended.
func (l *machineLoad) wait() []MachineWindow {
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.windows
}
