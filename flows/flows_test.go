// Package flows_test runs, under `go test`, what `samvad lint` and
// `samvad test` check for the shipped flows: they load without a problem in
// every language, and every conversation test under flows/ holds.
package flows_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/samvad/samvad/adapters/llm/knowledge"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/transcript"
)

func loadShipped(t *testing.T) (*engine.Library, engine.Sources) {
	t.Helper()
	src, l := engine.ReadSources(".", "../locales")
	lib, more := engine.LoadSources(src, engine.LoadOptions{})
	l = append(l, more...)
	if len(l) > 0 {
		t.Fatalf("the shipped flows must load without errors or warnings:\n%v", diag.ListError(l))
	}
	return lib, src
}

func TestShippedFlowsLoadInEveryLanguage(t *testing.T) {
	lib, _ := loadShipped(t)
	if len(lib.Languages) < 2 {
		t.Fatalf("only %d languages loaded", len(lib.Languages))
	}
	for _, id := range []string{"main", "language", "grievance", "grievance_status", "vaccination", "helplines"} {
		if lib.Flow(id) == nil {
			t.Errorf("flow %s is missing", id)
		}
	}
}

func TestConversations(t *testing.T) {
	lib, src := loadShipped(t)
	if len(src.Transcripts) == 0 {
		t.Fatal("no conversation tests found under flows/")
	}
	for _, f := range src.Transcripts {
		f := f
		t.Run(strings.TrimSuffix(f.Path, ".yaml"), func(t *testing.T) {
			c, l := transcript.Parse(f.Path, f.Content)
			if l.HasErrors() {
				t.Fatal(l.Err())
			}
			res := c.Run(lib)
			if !res.Passed() {
				t.Errorf("%s\n%s", strings.Join(res.Log, "\n"), failures(res))
			}
		})
	}
}

func failures(r *transcript.Result) string {
	var lines []string
	for _, f := range r.Failures {
		lines = append(lines, f.String())
	}
	return strings.Join(lines, "\n")
}

// TestSessionRowsSayVaccineAgeFeeAndPlacesLeft checks the second line of
// each row of the vaccination sessions list, which a conversation test
// cannot see: the vaccine, the lowest age, the fee and the places left,
// within WhatsApp's 72 characters.
func TestSessionRowsSayVaccineAgeFeeAndPlacesLeft(t *testing.T) {
	t.Parallel()
	lib, _ := loadShipped(t)
	sessions := []any{
		map[string]any{"session_id": "s1", "name": "Municipal Dispensary Khar Danda", "vaccine": "COVISHIELD",
			"min_age_limit": 18.0, "fee": "0", "available_capacity": 147.0, "slots": []any{"09:00AM-11:00AM"}},
		map[string]any{"session_id": "s2", "name": "Hinduja Hospital", "vaccine": "COVAXIN",
			"min_age_limit": 45.0, "fee": "1410", "available_capacity": 3.0, "slots": []any{"09:00AM-11:00AM"}},
	}
	svc := engine.ServiceFunc(func(_ context.Context, name string, _ map[string]any) (map[string]any, error) {
		if name != "vaccination.sessions_by_pin" {
			return nil, fmt.Errorf("unexpected call %s", name)
		}
		return map[string]any{"outcome": "ok", "sessions": sessions, "count": 2.0}, nil
	})
	eng, err := engine.New(lib, engine.Config{EntryFlow: "vaccination", Services: svc})
	if err != nil {
		t.Fatal(err)
	}
	sess, citizen := &engine.Session{}, &engine.Contact{ID: "919800000001", Language: "en"}
	var res engine.Result
	for _, text := range []string{"vaccine", "1", "400052", "1"} {
		if err := eng.Step(context.Background(), sess, citizen, engine.Input{Kind: engine.InputText, Text: text}, &res); err != nil {
			t.Fatal(err)
		}
	}
	var rows []engine.Choice
	for _, o := range res.Outputs {
		if o.Key == "vaccination.pick_session" {
			rows = o.Choices
		}
	}
	want := []string{"COVISHIELD · 18+ · ₹0 · 147", "COVAXIN · 45+ · ₹1410 · 3"}
	if len(rows) != len(want) {
		t.Fatalf("the sessions question offers %+v (outputs %+v)", rows, res.Outputs)
	}
	for i, w := range want {
		if rows[i].Description != w {
			t.Errorf("row %d reads %q, want %q", i+1, rows[i].Description, w)
		}
		if n := utf8.RuneCountInString(rows[i].Description); n > engine.MaxChoiceDescription {
			t.Errorf("row %d's description is %d characters", i+1, n)
		}
	}
}

// knowledgeChecked are the knowledge files whose every flow: must be a
// shipped flow. Add a service's file once its flow ships.
var knowledgeChecked = []string{"general.yaml", "grievance.yaml", "helplines.yaml", "officer.yaml", "vaccination.yaml"}

// TestKnowledgeLeadsToShippedFlows checks that the FAQ entries and intents
// of the shipped services name their flows by the right ids: an answer that
// offers a flow that does not exist would leave the citizen nowhere.
func TestKnowledgeLeadsToShippedFlows(t *testing.T) {
	t.Parallel()
	lib, src := loadShipped(t)
	var files []knowledge.File
	for _, f := range src.Knowledge {
		files = append(files, knowledge.File{Path: f.Path, Content: f.Content})
	}
	base, problems := knowledge.Read(files)
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	led := map[string]int{}
	check := func(pos diag.Pos, flow, what string) {
		name := filepath.Base(pos.File)
		if flow == "" || !slices.Contains(knowledgeChecked, name) {
			return
		}
		led[name]++
		if lib.Flow(flow) == nil {
			t.Errorf("%s: %s leads to flow %q, which is not shipped", pos, what, flow)
		}
	}
	for _, e := range base.Entries {
		check(e.Pos, e.Flow, "entry "+e.ID)
	}
	for _, in := range base.Intents {
		check(in.Pos, in.Flow, "an intent")
	}
	for _, name := range []string{"vaccination.yaml", "helplines.yaml"} {
		if led[name] == 0 {
			t.Errorf("flows/knowledge/%s leads to no flow", name)
		}
	}
}
