// Package transcript runs conversation tests: YAML files in which a citizen
// says things and the bot must answer in a given way.
//
//	name: Lodging a complaint, happy path
//	language: en
//	contact: {name: Ana, new: true}
//	now: 2026-11-21T10:00:00+05:30
//	services:
//	  grievance.lodge:
//	    - args: {category: roads}
//	      result: {reference: GRV-26-4821-7305-A, days: 7}
//	turns:
//	  - say: hi
//	    bot:
//	      - key: main.menu
//	        choices: [Complaint (grievance), Helplines, Change language]
//	  - say: "1"
//	    bot:
//	      - text: What is the complaint about?
//
// A turn is what the citizen sends (say: text, tap: a choice id, choose: a
// choice of the last question by its id or label, location:, image:,
// document:, unsupported:), optionally after wait: (the clock moves
// forward), and what must follow: bot: the messages, in order (text: exact
// text, contains: part of it, key: the message key, choices: all the
// labels, has_choices:/no_choices: some labels or ids that must be or must
// not be offered, kind: media/location/location_request/handoff, file: and
// filename: a media message's link or media id and name), vars:
// values the session must hold, events: event kinds that must have
// happened, and session: its flow, node or status. Services are faked in
// order of call; the last response repeats. The clock stands still unless
// a turn waits.
//
// A case with fallback: runs with a fallback (the LLM or the knowledge
// base, in production) that gives its replies in order: answer: a text,
// route: a flow with args:, none: true, or error:; question: checks part of
// what it was asked. Every reply must be used, and no more asked for.
// Without fallback:, the engine runs with none, as the shipped flows'
// tests do.
//
// choose: is what keeps a test from breaking when a menu gains an entry:
// it taps the choice as a citizen's phone would (the choice's id, with the
// question's Output.Asked), wherever the choice now is in the list.
//
// Both `samvad test` and `go test` (flows/flows_test.go) run every
// transcript under flows/, so a department can change a flow and know in
// seconds whether its conversations still hold. FindSources finds the
// flows and locale files a test runs against from wherever it is, and a
// transcript that is not valid YAML is reported at its line and column.
package transcript

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/script"
)

// Case is one conversation test.
type Case struct {
	File     string
	Name     string
	Language string
	Contact  engine.Contact
	Now      time.Time
	Entry    string
	Timeout  time.Duration
	Services map[string][]*Response
	// Fallback, when given (even empty), is the fallback's replies in the
	// order it is asked; without it the engine has no fallback.
	Fallback    []*FallbackReply
	HasFallback bool
	Turns       []*Turn
}

// FallbackReply is one faked reply of the fallback (an LLM or the
// knowledge base): an answer, a route into a flow with arguments, nothing,
// or an error. Question, when given, must be part of what the engine asks.
type FallbackReply struct {
	Pos      diag.Pos
	Question string
	Answer   string
	Lang     string
	Route    string
	Args     map[string]string
	None     bool
	Error    string
}

// Response is one faked answer of a service.
type Response struct {
	Pos    diag.Pos
	Args   map[string]any
	Result map[string]any
	Error  string
}

// Turn is one thing the citizen sends and what must follow.
type Turn struct {
	Pos   diag.Pos
	Wait  time.Duration
	Input engine.Input
	// Choose, when set, is a choice of the last question the bot asked,
	// by its id or its label: the turn taps it (Input is made from it).
	Choose  string
	Bot     []*Expect
	AnyBot  bool // no bot: given: replies are not checked
	Vars    map[string]any
	VarsPos diag.Pos
	Events  []string
	Session map[string]string
}

// Expect is one message the bot must send.
type Expect struct {
	Pos      diag.Pos
	Text     *string
	Contains string
	Key      string
	Kind     string
	Choices  []string
	Checked  bool // choices: given (possibly empty)
	// HasChoices and NoChoices are choices (labels or ids) that must be,
	// or must not be, among those offered; the others are not checked.
	HasChoices []string
	NoChoices  []string
	// File and Filename are a media message's link or media id, and its
	// file name.
	File, Filename string
}

