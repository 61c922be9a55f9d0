package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

const pickFlow = `
flow: main
title: t.title
vars: {pick: string}
nodes:
  pick:
    ask: t.menu
    choices: [t.a, t.b, t.c]
    save: pick
    next: route
  route:
    branch:
      - when: vars.pick == "a"
        next: got
      - when: input == "2"
        next: got
      - when: vars.pick == "c"
        next: got
    default: pick
  got:
    say: t.got
    next: pick
`

func TestChoiceAnsweredEveryWay(t *testing.T) {
	lib := load(t, map[string]string{"main": pickFlow})
	for _, tc := range []struct {
		in   engine.Input
		want string
	}{
		{engine.Input{Kind: engine.InputText, Text: "1"}, "a"},
		{engine.Input{Kind: engine.InputText, Text: " 2. "}, "b"},
		{engine.Input{Kind: engine.InputText, Text: "३"}, "c"}, // Devanagari
		{engine.Input{Kind: engine.InputText, Text: "২"}, "b"}, // Bengali
		{engine.Input{Kind: engine.InputText, Text: "୧"}, "a"}, // Odia
		{engine.Input{Kind: engine.InputText, Text: "௩"}, "c"}, // Tamil
		{engine.Input{Kind: engine.InputText, Text: "੨"}, "b"}, // Gurmukhi
		{engine.Input{Kind: engine.InputText, Text: "BANANAS"}, "b"},
		{engine.Input{Kind: engine.InputText, Text: "cher"}, "c"}, // unambiguous beginning
		{engine.Input{Kind: engine.InputText, Text: "केला"}, "b"}, // Hindi label in an English session
		{engine.Input{Kind: engine.InputChoice, ChoiceID: "c", Text: "Cherries"}, "c"},
	} {
		c := newChat(t, lib, engine.Config{})
		c.say("hi")
		c.send(tc.in)
		if got := c.sess.Vars["pick"]; got != tc.want {
			t.Errorf("%q answered %v, want %s (bot: %q)", tc.in.Text+tc.in.ChoiceID, got, tc.want, c.texts())
		}
	}
}

func TestChoiceRejectsAmbiguousAndOutOfRange(t *testing.T) {
	lib := load(t, map[string]string{"main": pickFlow})
	for _, text := range []string{"4", "0.5", "ch?", "a b", "an", "xyz"} {
		c := newChat(t, lib, engine.Config{})
		c.say("hi")
		c.say(text)
		if got := c.sess.Vars["pick"]; got != "" {
			t.Errorf("%q was taken as %v", text, got)
		}
		if !c.hasEvent(engine.EventAnswerInvalid) {
			t.Errorf("%q: no answer_invalid event (bot: %q)", text, c.texts())
		}
	}
}

func TestMenuInHindiAndTemplateVariable(t *testing.T) {
	lib := load(t, map[string]string{"main": pickFlow})
	c := newChat(t, lib, engine.Config{})
	c.sess.Lang = "hi"
	c.say("नमस्ते")
	if o := c.res.Outputs[0]; o.Text != "एक चुनें" || len(o.Choices) != 3 || o.Choices[1].Label != "केला" || o.ListLabel != "चुनें" {
		t.Fatalf("menu in Hindi: %+v", o)
	}
	c.say("१")
	c.expect("आपने a चुना।", "एक चुनें")
	c.say("९")
	c.expect("1 से 3 तक लिखें।")
	if len(c.res.Outputs[0].Choices) != 3 {
		t.Fatal("an invalid-answer message must carry the choices again")
	}
}

func TestLanguageDetectedFromScript(t *testing.T) {
	lib := load(t, map[string]string{"main": pickFlow})
	c := newChat(t, lib, engine.Config{})
	c.sess.Lang, c.contact.Language = "", ""
	c.say("नमस्ते जी")
	if c.sess.Lang != "hi" || c.contact.Language != "hi" || !c.res.ContactChanged {
		t.Fatalf("language %q / contact %q, changed %v", c.sess.Lang, c.contact.Language, c.res.ContactChanged)
	}
	c2 := newChat(t, lib, engine.Config{})
	c2.sess.Lang, c2.contact.Language = "", ""
	c2.say("hello")
	if c2.sess.Lang != "en" {
		t.Fatalf("Latin script should give the default language, got %q", c2.sess.Lang)
	}
}

