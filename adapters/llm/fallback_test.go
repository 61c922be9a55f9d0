package llm_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/llm"
	"github.com/samvad/samvad/adapters/llm/knowledge"
	"github.com/samvad/samvad/adapters/llm/openai"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/internal/llmfake"
)

var (
	indexOnce sync.Once
	index     *knowledge.Index
)

func shippedIndex(t *testing.T) *knowledge.Index {
	t.Helper()
	indexOnce.Do(func() {
		b, err := knowledge.LoadDir("../../flows/knowledge")
		if err != nil {
			t.Fatal(err)
		}
		index = knowledge.NewIndex(b, knowledge.Options{})
	})
	if index == nil {
		t.Fatal("the shipped knowledge base did not load")
	}
	return index
}

var allFlows = []llm.Flow{
	{ID: "main", Title: "Main menu"}, {ID: "grievance", Title: "Lodge a complaint"},
	{ID: "grievance_status", Title: "Check a complaint"}, {ID: "vaccination", Title: "Vaccination"},
	{ID: "ration", Title: "Ration card"}, {ID: "property_tax", Title: "Property tax"},
	{ID: "office", Title: "Find my ward office"}, {ID: "helplines", Title: "Helplines"},
	{ID: "officer", Title: "Talk to an officer"}, {ID: "language", Title: "Change language"},
}

// setup starts a fake and a Fallback that calls it; cfg's zero fields
// get test defaults. The log goes to the returned buffer.
func setup(t *testing.T, cfg llm.Config, client openai.Config) (*llm.Fallback, *llmfake.Server, *bytes.Buffer) {
	t.Helper()
	srv := llmfake.Start()
	t.Cleanup(srv.Close)
	client.BaseURL = srv.URL
	if client.Model == "" {
		client.Model = "test-model"
	}
	if client.APIKey == "" {
		client.APIKey = "sk-test-secret"
	}
	if client.Backoff == 0 {
		client.Backoff = 10 * time.Millisecond
	}
	c, err := openai.New(client)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cfg.Index, cfg.Client = shippedIndex(t), c
	if cfg.TrustOffline == 0 {
		cfg.TrustOffline = 2 // these tests are about the model: always ask it
	}
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	f, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f, srv, &logs
}

func ask(f *llm.Fallback, text, lang string) llm.Result {
	return f.Ask(context.Background(), llm.Question{Text: text, Lang: lang, Flows: allFlows})
}

func TestToolCallRoutesWithTheReferenceRestored(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{})
	srv.Script(llmfake.ToolCall("route_to_flow", map[string]any{
		"flow": "grievance_status", "arguments": map[string]any{"reference": "[REF1]"}}))
	r := ask(f, "meri shikayat GRV-26-4821-6K ka kya hua", "hi")
	if r.Kind != knowledge.KindRoute || r.Flow != "grievance_status" || r.Args["reference"] != "GRV-26-4821-6K" {
		t.Fatalf("got %+v", r)
	}
	if r.Model != "test-model" || r.Reason != "" {
		t.Errorf("model %q, reason %q", r.Model, r.Reason)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	body := reqs[0].Body
	if len(body.Tools) != 2 || body.Tools[0].Function.Name != "route_to_flow" || body.Stream == nil || *body.Stream {
		t.Errorf("request: tools %d, stream %v", len(body.Tools), body.Stream)
	}
	if strings.Contains(string(reqs[0].Raw), "4821") || !strings.Contains(body.Text(), "[REF1]") {
		t.Errorf("the reference reached the model:\n%s", body.Text())
	}
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer sk-test-secret" {
		t.Errorf("Authorization %q", got)
	}
}

func TestToolArgumentsAsAnObjectAreAccepted(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{})
	reply := llmfake.ToolCall("route_to_flow", map[string]any{"flow": "property_tax"})
	reply.ArgsAsObject = true // Ollama's way
	srv.Script(reply)
	if r := ask(f, "I want to pay house tax", "en"); r.Kind != knowledge.KindRoute || r.Flow != "property_tax" {
		t.Fatalf("got %+v", r)
	}
}

