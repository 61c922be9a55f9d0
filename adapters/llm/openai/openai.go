// Package openai is a client for the OpenAI-compatible chat-completions
// API: POST {base}/chat/completions with a JSON body of model, messages,
// tools and tool_choice, answered by a chat.completion object whose
// choices carry the assistant message (its content, or tool_calls whose
// function.arguments is a JSON string) and a finish_reason, with the
// token usage. OpenAI, Azure OpenAI and self-hosted servers (vLLM,
// Ollama, llama.cpp's server) all speak it; they differ in the base URL
// and how the key is sent:
//
//	OpenAI        base https://api.openai.com/v1, Authorization: Bearer KEY
//	Azure OpenAI  base https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT,
//	              header api-key: KEY, query api-version=VERSION
//	vLLM, Ollama  base http://HOST:PORT/v1, key optional
//
// The client never streams ("stream": false), puts a deadline on every
// attempt, retries 429 and 5xx answers and transport errors with
// exponential backoff and jitter (honouring Retry-After and
// retry-after-ms, and giving up at once when the wait would pass the
// caller's deadline), and never retries another 4xx. Errors carry the
// HTTP status and the API's error message, never the key.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config says where and how to call.
type Config struct {
	// BaseURL is the API's base, without /chat/completions.
	BaseURL string
	// Model is the model (Azure ignores it: the deployment in the URL
	// decides).
	Model string
	// APIKey is the key; empty sends none (local servers).
	APIKey string
	// KeyHeader is "api-key" for Azure; empty sends Authorization: Bearer.
	KeyHeader string
	// APIVersion, when set, is sent as the api-version query parameter
	// (Azure).
	APIVersion string
	// AttemptTimeout bounds each attempt (default 15s); the caller's
	// context bounds the whole call.
	AttemptTimeout time.Duration
	// MaxRetries is how many times a retryable failure is tried again
	// (default 2; negative for none).
	MaxRetries int
	// Backoff is the first wait before a retry (default 250ms); it
	// doubles each time, with jitter, up to MaxBackoff (default 4s).
	Backoff, MaxBackoff time.Duration
	// HTTPClient sends the requests (default: a client of its own).
	HTTPClient *http.Client
}

// Client calls one chat-completions endpoint. It is safe for concurrent
// use.
type Client struct {
	cfg      Config
	endpoint string
	http     *http.Client
	sleep    func(context.Context, time.Duration) error
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai: base URL %q must be an http(s) URL such as https://api.openai.com/v1", cfg.BaseURL)
	}
	if cfg.Model == "" {
		return nil, errors.New("openai: a model is required")
	}
	u.Path += "/chat/completions"
	if cfg.APIVersion != "" {
		q := u.Query()
		q.Set("api-version", cfg.APIVersion)
		u.RawQuery = q.Encode()
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 15 * time.Second
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 2
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 250 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 4 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{cfg: cfg, endpoint: u.String(), http: hc, sleep: sleepCtx}, nil
}

// Model returns the configured model name.
func (c *Client) Model() string { return c.cfg.Model }

// Request is a chat-completions request. Model and Stream are filled in
// by Complete.
type Request struct {
	Model          string          `json:"model"`
	Messages       []Message       `json:"messages"`
	Tools          []Tool          `json:"tools,omitempty"`
	ToolChoice     any             `json:"tool_choice,omitempty"`
	Temperature    *float64        `json:"temperature,omitempty"`
	MaxTokens      int             `json:"max_tokens,omitempty"`
	ResponseFormat *ResponseFormat `json:"response_format,omitempty"`
	Stream         bool            `json:"stream"`
}

// Message is one chat message: role "system", "user" or "assistant".
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Tool is a function the model may call.
type Tool struct {
	Type     string   `json:"type"` // "function"
	Function Function `json:"function"`
}

// Function describes a tool's function: its parameters are a JSON Schema.
type Function struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Parameters  map[string]any `json:"parameters"`
}

// ResponseFormat asks for JSON output: {"type": "json_object"}.
type ResponseFormat struct {
	Type string `json:"type"`
}

// Response is the chat.completion object.
type Response struct {
	ID      string   `json:"id"`
	Model   string   `json:"model"`
	Choices []Choice `json:"choices"`
	Usage   Usage    `json:"usage"`
}

// Choice is one completion; the client asks for one.
type Choice struct {
	Index        int           `json:"index"`
	Message      ReturnMessage `json:"message"`
	FinishReason string        `json:"finish_reason"`
}

