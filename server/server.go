// Package server is the running Samvad service's HTTP side and its wiring:
// the WhatsApp webhook, health checks, metrics, the local simulator, and the
// configuration that puts the store, the engine and the application core
// (package pipeline: the workers and senders) together.
//
// The data path of one citizen message (see DESIGN.md):
//
//  1. Receive: POST /api/v1/integration/whatsapp/{id}/callback checks the
//     signature over the raw body, parses every entry, change, message and
//     status, and stores them in one transaction (store.Ingest) before
//     answering 200. Nothing else happens on the request path.
//  2. Process: workers claim a citizen (store.ProcessNextAndLease; on
//     Postgres several at once when many are waiting) and, in one
//     transaction, run the engine over each citizen's pending messages in
//     order, render the replies for WhatsApp, and write the new session, the
//     outbox rows, the history and the events.
//  3. Send: the worker that made a reply sends it at once when it is the
//     citizen's next message to leave (the step hands it back already
//     claimed: store.ProcessNextAndLease); senders claim the rest, the head
//     reply of each citizen (store.ClaimOutbox). Each is paced, sent, and its
//     wamid or classified error recorded.
//  4. Track: status webhooks move each reply forward (sent, delivered, read)
//     and record failures.
package server

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/server/api"
	"github.com/samvad/samvad/server/console"
	"github.com/samvad/samvad/server/outhook"
	"github.com/samvad/samvad/server/pipeline"
)

// Server is one samvad serve process.
type Server struct {
	cfg          *Config
	log          *slog.Logger
	now          func() time.Time
	store        *store.Store
	project      atomic.Pointer[project]
	integrations map[string]*integration
	byPhone      map[string]*integration
	limiter      *whatsapp.Limiter
	metrics      *metrics
	pipeline     *pipeline.Pipeline
	router       *mux.Router
	transport    *http.Transport
	sim          *simulator
	build        Build

	// api is the staff API under /api/v1; keys tells it who a key
	// belongs to.
	api  *api.API
	keys api.Authenticator
	// notifier tells citizens of changes to their cases.
	notifier *caseNotifier
	// console is the web console under /console.
	console *console.Console
	// metricsServer serves /metrics alone on metrics_listen, when set.
	metricsServer *http.Server
	metricsAddr   string
	// secret is the server's secret key (tokens at rest; derived keys).
	secret []byte

	// outhook is the outgoing webhook.
	outhook *outhook.Deliverer

	httpServer *http.Server
	addr       string
	stop       chan struct{}
	stopOnce   sync.Once
	wg         sync.WaitGroup
}

