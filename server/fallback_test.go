package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/internal/llmfake"
)

// startSimWith is startSim with the configuration changed first.
func startSimWith(t *testing.T, citizen string, edit func(*Config)) *simChat {
	t.Helper()
	srv := newTestServer(t, edit)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &simChat{t: t, srv: srv, citizen: citizen}
}

// english takes a new citizen past the language menu, in English.
func (c *simChat) english() {
	c.t.Helper()
	expectReply(c.t, c.say("hi"), "Choose your language")
	expectReply(c.t, c.send(map[string]any{"type": "list_reply", "id": "en", "title": "English"}), "Namaste!")
}

// records returns the fallback records of the citizen's events of kind.
func (c *simChat) records(kind engine.EventKind) []engine.FallbackRecord {
	c.t.Helper()
	evs, err := c.srv.store.Events(context.Background(), store.ContactID(simulatorID, c.citizen))
	if err != nil {
		c.t.Fatal(err)
	}
	var out []engine.FallbackRecord
	for _, e := range evs {
		if e.Kind != kind {
			continue
		}
		r, err := engine.ParseFallbackRecord(e.Detail)
		if err != nil {
			c.t.Fatalf("event %s detail %q: %v", kind, e.Detail, err)
		}
		out = append(out, r)
	}
	return out
}

// The shipped knowledge answers and routes with no model at all, as
// `make run` does.
func TestTheKnowledgeBaseAnswersAndRoutesOffline(t *testing.T) {
	t.Parallel()
	c := startSimWith(t, "919822222222", nil)
	c.english()
	got := c.say("How long does a complaint take?")
	expectReply(t, got, "the message with your complaint number says within how many days")
	expectReply(t, got, "Namaste!") // the menu is asked again
	got = c.say("meri shikayat GRV-26-4821-7305-A ka kya hua")
	expectReply(t, got, "I could not find a complaint with this number:\nGRV-26-4821-7305-A")
	recs := c.records(engine.EventFallbackUsed)
	if len(recs) != 2 {
		t.Fatalf("%d fallback records: %+v", len(recs), recs)
	}
	r := recs[1]
	if r.Kind != engine.FallbackRoute || r.Flow != "grievance_status" || r.Args["reference"] != "GRV-26-4821-7305-A" ||
		r.Model != "offline" || r.Cause != engine.FallbackInvalid || len(r.Passages) == 0 || r.Passages[0].ID != "flow:grievance_status" {
		t.Fatalf("record %+v", r)
	}
	if a := recs[0]; a.Kind != engine.FallbackText || a.Passages[0].ID != "grievance.how_long" || a.Answer == "" {
		t.Fatalf("record %+v", a)
	}
	// With no flow running, free text is answered too.
	c.say("0")
	expectReply(t, c.say("I lost my complaint number"), "scroll up in this chat")
}

// The property tax, vaccination, ration and office flows are written on
// other branches: these routes are checked once the flows are there.
func TestServicesAreReachedInTheCitizensOwnWords(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct {
		text, flow, arg, value string
	}{
		{"I want to pay my property tax", "property_tax", "", ""},
		{"मुझे संपत्ति कर भरना है", "property_tax", "", ""},
		{"mujhe property tax bharna hai", "property_tax", "", ""},
		{"I want to vaccinate my baby", "vaccination", "", ""},
		{"I need a new ration card", "ration", "", ""},
		{"which is the ward office for PIN 400051", "office", "pin", "400051"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			c := startSimWith(t, fmt.Sprintf("9198333333%02d", i), nil)
			if c.srv.library().Flow(tc.flow) == nil {
				t.Skipf("flows/%s.yaml is not on this branch yet; this test runs once it is", tc.flow)
			}
			c.english()
			c.say(tc.text)
			recs := c.records(engine.EventFallbackUsed)
			if len(recs) != 1 || recs[0].Kind != engine.FallbackRoute || recs[0].Flow != tc.flow ||
				(tc.arg != "" && recs[0].Args[tc.arg] != tc.value) {
				t.Fatalf("records %+v", recs)
			}
		})
	}
}

// modelSim is a simulator whose fallback asks a fake model first.
func modelSim(t *testing.T, citizen string, fake *llmfake.Server, timeout time.Duration) *simChat {
	t.Helper()
	t.Setenv("SAMVAD_TEST_LLM_KEY", "sk-fallback-test-key")
	return startSimWith(t, citizen, func(c *Config) {
		c.LLM = LLM{BaseURL: fake.URL, Model: "fake-model", APIKeyEnv: "SAMVAD_TEST_LLM_KEY", Timeout: timeout,
			TrustOffline: 2} // always ask the model
	})
}

func TestAModelAnswersFromThePassagesInTheCitizensLanguage(t *testing.T) {
	fake := llmfake.Start()
	defer fake.Close()
	c := modelSim(t, "919844444444", fake, 3*time.Second)
	c.english()
	fake.Script(llmfake.ToolCall("answer", map[string]any{
		"text": "Your complaint number was in the message we sent when you lodged it. Scroll up to find it."}))
	got := c.say("I lost my complaint number, my mobile is 9876543210")
	expectReply(t, got, "Scroll up to find it.")
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests to the model", len(reqs))
	}
	req := reqs[0]
	prompt := req.Body.Text()
	if strings.Contains(prompt, "9876543210") || strings.Contains(string(req.Raw), "9876543210") {
		t.Fatalf("the phone number reached the model:\n%s", prompt)
	}
	if !strings.Contains(prompt, "[grievance.lost_number]") || !strings.Contains(prompt, "Write in English") {
		t.Fatalf("the prompt lacks the passage or the language:\n%s", prompt)
	}
	if req.Header.Get("Authorization") != "Bearer sk-fallback-test-key" || req.Body.Model != "fake-model" {
		t.Fatalf("headers %v, model %q", req.Header, req.Body.Model)
	}
	recs := c.records(engine.EventFallbackUsed)
	if len(recs) != 1 || recs[0].Model != "fake-model" || recs[0].Kind != engine.FallbackText {
		t.Fatalf("records %+v", recs)
	}
}

