package store

import "sync"

// signal wakes goroutines waiting for work, as many as there is new work
// for: notify(n) puts up to n tokens in the channel and each waiter that
// receives takes one, so one new message wakes one worker rather than all of
// them (the others would each run a claim that finds nothing). Tokens keep
// while nobody waits, so a notify between a waiter's check for work and its
// wait is not lost. close wakes everyone for good.
//
// A worker that just finished a step asks more() whether to claim again at
// once: only when a token is there (it takes it) or tokens were dropped
// because the channel was full (a burst: then claims go on until one finds
// nothing). Otherwise it waits: claiming again after every step, as a
// worker would without tokens, finds nothing almost every time at a steady
// rate.
//
// armed counts tokens given that no claim has followed yet (a claim starting
// counts against it whether a token or a timer started it). A claim that
// starts after new work was committed sees that work, so while one is still
// to come, new work need not wake anyone else (notifyUnarmed): on Postgres a
// claim takes many contacts, and every extra wake-up there would be an
// empty claim.
type signal struct {
	mu       sync.Mutex
	ch       chan struct{}
	closed   bool
	overflow bool
	armed    int
}

// signalTokens bounds the tokens kept: enough for a pool of workers, few
// enough that a burst that found them all busy leaves few empty claims.
const signalTokens = 16

func newSignal() *signal { return &signal{ch: make(chan struct{}, signalTokens)} }

// wait returns the channel to receive a token from.
func (g *signal) wait() <-chan struct{} { return g.ch }

// notify lets up to n waiters through.
func (g *signal) notify(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.give(n)
}

// notifyUnarmed is notify less the claims still to come.
func (g *signal) notifyUnarmed(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.give(n - g.armed)
}

// give puts up to n tokens in the channel; g.mu is held.
func (g *signal) give(n int) {
	for i := 0; i < n && !g.closed; i++ {
		select {
		case g.ch <- struct{}{}:
			g.armed++
		default:
			g.overflow = true
			return
		}
	}
}

// claiming records that a claim is starting.
func (g *signal) claiming() {
	g.mu.Lock()
	g.armed = max(g.armed-1, 0)
	g.mu.Unlock()
}

// more reports whether there may be more work than tokens say: it takes a
// token if there is one, or reports a past overflow.
func (g *signal) more() bool {
	select {
	case <-g.ch:
		return true
	default:
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.overflow || g.closed
}

// take drops up to n tokens: wake-ups for work that was done meanwhile.
func (g *signal) take(n int) {
	for range n {
		select {
		case <-g.ch:
			g.claiming() // no claim follows this token
		default:
			return
		}
	}
}

// settle records that a claim found nothing: the tokens count the work again.
func (g *signal) settle() {
	g.mu.Lock()
	g.overflow = false
	g.mu.Unlock()
}

func (g *signal) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		close(g.ch)
	}
}
