package driver

import "sync"

// Group writes jobs that callers queue concurrently in shared transactions:
// while one transaction is being written the next jobs queue up, and the
// next loop takes them all (as many as Take allows) in one go. Fewer,
// larger transactions cost the database far less than one per job (on
// SQLite most of a commit is the pages it rewrites, and jobs written
// together share them). Up to Loops transactions are in flight at once.
type Group[J any] struct {
	mu      sync.Mutex
	queue   []J
	running int
	// Loops is how many transactions may be in flight at once.
	Loops int
	// Take says how many of the queued jobs go in the next transaction
	// (at least one is always taken).
	Take func(queue []J) int
	// Write writes jobs and tells each its result.
	Write func(jobs []J)
}

// Add queues j; the caller then waits for Write to report on it.
func (g *Group[J]) Add(j J) {
	g.mu.Lock()
	g.queue = append(g.queue, j)
	if g.running < g.Loops {
		g.running++
		go g.loop()
	}
	g.mu.Unlock()
}

func (g *Group[J]) loop() {
	for {
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.running--
			g.mu.Unlock()
			return
		}
		n := len(g.queue)
		if g.Take != nil {
			n = min(max(g.Take(g.queue), 1), n)
		}
		jobs := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		g.Write(jobs)
	}
}

// Queued says how many jobs wait, and whether a transaction is being
// written (for tests and metrics).
func (g *Group[J]) Queued() (n int, writing bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue), g.running > 0
}