func TestAnswerKinds(t *testing.T) {
	lib := load(t, map[string]string{"main": `
flow: main
vars: {pin: string, age: number, when: date, ok: bool, name: string}
nodes:
  pin:
    ask: t.ask_pin
    expect: pin
    save: pin
    next: age
  age:
    ask: t.ask_age
    expect: number
    validate: answer >= 18 && answer < 120
    save: age
    next: when
  when:
    ask: t.ask_date
    expect: date
    save: when
    next: ok
  ok:
    ask: t.ask_ok
    expect: yesno
    save: ok
    next: name
  name:
    ask: t.ask_name
    save: name
    next: thanks
  thanks:
    say: t.thanks
    next: again
  again:
    ask: t.menu
    next: end
`})
	c := newChat(t, lib, engine.Config{})
	c.say("hi")
	c.expect("Your PIN code?")
	c.say("40005")
	c.expect("Send a PIN code.")
	c.say("४०० ०५१")
	c.expect("Your age?")
	c.say("12")
	c.expect("Send a number.")
	c.say("४२")
	c.expect("Which date?")
	c.say("31/02/2026")
	c.expect("Send a date.")
	c.say("21/11/2026")
	c.expect("Is that right?")
	if ch := c.res.Outputs[0].Choices; len(ch) != 2 || ch[0].Label != "Yes" {
		t.Fatalf("yes/no choices: %+v", ch)
	}
	c.say("yes")
	c.say("Asha, Aadhaar 2345 6789 0124")
	if c.sess.Vars["pin"] != "400051" || c.sess.Vars["age"] != 42.0 || c.sess.Vars["ok"] != true {
		t.Fatalf("vars %v", c.sess.Vars)
	}
	if name := c.sess.Vars["name"].(string); strings.Contains(name, "2345 6789") {
		t.Fatalf("a full Aadhaar number was stored: %q", name)
	}
	if got := c.texts()[0]; !strings.HasPrefix(got, "Thanks Asha") || !strings.HasSuffix(got, ", 42 years, 21 November 2026.") {
		t.Fatalf("thanks: %q", got)
	}
}

func TestSubFlowReturnsAndKeepsCallerVars(t *testing.T) {
	lib := load(t, map[string]string{
		"main": `
flow: main
vars: {pick: string}
nodes:
  first:
    set: {pick: '"kept"'}
    next: sub
  sub:
    flow: child
    next: after
  after:
    say: t.got
    next: end
`,
		"child": `
flow: child
vars: {pick: string}
nodes:
  hello:
    say: t.hello
    next: question
  question:
    ask: t.ask_name
    save: pick
    next: bye
  bye:
    say: t.bye
    next: end
`})
	c := newChat(t, lib, engine.Config{})
	c.say("hi")
	c.expect("Hello", "Your name?")
	if c.sess.Flow != "child" || len(c.sess.Stack) != 1 {
		t.Fatalf("in sub-flow: flow %s stack %v", c.sess.Flow, c.sess.Stack)
	}
	c.say("Ravi")
	c.expect("Bye", "You picked kept.")
	if c.sess.Status != engine.SessionIdle || len(c.sess.Stack) != 0 {
		t.Fatalf("session after the flows ended: %+v", c.sess)
	}
}

func TestStepLimitStopsARunawayFlow(t *testing.T) {
	// A flow that enters itself as a sub-flow loops across flows, which the
	// step limit ends with an apology.
	lib := load(t, map[string]string{"main": `
flow: main
nodes:
  again:
    flow: main
    next: end
`})
	c := newChat(t, lib, engine.Config{MaxSteps: 50})
	c.say("hi")
	if !c.hasEvent(engine.EventStepLimit) {
		t.Fatalf("no step_limit event: %v", c.res.Events)
	}
	c.expect("Something went wrong.")
	if c.sess.Status != engine.SessionIdle {
		t.Fatal("a runaway session must be reset")
	}
}

