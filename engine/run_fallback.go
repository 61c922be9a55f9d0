package engine

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/script"
)

// The fallback, seen from the engine: where a message the rules do not
// cover goes (see FallbackCause), what is checked before a citizen sees the
// reply, and what is recorded for review.
//
// The checks, at this boundary whatever the Fallback is:
//   - what is sent is redacted (script.Redact) and at most
//     MaxFallbackQuestion characters; a message with no letters (a number,
//     an emoji) is not sent at all: there is nothing to look up;
//   - an answer must be written in the language the citizen is answered in
//     (its declared Lang, and the script of its letters) and fit one
//     WhatsApp message (MaxFallbackAnswer characters);
//   - a route must lead to a flow the query offered, and its arguments
//     set only variables the flow declares, each read as its type.
//
// What does not pass is not shown: the engine goes on as if the fallback had
// nothing to say, and the record says why (FallbackRecord.Rejected).

// MaxFallbackQuestion is the most of a message the fallback is sent, in
// characters.
const MaxFallbackQuestion = 1000

// MaxFallbackAnswer is the longest answer shown, in characters: one
// WhatsApp text message.
const MaxFallbackAnswer = 4096

// fallbackReply is what the engine may do with a checked reply.
type fallbackReply struct {
	kind FallbackKind
	text string // shown first (an answer; a route's text, if any)
	flow *Flow  // a route's flow
	vars map[string]any
}

// fallbackText returns the citizen's message when it may go to the
// fallback: there is one, the input is typed text with letters in it, and
// the fallback was not already asked about it in this step.
func (x *run) fallbackText() (string, bool) {
	if x.e.cfg.Fallback == nil || x.in.Kind != InputText || x.consulted || !hasLetters(x.text) {
		return "", false
	}
	return x.text, true
}

// hasLetters reports whether a text has a letter of a script the engine
// knows: "12" or "👍" is nothing to look up.
func hasLetters(s string) bool { return script.Detect(s) != script.Unknown }

// consult asks the Fallback about text, checks its reply, records both as
// an event, and returns what may be done. only, when not nil, are the only
// flows a route may lead to.
func (x *run) consult(cause FallbackCause, n *Node, text string, only []string) fallbackReply {
	x.consulted = true
	flowID, node := x.s.Flow, ""
	if n != nil {
		node = n.Name
	}
	q := FallbackQuery{Text: script.Clip(script.Redact(text), MaxFallbackQuestion), Lang: x.lang,
		Flow: flowID, Node: node, Flows: x.offered(only), Cause: cause}
	ctx, cancel := context.WithTimeout(x.ctx, x.e.cfg.FallbackTimeout)
	ans, err := x.e.cfg.Fallback.Answer(ctx, q)
	cancel()
	if x.ctx.Err() != nil {
		x.err = x.ctx.Err()
	}
	rec := FallbackRecord{Cause: cause, Question: q.Text, Lang: q.Lang, Kind: FallbackNone,
		Model: ans.Model, Reason: ans.Reason, LatencyMS: ans.Latency.Milliseconds()}
	for _, p := range ans.Passages {
		rec.Passages = append(rec.Passages, RecordedPassage{ID: p.ID, Score: math.Round(p.Score*100) / 100})
	}
	if err != nil {
		rec.Reason = errorSummary(err)
		x.event(EventFallbackFailed, flowID, node, rec.Encode())
		return fallbackReply{kind: FallbackNone}
	}
	rep := x.check(&ans, q.Flows, &rec)
	kind := EventFallbackUsed
	if rep.kind == FallbackNone {
		kind = EventFallbackMissed
	}
	x.event(kind, flowID, node, rec.Encode())
	return rep
}

