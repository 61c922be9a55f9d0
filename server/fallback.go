package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/samvad/samvad/adapters/llm"
	"github.com/samvad/samvad/adapters/llm/knowledge"
	"github.com/samvad/samvad/adapters/llm/openai"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// LLM is the `llm:` section: the language model the fallback asks when
// the flows' rules do not cover a message (see docs/fallback.md). With no
// base_url, the knowledge base under the flows (flows/knowledge) answers
// alone, offline. Every key can be set from the environment as
// SAMVAD_LLM_<KEY>, such as SAMVAD_LLM_BASE_URL.
type LLM struct {
	// BaseURL is the chat-completions API's base, without
	// /chat/completions: https://api.openai.com/v1, an Azure OpenAI
	// deployment's URL, or a local server's (vLLM, Ollama: http://HOST:PORT/v1).
	BaseURL string `yaml:"base_url"`
	// Model is the model's name (Azure: any; the deployment decides).
	Model string `yaml:"model"`
	// APIKeyEnv names the environment variable that holds the API key
	// (the key itself is never in the file); empty sends no key.
	APIKeyEnv string `yaml:"api_key_env"`
	// Header is the header the key goes in: empty for Authorization:
	// Bearer, "api-key" for Azure.
	Header string `yaml:"header"`
	// APIVersion is sent as the api-version query parameter (Azure).
	APIVersion string `yaml:"api_version"`
	// Timeout bounds one question, retries included; the knowledge base
	// answers when it passes. Default 6s.
	Timeout time.Duration `yaml:"timeout"`
	// Tools is how the model is asked to route: auto (tool calling, and
	// JSON output once the server refuses tools), tools, or json.
	Tools string `yaml:"tools"`
	// TrustOffline is the confidence (0 to 1) at which the knowledge
	// base's own route, or answer in the citizen's language, stands
	// without asking the model. Default 0.9; over 1, the model is always
	// asked.
	TrustOffline float64 `yaml:"trust_offline"`
}

// applyDefaults fills the settings of the llm: section left empty.
func (l *LLM) applyDefaults() {
	if l.Timeout == 0 {
		l.Timeout = 6 * time.Second
	}
	if l.Tools == "" {
		l.Tools = string(llm.ToolsAuto)
	}
}

// problems lists what is wrong with the llm: section.
func (l *LLM) problems() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if l.BaseURL != "" {
		u, err := url.Parse(l.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("llm.base_url: %q must be an http(s) URL such as https://api.openai.com/v1", l.BaseURL)
		}
		if l.Model == "" {
			add("llm.model is required with llm.base_url (or set SAMVAD_LLM_MODEL)")
		}
	}
	switch llm.ToolMode(l.Tools) {
	case llm.ToolsAuto, llm.ToolsOn, llm.ToolsJSON:
	default:
		add("llm.tools: %q must be auto, tools or json", l.Tools)
	}
	if l.Timeout < 0 || l.Timeout > time.Minute {
		add("llm.timeout: %v must be between 0 and 1m", l.Timeout)
	}
	if l.TrustOffline < 0 {
		add("llm.trust_offline: %v is negative (0 means the default, 0.9; over 1, always ask the model)", l.TrustOffline)
	}
	return out
}

// readKnowledge reads the fallback's knowledge files (sorted out of the
// flows by engine.ReadSources) into a search index; with none, the index
// is empty and the fallback has nothing to say offline.
func readKnowledge(files []engine.File) (*knowledge.Index, diag.List) {
	kf := make([]knowledge.File, len(files))
	for i, f := range files {
		kf[i] = knowledge.File{Path: f.Path, Content: f.Content}
	}
	base, problems := knowledge.Read(kf)
	if base == nil {
		return nil, problems
	}
	return knowledge.NewIndex(base, knowledge.Options{}), problems
}

// connectFallback gives a freshly read project the fallback: the one the
// running project has (its model, circuit breaker and what it learnt of
// the model's server stay), or a new one at start. The knowledge it
// searches follows the project in use (see fallbackPort).
func (s *Server) connectFallback(p *project) error {
	if prev := s.project.Load(); prev != nil && prev != p && prev.fallback != nil {
		p.fallback = prev.fallback
		return nil
	}
	f, err := s.newFallback(p.knowledge)
	if err != nil {
		return err
	}
	p.fallback = f
	return nil
}

// newFallback builds the fallback the engines ask: the knowledge base, and
// the model of the llm: section when it names one. The API key is read
// from the environment variable the section names, here and nowhere else.
func (s *Server) newFallback(ix *knowledge.Index) (*llm.Fallback, error) {
	c := s.cfg.LLM
	cfg := llm.Config{Index: ix, Tools: llm.ToolMode(c.Tools), Timeout: c.Timeout, TrustOffline: c.TrustOffline,
		Logger: s.log, Now: s.now}
	if c.BaseURL != "" {
		key := ""
		if c.APIKeyEnv != "" {
			var ok bool
			if key, ok = os.LookupEnv(c.APIKeyEnv); !ok || key == "" {
				return nil, fmt.Errorf("config: llm.api_key_env names %s, which is not set", c.APIKeyEnv)
			}
		}
		client, err := openai.New(openai.Config{BaseURL: c.BaseURL, Model: c.Model, APIKey: key, KeyHeader: c.Header,
			APIVersion: c.APIVersion, AttemptTimeout: c.Timeout, HTTPClient: &http.Client{}})
		if err != nil {
			return nil, fmt.Errorf("config: llm: %w", err)
		}
		cfg.Client = client
	}
	f, err := llm.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	b := ix.Base()
	if c.BaseURL != "" {
		s.log.Info("fallback: the knowledge base, and a model when it is not sure", "model", c.Model,
			"base_url", redactURL(c.BaseURL), "entries", len(b.Entries), "intents", len(b.Intents))
	} else {
		s.log.Info("fallback: the knowledge base alone, offline (no llm.base_url)", "entries", len(b.Entries), "intents", len(b.Intents))
	}
	return f, nil
}

// fallbackPort is the engines' Fallback: the fallback of the project in
// use, searching that project's knowledge (a reload swaps it in before
// the next question).
type fallbackPort struct{ s *Server }

// Answer asks the current project's fallback.
func (f fallbackPort) Answer(ctx context.Context, q engine.FallbackQuery) (engine.FallbackAnswer, error) {
	p := f.s.project.Load()
	if p.fallback.Index() != p.knowledge {
		p.fallback.SetIndex(p.knowledge)
	}
	return p.fallback.Answer(ctx, q)
}

// fallbackTimeout is how long the engine waits for the fallback: the
// model's timeout and a margin, so that the fallback's own deadline
// passes first and its offline answer still arrives.
func (s *Server) fallbackTimeout() time.Duration {
	return s.cfg.LLM.Timeout + 2*time.Second
}
