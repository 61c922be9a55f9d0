package server

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/samvad/samvad/adapters/llm"
	"github.com/samvad/samvad/adapters/llm/knowledge"
	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/adapters/whatsapp/templates"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// project is what the flows and locale directories hold: the flows and
// messages the engine runs, the department operations they call, and the
// fallback's knowledge (with the fallback that searches it).
type project struct {
	lib       *engine.Library
	ops       *services.Registry
	knowledge *knowledge.Index
	fallback  *llm.Fallback
	// warnings are the lint warnings of the flows and locales (the console
	// shows them).
	warnings  diag.List
	templates *templates.Registry
}

// readProject reads the flows, the locale files, the operation
// declarations and the templates. It fails with every problem at once.
func readProject(cfg *Config) (*project, error) {
	src, problems := engine.ReadSources(cfg.Flows, cfg.Locales)
	files := make([]services.File, len(src.Services))
	for i, f := range src.Services {
		files[i] = services.File{Path: f.Path, Content: f.Content}
	}
	ops, more := services.Load(files)
	problems = append(problems, more...)
	var opts engine.LoadOptions
	if ops != nil {
		opts.Operations = ops.Operations() // a call to an undeclared operation does not load
	}
	lib, more := engine.LoadSources(src, opts)
	problems = append(problems, more...)
	kb, more := readKnowledge(src.Knowledge)
	problems = append(problems, more...)
	tpl, more := readTemplates(src.Templates, lib)
	problems = append(problems, more...)
	if problems.HasErrors() {
		problems.Sort()
		return nil, fmt.Errorf("the flows in %s and %s do not load:\n%w", cfg.Flows, cfg.Locales, diag.List(problems.Errors()).Err())
	}
	problems.Sort()
	return &project{lib: lib, ops: ops, knowledge: kb, templates: tpl, warnings: problems}, nil
}

// readTemplates reads the approved WhatsApp templates; they format
// amounts and dates with the languages of the locale files.
func readTemplates(files []engine.File, lib *engine.Library) (*templates.Registry, diag.List) {
	tf := make([]templates.File, len(files))
	for i, f := range files {
		tf[i] = templates.File{Path: f.Path, Content: f.Content}
	}
	reg, problems := templates.Load(tf)
	if lib != nil {
		reg.WithLocales(lib.Catalog)
	}
	return reg, problems
}

// templates returns the approved templates currently loaded.
func (s *Server) templates() *templates.Registry {
	if p := s.project.Load(); p != nil {
		return p.templates
	}
	return nil
}

// connect connects the project's operations to their systems as the
// configuration says, and keeps the cases of built-in operations in the
// store through the pipeline. A server with no integration but the
// simulator (or with allow_unconnected) starts with connectors left
// unconnected, saying so (their operations fail, and the flows' error
// paths answer); one that serves real numbers refuses to start without
// every connection.
func (s *Server) connect(p *project) error {
	offline := len(s.cfg.Integrations) == 0 || s.cfg.AllowUnconnected
	err := p.ops.Bind(services.Deployment{Connections: s.cfg.Connectors, Getenv: os.LookupEnv,
		Casebook: s.casebook(), Clock: s.now, Offline: offline})
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var connected []string
	for _, name := range p.ops.Connectors() {
		if c, ok := s.cfg.Connectors[name]; ok {
			connected = append(connected, name+" "+c.BaseURL)
		}
	}
	if len(connected) > 0 {
		s.log.Info("department systems", "connectors", strings.Join(connected, ", "), "operations", len(p.ops.Names()))
	}
	if missing := p.ops.Unconnected(); len(missing) > 0 {
		s.log.Warn("department systems not connected: their operations fail until connectors.<name>.base_url is set (make run connects them to the sample APIs)",
			"connectors", strings.Join(missing, ", "))
	}
	return s.connectFallback(p)
}

// library returns the flows currently loaded.
func (s *Server) library() *engine.Library { return s.project.Load().lib }

// operations are the engine's Services: the operations of the project
// loaded now, seen through the pipeline (which shows the citizen that a
// slow one is under way).
func (s *Server) operations() engine.Services {
	return s.pipeline.Services(engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		return s.project.Load().ops.Call(ctx, name, args)
	}))
}