func TestExpressionErrorBecomesEventAndInvalidPath(t *testing.T) {
	lib := load(t, map[string]string{"main": `
flow: main
vars: {data: object, name: string}
nodes:
  q:
    ask: t.ask_name
    validate: vars.data.missing.deeper == "x"
    save: name
    next: end
`})
	c := newChat(t, lib, engine.Config{})
	c.say("hi")
	c.say("Ravi")
	if !c.hasEvent(engine.EventExprError) || !c.hasEvent(engine.EventAnswerInvalid) {
		t.Fatalf("events %v", c.res.Events)
	}
	c.expect("Type something.")
}

type slowService struct{ calls int }

func (s *slowService) Call(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
	s.calls++
	if _, ok := ctx.Deadline(); !ok {
		return nil, errors.New("the engine called a service without a deadline")
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestCallHasDeadlineAndErrorPath(t *testing.T) {
	lib := load(t, map[string]string{"main": `
flow: main
vars: {res: object}
nodes:
  q:
    ask: t.ask_name
    next: call
  call:
    call: slow.thing
    args: {who: input}
    save: res
    timeout: 20ms
    next: ok
    on_error: failed
  ok:
    say: t.hello
    next: end
  failed:
    say: t.bye
    next: end
`})
	svc := &slowService{}
	c := newChat(t, lib, engine.Config{Services: svc})
	c.say("hi")
	start := time.Now()
	c.say("Ravi")
	if time.Since(start) > 2*time.Second {
		t.Fatal("the call's timeout was not applied")
	}
	c.expect("Bye")
	if svc.calls != 1 || !c.hasEvent(engine.EventServiceError) {
		t.Fatalf("calls %d events %v", svc.calls, c.res.Events)
	}
}

func TestCallResultSaved(t *testing.T) {
	lib := load(t, map[string]string{"main": `
flow: main
vars: {res: object, pick: string}
nodes:
  call:
    call: lookup
    args: {n: 2}
    save: res
    next: show
    on_error: end
  show:
    say: t.got
    data: {pick: vars.res.name}
    next: end
`})
	svc := engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		if args["n"] != 2 {
			return nil, errors.New("bad args")
		}
		return map[string]any{"name": "mango", "count": 3}, nil
	})
	c := newChat(t, lib, engine.Config{Services: svc})
	c.say("hi")
	c.expect("You picked mango.")
}

func TestGlobalCommandsAndHandoff(t *testing.T) {
	lib := load(t, map[string]string{"main": pickFlow, "agent": `
flow: agent
triggers:
  keywords: {en: [officer]}
nodes:
  go:
    handoff: common.handoff
    queue: desk
`})
	c := newChat(t, lib, engine.Config{})
	c.say("officer")
	if c.sess.Status != engine.SessionHandoff || c.res.Outputs[1].Kind != engine.OutputHandoff || c.res.Outputs[1].Handoff.Queue != "desk" {
		t.Fatalf("handoff: %+v %+v", c.sess, c.res.Outputs)
	}
	c.say("hello?")
	if len(c.res.Outputs) != 0 || !c.hasEvent(engine.EventHandoffMessage) {
		t.Fatalf("the bot must stay quiet during a handoff: %q", c.texts())
	}
	c.say("मेनू")
	c.expect("Pick one")
	c.say("STOP")
	if !c.contact.OptedOut || !c.res.ContactChanged {
		t.Fatal("STOP did not opt the contact out")
	}
	c.say("start")
	if c.contact.OptedOut {
		t.Fatal("START did not opt the contact back in")
	}
}

func TestSessionExpiry(t *testing.T) {
	lib := load(t, map[string]string{"main": pickFlow})
	c := newChat(t, lib, engine.Config{SessionTimeout: time.Hour})
	c.say("hi")
	c.clock.Advance(2 * time.Hour)
	c.say("1")
	if !c.hasEvent(engine.EventSessionExpired) {
		t.Fatal("no session_expired event")
	}
	c.expect("Pick one")
}

func TestSessionKeepsItsFlowVersionAcrossReload(t *testing.T) {
	v1 := load(t, map[string]string{"main": pickFlow})
	c := newChat(t, v1, engine.Config{})
	c.say("hi")
	pinned := c.sess.Version
	// The new version renames the node the session waits at.
	v2 := load(t, map[string]string{"main": renamePick(pickFlow)})
	if err := c.eng.Reload(v2); err != nil {
		t.Fatal(err)
	}
	c.say("2")
	c.expect("You picked b.", "Pick one")
	if c.sess.Version != pinned {
		t.Fatalf("the session moved to version %s", c.sess.Version)
	}
	fresh := newChat(t, v2, engine.Config{})
	fresh.say("hi")
	if fresh.sess.Version == pinned || fresh.sess.Node != "choose" {
		t.Fatalf("a new session must start on the new version: %+v", fresh.sess)
	}
}

