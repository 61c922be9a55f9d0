package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// scriptedFallback replies to the engine's questions in order, then has
// nothing to say; it records every question.
type scriptedFallback struct {
	replies []engine.FallbackAnswer
	err     error
	asked   []engine.FallbackQuery
}

func (f *scriptedFallback) Answer(ctx context.Context, q engine.FallbackQuery) (engine.FallbackAnswer, error) {
	f.asked = append(f.asked, q)
	if f.err != nil {
		return engine.FallbackAnswer{}, f.err
	}
	if len(f.replies) == 0 {
		return engine.FallbackAnswer{Kind: engine.FallbackNone, Model: "offline"}, nil
	}
	a := f.replies[0]
	f.replies = f.replies[1:]
	return a, nil
}

// fallbackFlows are a main menu that sends what it does not understand to
// the fallback, a flow that takes typed variables, one with an answer:
// node, and one whose PIN code question gives up to the fallback.
var fallbackFlows = map[string]string{
	"main": `
flow: main
title: t.title
nodes:
  services:
    ask: t.menu
    menu: true
    fallback: true
    retries: 2
    on_fail: fallback
`,
	"status": `
flow: status
title: t.a
triggers: {menu: 10}
vars: {reference: string, count: number, when: date, urgent: bool, found: object}
nodes:
  show:
    say: t.got
    data: {pick: vars.reference}
    next: end
`,
	"faq": `
flow: faq
title: t.b
triggers: {menu: 20}
vars: {question: string}
nodes:
  ask_question:
    ask: t.ask_name
    save: question
    next: reply
  reply:
    answer: vars.question
    flows: [status]
    next: bye
    on_none: sorry
  bye:
    say: t.bye
    next: end
  sorry:
    say: t.hello
    next: end
`,
	"pin": `
flow: pin
title: t.c
triggers: {menu: 30}
vars: {pin: string}
nodes:
  ask_pin:
    ask: t.ask_pin
    expect: pin
    save: pin
    retries: 1
    on_fail: fallback
    next: done
  done:
    say: t.got
    data: {pick: vars.pin}
    next: end
`,
}

func fallbackChat(t *testing.T, fb engine.Fallback) *chat {
	t.Helper()
	lib := load(t, fallbackFlows)
	cfg := engine.Config{}
	if fb != nil {
		cfg.Fallback = fb
	}
	return newChat(t, lib, cfg)
}

// record returns the fallback record of the last step's event of kind.
func (c *chat) record(kind engine.EventKind) engine.FallbackRecord {
	c.t.Helper()
	for _, e := range c.res.Events {
		if e.Kind == kind {
			r, err := engine.ParseFallbackRecord(e.Detail)
			if err != nil {
				c.t.Fatalf("event %s: detail %q: %v", kind, e.Detail, err)
			}
			return r
		}
	}
	c.t.Fatalf("no %s event among %+v", kind, c.res.Events)
	return engine.FallbackRecord{}
}

func TestFreeTextIsRoutedWithTypedVariables(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{{
		Kind: engine.FallbackRoute, Flow: "status", Model: "gpt-test", Latency: 1500 * time.Millisecond,
		Args: map[string]string{"reference": "GRV-26-4821-7305-A", "count": "४२", "when": "21/11/2026",
			"urgent": "yes", "found": "x", "nope": "y", "phone_note": "call 9876543210"},
		Passages: []engine.FallbackPassage{{ID: "flow:status", Score: 0.8123}, {ID: "grievance.how_long", Score: 0.4}},
	}}}
	c := fallbackChat(t, fb)
	c.say("what happened to my complaint GRV-26-4821-7305-A")
	c.expect("You picked GRV-26-4821-7305-A.")
	if c.sess.Status != engine.SessionIdle {
		t.Fatalf("the status flow did not run to its end: %+v", c.sess)
	}
	q := fb.asked[0]
	if q.Cause != engine.FallbackIdle || q.Lang != "en" || q.Flow != "" {
		t.Fatalf("query %+v", q)
	}
	var ids []string
	for _, f := range q.Flows {
		ids = append(ids, f.ID)
	}
	if strings.Join(ids, ",") != "main,status,faq,pin" {
		t.Fatalf("offered flows %v; want the main menu and its services", ids)
	}
	if q.Flows[1].Title != "Apples" || strings.Join(q.Flows[1].Vars, ",") != "reference,count,when,urgent" {
		t.Fatalf("the status flow is offered as %+v", q.Flows[1])
	}
	r := c.record(engine.EventFallbackUsed)
	if r.Kind != engine.FallbackRoute || r.Flow != "status" || r.Model != "gpt-test" || r.LatencyMS != 1500 ||
		r.Args["reference"] != "GRV-26-4821-7305-A" || strings.Join(r.Dropped, ",") != "found,nope,phone_note" ||
		len(r.Passages) != 2 || r.Passages[0].Score != 0.81 || r.Cause != engine.FallbackIdle {
		t.Fatalf("record %+v", r)
	}
}