func TestServerWithoutToolsGetsJSONMode(t *testing.T) {
	t.Parallel()
	f, srv, logs := setup(t, llm.Config{}, openai.Config{})
	srv.RejectTools(true)
	srv.SetDefault(llmfake.JSON(map[string]any{"action": "route", "flow": "property_tax"}))
	r := ask(f, "I want to pay house tax", "en")
	if r.Kind != knowledge.KindRoute || r.Flow != "property_tax" {
		t.Fatalf("got %+v", r)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || len(reqs[0].Body.Tools) == 0 || len(reqs[1].Body.Tools) != 0 {
		t.Fatalf("want a request with tools refused, then one without; got %d", len(reqs))
	}
	if !strings.Contains(reqs[1].Body.Messages[0].Content, `"action"`) {
		t.Errorf("the JSON-mode prompt does not describe the reply:\n%s", reqs[1].Body.Messages[0].Content)
	}
	if !strings.Contains(logs.String(), "refused tools") {
		t.Errorf("the switch to JSON mode was not logged:\n%s", logs)
	}
	// From now on, no request carries tools.
	ask(f, "I want to pay house tax", "en")
	if reqs := srv.Requests(); len(reqs) != 3 || len(reqs[2].Body.Tools) != 0 {
		t.Errorf("after the switch: %d requests, last with %d tools", len(reqs), len(reqs[len(reqs)-1].Body.Tools))
	}
}

func TestJSONModeAnswerWithResponseFormat(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{Tools: llm.ToolsJSON, JSONResponseFormat: true}, openai.Config{})
	srv.Script(llmfake.Text("Sure:\n```json\n{\"action\": \"answer\", \"text\": \"Type 0 at any time to see the menu.\"}\n```"))
	r := ask(f, "how do I get back to the options", "en")
	if r.Kind != knowledge.KindAnswer || r.Text != "Type 0 at any time to see the menu." || r.Lang != "en" {
		t.Fatalf("got %+v", r)
	}
	if rf := string(srv.Requests()[0].Body.ResponseFormat); !strings.Contains(rf, "json_object") {
		t.Errorf("response_format %s", rf)
	}
}

func TestAnswerFromThePassagesIsAccepted(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{})
	srv.Script(llmfake.ToolCall("answer", map[string]any{
		"text": "बच्चों की मदद के लिए 1098 पर कॉल करें। यह मुफ्त है।", "passages": []string{"helplines.children"}}))
	r := ask(f, "बच्चे को मदद चाहिए किसे फोन करें", "hi")
	if r.Kind != knowledge.KindAnswer || !strings.Contains(r.Text, "1098") || r.Lang != "hi" {
		t.Fatalf("got %+v", r)
	}
	if len(r.Passages) == 0 || r.Passages[0].Score <= 0 {
		t.Errorf("passages %+v", r.Passages)
	}
	prompt := srv.Requests()[0].Body.Text()
	if !strings.Contains(prompt, "Hindi") || !strings.Contains(prompt, "helplines.children") {
		t.Errorf("the prompt lacks the language or the passage:\n%s", prompt)
	}
}

func TestInventedFactsAreRejected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, text string }{
		{"amount", "The fee for a ration card is ₹50, paid at the office."},
		{"one-digit amount", "It costs Rs 5 at the shop."},
		{"date", "Property tax must be paid by 31 March."},
		{"hindi month", "संपत्ति कर 15 मार्च तक भरें।"},
		{"reference", "Your complaint GRV-26-9999-XA was resolved."},
		{"phone", "Call the ward office on 022-2345-6789."},
		{"days", "Your complaint will be solved within 7 days and the office opens at 10."},
		{"placeholder not made", "Your reference is [REF7]."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, srv, logs := setup(t, llm.Config{}, openai.Config{})
			srv.Script(llmfake.ToolCall("answer", map[string]any{"text": tc.text}))
			lang := "en"
			if strings.ContainsAny(tc.text, "संपत्ति") {
				lang = "hi"
			}
			r := ask(f, "when do I pay property tax and what does a ration card cost", lang)
			if r.Kind != knowledge.KindNone || !strings.HasPrefix(r.Reason, "rejected:") {
				t.Fatalf("got %+v", r)
			}
			if !strings.Contains(logs.String(), "rejected") {
				t.Errorf("the rejection was not logged")
			}
		})
	}
}