// check holds a reply to the engine's guardrails and fills in the record.
func (x *run) check(ans *FallbackAnswer, offered []FlowSummary, rec *FallbackRecord) fallbackReply {
	rep := fallbackReply{kind: ans.kind()}
	switch rep.kind {
	case FallbackRoute:
		rec.Flow = ans.Flow
		rep.flow = x.lib.Flow(ans.Flow)
		switch {
		case rep.flow == nil:
			rec.Rejected = fmt.Sprintf("flow %q is not loaded", ans.Flow)
		case !offers(offered, ans.Flow):
			rec.Rejected = fmt.Sprintf("flow %q was not offered", ans.Flow)
		}
		if rec.Rejected != "" {
			return fallbackReply{kind: FallbackNone}
		}
		rep.vars, rec.Args, rec.Dropped = x.routeVars(rep.flow, ans.Args)
		if ans.Text != "" && x.unfit(ans.Text, ans.Lang) == "" {
			rep.text = ans.Text
			rec.Answer = script.Redact(ans.Text)
		}
	case FallbackText:
		if why := x.unfit(ans.Text, ans.Lang); why != "" {
			rec.Rejected = why
			return fallbackReply{kind: FallbackNone}
		}
		rep.text = strings.TrimSpace(ans.Text)
		rec.Answer = script.Redact(rep.text)
	default:
		return fallbackReply{kind: FallbackNone}
	}
	rec.Kind = rep.kind
	return rep
}

// unfit says why an answer may not be shown to the citizen, or "".
func (x *run) unfit(text, lang string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return "empty answer"
	}
	if n := utf8.RuneCountInString(text); n > MaxFallbackAnswer {
		return fmt.Sprintf("answer of %d characters, over the %d of one WhatsApp message", n, MaxFallbackAnswer)
	}
	if lang != "" && lang != x.lang {
		return fmt.Sprintf("answer in %q; the citizen is answered in %q", lang, x.lang)
	}
	if want := script.ForLanguage(x.lang); want != script.Unknown {
		if got := script.Detect(text); got != script.Unknown && got != want {
			return fmt.Sprintf("answer written in %s script; %q is written in %s", got, x.lang, want)
		}
	}
	return ""
}

func offers(flows []FlowSummary, id string) bool {
	for _, f := range flows {
		if f.ID == id {
			return true
		}
	}
	return false
}

// routeVars reads a route's arguments as the variables of the flow they
// start: each set variable by its declared type (text redacted; a number,
// a date, yes/no read as the citizen would write them). It returns the
// values, the arguments kept (for the record, redacted) and the names of
// those left out.
func (x *run) routeVars(f *Flow, args map[string]string) (map[string]any, map[string]string, []string) {
	if len(args) == 0 {
		return nil, nil, nil
	}
	names := make([]string, 0, len(args))
	for name := range args {
		names = append(names, name)
	}
	sort.Strings(names)
	vars, kept := map[string]any{}, map[string]string{}
	var dropped []string
	for _, name := range names {
		v, ok := x.argValue(strings.TrimSpace(args[name]), f.Vars[name])
		if !ok {
			dropped = append(dropped, name)
			continue
		}
		vars[name] = v
		kept[name] = script.Redact(args[name])
	}
	return vars, kept, dropped
}

// argValue reads an argument as a variable of type t (0: not declared).
func (x *run) argValue(s string, t VarType) (any, bool) {
	switch t {
	case TypeString:
		return script.Clip(script.Redact(s), MaxFallbackQuestion), s != ""
	case TypeNumber, TypeMoney:
		return script.ParseNumber(s)
	case TypeBool:
		switch strings.ToLower(s) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		yes, ok := x.lib.yesNo[script.Fold(s)]
		return yes, ok
	case TypeDate:
		return script.ParseDate(s, x.now)
	}
	return nil, false
}

// offered are the flows a fallback may route to: those named (only), else
// the main menu, the language flow and the main menu's services. Each
// comes with its title in the answer's language and the variables a route
// may set.
func (x *run) offered(only []string) []FlowSummary {
	var ids []string
	if only != nil {
		ids = only
	} else {
		ids = append(ids, x.e.cfg.EntryFlow, x.e.cfg.LanguageFlow)
		for _, f := range x.lib.menu {
			ids = append(ids, f.ID)
		}
	}
	out := make([]FlowSummary, 0, len(ids))
	for _, id := range ids {
		if f := x.lib.Flow(id); f != nil && !offers(out, id) {
			out = append(out, x.lib.summary(f, x.cli))
		}
	}
	return out
}