func TestRouteArgumentsTakeTheFlowsTypes(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": fallbackFlows["main"], "typed": `
flow: typed
title: t.a
triggers: {menu: 10}
vars: {note: string, count: number, when: date, urgent: bool}
nodes:
  wait:
    ask: t.ask_ok
    expect: yesno
    next: end
`})
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{{Flow: "typed", Args: map[string]string{
		"note": "call me on 9876543210", "count": "१,२५०", "when": "21/11/2026", "urgent": "हाँ"}}}}
	c := newChat(t, lib, engine.Config{Fallback: fb})
	c.say("something urgent")
	v := c.sess.Vars
	when, _ := v["when"].(time.Time)
	if strings.Contains(v["note"].(string), "9876543210") || v["count"] != 1250.0 || v["urgent"] != true ||
		when.Day() != 21 || when.Month() != time.November {
		t.Fatalf("vars %#v", v)
	}
	if r := c.record(engine.EventFallbackUsed); strings.Contains(r.Args["note"], "9876543210") || len(r.Dropped) != 0 {
		t.Fatalf("record %+v", r)
	}
	// A value that does not read as its type is left out.
	fb.replies = []engine.FallbackAnswer{{Flow: "typed", Args: map[string]string{"count": "many", "when": "someday"}}}
	c.say("0")
	c.say("something else")
	if v := c.sess.Vars; v["count"] != 0.0 || c.sess.Flow != "typed" {
		t.Fatalf("vars %#v", v)
	}
	if r := c.record(engine.EventFallbackUsed); strings.Join(r.Dropped, ",") != "count,when" {
		t.Fatalf("record %+v", r)
	}
}

func TestAnAnswerToFreeTextLeavesTheConversationResting(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{{Text: "Offices open at 10 am.", Lang: "en", Model: "offline",
		Passages: []engine.FallbackPassage{{ID: "office.hours", Score: 0.9}}}}}
	c := fallbackChat(t, fb)
	c.say("when do offices open")
	c.expect("Offices open at 10 am.")
	if c.sess.Status != engine.SessionIdle || c.res.Outputs[0].Key != "" || c.res.Outputs[0].Lang != "en" {
		t.Fatalf("session %+v, output %+v", c.sess, c.res.Outputs[0])
	}
	if r := c.record(engine.EventFallbackUsed); r.Answer != "Offices open at 10 am." || r.Passages[0].ID != "office.hours" {
		t.Fatalf("record %+v", r)
	}
	// Nothing to say: the main menu, as without a fallback; the question
	// is recorded as missed.
	c.say("blah blah")
	c.expect("Pick one")
	if r := c.record(engine.EventFallbackMissed); r.Question != "blah blah" || r.Kind != engine.FallbackNone {
		t.Fatalf("record %+v", r)
	}
}

func TestNothingWithoutLettersGoesToTheFallback(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{}
	c := fallbackChat(t, fb)
	for _, text := range []string{"42", "👍", "?!"} {
		c.clearSession()
		c.say(text)
		c.expect("Pick one")
	}
	if len(fb.asked) != 0 {
		t.Fatalf("the fallback was asked %+v", fb.asked)
	}
}

func TestZeroReachesTheMenuWhateverTheFallbackSays(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{{Flow: "status"}, {Flow: "status"}}}
	c := fallbackChat(t, fb)
	c.say("0")
	c.expect("Pick one")
	c.say("menu")
	c.expect("Pick one")
	if len(fb.asked) != 0 {
		t.Fatalf("the fallback was asked %+v", fb.asked)
	}
}

func TestAnswersTheCitizenCannotReadAreNotShown(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", engine.MaxFallbackAnswer+1)
	tests := []struct {
		name string
		ans  engine.FallbackAnswer
		lang string
		why  string
	}{
		{"another language", engine.FallbackAnswer{Text: "Offices open at 10.", Lang: "en"}, "hi", `answer in "en"`},
		{"another script", engine.FallbackAnswer{Text: "Offices open at 10."}, "hi", "Latin script"},
		{"Devanagari for English", engine.FallbackAnswer{Text: "दफ़्तर 10 बजे खुलते हैं।"}, "en", "Devanagari script"},
		{"too long", engine.FallbackAnswer{Text: long}, "en", "over the 4096"},
		{"blank", engine.FallbackAnswer{Kind: engine.FallbackText, Text: "  "}, "en", "empty answer"},
		{"a flow not loaded", engine.FallbackAnswer{Flow: "ration"}, "en", `flow "ration" is not loaded`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fb := &scriptedFallback{replies: []engine.FallbackAnswer{tt.ans}}
			c := fallbackChat(t, fb)
			c.sess.Lang, c.contact.Language = tt.lang, tt.lang
			c.say("when do offices open")
			if len(c.res.Outputs) != 1 || c.res.Outputs[0].Key != "t.menu" {
				t.Fatalf("the citizen got %q; want the main menu alone", c.texts())
			}
			if r := c.record(engine.EventFallbackMissed); !strings.Contains(r.Rejected, tt.why) {
				t.Fatalf("rejected %q; want it to say %q", r.Rejected, tt.why)
			}
		})
	}
}

func TestAnAnswerInTheCitizensScriptIsShown(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{{Text: "दफ़्तर सुबह 10 बजे (GRV-26-1676-J9) खुलते हैं।", Lang: "hi"}}}
	c := fallbackChat(t, fb)
	c.sess.Lang, c.contact.Language = "hi", "hi"
	c.say("दफ़्तर कब खुलते हैं")
	c.expect("दफ़्तर सुबह 10 बजे (GRV-26-1676-J9) खुलते हैं।")
	if fb.asked[0].Lang != "hi" || fb.asked[0].Flows[0].Title != "परीक्षण" {
		t.Fatalf("query %+v", fb.asked[0])
	}
}

func TestTheMainMenuGivesUpToTheFallbackNotToAPerson(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{}
	c := fallbackChat(t, fb)
	c.say("0")
	for i := 0; i < 2; i++ {
		c.say("something unclear")
		c.expect("Reply 1 to 3.")
	}
	c.say("still unclear")
	c.expect("Too many tries.", "Pick one")
	if c.hasEvent(engine.EventHandoff) || c.sess.Status != engine.SessionWaiting || c.sess.Flow != "main" {
		t.Fatalf("session %+v, events %+v", c.sess, c.res.Events)
	}
	// Each unclear answer went to the fallback once, the last one too.
	if len(fb.asked) != 3 || fb.asked[2].Cause != engine.FallbackInvalid || fb.asked[2].Node != "services" {
		t.Fatalf("the fallback was asked %+v", fb.asked)
	}
	// Out of range numbers are not sent, and still count.
	for i := 0; i < 3; i++ {
		c.say("9")
	}
	c.expect("Too many tries.", "Pick one")
	if len(fb.asked) != 3 {
		t.Fatalf("a number went to the fallback: %+v", fb.asked[3:])
	}
}

func TestAnUnclearMenuAnswerIsAnsweredAndTheMenuShownAgain(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{{Text: "Bring your ration card."}}}
	c := fallbackChat(t, fb)
	c.say("0")
	c.say("what do I need to bring")
	c.expect("Bring your ration card.", "Pick one")
	if c.sess.Retries != 0 || c.sess.Node != "services" {
		t.Fatalf("session %+v", c.sess)
	}
}

func TestRetriesRunOutIntoTheFallback(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{{Text: "Share your location if you do not know the PIN code."}}}
	c := fallbackChat(t, fb)
	c.say("0")
	c.say("3")
	c.expect("Your PIN code?")
	c.say("i dont know")
	c.expect("Send a PIN code.")
	if len(fb.asked) != 0 {
		t.Fatal("the fallback was asked before the retries ran out")
	}
	c.say("i really dont know it")
	c.expect("Share your location if you do not know the PIN code.", "Your PIN code?")
	if q := fb.asked[0]; q.Cause != engine.FallbackRetries || q.Flow != "pin" || q.Node != "ask_pin" || q.Text != "i really dont know it" {
		t.Fatalf("query %+v", q)
	}
	if c.sess.Retries != 0 || c.sess.Node != "ask_pin" {
		t.Fatalf("the question is not asked afresh: %+v", c.sess)
	}
	// Nothing to say the next time: not understood, and the main menu.
	c.say("no")
	c.say("no idea")
	c.expect("Too many tries.", "Pick one")
	if r := c.record(engine.EventFallbackMissed); r.Cause != engine.FallbackRetries {
		t.Fatalf("record %+v", r)
	}
}

func TestOnFailFallbackWithoutAFallbackShowsTheMenu(t *testing.T) {
	t.Parallel()
	c := fallbackChat(t, nil)
	c.say("0")
	c.say("3")
	c.say("x")
	c.say("y")
	c.expect("Too many tries.", "Pick one")
}

func TestAnAnswerNode(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{
		{Text: "Fees are on the notice."},
		{Flow: "pin"}, // not among its flows:
		{Flow: "status", Args: map[string]string{"reference": "R7"}},
	}}
	c := fallbackChat(t, fb)
	c.say("0")
	c.say("2")
	c.expect("Your name?")
	c.say("what are the fees")
	c.expect("Fees are on the notice.", "Bye")
	q := fb.asked[0]
	if q.Cause != engine.FallbackQuestion || q.Node != "reply" || len(q.Flows) != 1 || q.Flows[0].ID != "status" {
		t.Fatalf("query %+v", q)
	}
	c.say("0")
	c.say("2")
	c.say("take me to the pin thing")
	c.expect("Hello") // on_none
	if r := c.record(engine.EventFallbackMissed); !strings.Contains(r.Rejected, `"pin" was not offered`) {
		t.Fatalf("record %+v", r)
	}
	c.say("0")
	c.say("2")
	c.say("status of R7")
	c.expect("You picked R7.")
	c.say("0")
	c.say("2")
	c.say("anything")
	c.expect("Hello")
}

func TestAnAnswerNodeWithNothingToSayShowsTheMenu(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": fallbackFlows["main"], "faq": `
flow: faq
title: t.b
triggers: {menu: 20}
nodes:
  ask_question:
    ask: t.ask_name
    next: reply
  reply:
    answer: input
    flows: []
    next: end
`})
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{{Flow: "main"}}}
	c := newChat(t, lib, engine.Config{Fallback: fb})
	c.say("0")
	c.say("1")
	c.say("hello there")
	c.expect("Too many tries.", "Pick one")
	if len(fb.asked[0].Flows) != 0 {
		t.Fatalf("flows: [] offered %+v", fb.asked[0].Flows)
	}
}

func TestAFailingFallbackIsRecordedAndTheMenuShown(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{err: errors.New("llm: model down")}
	c := fallbackChat(t, fb)
	c.say("when do offices open")
	c.expect("Pick one")
	if r := c.record(engine.EventFallbackFailed); r.Reason != "llm: model down" || r.Kind != engine.FallbackNone {
		t.Fatalf("record %+v", r)
	}
}

// blockingFallback waits for its context to end.
type blockingFallback struct{}

func (blockingFallback) Answer(ctx context.Context, q engine.FallbackQuery) (engine.FallbackAnswer, error) {
	<-ctx.Done()
	return engine.FallbackAnswer{}, ctx.Err()
}

func TestASlowFallbackIsCutOffAtItsTimeout(t *testing.T) {
	t.Parallel()
	lib := load(t, fallbackFlows)
	c := newChat(t, lib, engine.Config{Fallback: blockingFallback{}, FallbackTimeout: 20 * time.Millisecond})
	c.say("when do offices open")
	c.expect("Pick one")
	if r := c.record(engine.EventFallbackFailed); !strings.Contains(r.Reason, "deadline") {
		t.Fatalf("record %+v", r)
	}
}

func TestTheFallbackNeverSeesIdentityNumbers(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{}
	c := fallbackChat(t, fb)
	c.say("my aadhaar is 2345 6789 0124 and phone 9876543210, where is my card")
	q := fb.asked[0].Text
	if strings.Contains(q, "9876543210") || strings.Contains(q, "2345 6789 0124") {
		t.Fatalf("the fallback saw %q", q)
	}
	if r := c.record(engine.EventFallbackMissed); r.Question != q {
		t.Fatalf("recorded %q, sent %q", r.Question, q)
	}
}

func TestFallbackRecordsFitAnEventDetail(t *testing.T) {
	t.Parallel()
	small := engine.FallbackRecord{Cause: engine.FallbackIdle, Question: "a <b> & \"c\"", Kind: engine.FallbackText,
		Answer: "yes", Model: "offline", Passages: []engine.RecordedPassage{{ID: "x.y", Score: 0.5}}, LatencyMS: 3}
	got, err := engine.ParseFallbackRecord(small.Encode())
	if err != nil || got.Question != small.Question || got.Answer != "yes" || got.Passages[0] != small.Passages[0] || got.LatencyMS != 3 {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	big := engine.FallbackRecord{Cause: engine.FallbackIdle, Question: strings.Repeat("शिकायत की स्थिति ", 60),
		Answer: strings.Repeat("आपकी शिकायत दर्ज है। ", 80), Kind: engine.FallbackText, Model: "offline",
		Passages: make([]engine.RecordedPassage, 4)}
	enc := big.Encode()
	if len(enc) > engine.MaxRecordBytes {
		t.Fatalf("%d bytes", len(enc))
	}
	got, err = engine.ParseFallbackRecord(enc)
	if err != nil || got.Kind != engine.FallbackText || got.Model != "offline" || !strings.HasPrefix(got.Question, "शिकायत") ||
		!strings.HasSuffix(got.Question, "…") {
		t.Fatalf("%+v, %v", got, err)
	}
}

func (c *chat) clearSession() { *c.sess = engine.Session{Lang: c.sess.Lang} }

// brokenFallbackFlow misuses the fallback's syntax once per line marked
// with the diagnostic code expected there.
const brokenFallbackFlow = `flow: main
title: t.title
vars: {n: number}
nodes:
  first:
    ask: t.ask_age
    expect: number
    save: n
    next: fallback          # fallback-target
  fallback:                 # node-name
    say: t.hello
    next: end
  reply:
    answer: vars.n          # answer-type
    flows: [main, nowhere]  # unknown-flow
    next: end
  other:
    answer: input
    on_none: elsewhere      # unknown-node
`

func TestFallbackSyntaxMistakesAreReported(t *testing.T) {
	t.Parallel()
	_, l := loadDiag(t, map[string]string{"main": brokenFallbackFlow})
	got := map[string]bool{}
	for _, d := range l {
		got[fmt.Sprintf("%d:%s", d.Pos.Line, d.Code)] = true
	}
	for i, line := range strings.Split(brokenFallbackFlow, "\n") {
		if _, code, ok := strings.Cut(line, "# "); ok && !got[fmt.Sprintf("%d:%s", i+1, strings.TrimSpace(code))] {
			t.Errorf("line %d: no %s diagnostic", i+1, strings.TrimSpace(code))
		}
	}
	dead := false
	for _, d := range l {
		dead = dead || (d.Code == "dead-end" && strings.Contains(d.Message, `"other"`))
	}
	if !dead {
		t.Error("an answer: node without next: is not reported as a dead end")
	}
	if t.Failed() {
		t.Logf("all diagnostics:\n%v", diag.ListError(l))
	}
}

func TestANewCitizenChoosesALanguageBeforeTheFallbackAnswers(t *testing.T) {
	t.Parallel()
	fb := &scriptedFallback{replies: []engine.FallbackAnswer{{Text: "दफ़्तर 10 बजे खुलते हैं।"}}}
	c := fallbackChat(t, fb)
	c.sess.Lang, c.contact.Language, c.contact.New = "", "", true
	c.say("when do offices open")
	c.expect("Pick one")
	if len(fb.asked) != 0 {
		t.Fatalf("the fallback was asked %+v", fb.asked)
	}
	// A first message whose script shows the language is answered.
	*c.sess, *c.contact = engine.Session{}, engine.Contact{ID: "919800000002", New: true}
	c.say("दफ़्तर कब खुलते हैं")
	c.expect("दफ़्तर 10 बजे खुलते हैं।")
}
