package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/server/pipeline"
)

// integration is one configured WhatsApp number at run time: its settings,
// the secrets its webhook is checked with, and its part in the pipeline
// (the engine that answers it and the client that sends for it).
type integration struct {
	cfg         Integration
	run         *pipeline.Integration
	verifyToken string
	appSecret   string
}

// archive lets engines find flow versions that sessions are pinned to in the
// store, after a restart or on another process.
type archive struct{ st *store.Store }

func (a archive) FlowSource(ctx context.Context, id, version string) ([]byte, error) {
	return a.st.FlowVersionSource(ctx, id, version)
}

// newIntegration builds the run-time parts of an integration.
func (s *Server) newIntegration(cfg Integration, lib *engine.Library) (*integration, error) {
	eng, err := engine.New(lib, engine.Config{
		EntryFlow:       cfg.EntryFlow,
		DefaultLanguage: cfg.DefaultLanguage,
		Languages:       cfg.Languages,
		SessionTimeout:  cfg.SessionDuration,
		Services:        s.operations(),
		Fallback:        fallbackPort{s},
		FallbackTimeout: s.fallbackTimeout(),
		Clock:           clockFunc(s.now),
		Archive:         archive{s.store},
	})
	if err != nil {
		return nil, fmt.Errorf("integration %s: %w", cfg.ID, err)
	}
	client := &whatsapp.Client{
		BaseURL:       s.cfg.Graph.BaseURL,
		APIVersion:    s.cfg.Graph.APIVersion,
		PhoneNumberID: cfg.PhoneNumberID,
		AccessToken:   cfg.AccessToken.Reveal(),
		HTTPClient:    &http.Client{Timeout: s.cfg.Graph.Timeout, Transport: s.transport},
		Timeout:       s.cfg.Graph.Timeout,
		MediaHosts:    s.cfg.Graph.MediaHosts,
	}
	if cfg.RatePerSecond > 0 {
		s.limiter.SetNumberRate(cfg.PhoneNumberID, cfg.RatePerSecond)
	}
	run := &pipeline.Integration{ID: cfg.ID, PhoneNumberID: cfg.PhoneNumberID, Engine: eng, Client: client,
		SessionDuration: cfg.SessionDuration, Attachments: cfg.Attachments, MaxMediaBytes: cfg.MaxMediaBytes}
	s.pipeline.Add(run)
	return &integration{cfg: cfg, run: run, verifyToken: cfg.VerifyToken.Reveal(), appSecret: cfg.AppSecret.Reveal()}, nil
}

// clockFunc adapts the server's clock to the engine's Clock.
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// registerIntegrations records the integrations in the store, with their
// access tokens encrypted at rest.
func (s *Server) registerIntegrations(ctx context.Context) error {
	for _, in := range s.integrations {
		if err := s.store.PutIntegration(ctx, store.Integration{ID: in.cfg.ID, Name: in.cfg.Name, PhoneNumberID: in.cfg.PhoneNumberID}); err != nil {
			return fmt.Errorf("integration %s: %w", in.cfg.ID, err)
		}
		if err := s.store.SetAccessToken(ctx, in.cfg.ID, in.cfg.AccessToken.Reveal()); err != nil {
			return fmt.Errorf("integration %s: storing the access token: %w", in.cfg.ID, err)
		}
	}
	return nil
}
