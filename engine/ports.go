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
// over the department's questions and answers (adapters/llm implements it).
// The engine asks it about a citizen's message in four places (see
// FallbackCause), with identity and phone numbers already masked, and checks
// what comes back before the citizen sees any of it (see run_fallback.go):
// an answer must be in the citizen's language and fit one WhatsApp message,
// a route must lead to a flow the query offered. A Fallback must answer
// within the context's deadline; an error is taken as "nothing to say".
type Fallback interface {
	Answer(ctx context.Context, q FallbackQuery) (FallbackAnswer, error)
}

// FallbackCause says why the engine asked the fallback.
type FallbackCause string

// The places the engine asks the fallback.
const (
	// FallbackIdle: a message with no question waiting for it, which no
	// keyword or pattern starts a flow with ("I want to pay my property
	// tax"). With nothing to say, the main menu is shown, as without a
	// fallback. A new citizen's first message is not asked about unless
	// its script shows their language: they choose a language first.
	FallbackIdle FallbackCause = "idle"
	// FallbackInvalid: an answer an ask with `fallback: true` could not
	// take. An answer is shown and the question asked again; with nothing
	// to say, the answer is invalid as usual.
	FallbackInvalid FallbackCause = "invalid"
	// FallbackRetries: the last answer to an ask whose retries ran out,
	// when its `on_fail:` is `fallback`. An answer is shown and the
	// question asked afresh; with nothing to say, the citizen is told so
	// and shown the main menu.
	FallbackRetries FallbackCause = "retries"
	// FallbackQuestion: the question an `answer:` node passes on.
	FallbackQuestion FallbackCause = "question"
)

// FallbackQuery is what the engine asks a Fallback.
type FallbackQuery struct {
	// Text is the citizen's message, redacted (script.Redact) and at most
	// MaxFallbackQuestion characters.
	Text string
	// Lang is the language the citizen is being answered in: an answer
	// must be written in it.
	Lang string
	// Flow and Node say where the citizen is (empty when no flow runs).
	Flow, Node string
	// Flows are the flows the fallback may route the citizen into, with
	// their titles in Lang: the main menu's services (and the main menu and
	// language flows themselves), or those an answer: node names.
	Flows []FlowSummary
	// Cause says why the engine asks.
	Cause FallbackCause
}

// FlowSummary names a flow a fallback may route to.
type FlowSummary struct {
	ID    string
	Title string
	// Vars are the names of the flow's variables a route's Args may set
	// (text, number, money, yes/no and date variables).
	Vars []string
}

// FallbackKind says what a fallback's reply does.
type FallbackKind string

// The kinds of fallback reply.
const (
	// FallbackText: Text answers the citizen.
	FallbackText FallbackKind = "answer"
	// FallbackRoute: the citizen is taken into Flow, its variables set
	// from Args.
	FallbackRoute FallbackKind = "route"
	// FallbackNone: nothing fits; the engine goes on as the cause says.
	FallbackNone FallbackKind = "none"
)

// FallbackAnswer is a fallback's reply: a text to show, a flow to start
// (after the text, if there is one), or nothing; and what review needs to
// know about it.
type FallbackAnswer struct {
	// Kind is what the reply does; empty means FallbackRoute when Flow is
	// set, FallbackText when Text is, FallbackNone otherwise.
	Kind FallbackKind
	// Text is the answer, written in Lang (empty: the query's language).
	Text string
	Lang string
	// Flow and Args: the flow to start and its variables, by name, as
	// text; each is converted to the type the flow declares (a number, a
	// date, yes/no), and one the flow does not declare is left out.
	Flow string
	Args map[string]string
	// Passages are the knowledge the reply was drawn from, best first.
	Passages []FallbackPassage
	// Model names what decided: a model's name, or "offline".
	Model string
	// Reason says why the reply is what it is when the model was not used
	// or was overruled ("breaker open", "rejected: …").
	Reason string
	// Latency is how long the fallback took.
	Latency time.Duration
}

// FallbackPassage is one piece of knowledge a reply was drawn from.
type FallbackPassage struct {
	// ID names it: a knowledge entry's id, or "flow:<id>" for a flow's
	// examples.
	ID string
	// Score is how well the message matched it, from 0 to 1.
	Score float64
}

// kind is the reply's kind, filled in from what it holds when not given.
func (a *FallbackAnswer) kind() FallbackKind {
	switch {
	case a.Kind != "":
		return a.Kind
	case a.Flow != "":
		return FallbackRoute
	case a.Text != "":
		return FallbackText
	}
	return FallbackNone
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