// ReturnMessage is the assistant's message: content, or tool calls.
type ReturnMessage struct {
	Role      string     `json:"role"`
	Content   *string    `json:"content"`
	ToolCalls []ToolCall `json:"tool_calls"`
}

// ToolCall is the model calling a function.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and its arguments.
type FunctionCall struct {
	Name string `json:"name"`
	// Arguments is a JSON object encoded as a string, as the API sends
	// it; servers that send the object itself are accepted too (Args
	// reads both).
	Arguments json.RawMessage `json:"arguments"`
}

// Args decodes the call's arguments into v.
func (f FunctionCall) Args(v any) error {
	raw := f.Arguments
	var s string
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("openai: tool arguments: %w", err)
		}
		raw = []byte(s)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("openai: tool arguments are not a JSON object: %w", err)
	}
	return nil
}

// Usage counts tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Error is an answer of the API other than 200, or one that could not be
// read.
type Error struct {
	// Status is the HTTP status (0 for a transport error or a body that
	// is not a chat completion).
	Status int
	// Type and Message come from the API's error object.
	Type, Message string
	// RetryAfter is the wait the server asked for, if any.
	RetryAfter time.Duration
	// Attempts is how many attempts were made.
	Attempts int
	err      error
}

func (e *Error) Error() string {
	switch {
	case e.Status != 0 && e.Message != "":
		return fmt.Sprintf("openai: HTTP %d: %s", e.Status, e.Message)
	case e.Status != 0:
		return fmt.Sprintf("openai: HTTP %d", e.Status)
	}
	return fmt.Sprintf("openai: %v", e.err)
}

func (e *Error) Unwrap() error { return e.err }

// Retryable reports whether trying again may help: 408, 409, 429, 5xx
// and transport errors.
func (e *Error) Retryable() bool {
	switch {
	case e.Status == 0:
		return e.err != nil && !errors.Is(e.err, errMalformed)
	case e.Status == http.StatusTooManyRequests, e.Status == http.StatusRequestTimeout,
		e.Status == http.StatusConflict, e.Status >= 500:
		return true
	}
	return false
}

var errMalformed = errors.New("the answer is not a chat completion")

// IsStatus reports whether err is an API error with the given status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// Complete sends req (with the client's model and stream false) and
// returns the first choice's response, retrying as the package
// documentation says.
func (c *Client) Complete(ctx context.Context, req Request) (*Response, error) {
	req.Model, req.Stream = c.cfg.Model, false
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("openai: encoding the request: %w", err)
	}
	backoff := c.cfg.Backoff
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, body)
		if err == nil {
			return resp, nil
		}
		err.Attempts = attempt
		if !err.Retryable() || attempt > c.cfg.MaxRetries || ctx.Err() != nil {
			return nil, err
		}
		wait := jitter(backoff)
		if err.RetryAfter > 0 {
			wait = err.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, err // the wait would pass the caller's deadline
		}
		if c.sleep(ctx, wait) != nil {
			return nil, err
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}

// attempt makes one request.
func (c *Client) attempt(ctx context.Context, body []byte) (*Response, *Error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{err: err}
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	if key := c.cfg.APIKey; key != "" {
		if c.cfg.KeyHeader != "" {
			hr.Header.Set(c.cfg.KeyHeader, key)
		} else {
			hr.Header.Set("Authorization", "Bearer "+key)
		}
	}
	res, err := c.http.Do(hr)
	if err != nil {
		return nil, &Error{err: scrub(err)}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return nil, &Error{err: fmt.Errorf("reading the answer: %w", scrub(err))}
	}
	if res.StatusCode != http.StatusOK {
		e := &Error{Status: res.StatusCode, RetryAfter: retryAfter(res.Header)}
		var body struct {
			Error struct {
				Message string `json:"message"`
				Type    string `json:"type"`
			} `json:"error"`
		}
		if json.Unmarshal(raw, &body) == nil {
			e.Message, e.Type = body.Error.Message, body.Error.Type
		}
		return nil, e
	}
	var out Response
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Choices) == 0 {
		return nil, &Error{err: fmt.Errorf("%w (%d bytes)", errMalformed, len(raw))}
	}
	return &out, nil
}

// scrub removes the endpoint's URL (its query may hold an api-version,
// and on some gateways a key) from a transport error.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// retryAfter reads retry-after-ms or Retry-After (seconds or an HTTP
// date).
func retryAfter(h http.Header) time.Duration {
	if ms, err := strconv.ParseFloat(h.Get("retry-after-ms"), 64); err == nil && ms > 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// jitter returns a wait between d/2 and d.
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