func TestFactsFromTheConversationAndHelplinesAreAllowed(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{})
	srv.Script(llmfake.ToolCall("answer", map[string]any{
		"text": "For complaint [REF1], call 112 if anyone is in danger; otherwise type 0 and choose Talk to an officer."}))
	r := ask(f, "my complaint GRV-26-4821-6K is urgent, someone may get hurt", "en")
	if r.Kind != knowledge.KindAnswer || !strings.Contains(r.Text, "GRV-26-4821-6K") {
		t.Fatalf("got %+v", r)
	}
}

func TestRouteToAFlowNotOfferedIsRejected(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{})
	srv.Script(llmfake.ToolCall("route_to_flow", map[string]any{"flow": "property_tax"}))
	r := f.Ask(context.Background(), llm.Question{Text: "pay house tax", Lang: "en",
		Flows: []llm.Flow{{ID: "grievance", Title: "Lodge a complaint"}}})
	if r.Kind != knowledge.KindNone || !strings.Contains(r.Reason, "not offered") {
		t.Fatalf("got %+v", r)
	}
}

func TestAnswerInTheWrongLanguageIsRejected(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{})
	srv.Script(llmfake.ToolCall("answer", map[string]any{"text": "Type 0 to see the menu."}))
	r := ask(f, "मेन्यू पर वापस कैसे जाएँ", "hi")
	if r.Kind != knowledge.KindNone || !strings.Contains(r.Reason, "script") {
		t.Fatalf("got %+v", r)
	}
}

func TestTooLongAnswerIsRejected(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{MaxChars: 40}, openai.Config{})
	srv.Script(llmfake.ToolCall("answer", map[string]any{"text": strings.Repeat("Type 0 for the menu. ", 5)}))
	if r := ask(f, "menu", "en"); r.Kind != knowledge.KindNone || !strings.Contains(r.Reason, "limit") {
		t.Fatalf("got %+v", r)
	}
}

func TestRateLimitedThenSuccessHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{})
	srv.Script(llmfake.RateLimited("1"), llmfake.ToolCall("route_to_flow", map[string]any{"flow": "ration"}))
	r := ask(f, "I need a ration card", "en")
	if r.Kind != knowledge.KindRoute || r.Flow != "ration" || r.Model != "test-model" {
		t.Fatalf("got %+v", r)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if gap := reqs[1].At.Sub(reqs[0].At); gap < 900*time.Millisecond {
		t.Errorf("retried after %v; Retry-After asked for 1s", gap)
	}
}

func TestServerErrorsOpenTheBreakerAndTheOfflineAnswerIsGiven(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f, srv, _ := setup(t, llm.Config{BreakerFailures: 2, BreakerCooldown: time.Minute, Now: clock},
		openai.Config{MaxRetries: 1})
	srv.SetDefault(llmfake.Status(500, "The server had an error"))
	for i := range 2 {
		r := ask(f, "I want to pay house tax", "en")
		if r.Model != llm.Offline || r.Kind != knowledge.KindRoute || r.Flow != "property_tax" ||
			!strings.Contains(r.Reason, "HTTP 500") {
			t.Fatalf("call %d: got %+v", i, r)
		}
	}
	if n := len(srv.Requests()); n != 4 {
		t.Fatalf("%d requests, want 2 calls × 2 attempts", n)
	}
	r := ask(f, "I want to pay house tax", "en")
	if r.Reason != "breaker open" || r.Kind != knowledge.KindRoute || len(srv.Requests()) != 4 {
		t.Fatalf("with the breaker open: %+v, %d requests", r, len(srv.Requests()))
	}
	// After the cooldown one probe goes out; it succeeds and closes the breaker.
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	srv.SetDefault(llmfake.ToolCall("route_to_flow", map[string]any{"flow": "property_tax"}))
	if r := ask(f, "I want to pay house tax", "en"); r.Model != "test-model" {
		t.Fatalf("the probe: %+v", r)
	}
	if r := ask(f, "I want to pay house tax", "en"); r.Model != "test-model" {
		t.Fatalf("after the probe: %+v", r)
	}
}