// summary names a flow for a fallback: its title in a language (catalog
// index li) and the variables a route may set.
func (lib *Library) summary(f *Flow, li int) FlowSummary {
	s := FlowSummary{ID: f.ID}
	if f.Title != nil {
		if m := f.Title.byLang[f.langIndex(li)]; m != nil {
			s.Title = m.Text().Source()
		}
	}
	for _, name := range f.varOrder {
		switch f.Vars[name] {
		case TypeString, TypeNumber, TypeMoney, TypeBool, TypeDate:
			s.Vars = append(s.Vars, name)
		}
	}
	return s
}

// showAnswer sends a fallback's answer.
func (x *run) showAnswer(text string) {
	x.r.Outputs = append(x.r.Outputs, Output{Kind: OutputText, Lang: x.lang, Text: text})
}

// route takes the citizen into a flow the fallback chose, with the
// variables its arguments set, after its text (if any).
func (x *run) route(rep fallbackReply) {
	if rep.text != "" {
		x.showAnswer(rep.text)
	}
	x.clearSession()
	x.startFlow(rep.flow)
	for name, v := range rep.vars {
		x.s.Vars[name] = v
	}
	x.runFrom(rep.flow.Start)
}

// idleFallback handles a message that started no flow: the fallback's
// answer (the conversation then rests) or route. It reports whether the
// fallback handled it. A new citizen whose first message does not show
// their language by its script is not answered yet: the main menu lets
// them choose their language first.
func (x *run) idleFallback() bool {
	text, ok := x.fallbackText()
	if !ok || (x.c.New && !x.detected) {
		return false
	}
	switch rep := x.consult(FallbackIdle, nil, text, nil); rep.kind {
	case FallbackRoute:
		x.route(rep)
	case FallbackText:
		x.showAnswer(rep.text)
	default:
		return false
	}
	return true
}

// invalidFallback offers an answer an ask could not take to the fallback
// (`fallback: true`): an answer is shown and the question asked again, at
// no cost in retries. It reports whether the fallback handled it.
func (x *run) invalidFallback(n *Node) bool {
	text, ok := x.fallbackText()
	if !ok {
		return false
	}
	switch rep := x.consult(FallbackInvalid, n, text, nil); rep.kind {
	case FallbackRoute:
		x.route(rep)
	case FallbackText:
		x.showAnswer(rep.text)
		x.prompt(n, nil)
	default:
		return false
	}
	return true
}

// failToFallback is an ask's `on_fail: fallback`: its retries ran out, and
// the last answer goes to the fallback (unless it already went, with
// `fallback: true`). An answer is shown and the question asked afresh;
// with nothing to say, the citizen is told so and shown the main menu.
func (x *run) failToFallback(n *Node) {
	if text, ok := x.fallbackText(); ok {
		switch rep := x.consult(FallbackRetries, n, text, nil); rep.kind {
		case FallbackRoute:
			x.route(rep)
			return
		case FallbackText:
			x.showAnswer(rep.text)
			x.s.Retries = 0
			x.prompt(n, nil)
			return
		}
	}
	x.notUnderstood()
}

// notUnderstood tells the citizen their message was not understood and
// shows the main menu.
func (x *run) notUnderstood() {
	x.sayBuiltin("common.too_many_tries")
	x.runFrom(x.follow(Target{Kind: ToMenu}))
}

// answerNode runs an answer: node and returns the node to go on with (nil
// when the fallback took the citizen into another flow, or nothing is left
// to run).
func (x *run) answerNode(n *Node) *Node {
	a := n.Answer
	var text string
	if a.Question != nil {
		v, err := a.Question.Run(x.expressionEnv(nil))
		if err != nil {
			x.event(EventExprError, x.flow.ID, n.Name, err.Error())
		}
		text, _ = v.(string)
	}
	if x.e.cfg.Fallback != nil && hasLetters(text) {
		switch rep := x.consult(FallbackQuestion, n, text, a.Flows); rep.kind {
		case FallbackRoute:
			x.route(rep)
			return nil
		case FallbackText:
			x.showAnswer(rep.text)
			return x.follow(n.Next)
		}
	}
	if a.OnNone.given() {
		return x.follow(a.OnNone)
	}
	x.sayBuiltin("common.too_many_tries")
	return x.follow(Target{Kind: ToMenu})
}
