package engine_test

import (
	"context"
	"fmt"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/locale"
)

// A department's flow, its messages, and one citizen's conversation.
func Example() {
	cat, _ := locale.Load([]locale.File{{Path: "locales/en.yaml", Content: []byte(`
common: {yes: "Yes", no: "No", skip: Skip, choose: Choose, too_many_tries: Sorry., unsupported: Sorry.,
  opted_out: Stopped., opted_in: Started., handoff: Passing you on., error: Sorry., fallback_intro: Found, please_wait: Wait., stale_choice: Old button.,
  invalid: {text: Type something., number: Send a number., choice: "Reply 1 to {{.max}}.", yesno: Yes or no.,
    date: Send a date., pin: "A PIN code has 6 digits, like 400051.", phone: Send a number., location: Share it.,
    image: Send a photo., document: Send a file., media: Send a file., language: Pick one.}}
office:
  ask_pin: Send your 6-digit PIN code.
  found: "PIN {{.pin}} is served by the {{.office}} ward office."
`)}})
	lib, problems := engine.Load(cat, []engine.File{{Path: "flows/office.yaml", Content: []byte(`
flow: office
vars: {pin: string, found: object}
nodes:
  ask:
    ask: office.ask_pin
    expect: pin
    save: pin
    next: lookup
  lookup:
    call: offices.by_pin
    args: {pin: vars.pin}
    save: found
    next: answer
    on_error: end
  answer:
    say: office.found
    data: {office: vars.found.name}
    next: end
`)}}, engine.LoadOptions{})
	if problems.HasErrors() {
		fmt.Println(problems.Err())
		return
	}
	offices := engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		return map[string]any{"name": "H/West (Bandra)"}, nil
	})
	eng, _ := engine.New(lib, engine.Config{EntryFlow: "office", Services: offices})
	sess, citizen := &engine.Session{}, &engine.Contact{ID: "919800000001"}
	var res engine.Result
	for _, text := range []string{"hi", "40005", "४०००५०"} {
		_ = eng.Step(context.Background(), sess, citizen, engine.Input{Kind: engine.InputText, Text: text}, &res)
		for _, out := range res.Outputs {
			fmt.Println(out.Text)
		}
	}
	// Output:
	// Send your 6-digit PIN code.
	// A PIN code has 6 digits, like 400051.
	// PIN 400050 is served by the H/West (Bandra) ward office.
}