// Failure is one way a transcript did not hold.
type Failure struct {
	Pos     diag.Pos
	Turn    int
	Message string
}

func (f Failure) String() string {
	if f.Turn == 0 {
		return fmt.Sprintf("%s: %s", f.Pos, f.Message)
	}
	return fmt.Sprintf("%s: turn %d: %s", f.Pos, f.Turn, f.Message)
}

// Result is the outcome of running a case.
type Result struct {
	Case     *Case
	Failures []Failure
	// Skipped says why the case stopped without a verdict: the
	// conversation reached a flow that does not offer the citizen's
	// language (see the flow key languages:).
	Skipped string
	// Log is the conversation as it happened, for a failure report.
	Log []string
}

// Passed reports whether every expectation held (a skipped case has
// failed none).
func (r *Result) Passed() bool { return len(r.Failures) == 0 }

// Run plays a case against a library. Entry and session timeout come from the
// case, else the defaults of engine.Config.
func (c *Case) Run(lib *engine.Library) *Result {
	res := &Result{Case: c}
	clock := &engine.FixedClock{T: c.Now}
	fakes := &fakeServices{responses: c.Services, used: map[string]int{}}
	cfg := engine.Config{EntryFlow: c.Entry, SessionTimeout: c.Timeout,
		Services: fakes, Clock: clock, DefaultLanguage: defaultLang(lib)}
	fb := &fakeFallback{replies: c.Fallback, fakes: fakes}
	if c.HasFallback {
		cfg.Fallback = fb
	}
	eng, err := engine.New(lib, cfg)
	if err != nil {
		res.Failures = append(res.Failures, Failure{Pos: diag.Pos{File: c.File, Line: 1, Col: 1}, Message: err.Error()})
		return res
	}
	sess := &engine.Session{Lang: c.Language}
	contact := c.Contact
	var out engine.Result
	var asked *engine.Output // the last question that offered choices
	for i, t := range c.Turns {
		clock.Advance(t.Wait)
		in := t.Input
		if t.Choose != "" {
			var problem string
			if in, problem = choose(asked, t.Choose); problem != "" {
				// What follows would answer a question the test did not mean.
				res.fail(t, i, "%s; the test stops here", problem)
				break
			}
		}
		in.At = clock.Now()
		fakes.turn, fakes.failures = i+1, nil
		if err := eng.Step(context.Background(), sess, &contact, in, &out); err != nil {
			res.fail(t, i, "the step failed: %v", err)
			continue
		}
		contact.New = false
		res.Log = append(res.Log, "citizen: "+describeInput(in))
		for _, o := range out.Outputs {
			res.Log = append(res.Log, "bot:     "+describeOutput(o))
			if len(o.Choices) > 0 {
				asked = &engine.Output{Choices: append([]engine.Choice(nil), o.Choices...), Asked: o.Asked}
			}
		}
		res.Failures = append(res.Failures, fakes.failures...)
		if why := fallback(lib, out.Events); why != "" {
			res.Skipped = fmt.Sprintf("turn %d: %s", i+1, why)
			break
		}
		res.check(t, i, &out, sess)
	}
	if fb.used < len(c.Fallback) {
		res.Failures = append(res.Failures, Failure{Pos: c.Fallback[fb.used].Pos, Message: fmt.Sprintf("the fallback was asked %d times; the transcript fakes %d replies", fb.used, len(c.Fallback))})
	}
	for name, list := range c.Services {
		if used := fakes.used[name]; used < len(list) {
			res.Failures = append(res.Failures, Failure{Pos: list[used].Pos, Message: fmt.Sprintf("service %s was called %d times; the transcript fakes %d responses", name, used, len(list))})
		}
	}
	return res
}

