// Command embed shows Samvad's engine used as a library, without the server:
// a department's own Go service loads the shipped flows, supplies its own
// connector for the flows' service calls, and keeps each citizen's session
// wherever it likes (here, in a map, encoded as the store would keep it).
//
//	go run ./examples/embed
//
// It plays a short conversation and prints it.
package main

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/samvad/samvad/engine"
)

// grievanceDesk is the department's own system, reached through the
// engine's Services port.
type grievanceDesk struct{ lodged []map[string]any }

func (d *grievanceDesk) Call(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
	switch name {
	case "grievance.lodge":
		d.lodged = append(d.lodged, args)
		return map[string]any{"reference": "GRV-26-4821-7305-A", "days": 5}, nil
	case "grievance.status":
		return map[string]any{"outcome": "not_found"}, nil
	}
	return nil, fmt.Errorf("%w %q", engine.ErrUnknownService, name)
}

func main() {
	lib, problems := engine.LoadDir("flows", "locales")
	if problems.HasErrors() {
		log.Fatal(problems.Err())
	}
	desk := &grievanceDesk{}
	eng, err := engine.New(lib, engine.Config{EntryFlow: "main", Services: desk, SessionTimeout: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	sessions := map[string][]byte{} // citizen → encoded session
	citizen := &engine.Contact{ID: "919800000001", Name: "Asha", Language: "en"}
	for _, text := range []string{"complaint", "1", "1", "No water since morning", "560001", "skip", "1"} {
		fmt.Println("citizen:", text)
		for _, reply := range step(eng, sessions, citizen, text) {
			fmt.Println("bot:    ", strings.ReplaceAll(reply, "\n", "\n         "))
		}
	}
	fmt.Printf("lodged with the department: %v\n", desk.lodged)
}

// step loads the citizen's session, runs one message through the engine and
// saves the session back: what the server's workers do in a transaction.
func step(eng *engine.Engine, sessions map[string][]byte, c *engine.Contact, text string) []string {
	sess := &engine.Session{}
	if state, ok := sessions[c.ID]; ok {
		if err := sess.Decode(state); err != nil {
			sess = &engine.Session{} // a corrupt session starts afresh
		}
	}
	var res engine.Result
	if err := eng.Step(context.Background(), sess, c, engine.Input{Kind: engine.InputText, Text: text, At: time.Now()}, &res); err != nil {
		log.Fatal(err)
	}
	state, err := sess.Encode(nil)
	if err != nil {
		log.Fatal(err)
	}
	sessions[c.ID] = state
	var out []string
	for _, o := range res.Outputs {
		line := o.Text
		for i, ch := range o.Choices {
			line += fmt.Sprintf("\n%d. %s", i+1, ch.Label)
		}
		out = append(out, line)
	}
	return out
}