// New builds a server from its configuration: it opens (and migrates) the
// store, loads the flows, and prepares every integration. Nothing listens or
// runs until Start.
func New(ctx context.Context, cfg *Config, log *slog.Logger) (*Server, error) {
	now := cfg.Clock
	if now == nil {
		now = time.Now
	}
	s := &Server{cfg: cfg, log: log, now: now, integrations: map[string]*integration{},
		byPhone: map[string]*integration{}, metrics: newMetrics(), transport: graphTransport(cfg), stop: make(chan struct{}),
		build: ReadBuild()}
	s.metrics.reg.MustRegister(buildInfoGauge(s.build))
	s.limiter = whatsapp.NewLimiter(whatsapp.LimiterConfig{NumberRate: cfg.Graph.RatePerSecond})
	proj, err := readProject(cfg)
	if err != nil {
		return nil, err
	}
	s.project.Store(proj)
	key, err := s.secretKey()
	if err != nil {
		return nil, err
	}
	s.secret = key
	s.store, err = store.Open(ctx, cfg.DatabaseURL, store.Options{SecretKey: key, Apology: pipeline.Apology(s.library),
		Clock: s.now, CaseReference: casework.Reference, StepBatch: cfg.StepBatch})
	if err != nil {
		return nil, fmt.Errorf("opening the store %s: %w", redactURL(cfg.DatabaseURL), err)
	}
	s.pipeline = pipeline.New(pipeline.Options{Store: s.store, Library: s.library, Limiter: s.limiter,
		Metrics: s.metrics.pipeline, Log: log, Clock: s.now, MediaDir: cfg.MediaDir,
		Workers: cfg.Workers, Senders: cfg.Senders, SendTimeout: cfg.Graph.Timeout, Queues: cfg.pipelineQueues()})
	if err := s.connect(proj); err != nil {
		s.store.Close()
		return nil, err
	}
	if err := s.setup(ctx, proj.lib); err != nil {
		s.store.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) setup(ctx context.Context, lib *engine.Library) error {
	if err := s.saveFlowVersions(ctx, lib); err != nil {
		return err
	}
	warnings, err := s.store.Warnings(ctx)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		s.log.Warn(w)
	}
	configs := s.cfg.Integrations
	if *s.cfg.Simulator {
		s.sim = newSimulator()
		configs = append(configs, s.sim.integration())
	}
	for _, c := range configs {
		in, err := s.newIntegration(c, lib)
		if err != nil {
			return err
		}
		if s.sim != nil && c.ID == simulatorID {
			s.sim.attach(s, in)
		}
		s.integrations[c.ID] = in
		s.byPhone[c.PhoneNumberID] = in
	}
	if err := s.registerIntegrations(ctx); err != nil {
		return err
	}
	districts, err := loadDistricts(s.cfg.Flows)
	if err != nil {
		return err
	}
	s.notifier = &caseNotifier{contact: s.store.Contact, library: s.library, templates: s.templates, now: s.now,
		queue: staffNotices{queue: s.pipeline}}
	s.api = s.newAPI(s.secret, districts)
	if s.console, err = s.newConsole(); err != nil {
		return err
	}
	s.router = s.routes()
	hooks, err := s.newDeliverer(os.LookupEnv)
	if err != nil {
		return err
	}
	s.outhook = hooks
	return nil
}

// graphTransport keeps enough idle connections to the Graph API for every
// send and mark-read that can be in flight at once; the default transport
// keeps two per host, so under load nearly every send opened a new TCP
// connection (thousands of sockets in TIME_WAIT at 500 messages/s).
func graphTransport(cfg *Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = cfg.Senders*pipeline.SendsInFlight + pipeline.MaxReadMarks
	t.MaxIdleConns = 2 * t.MaxIdleConnsPerHost
	return t
}

// saveFlowVersions archives every loaded flow version, so that sessions
// pinned to it keep working after the file changes or the process restarts.
func (s *Server) saveFlowVersions(ctx context.Context, lib *engine.Library) error {
	for _, f := range lib.Flows() {
		if err := s.store.SaveFlowVersion(ctx, f.ID, f.Version, f.Source); err != nil {
			return fmt.Errorf("archiving flow %s: %w", f.ID, err)
		}
	}
	return nil
}

// Reload loads the flows, their messages and their operations again (and
// the tables the operations read). On any problem the running ones stay
// and the problems are returned; conversations in progress keep their
// versions.
func (s *Server) Reload(ctx context.Context) error {
	proj, err := readProject(s.cfg)
	if err != nil {
		return err
	}
	if err := s.connect(proj); err != nil {
		return err
	}
	if err := s.saveFlowVersions(ctx, proj.lib); err != nil {
		return err
	}
	for _, in := range s.integrations {
		if err := in.run.Engine.Reload(proj.lib); err != nil {
			return fmt.Errorf("integration %s: %w", in.cfg.ID, err)
		}
	}
	s.project.Store(proj)
	s.log.Info("flows reloaded", "library", proj.lib.String(), "operations", len(proj.ops.Names()), "templates", len(proj.templates.Names()))
	return nil
}

