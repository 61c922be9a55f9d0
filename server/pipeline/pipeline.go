package pipeline

import (
	"log/slog"
	"sync"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/locale"
)

// Options configure a Pipeline. Store, Library, Limiter and Metrics are
// required.
type Options struct {
	Store *store.Store
	// Library returns the flows loaded now (they change on reload); the
	// pipeline reads the fixed texts of the locales from it.
	Library func() *engine.Library
	Limiter *whatsapp.Limiter
	Metrics *Metrics
	Log     *slog.Logger
	// Clock tells the time; default time.Now.
	Clock func() time.Time
	// MediaDir is where downloaded attachments are kept.
	MediaDir string
	// Workers and Senders are how many goroutines step citizens and send
	// replies (defaults 4 and 2).
	Workers, Senders int
	// SendTimeout is the Graph API client's timeout; a claimed reply's lease
	// covers it.
	SendTimeout time.Duration
	// ProgressAfter is how long a service call may take before the citizen
	// is told to wait a moment (default DefaultProgressAfter).
	ProgressAfter time.Duration
	// Queues are the handoff queues by name: a citizen handed to one is
	// told when a person will answer, and reminded while they wait.
	Queues map[string]Queue
}

// Pipeline steps citizens' messages through the engine and sends the
// replies. It is safe for concurrent use; integrations are added before
// Start.
type Pipeline struct {
	store       *store.Store
	library     func() *engine.Library
	limiter     *whatsapp.Limiter
	metrics     *Metrics
	log         *slog.Logger
	now         func() time.Time
	mediaDir    string
	workers     int
	senders     int
	sendTimeout time.Duration
	// progressAfter: see Options.ProgressAfter.
	progressAfter time.Duration
	integrations  map[string]*Integration
	queues        map[string]Queue
	readMarks     chan struct{}
	// sends holds a place for each send in flight (see startSend).
	sends chan struct{}
	wg    sync.WaitGroup
}

// New returns a pipeline with no integrations.
func New(o Options) *Pipeline {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Senders <= 0 {
		o.Senders = 2
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 15 * time.Second
	}
	if o.ProgressAfter <= 0 {
		o.ProgressAfter = DefaultProgressAfter
	}
	return &Pipeline{store: o.Store, library: o.Library, limiter: o.Limiter, metrics: o.Metrics, log: o.Log,
		now: o.Clock, mediaDir: o.MediaDir, workers: o.Workers, senders: o.Senders, sendTimeout: o.SendTimeout, progressAfter: o.ProgressAfter,
		integrations: map[string]*Integration{}, queues: o.Queues, readMarks: make(chan struct{}, MaxReadMarks),
		sends: make(chan struct{}, o.Senders*SendsInFlight)}
}

// Add makes an integration's citizens the pipeline's to answer. It must be
// called before Start.
func (p *Pipeline) Add(in *Integration) { p.integrations[in.ID] = in }

// Integration returns the integration of that id, or nil.
func (p *Pipeline) Integration(id string) *Integration { return p.integrations[id] }

// Start runs the workers and senders until stop is closed. Wait waits for
// them, and for every send in flight, to finish.
func (p *Pipeline) Start(stop <-chan struct{}) {
	for range p.workers {
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.runWorker(stop) }()
	}
	for range p.senders {
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.runSender(stop) }()
	}
	if every := p.reminderInterval(); every > 0 {
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.runReminders(stop, every) }()
	}
}

// Wait returns when the workers, senders and sends started by Start have
// finished (after stop is closed).
func (p *Pipeline) Wait() { p.wg.Wait() }

// Apology is the reply queued for a citizen whose message could not be
// processed after every retry (store.Options.Apology), so that they get an
// answer, not silence.
func Apology(library func() *engine.Library) func(c store.Contact) store.OutboundMessage {
	return func(c store.Contact) store.OutboundMessage {
		text := "Sorry, something went wrong on our side. Please try again later, or type 0 for the menu."
		if m := library().Catalog.Resolve("common.error", locale.Chain(c.Language, "en")...); m != nil {
			text = m.Render(nil)
		}
		msg := whatsapp.TextMessage(text)
		addressTo(&msg, c.WaID, c.UserID)
		body, _ := whatsapp.Prepare(&msg)
		return store.OutboundMessage{Type: "text", Summary: text, Payload: EncodeReply(time.Time{}, body)}
	}
}

// commonText is a fixed text of the locales in the citizen's language (or
// the nearest one that has it), "" when no locale has it.
func (p *Pipeline) commonText(key, lang string) string {
	if m := p.library().Catalog.Resolve(key, locale.Chain(lang, "en")...); m != nil {
		if t, ok := m.Static(); ok {
			return t
		}
	}
	return ""
}
