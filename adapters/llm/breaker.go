package llm

import (
	"sync"
	"time"
)

// breaker stops calling a model endpoint that keeps failing. After
// Failures failures in a row it opens for Cooldown: calls are refused
// and the fallback answers offline. Then one call at a time is let
// through; a success closes the breaker, a failure opens it again.
//
// Written by hand: the libraries (sony/gobreaker and others) do the same
// in more code, and this one needs nothing but a count and a time.
type breaker struct {
	failures int
	cooldown time.Duration
	now      func() time.Time

	mu        sync.Mutex
	run       int // failures in a row
	openUntil time.Time
	probing   bool
}

// allow reports whether a call may go out; a true answer must be
// followed by done.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.run < b.failures {
		return true
	}
	if b.now().Before(b.openUntil) || b.probing {
		return false
	}
	b.probing = true // half open: this call is the probe
	return true
}

// done records how a call that allow let through went.
func (b *breaker) done(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if ok {
		b.run = 0
		return
	}
	b.run++
	if b.run >= b.failures {
		b.openUntil = b.now().Add(b.cooldown)
	}
}