// choose makes the tap of a choice of the last question, found by its id
// or by its label (case, spaces and punctuation aside), as a citizen's
// phone would send it. It says why when there is no such choice.
func choose(asked *engine.Output, want string) (engine.Input, string) {
	if asked == nil {
		return engine.Input{}, fmt.Sprintf("choose: %q, but the bot has not offered any choices yet", want)
	}
	found := -1
	for i, ch := range asked.Choices {
		if ch.ID == want {
			found = i
			break
		}
	}
	if found < 0 {
		for i, ch := range asked.Choices {
			if script.Fold(ch.Label) == script.Fold(want) {
				if found >= 0 {
					return engine.Input{}, fmt.Sprintf("choose: %q matches two choices of the last question (%s)", want, choiceList(asked.Choices))
				}
				found = i
			}
		}
	}
	if found < 0 {
		return engine.Input{}, fmt.Sprintf("choose: the last question offers no choice %q (%s)", want, choiceList(asked.Choices))
	}
	ch := asked.Choices[found]
	return engine.Input{Kind: engine.InputChoice, ChoiceID: ch.ID, Text: ch.Label, Asked: asked.Asked}, ""
}

// choiceList names choices as "id: label" for a failure message.
func choiceList(cs []engine.Choice) string {
	parts := make([]string, len(cs))
	for i, ch := range cs {
		parts[i] = ch.ID + ": " + ch.Label
	}
	return strings.Join(parts, ", ")
}

// fallback says which flow of a step does not offer the citizen's
// language, if one does not.
func fallback(lib *engine.Library, events []engine.Event) string {
	for _, e := range events {
		if e.Kind != engine.EventLanguageFallback {
			continue
		}
		from, to, _ := strings.Cut(e.Detail, ">")
		offers := ""
		if f := lib.Flow(e.Flow); f != nil {
			offers = " (it offers " + strings.Join(f.Languages, ", ") + ")"
		}
		return fmt.Sprintf("flow %s does not offer %s%s; a citizen would be answered in %s there, so the test is skipped", e.Flow, from, offers, to)
	}
	return ""
}

func defaultLang(lib *engine.Library) string {
	for _, l := range lib.Languages {
		if l.Code == "en" {
			return "en"
		}
	}
	if len(lib.Languages) > 0 {
		return lib.Languages[0].Code
	}
	return "en"
}

func (r *Result) fail(t *Turn, i int, format string, args ...any) {
	r.Failures = append(r.Failures, Failure{Pos: t.Pos, Turn: i + 1, Message: fmt.Sprintf(format, args...)})
}

func (r *Result) check(t *Turn, i int, out *engine.Result, s *engine.Session) {
	var shown []engine.Output
	for _, o := range out.Outputs {
		if o.Kind != engine.OutputHandoff || t.expectsKind("handoff") {
			shown = append(shown, o)
		}
	}
	if !t.AnyBot {
		if len(shown) != len(t.Bot) {
			r.fail(t, i, "the bot sent %d messages, the transcript expects %d:\n%s", len(shown), len(t.Bot), describeAll(shown))
		}
		for j := 0; j < len(shown) && j < len(t.Bot); j++ {
			if msg := t.Bot[j].match(shown[j]); msg != "" {
				r.Failures = append(r.Failures, Failure{Pos: t.Bot[j].Pos, Turn: i + 1, Message: msg})
			}
		}
	}
	for name, want := range t.Vars {
		got, ok := s.Vars[name]
		if !ok || !sameValue(got, want) {
			r.Failures = append(r.Failures, Failure{Pos: t.VarsPos, Turn: i + 1,
				Message: fmt.Sprintf("vars.%s is %#v, the transcript expects %#v", name, got, want)})
		}
	}
	for _, kind := range t.Events {
		if !hasEvent(out.Events, kind) {
			r.fail(t, i, "no %q event happened (events: %s)", kind, eventKinds(out.Events))
		}
	}
	for field, want := range t.Session {
		if got := sessionField(s, field); got != want {
			r.fail(t, i, "session %s is %q, the transcript expects %q", field, got, want)
		}
	}
}

