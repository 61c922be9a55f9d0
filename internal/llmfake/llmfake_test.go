package llmfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/samvad/samvad/internal/llmfake"
)

func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	res, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%d %s: %v", res.StatusCode, raw, err)
	}
	return res.StatusCode, out
}

func TestTheFakeRefusesWhatTheRealAPIRefuses(t *testing.T) {
	t.Parallel()
	srv := llmfake.Start()
	defer srv.Close()
	for _, body := range []string{
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","messages":[]}`,
		`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","messages":[{"role":"boss","content":"hi"}]}`,
		`{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":""}}]}`,
		`not json`,
	} {
		status, out := post(t, srv.URL, body)
		if e, _ := out["error"].(map[string]any); status != 400 || e["message"] == "" {
			t.Errorf("%s: %d %v", body, status, out)
		}
	}
	if n := len(srv.Requests()); n != 6 {
		t.Errorf("%d requests recorded", n)
	}
}

func TestTheFakeSpeaksChatCompletions(t *testing.T) {
	t.Parallel()
	srv := llmfake.Start()
	defer srv.Close()
	srv.Script(llmfake.ToolCall("route_to_flow", map[string]any{"flow": "ration"}))
	status, out := post(t, srv.URL, `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}]}`)
	choice := out["choices"].([]any)[0].(map[string]any)
	call := choice["message"].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)["function"].(map[string]any)
	if status != 200 || out["object"] != "chat.completion" || choice["finish_reason"] != "tool_calls" ||
		call["arguments"] != `{"flow":"ration"}` {
		t.Fatalf("%d %v", status, out)
	}
	status, out = post(t, srv.URL, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	if status != 200 || out["usage"].(map[string]any)["total_tokens"] == nil {
		t.Fatalf("default reply: %d %v", status, out)
	}
}