func TestHangingServerTimesOutToOffline(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{Timeout: 300 * time.Millisecond}, openai.Config{})
	srv.SetDefault(llmfake.Hang())
	start := time.Now()
	r := ask(f, "meri shikayat ka kya hua", "hi")
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("took %v", took)
	}
	if r.Model != llm.Offline || !strings.Contains(r.Reason, "deadline") || r.Kind != knowledge.KindRoute ||
		r.Flow != "grievance_status" {
		t.Fatalf("got %+v", r)
	}
}

func TestMalformedBodyFallsBackOffline(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{})
	srv.SetDefault(llmfake.Malformed())
	r := ask(f, "ration card kho gaya", "hi")
	if r.Model != llm.Offline || !strings.Contains(r.Reason, "not a chat completion") {
		t.Fatalf("got %+v", r)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("a malformed answer was retried: %d requests", n)
	}
}

func TestPersonalDataNeverReachesTheModelOrTheLog(t *testing.T) {
	t.Parallel()
	f, srv, logs := setup(t, llm.Config{}, openai.Config{})
	srv.Script(llmfake.ToolCall("answer", map[string]any{"text": ""}))
	text := "mera aadhaar 2345 6789 0123 hai, phone 98765 43210, PAN ABCPE1234F, ration card MH-12-3344-556 kho gaya"
	r := f.Ask(context.Background(), llm.Question{Text: text, Lang: "hi", Flows: allFlows,
		History: []string{"my other number is 9123456780"}})
	if r.Kind != knowledge.KindNone {
		t.Errorf("an empty answer should be none: %+v", r)
	}
	raw := string(srv.Requests()[0].Raw)
	for _, secret := range []string{"2345 6789", "98765", "43210", "ABCPE1234F", "3344-556", "91234567", "sk-test-secret"} {
		if strings.Contains(raw, secret) {
			t.Errorf("%q reached the model", secret)
		}
		if strings.Contains(logs.String(), secret) {
			t.Errorf("%q reached the log", secret)
		}
	}
	if !strings.Contains(raw, "[REF1]") || !strings.Contains(raw, "XXXX XXXX 0123") {
		t.Errorf("the masked forms are missing:\n%s", raw)
	}
}

func TestAzureStyleKeyHeaderAndAPIVersion(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{KeyHeader: "api-key", APIVersion: "2024-10-21"})
	srv.Script(llmfake.ToolCall("route_to_flow", map[string]any{"flow": "officer"}))
	ask(f, "talk to an officer", "en")
	req := srv.Requests()[0]
	if req.Header.Get("api-key") != "sk-test-secret" || req.Header.Get("Authorization") != "" ||
		req.Query.Get("api-version") != "2024-10-21" {
		t.Fatalf("headers %v, query %v", req.Header, req.Query)
	}
}

func TestConfidentOfflineDecisionsDoNotWaitForTheModel(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{TrustOffline: 0.9}, openai.Config{})
	srv.SetDefault(llmfake.ToolCall("answer", map[string]any{"text": "Hello!"}))
	for _, text := range []string{"hi", "I want to pay my property tax", "How long does a complaint take?"} {
		r := ask(f, text, "en")
		if r.Model != llm.Offline || r.Kind == knowledge.KindNone || !strings.Contains(r.Reason, "trusted") {
			t.Errorf("%q: %+v", text, r)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("the model was asked %d times", n)
	}
	// An answer the knowledge base has only in other languages (Gujarati
	// is not among its six) is the model's to write.
	srv.SetDefault(llmfake.ToolCall("answer", map[string]any{"text": "ફરિયાદ નોંધાયાના સંદેશમાં દિવસોની સંખ્યા લખેલી હોય છે."}))
	r := ask(f, "How long does a complaint take?", "gu")
	if r.Model != "test-model" || len(srv.Requests()) != 1 {
		t.Fatalf("got %+v", r)
	}
}

