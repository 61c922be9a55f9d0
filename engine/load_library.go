package engine

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/locale"
	"github.com/samvad/samvad/engine/script"
)

// Library is a loaded set of flows and the messages they show: what an
// integration runs. Load one with LoadDir or Load; it is immutable afterwards
// (safe for any number of goroutines), except that versions of flows pinned by
// running sessions are added as they are needed.
type Library struct {
	Catalog *locale.Catalog
	// Languages are the enabled languages, in catalog order.
	Languages []*locale.Lang
	flows     map[string]*Flow
	menu      []*Flow
	keywords  map[string]*Flow
	patterns  []*Flow
	commands  map[string]command
	yesNo     map[string]bool
	skip      map[string]bool
	builtin   map[string]*Text

	// ops are the deployment's operations (LoadOptions.Operations); nil
	// when they are not known.
	ops map[string]Operation

	mu       sync.RWMutex
	versions map[string]*Flow // "id@version" → flow
	reported map[string]bool  // missing translations already reported
}

// LoadOptions tune a load.
type LoadOptions struct {
	// Languages are the enabled languages (codes). Empty means every language
	// that has a locale file. Lint reports every message missing in one of them.
	Languages []string
	// Operations are the service operations the deployment declares, by
	// name (adapters/services describes them). Nil means they are not
	// known, and calls are not checked. Given, a `call` to an operation
	// not in it is an error, and so are arguments it does not take, a
	// required argument left out, an argument of the wrong type, and a
	// field read from the saved result that the operation does not return.
	Operations map[string]Operation
}

// File is a source file's path and content.
type File struct {
	Path    string
	Content []byte
}

// builtinKeys are the messages the engine itself shows, in every flow.
var builtinKeys = []string{
	"common.too_many_tries", "common.unsupported", "common.opted_out", "common.opted_in",
	"common.yes", "common.no", "common.skip", "common.choose", "common.handoff", "common.error",
	"common.fallback_intro", "common.please_wait", "common.stale_choice",
}

// invalidKeys are the default invalid-answer messages, per expected kind.
func invalidKey(e Expect) string { return "common.invalid." + e.String() }

// Load compiles flows against a catalog. Every problem is reported at once; the
// library is nil only when the problems include errors.
func Load(catalog *locale.Catalog, flows []File, opts LoadOptions) (*Library, diag.List) {
	lib := newLibrary(catalog)
	lib.ops = opts.Operations
	var l diag.List
	l = append(l, lib.enableLanguages(opts.Languages)...)
	var comps []*compiler
	for _, f := range flows {
		c := compileFlow(lib, f.Path, f.Content, lib.ops != nil)
		comps = append(comps, c)
		if c.flow.ID == "" {
			continue
		}
		if prev := lib.flows[c.flow.ID]; prev != nil {
			c.diags.Errorf(diag.Pos{File: f.Path, Line: 1, Col: 1}, "duplicate-flow", "flow %q is also defined in %s", c.flow.ID, prev.File)
			continue
		}
		lib.flows[c.flow.ID] = c.flow
	}
	lib.indexTriggers(&l)
	for _, c := range comps {
		c.finishTexts()
	}
	lib.indexTitles()
	for _, c := range comps {
		c.finishAsks()
		diag.NewSource(c.file, c.flow.Source).Quote(c.diags)
		l = append(l, c.diags...)
	}
	l = append(l, lib.checkCatalog()...)
	l.Sort()
	if l.HasErrors() {
		return nil, l
	}
	for _, f := range lib.flows {
		lib.versions[f.ID+"@"+f.Version] = f
	}
	return lib, l
}

func newLibrary(catalog *locale.Catalog) *Library {
	lib := &Library{Catalog: catalog, flows: map[string]*Flow{}, keywords: map[string]*Flow{},
		versions: map[string]*Flow{}, reported: map[string]bool{}}
	lib.commands, lib.yesNo, lib.skip = buildCommands(catalog)
	lib.builtin = map[string]*Text{}
	for _, key := range builtinKeys {
		lib.builtin[key] = lib.staticText(key)
	}
	for e := ExpectText; e <= ExpectLanguage; e++ {
		lib.builtin[invalidKey(e)] = lib.staticText(invalidKey(e))
	}
	return lib
}

// staticText is a Text the engine uses itself, resolved with English as the
// flow default.
func (lib *Library) staticText(key string) *Text {
	t := &Text{Key: key}
	lib.resolve(t, locale.Base)
	return t
}

func (lib *Library) enableLanguages(codes []string) diag.List {
	var l diag.List
	if len(codes) == 0 {
		// English first (the base of every chain), then the file order.
		for _, lang := range lib.Catalog.Languages() {
			if lang.Code == locale.Base {
				lib.Languages = append([]*locale.Lang{lang}, lib.Languages...)
			} else {
				lib.Languages = append(lib.Languages, lang)
			}
		}
		return l
	}
	for _, code := range codes {
		lang, ok := lib.Catalog.Lang(code)
		if !ok {
			l.Errorf(diag.Pos{File: "languages"}, "unknown-language", "language %q is enabled but has no locale file", code)
			continue
		}
		lib.Languages = append(lib.Languages, lang)
	}
	return l
}

// resolve fills a text's message per catalog language through the chain.
func (lib *Library) resolve(t *Text, flowDefault string) {
	langs := lib.Catalog.Languages()
	t.byLang = make([]*locale.Message, len(langs))
	for i, lang := range langs {
		t.byLang[i] = lib.Catalog.Resolve(t.Key, locale.Chain(lang.Code, flowDefault)...)
	}
}