func (t *Turn) expectsKind(kind string) bool {
	for _, e := range t.Bot {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

// match compares one output with an expectation; "" means it holds.
func (e *Expect) match(o engine.Output) string {
	var problems []string
	if e.Kind != "" && e.Kind != o.Kind.String() {
		problems = append(problems, fmt.Sprintf("a %s message, not %s", e.Kind, o.Kind))
	}
	if e.Text != nil && strings.TrimSpace(*e.Text) != strings.TrimSpace(o.Text) {
		problems = append(problems, fmt.Sprintf("the text\n      %q\n    but got\n      %q", *e.Text, o.Text))
	}
	if e.Contains != "" && !strings.Contains(o.Text, e.Contains) {
		problems = append(problems, fmt.Sprintf("text containing %q, got %q", e.Contains, o.Text))
	}
	if e.Key != "" && e.Key != o.Key {
		problems = append(problems, fmt.Sprintf("message %s, got %s (%q)", e.Key, orNone(o.Key), o.Text))
	}
	if e.File != "" || e.Filename != "" {
		var file, name string
		if o.Media != nil {
			file, name = o.Media.URL+o.Media.ID, o.Media.Filename
		}
		if e.File != "" && e.File != file {
			problems = append(problems, fmt.Sprintf("the file %q, got %q", e.File, file))
		}
		if e.Filename != "" && e.Filename != name {
			problems = append(problems, fmt.Sprintf("the file name %q, got %q", e.Filename, name))
		}
	}
	var got []string
	for _, ch := range o.Choices {
		got = append(got, ch.Label)
	}
	if e.Checked && strings.Join(got, "|") != strings.Join(e.Choices, "|") {
		problems = append(problems, fmt.Sprintf("choices %q, got %q", e.Choices, got))
	}
	for _, want := range e.HasChoices {
		if !offers(o.Choices, want) {
			problems = append(problems, fmt.Sprintf("a choice %q among %q", want, got))
		}
	}
	for _, unwanted := range e.NoChoices {
		if offers(o.Choices, unwanted) {
			problems = append(problems, fmt.Sprintf("no choice %q among %q", unwanted, got))
		}
	}
	if len(problems) == 0 {
		return ""
	}
	return "expected " + strings.Join(problems, "; and ")
}

// offers reports whether a choice has the label or the id.
func offers(cs []engine.Choice, labelOrID string) bool {
	for _, ch := range cs {
		if ch.Label == labelOrID || ch.ID == labelOrID {
			return true
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "(no key)"
	}
	return s
}

func sameValue(got, want any) bool {
	if reflect.DeepEqual(got, want) {
		return true
	}
	switch g := got.(type) {
	case float64:
		switch w := want.(type) {
		case int:
			return g == float64(w)
		case float64:
			return g == w
		}
	case time.Time:
		if w, ok := want.(string); ok {
			return g.Format("2006-01-02") == w
		}
	case map[string]any:
		w, ok := want.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !sameValue(g[k], wv) {
				return false
			}
		}
		return true
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}

func hasEvent(events []engine.Event, kind string) bool {
	for _, e := range events {
		if string(e.Kind) == kind {
			return true
		}
	}
	return false
}

func eventKinds(events []engine.Event) string {
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, string(e.Kind))
	}
	return strings.Join(kinds, ", ")
}

func sessionField(s *engine.Session, field string) string {
	switch field {
	case "flow":
		return s.Flow
	case "node":
		return s.Node
	case "language":
		return s.Lang
	case "status":
		return [...]string{"idle", "waiting", "handoff"}[s.Status]
	}
	return "?"
}

// fakeServices answers service calls from a case's faked responses, checking
// the arguments the flow passed.
type fakeServices struct {
	responses map[string][]*Response
	used      map[string]int
	turn      int
	failures  []Failure
}

func (f *fakeServices) Call(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
	list := f.responses[name]
	if len(list) == 0 {
		return nil, fmt.Errorf("%w %q (the transcript fakes none)", engine.ErrUnknownService, name)
	}
	i := f.used[name]
	f.used[name] = i + 1
	if i >= len(list) {
		i = len(list) - 1
	}
	resp := list[i]
	for k, want := range resp.Args {
		if got, ok := args[k]; !ok || !sameValue(got, want) {
			f.failures = append(f.failures, Failure{Pos: resp.Pos, Turn: f.turn,
				Message: fmt.Sprintf("service %s got %s=%#v, the transcript expects %#v", name, k, args[k], want)})
		}
	}
	if resp.Error != "" {
		if resp.Error == "timeout" {
			return nil, context.DeadlineExceeded
		}
		return nil, errors.New(resp.Error)
	}
	return copyMap(resp.Result), nil
}

// fakeFallback replies to the engine's questions with a case's faked
// replies, in order, checking each question. Its failures go with the
// services' (of the same turn).
type fakeFallback struct {
	replies []*FallbackReply
	used    int
	fakes   *fakeServices
}

func (f *fakeFallback) Answer(_ context.Context, q engine.FallbackQuery) (engine.FallbackAnswer, error) {
	if f.used >= len(f.replies) {
		f.fakes.failures = append(f.fakes.failures, Failure{Turn: f.fakes.turn,
			Message: fmt.Sprintf("the fallback was asked %q (%s), but the transcript fakes only %d replies", q.Text, q.Cause, len(f.replies))})
		return engine.FallbackAnswer{}, nil
	}
	r := f.replies[f.used]
	f.used++
	if r.Question != "" && !strings.Contains(q.Text, r.Question) {
		f.fakes.failures = append(f.fakes.failures, Failure{Pos: r.Pos, Turn: f.fakes.turn,
			Message: fmt.Sprintf("the fallback was asked %q, the transcript expects a question containing %q", q.Text, r.Question)})
	}
	if r.Error != "" {
		return engine.FallbackAnswer{}, errors.New(r.Error)
	}
	ans := engine.FallbackAnswer{Text: r.Answer, Lang: r.Lang, Flow: r.Route, Args: r.Args, Model: "transcript"}
	if r.None {
		ans.Kind = engine.FallbackNone
	}
	return ans, nil
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = copyMap(sub)
		}
		out[k] = v
	}
	return out
}

