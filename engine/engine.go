package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures an Engine for one integration (one WhatsApp number).
type Config struct {
	// EntryFlow is the main menu flow, started for a citizen with no flow
	// running and by the menu command. Default "main".
	EntryFlow string
	// LanguageFlow is started by the language command. Default "language".
	LanguageFlow string
	// DefaultLanguage answers citizens whose language is not known and whose
	// script does not tell. Default "en".
	DefaultLanguage string
	// SessionTimeout ends a conversation that has been quiet this long; the
	// next message starts afresh. Zero means sessions never expire. A
	// conversation handed to people does not time out: it waits for them
	// (the citizen may still type 0 for the menu).
	SessionTimeout time.Duration
	// Languages are the languages this integration offers, in the order of
	// its language menu. Default: every language of the library, English first.
	Languages []string
	// MaxSteps caps the nodes one input may run through, so a bad flow cannot
	// loop forever. Default 100.
	MaxSteps int
	// FallbackTimeout bounds a call to the Fallback. Default 10s.
	FallbackTimeout time.Duration
	Services        Services
	Fallback        Fallback
	Clock           Clock
	// Archive finds the source of a flow version that a session is pinned to
	// when this process has not loaded it (for example after a restart).
	Archive Archive
}

// Archive returns the stored source of a flow version.
type Archive interface {
	FlowSource(ctx context.Context, id, version string) ([]byte, error)
}

// Engine runs citizens' conversations through a Library of flows. It holds no
// per-citizen state: each Step takes the citizen's Session and returns what to
// send. An Engine is safe for concurrent use by many goroutines, one Session
// each.
type Engine struct {
	cfg   Config
	lib   atomic.Pointer[Library]
	langs atomic.Pointer[languageMenu]
	runs  sync.Pool
}

// New returns an engine over lib.
func New(lib *Library, cfg Config) (*Engine, error) {
	if cfg.EntryFlow == "" {
		cfg.EntryFlow = "main"
	}
	if cfg.LanguageFlow == "" {
		cfg.LanguageFlow = "language"
	}
	if cfg.DefaultLanguage == "" {
		cfg.DefaultLanguage = "en"
	}
	if cfg.MaxSteps <= 0 {
		cfg.MaxSteps = 100
	}
	if cfg.FallbackTimeout <= 0 {
		cfg.FallbackTimeout = 10 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	e := &Engine{cfg: cfg}
	if err := e.use(lib); err != nil {
		return nil, err
	}
	e.runs.New = func() any { return newRun() }
	return e, nil
}

// use checks a library against the configuration and makes it current.
func (e *Engine) use(lib *Library) error {
	if lib == nil {
		return errors.New("engine: no library")
	}
	if lib.Flow(e.cfg.EntryFlow) == nil {
		return fmt.Errorf("engine: the entry flow %q is not loaded", e.cfg.EntryFlow)
	}
	menu, err := newLanguageMenu(lib, e.cfg.Languages)
	if err != nil {
		return err
	}
	if !menu.enabled(e.cfg.DefaultLanguage) {
		return fmt.Errorf("engine: the default language %q is not enabled", e.cfg.DefaultLanguage)
	}
	if old := e.lib.Load(); old != nil {
		lib.Inherit(old)
	}
	e.lib.Store(lib)
	e.langs.Store(menu)
	return nil
}

// Library returns the library the engine runs.
func (e *Engine) Library() *Library { return e.lib.Load() }

// Reload swaps in a new library. Sessions in progress keep the flow versions
// they started on: the new library inherits the old one's versions.
func (e *Engine) Reload(lib *Library) error {
	return e.use(lib)
}

// Config returns the engine's configuration, defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// Result is what one Step produced. Reuse one Result across steps to avoid
// allocations; its slices are overwritten by the next Step. Outputs may share
// the engine's read-only data (choice lists): do not modify them.
type Result struct {
	Outputs []Output
	Events  []Event
	// ContactChanged reports that the step changed the Contact (its language
	// or opt-out), which the caller should store.
	ContactChanged bool
}

// Reset empties the result, keeping its capacity.
func (r *Result) Reset() {
	clear(r.Outputs)
	r.Outputs = r.Outputs[:0]
	r.Events = r.Events[:0]
	r.ContactChanged = false
}

// Step handles one input from a citizen: it updates the session and the
// contact in place and fills r with the messages to send and the events that
// happened. Problems in flow content (an expression that fails at run time, a
// service that is down, a loop) become events and a plain message to the
// citizen, never an error. Step returns an error only when ctx ends during the
// step, in which case the caller should discard the step's effects.
func (e *Engine) Step(ctx context.Context, s *Session, c *Contact, in Input, r *Result) error {
	r.Reset()
	x := e.runs.Get().(*run)
	x.begin(e, ctx, s, c, &in, r)
	x.step()
	err := x.err
	x.end()
	e.runs.Put(x)
	return err
}
