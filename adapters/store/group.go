package store

import "sync"

// group writes jobs that callers queue concurrently in shared transactions:
// while one transaction is being written the next jobs queue up, and the
// next loop takes them all (as many as take allows) in one go. Fewer,
// larger transactions cost the database far less than one per job (on
// SQLite most of a commit is the pages it rewrites, and jobs written
// together share them). Up to loops transactions are in flight at once.
type group[J any] struct {
	mu      sync.Mutex
	queue   []J
	running int
	loops   int
	// take says how many of the queued jobs go in the next transaction
	// (at least one is always taken).
	take func(queue []J) int
	// write writes jobs and tells each its result.
	write func(jobs []J)
}

// add queues j; the caller then waits for write to report on it.
func (g *group[J]) add(j J) {
	g.mu.Lock()
	g.queue = append(g.queue, j)
	if g.running < g.loops {
		g.running++
		go g.loop()
	}
	g.mu.Unlock()
}

func (g *group[J]) loop() {
	for {
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.running--
			g.mu.Unlock()
			return
		}
		n := len(g.queue)
		if g.take != nil {
			n = min(max(g.take(g.queue), 1), n)
		}
		jobs := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		g.write(jobs)
	}
}