type archive map[string][]byte

func (a archive) FlowSource(ctx context.Context, id, version string) ([]byte, error) {
	return a[id+"@"+version], nil
}

func TestPinnedVersionComesBackFromArchive(t *testing.T) {
	v1 := load(t, map[string]string{"main": pickFlow})
	c := newChat(t, v1, engine.Config{})
	c.say("hi")
	state, _ := c.sess.Encode(nil)
	// A restarted process has only the new version loaded, and the archive.
	v2 := load(t, map[string]string{"main": renamePick(pickFlow)})
	f := v1.Flow("main")
	restarted := newChat(t, v2, engine.Config{Archive: archive{"main@" + f.Version: f.Source}})
	sess, err := engine.DecodeSession(state)
	if err != nil {
		t.Fatal(err)
	}
	restarted.sess = sess
	restarted.say("3")
	restarted.expect("You picked c.", "Pick one")
}

// fakeFallback gives its answer to questions that contain when, and
// nothing to the others; it remembers the last question.
type fakeFallback struct {
	when string
	q    engine.FallbackQuery
	ans  engine.FallbackAnswer
}

func (f *fakeFallback) Answer(ctx context.Context, q engine.FallbackQuery) (engine.FallbackAnswer, error) {
	f.q = q
	if !strings.Contains(q.Text, f.when) {
		return engine.FallbackAnswer{}, nil
	}
	return f.ans, nil
}

func TestFallbackAnswersAndRedacts(t *testing.T) {
	lib := load(t, map[string]string{"main": `
flow: main
title: t.title
vars: {pick: string}
nodes:
  pick:
    ask: t.menu
    choices: [t.a, t.b]
    fallback: true
    save: pick
    next: end
`})
	fb := &fakeFallback{when: "offices", ans: engine.FallbackAnswer{Text: "Offices open at 10."}}
	c := newChat(t, lib, engine.Config{Fallback: fb})
	c.say("hi")
	c.say("when do offices open? my number is 9876543210")
	c.expect("Offices open at 10.", "Pick one")
	if strings.Contains(fb.q.Text, "9876543210") {
		t.Fatalf("the fallback saw a phone number: %q", fb.q.Text)
	}
	if !c.hasEvent(engine.EventFallbackUsed) || c.sess.Retries != 0 {
		t.Fatal("a fallback answer is not an invalid answer")
	}
}

// renamePick renames pickFlow's question node, making a new flow version.
func renamePick(src string) string {
	r := strings.NewReplacer("  pick:\n    ask", "  choose:\n    ask", "default: pick", "default: choose", "next: pick", "next: choose")
	return r.Replace(src)
}

// A tap on a button of an earlier question is not taken as an answer to
// the current one, even when the current one has a choice of that id.
func TestTapOnAnEarlierQuestionIsNotAnAnswer(t *testing.T) {
	lib := load(t, map[string]string{"main": `
flow: main
vars: {first: string, second: string}
nodes:
  first:
    ask: t.menu
    choices: [t.a, t.b, t.c]
    save: first
    next: second
  second:
    ask: t.menu
    choices: [t.a, t.b]
    save: second
    next: first
`})
	c := newChat(t, lib, engine.Config{})
	first := c.say("hi").Outputs[0].Asked
	if first == "" {
		t.Fatal("a question with choices carries no Asked token")
	}
	second := c.send(engine.Input{Kind: engine.InputChoice, ChoiceID: "a", Asked: first, Text: "Apples"}).Outputs[0].Asked
	if second == "" || second == first || c.sess.Vars["first"] != "a" {
		t.Fatalf("tokens %q, %q; first = %v", first, second, c.sess.Vars["first"])
	}
	// An old button of the first question, while at the second.
	res := c.send(engine.Input{Kind: engine.InputChoice, ChoiceID: "b", Asked: first, Text: "Bananas"})
	if c.sess.Vars["second"] != "" || !c.hasEvent(engine.EventStaleChoice) || c.sess.Retries != 0 {
		t.Fatalf("a stale tap was taken: second = %v, events %v, retries %d", c.sess.Vars["second"], res.Events, c.sess.Retries)
	}
	if len(res.Outputs) != 2 || res.Outputs[0].Key != "common.stale_choice" || res.Outputs[1].Asked != second {
		t.Fatalf("want the stale-button note and the second question again, got %+v", res.Outputs)
	}
	// The second question's own button, and a tap that carries no token.
	c.send(engine.Input{Kind: engine.InputChoice, ChoiceID: "b", Asked: second, Text: "Bananas"})
	if c.sess.Vars["second"] != "b" {
		t.Fatalf("the current question's button was not taken: %v", c.sess.Vars)
	}
	c.send(engine.Input{Kind: engine.InputChoice, ChoiceID: "c", Text: "Cherries"})
	if c.sess.Vars["first"] != "c" {
		t.Fatalf("a tap without a token was not taken: %v", c.sess.Vars)
	}
}