func describeInput(in engine.Input) string {
	switch in.Kind {
	case engine.InputChoice:
		return "[tap " + in.ChoiceID + "]"
	case engine.InputLocation:
		return "[location]"
	case engine.InputMedia:
		return "[" + in.Media.Kind + "] " + in.Text
	case engine.InputUnsupported:
		return "[unsupported " + in.Text + "]"
	}
	return in.Text
}

// describeOutput writes an output the way `samvad chat` shows it.
func describeOutput(o engine.Output) string {
	var b strings.Builder
	switch o.Kind {
	case engine.OutputMedia:
		fmt.Fprintf(&b, "[%s %s%s", o.Media.Kind, o.Media.URL, o.Media.ID)
		if o.Media.Filename != "" {
			fmt.Fprintf(&b, " as %s", o.Media.Filename)
		}
		b.WriteString("] ")
	case engine.OutputLocation:
		fmt.Fprintf(&b, "[location %.5f,%.5f %s] ", o.Location.Latitude, o.Location.Longitude, o.Location.Name)
	case engine.OutputLocationRequest:
		b.WriteString("[asks for a location] ")
	case engine.OutputHandoff:
		b.WriteString("[handed to the agent inbox: " + o.Handoff.Queue + "]")
	}
	b.WriteString(o.Text)
	for i, ch := range o.Choices {
		fmt.Fprintf(&b, "\n           %d. %s", i+1, ch.Label)
	}
	return b.String()
}

func describeAll(outs []engine.Output) string {
	var lines []string
	for _, o := range outs {
		lines = append(lines, "      "+describeOutput(o))
	}
	return strings.Join(lines, "\n")
}
