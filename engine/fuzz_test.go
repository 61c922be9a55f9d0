package engine_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/samvad/samvad/engine"
)

// FuzzLoad feeds arbitrary YAML to the flow loader: it must never panic, and
// every diagnostic must name the file.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(pickFlow))
	f.Add([]byte(brokenFlow))
	f.Add([]byte(benchFlow))
	f.Add([]byte("flow: x\nnodes: {a: {say: t.hello, next: a}}"))
	f.Add([]byte("flow: [1\n"))
	f.Add([]byte("nodes: &a {b: *a}"))
	cat := testCatalog(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		_, l := engine.Load(cat, []engine.File{{Path: "flows/f.yaml", Content: src}}, engine.LoadOptions{})
		for _, d := range l {
			if d.Pos.File == "" || d.Message == "" || d.Code == "" {
				t.Fatalf("diagnostic without file, message or code: %+v", d)
			}
		}
	})
}

// FuzzStep sends arbitrary text to every kind of question: the engine must
// never panic and must always answer something while a flow is running.
func FuzzStep(f *testing.F) {
	for _, s := range []string{"1", "२", "hi", "", "menu", "STOP", "0", "४०००५१", "21/11/2026", "\x00\xff", "🙏🏽", "9876543210", "𑁧"} {
		f.Add(s, uint8(0))
	}
	lib := load(f, map[string]string{"main": `
flow: main
vars: {pick: string, pin: string, n: number, d: date, ok: bool, t: string, p: location}
nodes:
  q1: {ask: t.menu, choices: [t.a, t.b, t.c], save: pick, next: q2}
  q2: {ask: t.ask_pin, expect: pin, save: pin, next: q3}
  q3: {ask: t.ask_age, expect: number, validate: 'answer > 0', save: n, next: q4}
  q4: {ask: t.ask_date, expect: date, save: d, next: q5}
  q5: {ask: t.ask_ok, expect: yesno, save: ok, next: q6}
  q6: {ask: t.ask_name, expect: [text], validate: 'len(answer) > 2', save: t, next: q7}
  q7: {ask: t.ask_pin, expect: [pin, location], save: {pin: pin, location: p}, next: q1}
`})
	f.Fuzz(func(t *testing.T, text string, at uint8) {
		eng, err := engine.New(lib, engine.Config{Clock: &engine.FixedClock{}})
		if err != nil {
			t.Fatal(err)
		}
		sess := &engine.Session{Lang: "en"}
		contact := &engine.Contact{ID: "1", Language: "en"}
		var r engine.Result
		ctx := context.Background()
		// Walk to question number at%7 with valid answers, then send the text.
		valid := []string{"hi", "1", "400051", "3", "21/11/2026", "yes", "Asha"}
		for i := 0; i <= int(at%7); i++ {
			if err := eng.Step(ctx, sess, contact, engine.Input{Kind: engine.InputText, Text: valid[i]}, &r); err != nil {
				t.Fatal(err)
			}
		}
		if err := eng.Step(ctx, sess, contact, engine.Input{Kind: engine.InputText, Text: text}, &r); err != nil {
			t.Fatal(err)
		}
		if sess.Status == engine.SessionWaiting && len(r.Outputs) == 0 {
			t.Fatalf("no answer to %q at question %d", text, at%7+1)
		}
		for _, o := range r.Outputs {
			if !utf8.ValidString(o.Text) {
				t.Fatalf("invalid UTF-8 in %q", o.Text)
			}
		}
		if _, err := sess.Encode(nil); err != nil {
			t.Fatalf("the session no longer encodes: %v", err)
		}
	})
}

// FuzzDecodeSession feeds arbitrary bytes to the session decoder.
func FuzzDecodeSession(f *testing.F) {
	s := &engine.Session{Flow: "f", Vars: map[string]any{"a": []any{1.0, map[string]any{"b": "c"}}}}
	good, _ := s.Encode(nil)
	f.Add(good)
	f.Add([]byte{'S', 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := engine.DecodeSession(data)
		if err == nil {
			if _, err := s.Encode(nil); err != nil {
				t.Fatalf("a decoded session does not encode: %v", err)
			}
		}
	})
}