// A value a formatter cannot format is written as it is, and the step says
// so with an event that names the message but not the value.
func TestAValueThatCannotBeFormattedIsAnEvent(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": `
flow: main
vars: {res: object}
nodes:
  fetch:
    set: {res: '{"fee": "Ana Kumari"}'}
    next: fee
  fee:
    say: t.fee
    data: {fee: vars.res.fee}
    next: due
  due:
    say: t.due
    data: {due: vars.res.when}
    next: end
`})
	c := newChat(t, lib, engine.Config{})
	c.say("hi")
	c.expect("Fee Ana Kumari.", "Due .")
	var details []string
	for _, e := range c.res.Events {
		if e.Kind == engine.EventFormatError {
			details = append(details, e.Node+": "+e.Detail)
			if strings.Contains(e.Detail, "Ana") {
				t.Errorf("the event holds the value: %s", e.Detail)
			}
		}
	}
	want := []string{"fee: t.fee {{money .fee}}: got text; money formats numbers",
		"due: t.due {{date .due}}: got nothing; date formats dates"}
	if strings.Join(details, "\n") != strings.Join(want, "\n") {
		t.Fatalf("format events:\n%s\nwant:\n%s", strings.Join(details, "\n"), strings.Join(want, "\n"))
	}
}

func TestHandbackStartsTheMenuOrANamedFlow(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": pickFlow, "agent": `
flow: agent
triggers:
  keywords: {en: [officer]}
nodes:
  go:
    handoff: common.handoff
    queue: desk
`})
	c := newChat(t, lib, engine.Config{})
	c.say("officer")
	if c.sess.Status != engine.SessionHandoff {
		t.Fatalf("not handed off: %+v", c.sess)
	}
	c.send(engine.Input{Kind: engine.InputStart})
	c.expect("Pick one")
	if !c.hasEvent(engine.EventHandback) || c.sess.Status == engine.SessionHandoff || c.sess.Flow != "main" {
		t.Fatalf("handback to the menu: %+v", c.sess)
	}
	c.say("officer")
	c.send(engine.Input{Kind: engine.InputStart, Text: "agent"})
	if c.sess.Flow != "agent" || c.sess.Status != engine.SessionHandoff {
		t.Fatalf("handback to a named flow: %+v", c.sess)
	}
	c.send(engine.Input{Kind: engine.InputStart, Text: "no-such-flow"})
	c.expect("Pick one")
}

func TestAHandoffWaitsLongerThanTheSessionTimeout(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": pickFlow, "agent": `
flow: agent
triggers:
  keywords: {en: [officer]}
nodes:
  go:
    handoff: common.handoff
    queue: desk
`})
	c := newChat(t, lib, engine.Config{SessionTimeout: time.Hour})
	c.say("officer")
	c.clock.Advance(5 * time.Hour)
	c.say("anyone there?")
	if c.sess.Status != engine.SessionHandoff || len(c.res.Outputs) != 0 || c.hasEvent(engine.EventSessionExpired) {
		t.Fatalf("the handoff lapsed: %+v %q", c.sess, c.texts())
	}
}