// indexTriggers builds the keyword and menu tables once every flow is known.
func (lib *Library) indexTriggers(l *diag.List) {
	ids := make([]string, 0, len(lib.flows))
	for id := range lib.flows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		f := lib.flows[id]
		if f.Menu > 0 {
			lib.menu = append(lib.menu, f)
		}
		if len(f.Patterns) > 0 {
			lib.patterns = append(lib.patterns, f)
		}
		for _, words := range f.Keywords {
			for _, w := range words {
				k := script.Fold(w)
				if other := lib.keywords[k]; other != nil && other != f {
					l.Errorf(diag.Pos{File: f.File}, "duplicate-keyword", "keyword %q starts both %s and %s", w, other.ID, f.ID)
					continue
				}
				if _, isCommand := lib.commands[k]; isCommand {
					l.Errorf(diag.Pos{File: f.File}, "keyword-command", "keyword %q is a global command word and cannot start flow %s", w, f.ID)
					continue
				}
				lib.keywords[k] = f
			}
		}
	}
	sort.SliceStable(lib.menu, func(i, j int) bool { return lib.menu[i].Menu < lib.menu[j].Menu })
}

// indexTitles lets a citizen start a menu flow by typing its title as the
// menu shows it, in any language ("टीकाकरण", "Property tax"), as well as by
// its keywords. A title that is another flow's keyword or a command stays
// theirs.
func (lib *Library) indexTitles() {
	for _, f := range lib.menu {
		if f.Title == nil {
			continue
		}
		for _, m := range f.Title.byLang {
			if m == nil {
				continue
			}
			text, ok := m.Static()
			if !ok || text == "" {
				continue
			}
			k := script.Fold(text)
			if _, isCommand := lib.commands[k]; isCommand || lib.keywords[k] != nil {
				continue
			}
			lib.keywords[k] = f
		}
	}
}

// Flow returns the current version of a flow, or nil.
func (lib *Library) Flow(id string) *Flow { return lib.flows[id] }

// Flows returns every flow, sorted by id.
func (lib *Library) Flows() []*Flow {
	out := make([]*Flow, 0, len(lib.flows))
	for _, f := range lib.flows {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Version returns a pinned version of a flow that this library knows, or nil.
func (lib *Library) Version(id, version string) *Flow {
	lib.mu.RLock()
	defer lib.mu.RUnlock()
	return lib.versions[id+"@"+version]
}

// Inherit keeps the flow versions of an older library, so that sessions
// started before a reload finish on the version they began with.
func (lib *Library) Inherit(old *Library) {
	if old == nil {
		return
	}
	old.mu.RLock()
	defer old.mu.RUnlock()
	lib.mu.Lock()
	defer lib.mu.Unlock()
	for k, f := range old.versions {
		if _, ok := lib.versions[k]; !ok {
			lib.versions[k] = f
		}
	}
}

// AddVersion compiles an archived version of a flow (its source as stored when
// a session pinned it) within this library, and keeps it. The source must hash
// to the version.
func (lib *Library) AddVersion(id, version string, source []byte) (*Flow, error) {
	if f := lib.Version(id, version); f != nil {
		return f, nil
	}
	// An archived version is not held to today's operations: it loaded
	// when it was current, and a call that no longer fits fails at run
	// time into its on_error path.
	c := compileFlow(lib, id+"@"+version+".yaml", source, false)
	if c.flow.Version != version || c.flow.ID != id {
		return nil, fmt.Errorf("archived source of %s@%s hashes to %s@%s", id, version, c.flow.ID, c.flow.Version)
	}
	c.finish()
	if c.diags.HasErrors() {
		return nil, fmt.Errorf("archived flow %s@%s no longer compiles: %w", id, version, c.diags.Err())
	}
	lib.mu.Lock()
	defer lib.mu.Unlock()
	lib.versions[id+"@"+version] = c.flow
	return c.flow, nil
}

// MenuFlows returns the flows listed in a generated main menu, in order.
func (lib *Library) MenuFlows() []*Flow { return lib.menu }

// Summaries names the flows with a menu entry, in a language, for a fallback.
func (lib *Library) Summaries(lang string) []FlowSummary {
	idx := lib.langIndex(lang)
	var out []FlowSummary
	for _, f := range lib.menu {
		out = append(out, lib.summary(f, idx))
	}
	return out
}

// langIndex is the catalog index of a language, falling back to English.
func (lib *Library) langIndex(code string) int {
	if l, ok := lib.Catalog.Lang(code); ok {
		return l.Index
	}
	if l, ok := lib.Catalog.Lang(locale.Base); ok {
		return l.Index
	}
	return 0
}

// enabled reports whether a language is enabled.
func (lib *Library) enabled(code string) bool {
	for _, l := range lib.Languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

func joinCodes(langs []*locale.Lang) string {
	codes := make([]string, len(langs))
	for i, l := range langs {
		codes[i] = l.Code
	}
	return strings.Join(codes, ", ")
}

func (lib *Library) flowIDs() []string {
	ids := make([]string, 0, len(lib.flows))
	for id := range lib.flows {
		ids = append(ids, id)
	}
	return ids
}

// String describes a library for logs.
func (lib *Library) String() string {
	return fmt.Sprintf("%d flows, %s, languages %s", len(lib.flows), lib.Catalog, joinCodes(lib.Languages))
}
