package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MemorySample is one reading of a target's /metrics.
type MemorySample struct {
	Target int
	// At is the time on the run's clock.
	At time.Duration
	// HeapAlloc is go_memstats_heap_alloc_bytes, RSS
	// process_resident_memory_bytes.
	HeapAlloc, RSS float64
	Goroutines     float64
}

// sampling reads the targets' memory figures while a run goes on.
type sampling struct {
	mu      sync.Mutex
	samples []MemorySample
	done    chan struct{}
}

// startSampling reads every target's /metrics every interval until ctx
// ends (nothing when every is zero).
func startSampling(ctx context.Context, client *http.Client, targets []string, every time.Duration, now func() time.Duration) *sampling {
	s := &sampling{done: make(chan struct{})}
	if every <= 0 {
		close(s.done)
		return s
	}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			for i, target := range targets {
				if m, ok := readMemory(ctx, client, target); ok {
					m.Target, m.At = i, now()
					s.mu.Lock()
					s.samples = append(s.samples, m)
					s.mu.Unlock()
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// wait returns the samples once sampling has stopped.
func (s *sampling) wait() []MemorySample {
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// readMemory reads the memory gauges from a target's Prometheus metrics.
func readMemory(ctx context.Context, client *http.Client, target string) (MemorySample, bool) {
	var m MemorySample
	found := 0
	err := getMetrics(ctx, client, target, func(r io.Reader) error {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			name, value, ok := strings.Cut(sc.Text(), " ")
			if !ok {
				continue
			}
			var dst *float64
			switch name {
			case "go_memstats_heap_alloc_bytes":
				dst = &m.HeapAlloc
			case "process_resident_memory_bytes":
				dst = &m.RSS
			case "go_goroutines":
				dst = &m.Goroutines
			default:
				continue
			}
			if f, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
				*dst = f
				found++
			}
		}
		return sc.Err()
	})
	return m, err == nil && found > 0
}

// getMetrics GETs a target's /metrics (within 2 s) and hands the body to
// read.
func getMetrics(ctx context.Context, client *http.Client, target string, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target+"/metrics", nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s/metrics: %s", target, res.Status)
	}
	return read(res.Body)
}