// secretKey is the key that encrypts access tokens at rest: from the
// configuration, or generated once into the data directory of the embedded
// store.
func (s *Server) secretKey() ([]byte, error) {
	// Config.Validate reports a missing or malformed key with every other
	// problem; this guards a configuration that was never validated.
	if p := s.cfg.secretKeyProblem(); p != "" {
		return nil, errors.New("config: " + p)
	}
	if raw := s.cfg.SecretKey.Reveal(); raw != "" {
		return decodeKey(raw)
	}
	if isPostgres(s.cfg.DatabaseURL) {
		return []byte(randomHex(16)), nil
	}
	path := filepath.Join(filepath.Dir(strings.TrimPrefix(s.cfg.DatabaseURL, "sqlite:")), "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		return decodeKey(strings.TrimSpace(string(b)))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	hexKey := randomHex(32)
	if err := os.WriteFile(path, []byte(hexKey+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing the generated secret key: %w", err)
	}
	return hex.DecodeString(hexKey)
}

// redactURL hides a password in a database URL.
func redactURL(u string) string {
	if at := strings.LastIndex(u, "@"); at > 0 {
		if scheme := strings.Index(u, "://"); scheme > 0 && scheme < at {
			return u[:scheme+3] + "…" + u[at:]
		}
	}
	return u
}

func (s *Server) routes() *mux.Router {
	r := mux.NewRouter()
	r.HandleFunc(webhookPath, s.verifyWebhook).Methods(http.MethodGet)
	r.HandleFunc(webhookPath, s.receiveWebhook).Methods(http.MethodPost)
	healthz := []byte("ok " + s.build.Version + " " + s.build.ShortCommit() + "\n")
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(healthz) }).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.ready).Methods(http.MethodGet)
	r.Handle("/metrics", s.metricsGuard(s.metricsHandler())).Methods(http.MethodGet)
	s.api.Mount(r)
	s.console.Mount(r)
	if s.sim != nil {
		s.sim.routes(r)
	}
	r.HandleFunc("/", s.index).Methods(http.MethodGet)
	return r
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// Handler returns the server's HTTP handler (for tests that drive it without
// a listener).
func (s *Server) Handler() http.Handler { return s.router }

// Start listens and starts the workers and senders.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.Listen, err)
	}
	s.addr = ln.Addr().String()
	s.httpServer = &http.Server{Handler: s.router, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	s.httpServer.RegisterOnShutdown(s.api.CloseStreams)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.httpServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	if err := s.startMetrics(); err != nil {
		_ = s.httpServer.Close()
		return err
	}
	s.startWorkers()
	s.log.Info("samvad is serving", "addr", s.addr, "store", s.store.Dialect(), "flows", s.library().String(),
		"workers", s.cfg.Workers, "senders", s.cfg.Senders)
	return nil
}

func (s *Server) startWorkers() {
	s.pipeline.Start(s.stop)
	s.wg.Add(1)
	go func() { defer s.wg.Done(); <-s.stop; s.pipeline.Wait() }()
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.runEscalation(s.stop) }()
	pollCtx, cancel := context.WithCancel(context.Background())
	s.wg.Add(3)
	go func() { defer s.wg.Done(); s.metrics.pollQueues(pollCtx, s.store.QueueDepths, 5*time.Second) }()
	go func() { defer s.wg.Done(); s.runRollUps(pollCtx) }()
	go func() { defer s.wg.Done(); <-s.stop; cancel() }()
	s.startWebhooks()
}

// Addr is the address the server listens on (after Start).
func (s *Server) Addr() string { return s.addr }

// URL is the server's base URL on its listening address.
func (s *Server) URL() string { return "http://" + s.addr }

// Shutdown stops taking work and finishes what it holds: the listener closes
// (requests in progress complete), workers finish their current step,
// senders finish their sends in flight; then the store closes.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	if s.httpServer != nil {
		err = s.httpServer.Shutdown(ctx)
	}
	if s.metricsServer != nil {
		err = errors.Join(err, s.metricsServer.Shutdown(ctx))
	}
	s.stopOnce.Do(func() { close(s.stop) })
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, errors.New("shutdown timed out with work in progress"))
	}
	if s.sim != nil {
		s.sim.close()
	}
	return errors.Join(err, s.store.Close())
}

// Run serves until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	s.log.Info("shutting down: finishing the work in hand")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}
