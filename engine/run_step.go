package engine

import (
	"context"
	"strings"
	"time"

	"github.com/samvad/samvad/engine/script"
)

// run is the working state of one Step. Runs are pooled: their maps and
// buffers are reused from step to step.
type run struct {
	e     *Engine
	lib   *Library
	langs *languageMenu
	ctx   context.Context
	s     *Session
	c     *Contact
	in    *Input
	r     *Result
	now   time.Time
	err   error
	flow  *Flow
	// cli is the catalog index of the citizen's language (the session's);
	// li, and lang its code, that of the language the running flow
	// answers in: the same, unless the flow does not offer it.
	cli, li  int
	lang     string
	steps    int
	detected bool
	// consulted: the fallback was asked about this input already.
	consulted bool
	// text is the input's text, trimmed; input is it with digits in ASCII.
	text, input string

	env        map[string]any
	contactEnv ContactEnv
	sessionEnv SessionEnv
	data       textData
	buf        []byte
}

func newRun() *run {
	x := &run{env: make(map[string]any, 8)}
	x.data.run = x
	return x
}

func (x *run) begin(e *Engine, ctx context.Context, s *Session, c *Contact, in *Input, r *Result) {
	x.e, x.lib, x.ctx, x.s, x.c, x.in, x.r = e, e.lib.Load(), ctx, s, c, in, r
	x.langs = e.langs.Load()
	x.now = e.cfg.Clock.Now()
	x.err, x.flow, x.steps, x.detected, x.consulted = nil, nil, 0, false, false
	x.cli, x.li = 0, 0 // until chooseLanguage: a pooled run may come from a larger catalog
	x.text = strings.TrimSpace(in.Text)
	x.input = script.ASCIIDigits(x.text)
	x.data.c = c
}

// end drops references so a pooled run keeps nothing of a citizen alive.
func (x *run) end() {
	x.e, x.lib, x.langs, x.ctx, x.s, x.c, x.in, x.r, x.flow = nil, nil, nil, nil, nil, nil, nil, nil, nil
	x.data.c, x.data.vars, x.data.item = nil, nil, nil
	clear(x.env)
}

// step is the whole of one input's handling.
func (x *run) step() {
	s := x.s
	if s.Vars == nil {
		s.Vars = map[string]any{}
	}
	if s.Status != SessionIdle && s.Status != SessionHandoff && x.e.cfg.SessionTimeout > 0 && !s.Updated.IsZero() &&
		x.now.Sub(s.Updated) > x.e.cfg.SessionTimeout {
		x.event(EventSessionExpired, s.Flow, s.Node, "")
		x.clearSession()
	}
	x.chooseLanguage()
	defer func() { s.Updated = x.now }()
	switch x.in.Kind {
	case InputReaction:
		x.event(EventReaction, s.Flow, s.Node, x.in.Text)
		return
	case InputStart:
		x.handback(x.in.Text)
		return
	}
	if cmd := x.lib.commandOf(x.in); cmd != cmdNone {
		x.command(cmd)
		return
	}
	switch s.Status {
	case SessionHandoff:
		x.event(EventHandoffMessage, s.Flow, s.Node, "")
	case SessionWaiting:
		x.resume()
	default:
		x.startIdle()
	}
}

// chooseLanguage settles the language of the answer: the session's, else the
// contact's, else the one the script of the message shows, else the default.
func (x *run) chooseLanguage() {
	s, c := x.s, x.c
	if s.Lang == "" || !x.langs.enabled(s.Lang) {
		lang := c.Language
		if lang == "" || !x.langs.enabled(lang) {
			lang = x.e.cfg.DefaultLanguage
			if d := script.DefaultLanguage(script.Detect(x.text)); d != "" && x.langs.enabled(d) {
				lang, x.detected = d, true
				x.event(EventLanguageChanged, "", "", "detected:"+d)
			}
			if c.Language != lang {
				c.Language = lang
				x.r.ContactChanged = true
			}
		}
		s.Lang = lang
	}
	x.cli = x.lib.langIndex(s.Lang)
	x.setFlow(nil)
}

// setFlow makes f the running flow (nil: none), and answers in the
// language it runs in for this citizen.
func (x *run) setFlow(f *Flow) {
	x.flow = f
	x.li = f.langIndex(x.cli)
	x.lang = x.lib.Catalog.Languages()[x.li].Code
}

// setLanguage switches the conversation and the contact to a language.
func (x *run) setLanguage(code string) {
	if !x.langs.enabled(code) {
		return
	}
	x.s.Lang = code
	x.cli = x.lib.langIndex(code)
	x.setFlow(x.flow)
	if x.c.Language != code {
		x.c.Language = code
		x.r.ContactChanged = true
	}
	x.event(EventLanguageChanged, x.s.Flow, x.s.Node, code)
}

