package engine

import (
	"context"
	"errors"
	"time"
)

// The engine is pure: it never opens a socket or a file while it runs. What it
// needs from the outside world it asks for through the small interfaces below,
// which the caller supplies (the server wires real adapters; tests and
// `samvad test` wire fakes).

// Services calls the department systems a flow's `call` node names
// (an HTTP API, a CSV table). The engine always passes a context with a
// deadline (the node's timeout).
type Services interface {
	Call(ctx context.Context, name string, args map[string]any) (map[string]any, error)
}

// ServiceFunc adapts a function to Services.
type ServiceFunc func(ctx context.Context, name string, args map[string]any) (map[string]any, error)

// Call calls f.
func (f ServiceFunc) Call(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
	return f(ctx, name, args)
}

// ErrUnknownService is returned by a Services implementation that has no
// connector of the requested name.
var ErrUnknownService = errors.New("unknown service")

// Fallback answers what the rules do not cover: an LLM, or offline retrieval
// over the department's FAQ. The question it receives has already had identity
// numbers and phone numbers redacted.
type Fallback interface {
	Answer(ctx context.Context, q FallbackQuery) (FallbackAnswer, error)
}

// FallbackQuery is what the engine asks a Fallback.
type FallbackQuery struct {
	// Text is the citizen's message, redacted.
	Text string
	// Lang is the language the citizen is being answered in.
	Lang string
	// Flow and Node say where the citizen is.
	Flow, Node string
	// Flows are the flows the fallback may route the citizen into, with their
	// titles in Lang.
	Flows []FlowSummary
}

// FlowSummary names a flow a fallback may route to.
type FlowSummary struct {
	ID    string
	Title string
}

// FallbackAnswer is a fallback's reply: a text to show, a flow to start, or both.
// An empty answer means the fallback had nothing to say.
type FallbackAnswer struct {
	Text string
	Flow string
}

// Clock tells the time. Tests use a fixed clock so transcripts are repeatable.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock is a clock that stands still until moved; it is safe for one
// goroutine at a time, as a transcript is.
type FixedClock struct{ T time.Time }

// Now returns the clock's time.
func (c *FixedClock) Now() time.Time { return c.T }

// Advance moves the clock forward.
func (c *FixedClock) Advance(d time.Duration) { c.T = c.T.Add(d) }
