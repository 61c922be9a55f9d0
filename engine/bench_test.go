package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/locale"
)

// benchFlow is the shape the issue measures: a question with 3 choices (in
// Hindi), a branch with 3 cases on the input, and a say with a template
// variable, which leads back to the question.
const benchFlow = `
flow: main
vars: {pick: string}
nodes:
  pick:
    ask: t.menu
    choices: [t.a, t.b, t.c]
    save: pick
    next: route
  route:
    branch:
      - when: input == "1"
        next: got
      - when: input == "2"
        next: got
      - when: input == "3"
        next: got
    default: pick
  got:
    say: t.got
    next: pick
`

var benchInputs = []engine.Input{
	{Kind: engine.InputText, Text: "१"},
	{Kind: engine.InputText, Text: "२"},
	{Kind: engine.InputText, Text: "३"},
}

func benchEngine(b *testing.B) (*engine.Engine, *engine.Session, *engine.Contact) {
	lib := load(b, map[string]string{"main": benchFlow})
	eng, err := engine.New(lib, engine.Config{Clock: &engine.FixedClock{T: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}})
	if err != nil {
		b.Fatal(err)
	}
	sess := &engine.Session{Lang: "hi"}
	contact := &engine.Contact{ID: "919800000001", Language: "hi"}
	var r engine.Result
	if err := eng.Step(context.Background(), sess, contact, engine.Input{Kind: engine.InputText, Text: "नमस्ते"}, &r); err != nil {
		b.Fatal(err)
	}
	return eng, sess, contact
}

// BenchmarkStep resumes a waiting session with a citizen's answer, in memory.
func BenchmarkStep(b *testing.B) {
	eng, sess, contact := benchEngine(b)
	ctx := context.Background()
	var r engine.Result
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := eng.Step(ctx, sess, contact, benchInputs[i%3], &r); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if len(r.Outputs) != 2 || !strings.HasPrefix(r.Outputs[0].Text, "आपने") {
		b.Fatalf("unexpected outputs %+v", r.Outputs)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkStepWithState is BenchmarkStep plus decoding the stored session
// and encoding the new one, as the worker does for every message.
func BenchmarkStepWithState(b *testing.B) {
	eng, sess, contact := benchEngine(b)
	state, err := sess.Encode(nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var r engine.Result
	var s engine.Session
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Decode(state); err != nil {
			b.Fatal(err)
		}
		if err := eng.Step(ctx, &s, contact, benchInputs[i%3], &r); err != nil {
			b.Fatal(err)
		}
		if buf, err = s.Encode(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkLoad50Flows6Languages compiles 50 flows of 12 nodes each against
// locale files in 6 languages.
func BenchmarkLoad50Flows6Languages(b *testing.B) {
	locales, flows := syntheticProject(50, 6)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cat, l := locale.Load(locales)
		if l.HasErrors() {
			b.Fatal(l.Err())
		}
		if _, l := engine.Load(cat, flows, engine.LoadOptions{}); l.HasErrors() {
			b.Fatal(l.Err())
		}
	}
}

// syntheticProject writes n flows and their messages in langs languages.
func syntheticProject(n, langs int) ([]locale.File, []engine.File) {
	codes := []string{"en", "hi", "bn", "or", "mr", "ta", "te", "kn"}[:langs]
	var locales []locale.File
	for _, code := range codes {
		var b strings.Builder
		b.WriteString(testLocales["en"])
		for f := 0; f < n; f++ {
			fmt.Fprintf(&b, "f%d:\n  title: Service %d\n  ask: \"Question {{.count}}?\"\n  a: Choice A\n  b: Choice B\n  c: Choice C\n  done: \"Done {{.ref}} in %s\"\n  fail: Sorry\n", f, f, code)
		}
		locales = append(locales, locale.File{Path: "locales/" + code + ".yaml", Content: []byte(b.String())})
	}
	var flows []engine.File
	for f := 0; f < n; f++ {
		src := fmt.Sprintf(`flow: f%[1]d
title: f%[1]d.title
triggers: {menu: %[2]d}
vars: {pick: string, count: number, ref: string, res: object}
nodes:
  q1: {ask: f%[1]d.ask, choices: [f%[1]d.a, f%[1]d.b, f%[1]d.c], save: pick, next: b1}
  b1:
    branch:
      - {when: 'vars.pick == "a" && vars.count < 3', next: s1}
      - {when: 'vars.pick == "b"', next: q2}
    default: q3
  s1: {set: {count: vars.count + 1}, next: q1}
  q2: {ask: f%[1]d.ask, expect: number, validate: answer > 0, save: count, next: c1}
  q3: {ask: f%[1]d.ask, expect: pin, save: ref, next: c1}
  c1: {call: svc, args: {p: vars.pick, n: vars.count}, save: res, next: d1, on_error: e1}
  d1: {say: f%[1]d.done, data: {ref: vars.res.ref}, next: q4}
  q4: {ask: f%[1]d.ask, expect: yesno, next: q5}
  q5: {ask: f%[1]d.ask, expect: date, next: q6}
  q6: {ask: f%[1]d.ask, expect: [pin, location], next: end}
  e1: {say: f%[1]d.fail, next: q7}
  q7: {ask: f%[1]d.ask, expect: text, next: end}
`, f, f+1)
		flows = append(flows, engine.File{Path: fmt.Sprintf("flows/f%d.yaml", f), Content: []byte(src)})
	}
	return locales, flows
}