func TestAnInventedAmountIsNeverShown(t *testing.T) {
	fake := llmfake.Start()
	defer fake.Close()
	c := modelSim(t, "919855555555", fake, 3*time.Second)
	c.english()
	fake.Script(llmfake.ToolCall("answer", map[string]any{"text": "The fee to lodge a complaint is ₹250."}))
	got := c.say("how much does it cost to lodge a complaint")
	if strings.Contains(strings.Join(got, "\n"), "250") {
		t.Fatalf("the invented amount reached the citizen: %q", got)
	}
	expectReply(t, got, "Please reply with a number")
	recs := c.records(engine.EventFallbackMissed)
	if len(recs) != 1 || !strings.Contains(recs[0].Reason, "rejected: answer states") {
		t.Fatalf("records %+v", recs)
	}
}

// A model that fails, in each way it can, leaves the knowledge base's
// answer; a slow one also shows the citizen that the bot is typing.
func TestAFailingModelLeavesTheOfflineAnswer(t *testing.T) {
	for i, tc := range []struct {
		name  string
		reply llmfake.Reply
	}{
		{"rate limited", llmfake.RateLimited("0")},
		{"server error", llmfake.Status(500, "internal error")},
		{"malformed", llmfake.Malformed()},
		{"too slow", llmfake.Hang()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := llmfake.Start()
			defer fake.Close()
			fake.SetDefault(tc.reply)
			c := modelSim(t, "91986666666"+string(rune('0'+i)), fake, 1500*time.Millisecond)
			c.english()
			got := c.say("How long does a complaint take?")
			expectReply(t, got, "the message with your complaint number says within how many days")
			recs := c.records(engine.EventFallbackUsed)
			if len(recs) != 1 || recs[0].Model != "offline" || !strings.Contains(recs[0].Reason, "model failed") {
				t.Fatalf("records %+v", recs)
			}
			if tc.name != "too slow" {
				return
			}
			typing := false
			for _, r := range c.srv.sim.fake.Reads() {
				typing = typing || r.Typing
			}
			if !typing {
				t.Fatal("the citizen was not shown the typing indicator while the model was slow")
			}
		})
	}
}

func TestTheLLMSectionIsChecked(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig("", []string{"SAMVAD_LLM_BASE_URL=ftp://x", "SAMVAD_LLM_TOOLS=maybe", "SAMVAD_LLM_TIMEOUT=2m"})
	if err == nil {
		t.Fatalf("a bad llm section was accepted: %+v", cfg.LLM)
	}
	for _, want := range []string{"llm.base_url", "llm.model is required", "llm.tools", "llm.timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not mention %s", err, want)
		}
	}
	cfg, err = LoadConfig("", []string{"SAMVAD_LLM_BASE_URL=http://127.0.0.1:9/v1", "SAMVAD_LLM_MODEL=m",
		"SAMVAD_LLM_API_KEY_ENV=SAMVAD_TEST_NO_SUCH_KEY"})
	if err != nil || cfg.LLM.Timeout != 6*time.Second || cfg.LLM.Tools != "auto" {
		t.Fatalf("%+v, %v", cfg.LLM, err)
	}
	s := &Server{cfg: cfg, log: slog.New(slog.DiscardHandler), now: time.Now}
	if _, err := s.newFallback(nil); err == nil || !strings.Contains(err.Error(), "SAMVAD_TEST_NO_SUCH_KEY, which is not set") {
		t.Fatalf("a missing key: %v", err)
	}
}

// copyDir copies a directory tree of small files.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The knowledge is reloaded with the flows.
func TestAReloadBringsNewKnowledge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyDir(t, "../flows", filepath.Join(dir, "flows"))
	copyDir(t, "../locales", filepath.Join(dir, "locales"))
	c := startSimWith(t, "919877777777", func(cfg *Config) {
		cfg.Flows, cfg.Locales = filepath.Join(dir, "flows"), filepath.Join(dir, "locales")
	})
	c.english()
	got := c.say("tiger safari tickets")
	expectReply(t, got, "Please reply with a number")
	zoo := `department: parks
entries:
  - id: parks.zoo_hours
    questions: {en: ["When does the zoo open?", "zoo timings", "tiger safari tickets"]}
    answer: {en: "The city zoo is open from 9 am to 5 pm, except on Mondays."}
`
	if err := os.WriteFile(filepath.Join(dir, "flows", "knowledge", "parks.yaml"), []byte(zoo), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.srv.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	expectReply(t, c.say("tiger safari tickets"), "The city zoo is open from 9 am to 5 pm")
	// A knowledge file with a mistake is refused with its position, and
	// the running knowledge stays.
	if err := os.WriteFile(filepath.Join(dir, "flows", "knowledge", "parks.yaml"), []byte("department: parks\nentries:\n  - id: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.srv.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "parks.yaml:3") {
		t.Fatalf("a broken knowledge file was loaded: %v", err)
	}
	expectReply(t, c.say("tiger safari tickets please"), "The city zoo is open")
}
