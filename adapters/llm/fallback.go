package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/samvad/samvad/adapters/llm/knowledge"
	"github.com/samvad/samvad/adapters/llm/openai"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/script"
)

// ToolMode says how the model is asked to route.
type ToolMode string

// The tool modes.
const (
	// ToolsAuto uses tool calling, and JSON output from the first time
	// the server refuses `tools` with 400 on.
	ToolsAuto ToolMode = "auto"
	// ToolsOn always uses tool calling.
	ToolsOn ToolMode = "tools"
	// ToolsJSON never sends tools: the model answers with a JSON object.
	ToolsJSON ToolMode = "json"
)

// Offline is the model name of a result the knowledge base gave alone.
const Offline = "offline"

// Config sets up a Fallback.
type Config struct {
	// Index is the knowledge base; required. SetIndex replaces it (when the
	// flows are reloaded).
	Index *knowledge.Index
	// Client is the model; nil answers offline only.
	Client *openai.Client
	// Tools is how routing is asked for (default ToolsAuto).
	Tools ToolMode
	// JSONResponseFormat sends response_format json_object in JSON mode
	// (not every server accepts it).
	JSONResponseFormat bool
	// Timeout bounds a model call, retries included (default 6s); the
	// caller's context may be shorter. The offline answer needs no time.
	Timeout time.Duration
	// Passages is how many passages the model sees (default 4).
	Passages int
	// MaxChars is the longest answer accepted, in characters (default
	// 700; never more than 4096, WhatsApp's limit for one text).
	MaxChars int
	// MaxTokens bounds the model's reply (default 400).
	MaxTokens int
	// TrustOffline is the confidence (0 to 1) at or above which the
	// knowledge base's own decision stands without asking the model: a
	// route, or an answer written in the citizen's language (the
	// department's own words, at once). Default 0.9; over 1, the model is
	// always asked.
	TrustOffline float64
	// BreakerFailures and BreakerCooldown set the circuit breaker
	// (default 5 failures in a row, then 30s without calls).
	BreakerFailures int
	BreakerCooldown time.Duration
	// AllowedNumbers may appear in an answer without a passage stating
	// them (default: the national helplines 112, 108, 181, 1098, 14567,
	// 1930).
	AllowedNumbers []string
	// Logger gets one line per question, redacted (default slog.Default).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Fallback answers what the rules do not cover: with the model when one
// is configured and its breaker is closed, from the knowledge base alone
// otherwise or when the model fails. It implements engine.Fallback.
type Fallback struct {
	cfg     Config
	index   atomic.Pointer[knowledge.Index]
	breaker *breaker
	allowed map[string]bool
	noTools atomic.Bool // the server refused tools: use JSON mode
	log     *slog.Logger
}

var _ engine.Fallback = (*Fallback)(nil)

// New checks cfg and returns a Fallback.
func New(cfg Config) (*Fallback, error) {
	if cfg.Index == nil {
		return nil, errors.New("llm: a knowledge index is required")
	}
	switch cfg.Tools {
	case "":
		cfg.Tools = ToolsAuto
	case ToolsAuto, ToolsOn, ToolsJSON:
	default:
		return nil, fmt.Errorf("llm: tools mode %q is not auto, tools or json", cfg.Tools)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 6 * time.Second
	}
	if cfg.Passages <= 0 {
		cfg.Passages = 4
	}
	if cfg.MaxChars <= 0 {
		cfg.MaxChars = 700
	}
	cfg.MaxChars = min(cfg.MaxChars, knowledge.MaxAnswer)
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = 400
	}
	if cfg.TrustOffline <= 0 {
		cfg.TrustOffline = 0.9
	}
	if cfg.BreakerFailures <= 0 {
		cfg.BreakerFailures = 5
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = 30 * time.Second
	}
	if cfg.AllowedNumbers == nil {
		cfg.AllowedNumbers = []string{"112", "108", "181", "1098", "14567", "1930"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	f := &Fallback{cfg: cfg, allowed: map[string]bool{}, log: cfg.Logger}
	for _, n := range cfg.AllowedNumbers {
		f.allowed[fact(n)] = true
	}
	f.breaker = &breaker{failures: cfg.BreakerFailures, cooldown: cfg.BreakerCooldown, now: cfg.Now}
	f.index.Store(cfg.Index)
	cfg.Index = nil // f.index holds it from now on
	f.cfg = cfg
	return f, nil
}

// SetIndex replaces the knowledge base, for questions asked from now on;
// the model, its circuit breaker and what was learnt of its server stay.
func (f *Fallback) SetIndex(ix *knowledge.Index) {
	if ix != nil {
		f.index.Store(ix)
	}
}

// Index returns the knowledge base in use.
func (f *Fallback) Index() *knowledge.Index { return f.index.Load() }

// Flow is a flow the citizen may be routed to.
type Flow struct {
	ID    string
	Title string
	// Vars name the flow's variables a route's arguments may set.
	Vars []string
}

// Question is what the caller asks.
type Question struct {
	// Text is the citizen's message. It is redacted here before it is
	// logged or sent, whether or not the caller did so.
	Text string
	// Lang is the language to answer in (a locale code).
	Lang string
	// Flow and Node say where the citizen is, and Cause why the question
	// is asked (engine.FallbackCause: idle, invalid, retries, question);
	// they are logged.
	Flow, Node, Cause string
	// Flows are the flows a route may lead to; nil allows every flow of
	// the knowledge base, and an empty list none.
	Flows []Flow
	// History holds earlier messages of the conversation, oldest first:
	// facts in them may be repeated in an answer.
	History []string
}

// Result is the fallback's reply and what review storage needs to know
// about it.
type Result struct {
	// Kind is answer, route or none (the caller then offers the menu).
	Kind knowledge.Kind
	// Text is the answer, in Lang.
	Text string
	Lang string
	// Flow and Args: the flow to start and its variables (KindRoute).
	Flow string
	Args map[string]string
	// Related is the flow an offline answer's entry leads to, which the
	// caller may offer after the answer (KindAnswer).
	Related string
	// Passages are the knowledge the answer was drawn from, ranked.
	Passages []knowledge.Passage
	// MatchedLang is the language of the questions the message matched.
	MatchedLang string
	// Model is the model's name, or Offline.
	Model string
	// Reason says why the result is what it is when the model was not
	// used or was overruled ("breaker open", "model failed: …",
	// "rejected: …"); empty when the model's reply stood.
	Reason string
	// Latency is the time Ask took.
	Latency time.Duration
	// Usage is the model's token count, when it was called.
	Usage openai.Usage
}

// Ask answers one question. It always returns a result: the offline one
// when the model is not configured, not available or fails.
func (f *Fallback) Ask(ctx context.Context, q Question) Result {
	start := f.cfg.Now()
	var ph placeholders
	forModel := ph.redactForModel(q.Text)
	kq := knowledge.Query{Text: script.Redact(q.Text), Lang: q.Lang, Flows: flowIDs(q.Flows)}
	ix := f.index.Load()
	offline := ix.Answer(kq)
	passages := ix.Search(kq, f.cfg.Passages)
	res := f.fromOffline(offline)
	switch {
	case f.cfg.Client == nil:
		res.Reason = "no model configured"
	case f.trusted(offline, q.Lang):
		res.Reason = fmt.Sprintf("offline %s trusted at confidence %.2f", offline.Kind, offline.Confidence)
	case !f.breaker.allow():
		res.Reason = "breaker open"
	default:
		res = f.askModel(ctx, q, forModel, &ph, passages, offline)
	}
	res.Latency = f.cfg.Now().Sub(start)
	f.logResult(q, forModel, res)
	return res
}

// trusted reports whether the knowledge base's decision stands without the
// model: a route or an answer in the asked language, confident enough.
func (f *Fallback) trusted(o knowledge.Result, lang string) bool {
	if o.Confidence < f.cfg.TrustOffline {
		return false
	}
	switch o.Kind {
	case knowledge.KindRoute:
		return true
	case knowledge.KindAnswer:
		return lang == "" || o.TextLang == lang
	}
	return false
}

// fromOffline turns the knowledge base's result into a Result.
func (f *Fallback) fromOffline(o knowledge.Result) Result {
	r := Result{Kind: o.Kind, Passages: o.Passages, MatchedLang: o.MatchedLang, Model: Offline}
	switch o.Kind {
	case knowledge.KindAnswer:
		r.Text, r.Lang, r.Related = o.Text, o.TextLang, o.Flow
	case knowledge.KindRoute:
		r.Flow, r.Args = o.Flow, o.Args
	}
	return r
}

// askModel calls the model and checks its reply; on failure it returns
// the offline result.
func (f *Fallback) askModel(ctx context.Context, q Question, forModel string, ph *placeholders,
	passages []knowledge.Passage, offline knowledge.Result) Result {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	lang := q.Lang
	if lang == "" {
		lang = offline.MatchedLang
	}
	history := make([]string, len(q.History))
	for i, h := range q.History {
		history[i] = ph.redactForModel(h)
	}
	flows := q.Flows
	if flows == nil {
		flows = f.knownFlows()
	}
	d, resp, err := f.call(ctx, lang, passages, flows, history, forModel)
	f.breaker.done(err == nil || errors.Is(err, context.Canceled))
	if err != nil {
		r := f.fromOffline(offline)
		r.Reason = "model failed: " + err.Error()
		return r
	}
	r := Result{Passages: passages, MatchedLang: offline.MatchedLang, Model: f.cfg.Client.Model(), Usage: resp.Usage}
	switch d.Action {
	case "route":
		return f.checkRoute(r, d, flows, ph)
	case "answer":
		text := strings.TrimSpace(ph.restore(d.Text))
		known := facts(append(passageTexts(passages, flows), script.Redact(q.Text), strings.Join(q.History, "\n"))...)
		if why := checkAnswer(text, lang, f.cfg.MaxChars, known, f.allowed); why != "" {
			r.Kind, r.Reason = knowledge.KindNone, "rejected: "+why
			return r
		}
		r.Kind, r.Text, r.Lang = knowledge.KindAnswer, text, lang
		return r
	}
	r.Kind = knowledge.KindNone
	return r
}

// checkRoute accepts a route only to an offered flow, with the
// placeholders of its arguments put back.
func (f *Fallback) checkRoute(r Result, d decision, flows []Flow, ph *placeholders) Result {
	offered := false
	for _, fl := range flows {
		offered = offered || fl.ID == d.Flow
	}
	if !offered {
		r.Kind, r.Reason = knowledge.KindNone, fmt.Sprintf("rejected: flow %q was not offered", d.Flow)
		return r
	}
	r.Kind, r.Flow = knowledge.KindRoute, d.Flow
	for k, v := range d.Arguments {
		v = ph.restore(v)
		if placeholderRE.MatchString(v) {
			continue // a placeholder this question did not make
		}
		if r.Args == nil {
			r.Args = map[string]string{}
		}
		r.Args[k] = v
	}
	return r
}

// call asks the model, in tools or JSON mode.
func (f *Fallback) call(ctx context.Context, lang string, passages []knowledge.Passage, flows []Flow,
	history []string, message string) (decision, *openai.Response, error) {
	useTools := f.cfg.Tools == ToolsOn || (f.cfg.Tools == ToolsAuto && !f.noTools.Load())
	if useTools {
		resp, err := f.cfg.Client.Complete(ctx, f.request(true, lang, passages, flows, history, message))
		if err == nil {
			d, err := parseToolReply(resp)
			return d, resp, err
		}
		if f.cfg.Tools == ToolsOn || !openai.IsStatus(err, 400) {
			return decision{}, nil, err
		}
		f.log.Info("llm: the server refused tools; using JSON output from now on", "model", f.cfg.Client.Model())
	}
	resp, err := f.cfg.Client.Complete(ctx, f.request(false, lang, passages, flows, history, message))
	if err != nil {
		return decision{}, nil, err
	}
	if f.cfg.Tools == ToolsAuto {
		f.noTools.Store(true)
	}
	content := ""
	if c := resp.Choices[0].Message.Content; c != nil {
		content = *c
	}
	d, err := parseJSONReply(content)
	return d, resp, err
}

func (f *Fallback) request(withTools bool, lang string, passages []knowledge.Passage, flows []Flow,
	history []string, message string) openai.Request {
	zero := 0.0
	req := openai.Request{
		Messages: []openai.Message{
			{Role: "system", Content: systemPrompt(lang, f.cfg.MaxChars, !withTools)},
			{Role: "user", Content: userPrompt(passages, flows, history, message)},
		},
		Temperature: &zero,
		MaxTokens:   f.cfg.MaxTokens,
	}
	if withTools {
		req.Tools, req.ToolChoice = tools(flows), "auto"
	} else if f.cfg.JSONResponseFormat {
		req.ResponseFormat = &openai.ResponseFormat{Type: "json_object"}
	}
	return req
}

// knownFlows are the flows of the knowledge base's intents.
func (f *Fallback) knownFlows() []Flow {
	var out []Flow
	for _, in := range f.index.Load().Base().Intents {
		out = append(out, Flow{ID: in.Flow, Title: in.Flow})
	}
	return out
}

// passageTexts are the texts an answer's facts may come from.
func passageTexts(passages []knowledge.Passage, flows []Flow) []string {
	var out []string
	for _, p := range passages {
		out = append(out, p.Question, p.Text)
	}
	for _, fl := range flows {
		out = append(out, fl.Title)
	}
	return out
}

func flowIDs(flows []Flow) []string {
	if flows == nil {
		return nil
	}
	ids := make([]string, len(flows))
	for i, f := range flows {
		ids[i] = f.ID
	}
	return ids
}

// logResult logs the question (as the model saw it: redacted, with
// placeholders) and the result, with the passages by id.
func (f *Fallback) logResult(q Question, forModel string, r Result) {
	ids := make([]string, len(r.Passages))
	for i, p := range r.Passages {
		ids[i] = p.ID
	}
	f.log.Info("llm fallback",
		"question", forModel, "lang", q.Lang, "flow", q.Flow, "node", q.Node, "cause", q.Cause,
		"kind", string(r.Kind), "route", r.Flow, "answer", script.Redact(r.Text),
		"passages", strings.Join(ids, ","), "model", r.Model, "reason", r.Reason,
		"latency_ms", r.Latency.Milliseconds(), "tokens", r.Usage.TotalTokens)
}

// Answer implements engine.Fallback: the engine's question is asked, and
// the whole result handed back (the engine checks it again and records
// it). A "none" result is an answer of kind none: the engine goes on as
// its cause says (it asks again, or offers the menu).
func (f *Fallback) Answer(ctx context.Context, q engine.FallbackQuery) (engine.FallbackAnswer, error) {
	flows := make([]Flow, len(q.Flows))
	for i, s := range q.Flows {
		flows[i] = Flow{ID: s.ID, Title: s.Title, Vars: s.Vars}
	}
	r := f.Ask(ctx, Question{Text: q.Text, Lang: q.Lang, Flow: q.Flow, Node: q.Node, Cause: string(q.Cause), Flows: flows})
	ans := engine.FallbackAnswer{Kind: engine.FallbackNone, Model: r.Model, Reason: r.Reason, Latency: r.Latency}
	for _, p := range r.Passages {
		ans.Passages = append(ans.Passages, engine.FallbackPassage{ID: p.ID, Score: p.Confidence})
	}
	switch r.Kind {
	case knowledge.KindAnswer:
		ans.Kind, ans.Text, ans.Lang = engine.FallbackText, r.Text, r.Lang
	case knowledge.KindRoute:
		ans.Kind, ans.Flow, ans.Args = engine.FallbackRoute, r.Flow, r.Args
	}
	return ans, nil
}