func TestOfflineOnly(t *testing.T) {
	t.Parallel()
	f, err := llm.New(llm.Config{Index: shippedIndex(t), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	r := ask(f, "meri shikaayat ka kya hua", "hi")
	if r.Kind != knowledge.KindRoute || r.Flow != "grievance_status" || r.Model != llm.Offline || r.MatchedLang != "hi-Latn" {
		t.Fatalf("got %+v", r)
	}
	r = ask(f, "What documents do I need for a ration card?", "hi")
	if r.Kind != knowledge.KindAnswer || r.Lang != "hi" || !strings.Contains(r.Text, "राशन") || r.Related != "ration" {
		t.Fatalf("got %+v", r)
	}
}

func TestEngineFallbackPort(t *testing.T) {
	t.Parallel()
	f, err := llm.New(llm.Config{Index: shippedIndex(t), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var port engine.Fallback = f
	ans, err := port.Answer(context.Background(), engine.FallbackQuery{Text: "I want to pay house tax", Lang: "en",
		Flows: []engine.FlowSummary{{ID: "property_tax", Title: "Property tax"}}})
	if err != nil || ans.Flow != "property_tax" || ans.Text != "" {
		t.Fatalf("got %+v, %v", ans, err)
	}
	ans, err = port.Answer(context.Background(), engine.FallbackQuery{Text: "who won the cricket match", Lang: "en"})
	if err != nil || ans.Kind != engine.FallbackNone || ans.Text != "" || ans.Flow != "" || ans.Model != llm.Offline {
		t.Fatalf("an off-topic message: %+v, %v", ans, err)
	}
}

func TestSetIndexSwapsTheKnowledge(t *testing.T) {
	t.Parallel()
	f, err := llm.New(llm.Config{Index: shippedIndex(t), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := knowledge.Parse("k.yaml", []byte(`department: test
entries:
  - id: test.zoo
    questions: {en: ["When does the zoo open?"]}
    answer: {en: "The zoo opens at nine."}
`))
	if err != nil {
		t.Fatal(err)
	}
	f.SetIndex(knowledge.NewIndex(b, knowledge.Options{}))
	if r := ask(f, "when does the zoo open", "en"); r.Kind != knowledge.KindAnswer || r.Text != "The zoo opens at nine." {
		t.Fatalf("got %+v", r)
	}
	if f.Index().Base().Entry("test.zoo") == nil {
		t.Fatal("Index does not return the new knowledge base")
	}
}

func TestFlowsAndTheirArgumentsAreOffered(t *testing.T) {
	t.Parallel()
	f, srv, _ := setup(t, llm.Config{}, openai.Config{})
	srv.Script(llmfake.ToolCall("answer", map[string]any{"text": ""}), llmfake.ToolCall("answer", map[string]any{"text": ""}))
	f.Ask(context.Background(), llm.Question{Text: "what happened to my complaint", Lang: "en",
		Flows: []llm.Flow{{ID: "grievance_status", Title: "Check a complaint", Vars: []string{"reference"}}}})
	f.Ask(context.Background(), llm.Question{Text: "what happened to my complaint", Lang: "en", Flows: []llm.Flow{}})
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if p := reqs[0].Body.Text(); !strings.Contains(p, "- grievance_status: Check a complaint (arguments: reference)") {
		t.Fatalf("prompt:\n%s", p)
	}
	if len(reqs[0].Body.Tools) != 2 {
		t.Fatalf("tools %+v", reqs[0].Body.Tools)
	}
	// No flow to route to: no routing tool, and the prompt says so.
	if tools := reqs[1].Body.Tools; len(tools) != 1 || tools[0].Function.Name != "answer" {
		t.Fatalf("tools %+v", tools)
	}
	if p := reqs[1].Body.Text(); !strings.Contains(p, "FLOWS:\n(none)") {
		t.Fatalf("prompt:\n%s", p)
	}
}
