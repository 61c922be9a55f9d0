package openai_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/llm/openai"
	"github.com/samvad/samvad/internal/llmfake"
)

func client(t *testing.T, cfg openai.Config) (*openai.Client, *llmfake.Server) {
	t.Helper()
	srv := llmfake.Start()
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL
	if cfg.Model == "" {
		cfg.Model = "m"
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 5 * time.Millisecond
	}
	c, err := openai.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

var hello = openai.Request{Messages: []openai.Message{{Role: "user", Content: "hello"}}}

func TestCompleteReadsTheAnswerAndUsage(t *testing.T) {
	t.Parallel()
	c, srv := client(t, openai.Config{APIKey: "k"})
	srv.Script(llmfake.Text("namaste"))
	res, err := c.Complete(context.Background(), hello)
	if err != nil {
		t.Fatal(err)
	}
	if got := *res.Choices[0].Message.Content; got != "namaste" || res.Choices[0].FinishReason != "stop" ||
		res.Usage.TotalTokens != 120 || res.Model != "m" {
		t.Fatalf("got %+v", res)
	}
	if body := string(srv.Requests()[0].Raw); !strings.Contains(body, `"stream":false`) || !strings.Contains(body, `"model":"m"`) {
		t.Errorf("request body %s", body)
	}
}

func TestToolCallArgumentsDecode(t *testing.T) {
	t.Parallel()
	c, srv := client(t, openai.Config{})
	srv.Script(llmfake.ToolCall("route_to_flow", map[string]any{"flow": "ration"}))
	res, err := c.Complete(context.Background(), hello)
	if err != nil {
		t.Fatal(err)
	}
	call := res.Choices[0].Message.ToolCalls[0]
	var args struct{ Flow string }
	if err := call.Function.Args(&args); err != nil || args.Flow != "ration" || call.ID == "" ||
		res.Choices[0].FinishReason != "tool_calls" || res.Choices[0].Message.Content != nil {
		t.Fatalf("got %+v, %v", res.Choices[0], err)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 404, 422} {
		c, srv := client(t, openai.Config{APIKey: "sk-secret", MaxRetries: 3})
		srv.SetDefault(llmfake.Status(status, "bad thing"))
		_, err := c.Complete(context.Background(), hello)
		if !openai.IsStatus(err, status) || len(srv.Requests()) != 1 {
			t.Errorf("%d: err %v after %d requests", status, err, len(srv.Requests()))
		}
		if err != nil && (strings.Contains(err.Error(), "sk-secret") || !strings.Contains(err.Error(), "bad thing")) {
			t.Errorf("%d: error %q", status, err)
		}
	}
}

func TestServerErrorsAreRetriedThenReported(t *testing.T) {
	t.Parallel()
	c, srv := client(t, openai.Config{MaxRetries: 2})
	srv.SetDefault(llmfake.Status(503, "overloaded"))
	_, err := c.Complete(context.Background(), hello)
	var e *openai.Error
	if !errors.As(err, &e) || e.Status != 503 || e.Attempts != 3 || len(srv.Requests()) != 3 {
		t.Fatalf("err %v, %d requests", err, len(srv.Requests()))
	}
}

func TestRetryAfterPastTheDeadlineGivesUpAtOnce(t *testing.T) {
	t.Parallel()
	c, srv := client(t, openai.Config{MaxRetries: 3})
	srv.SetDefault(llmfake.RateLimited("30"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Complete(ctx, hello)
	if !openai.IsStatus(err, 429) || time.Since(start) > time.Second || len(srv.Requests()) != 1 {
		t.Fatalf("err %v after %v and %d requests", err, time.Since(start), len(srv.Requests()))
	}
}

func TestAttemptTimeoutThenRetry(t *testing.T) {
	t.Parallel()
	c, srv := client(t, openai.Config{AttemptTimeout: 100 * time.Millisecond, MaxRetries: 1})
	srv.Script(llmfake.Hang(), llmfake.Text("late but fine"))
	res, err := c.Complete(context.Background(), hello)
	if err != nil || *res.Choices[0].Message.Content != "late but fine" {
		t.Fatalf("got %v, %v", res, err)
	}
}

func TestNewRefusesABadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []openai.Config{
		{BaseURL: "api.openai.com/v1", Model: "m"},
		{BaseURL: "ftp://x/v1", Model: "m"},
		{BaseURL: "https://api.openai.com/v1"},
	} {
		if _, err := openai.New(cfg); err == nil || !strings.HasPrefix(err.Error(), "openai: ") {
			t.Errorf("%+v: err %v", cfg, err)
		}
	}
}
