package llm_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/llm"
	"github.com/samvad/samvad/adapters/llm/openai"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/internal/llmfake"
)

// engineChat is the shipped flows run by an engine whose fallback asks a
// fake model, for a citizen answered in lang.
type engineChat struct {
	t      *testing.T
	called map[string]any // the arguments of the last service call
	eng    *engine.Engine
	sess   *engine.Session
	c      *engine.Contact
	res    engine.Result
}

func newEngineChat(t *testing.T, srv *llmfake.Server, lang string) *engineChat {
	t.Helper()
	lib, l := engine.LoadDir("../../flows", "../../locales")
	if l.HasErrors() {
		t.Fatal(l.Err())
	}
	client, err := openai.New(openai.Config{BaseURL: srv.URL, Model: "fake-model", APIKey: "sk-engine-test",
		Backoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := llm.New(llm.Config{Index: shippedIndex(t), Client: client, TrustOffline: 2, Timeout: 500 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c := &engineChat{t: t, sess: &engine.Session{Lang: lang}, c: &engine.Contact{ID: "919800000009", Language: lang}}
	services := engine.ServiceFunc(func(_ context.Context, name string, args map[string]any) (map[string]any, error) {
		c.called = args
		return map[string]any{"outcome": "ok", "status": "resolved", "reference": args["reference"], "updated": "2026-11-19"}, nil
	})
	c.eng, err = engine.New(lib, engine.Config{Fallback: fb, FallbackTimeout: 2 * time.Second, Services: services})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *engineChat) say(text string) []string {
	c.t.Helper()
	if err := c.eng.Step(context.Background(), c.sess, c.c, engine.Input{Kind: engine.InputText, Text: text}, &c.res); err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, o := range c.res.Outputs {
		out = append(out, o.Text)
	}
	return out
}

// The whole path: the engine's question, redacted, reaches the model with
// the passages and the citizen's language; the model's answer reaches the
// citizen; an invented amount is not shown, and the menu is asked again.
func TestThroughTheEngineInHindi(t *testing.T) {
	t.Parallel()
	srv := llmfake.Start()
	defer srv.Close()
	c := newEngineChat(t, srv, "hi")
	c.say("मेनू")
	srv.Script(llmfake.ToolCall("answer", map[string]any{"text": "शिकायत दर्ज होने पर संदेश में लिखा होता है कि कार्रवाई कितने दिनों में होगी।"}))
	got := c.say("शिकायत कितने दिन में हल होगी? मेरा आधार 2345 6789 0124 है")
	if len(got) != 2 || got[0] != "शिकायत दर्ज होने पर संदेश में लिखा होता है कि कार्रवाई कितने दिनों में होगी।" || c.res.Outputs[1].Key != "main.menu" {
		t.Fatalf("the citizen got %q", got)
	}
	req := srv.Requests()[0]
	prompt := req.Body.Text()
	if strings.Contains(prompt, "2345 6789 0124") || !strings.Contains(prompt, "Write in Hindi (in Devanagari script)") ||
		!strings.Contains(prompt, "[grievance.how_long]") || !strings.Contains(prompt, "- grievance_status: शिकायत की स्थिति (arguments: reference") {
		t.Fatalf("prompt:\n%s", prompt)
	}
	srv.Script(llmfake.ToolCall("answer", map[string]any{"text": "शिकायत का शुल्क ₹50 है।"}))
	got = c.say("शिकायत करने का शुल्क कितना है")
	if last := c.res.Outputs[len(c.res.Outputs)-1]; strings.Contains(strings.Join(got, "\n"), "50") ||
		last.Key != "common.invalid.choice" || len(last.Choices) == 0 {
		t.Fatalf("the citizen got %q; want the menu's choices asked for again", got)
	}
	// A route with the reference the model only saw as a placeholder.
	srv.Script(llmfake.ToolCall("route_to_flow", map[string]any{"flow": "grievance_status", "arguments": map[string]any{"reference": "[REF1]"}}))
	got = c.say("GRV-26-4821-7305-A वाली शिकायत का क्या हुआ बताइए")
	if p := srv.Requests()[2].Body.Text(); strings.Contains(p, "GRV-26-4821-7305-A") || !strings.Contains(p, "[REF1]") {
		t.Fatalf("the reference reached the model:\n%s", p)
	}
	if c.called["reference"] != "GRV-26-4821-7305-A" || !strings.Contains(strings.Join(got, "\n"), "GRV-26-4821-7305-A") {
		t.Fatalf("the status flow looked up %v and said %q", c.called, got)
	}
}