func (x *run) command(cmd command) {
	switch cmd {
	case cmdReset:
		x.event(EventSessionReset, x.s.Flow, x.s.Node, "reset")
		x.restart(x.e.cfg.EntryFlow)
	case cmdMenu:
		x.restart(x.e.cfg.EntryFlow)
	case cmdLanguage:
		if x.lib.Flow(x.e.cfg.LanguageFlow) != nil {
			x.restart(x.e.cfg.LanguageFlow)
		} else {
			x.restart(x.e.cfg.EntryFlow)
		}
	case cmdStop:
		x.c.OptedOut = true
		x.r.ContactChanged = true
		x.event(EventOptedOut, x.s.Flow, x.s.Node, "")
		x.sayBuiltin("common.opted_out")
	case cmdStart:
		if !x.c.OptedOut {
			// Nothing to undo: "start" from someone who never stopped means
			// "let us begin", so show the main menu.
			x.restart(x.e.cfg.EntryFlow)
			return
		}
		x.c.OptedOut = false
		x.r.ContactChanged = true
		x.event(EventOptedIn, x.s.Flow, x.s.Node, "")
		x.sayBuiltin("common.opted_in")
	}
}

// restart forgets the running flow and runs flow id from its start.
func (x *run) restart(id string) {
	x.clearSession()
	f := x.lib.Flow(id)
	x.startFlow(f)
	x.runFrom(f.Start)
}

// handback starts flow id (the entry flow when id is empty or unknown)
// afresh, for staff handing a conversation back to the bot.
func (x *run) handback(id string) {
	if id == "" || x.lib.Flow(id) == nil {
		id = x.e.cfg.EntryFlow
	}
	x.event(EventHandback, x.s.Flow, x.s.Node, id)
	x.restart(id)
}

// clearSession forgets the running flow, keeping the language.
func (x *run) clearSession() {
	s := x.s
	s.Status, s.Flow, s.Version, s.Node, s.Retries, s.Page = SessionIdle, "", "", "", 0, 0
	clear(s.Vars)
	clear(s.Stack)
	s.Stack = s.Stack[:0]
	x.setFlow(nil)
}

// startIdle starts a flow for a citizen with none running: the flow whose
// keyword or pattern the message is, else what the fallback makes of it
// (an answer, or a flow), else the main menu.
func (x *run) startIdle() {
	if f, save := x.trigger(); f != nil {
		x.startFlow(f)
		if save != "" {
			x.s.Vars[save] = x.text
		}
		x.runFrom(f.Start)
		return
	}
	if x.idleFallback() {
		return
	}
	x.restart(x.e.cfg.EntryFlow)
}

// trigger finds the flow a whole message starts, and the variable a pattern
// saves the message to.
func (x *run) trigger() (*Flow, string) {
	if x.in.Kind != InputText || x.text == "" {
		return nil, ""
	}
	if f := x.lib.keywords[script.Fold(x.text)]; f != nil {
		return f, ""
	}
	for _, f := range x.lib.patterns {
		for _, p := range f.Patterns {
			if p.Re.MatchString(x.input) {
				return f, p.Save
			}
		}
	}
	return nil, ""
}

// startFlow makes f the session's running flow, with fresh variables. The
// caller runs its start node.
func (x *run) startFlow(f *Flow) {
	s := x.s
	s.Flow, s.Version, s.Node, s.Retries = f.ID, f.Version, "", 0
	s.Started = x.now
	clear(s.Vars)
	f.initVars(s.Vars)
	x.setFlow(f)
	x.event(EventFlowStarted, f.ID, "", "")
	if x.li != x.cli {
		x.event(EventLanguageFallback, f.ID, "", s.Lang+">"+x.lang)
	}
}

func (f *Flow) initVars(vars map[string]any) {
	for _, name := range f.varOrder {
		vars[name] = f.Vars[name].zero()
	}
}

// resume continues a session waiting at an ask with the citizen's answer.
func (x *run) resume() {
	s := x.s
	f := x.pinned(s.Flow, s.Version)
	var node *Node
	if f != nil {
		node = f.Nodes[s.Node]
	}
	if node == nil || node.Kind != KindAsk {
		x.event(EventFlowMissing, s.Flow, s.Node, s.Version)
		x.clearSession()
		x.startIdle()
		return
	}
	x.setFlow(f)
	x.answer(node)
}

// pinned finds the flow version a session runs: in the library, else from
// the archive.
func (x *run) pinned(id, version string) *Flow {
	if f := x.lib.Version(id, version); f != nil {
		return f
	}
	if x.e.cfg.Archive == nil {
		return nil
	}
	src, err := x.e.cfg.Archive.FlowSource(x.ctx, id, version)
	if err != nil || src == nil {
		return nil
	}
	f, err := x.lib.AddVersion(id, version, src)
	if err != nil {
		x.event(EventFlowMissing, id, "", err.Error())
		return nil
	}
	return f
}

// event records something that happened.
func (x *run) event(kind EventKind, flow, node, detail string) {
	x.r.Events = append(x.r.Events, Event{Kind: kind, Flow: flow, Node: node, Detail: detail, At: x.now})
}

// expressionEnv prepares what expressions see; answer is the parsed answer
// at an ask (nil elsewhere).
func (x *run) expressionEnv(answer any) map[string]any {
	s, c := x.s, x.c
	x.contactEnv = ContactEnv{ID: c.ID, Name: c.Name, Phone: c.Phone, Language: c.Language, New: c.New, OptedOut: c.OptedOut}
	x.sessionEnv = SessionEnv{Language: s.Lang, Flow: s.Flow, Node: s.Node, Retries: s.Retries, Started: s.Started, Detected: x.detected}
	env := x.env
	env["input"] = x.input
	env["vars"] = s.Vars
	env["contact"] = &x.contactEnv
	env["session"] = &x.sessionEnv
	env["now"] = x.now
	env["answer"] = answer
	return env
}
