// Package llmfake is a fake OpenAI-compatible chat-completions server for
// tests. It listens on 127.0.0.1, speaks the real request and response
// JSON (messages, tools, tool_calls with their arguments as a JSON
// string, finish_reason, usage, and the error object), refuses streaming,
// and answers what each test scripts: a text, a tool call, JSON content,
// an HTTP error (429 with Retry-After, 500), a hang past the client's
// deadline, or a malformed body. It records every request, so a test can
// read the prompt that reached it.
//
// Its wire types are its own, not the client's, so that a mistake in the
// client's JSON is caught rather than mirrored.
//
//	srv := llmfake.Start()
//	defer srv.Close()
//	srv.Script(llmfake.RateLimited("1"), llmfake.ToolCall("route_to_flow", map[string]any{"flow": "ration"}))
//	// point the client at srv.URL ("http://127.0.0.1:PORT/v1")
package llmfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Server is a running fake.
type Server struct {
	// URL is the base URL to configure a client with; requests go to
	// URL + "/chat/completions".
	URL string

	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	mu          sync.Mutex
	script      []Reply
	def         Reply
	reqs        []Request
	rejectTools bool
}

// Reply is what the fake answers to one request.
type Reply struct {
	// Status is the HTTP status (200 when zero).
	Status int
	// Header is added to the response (Retry-After, say).
	Header map[string]string
	// Content is the assistant message's text.
	Content string
	// Tool and Args make the reply a tool call of that function with
	// those arguments (encoded as a JSON string, as OpenAI does, unless
	// ArgsAsObject).
	Tool         string
	Args         any
	ArgsAsObject bool
	// FinishReason overrides "stop" / "tool_calls".
	FinishReason string
	// Error is the error message of a reply with Status ≥ 400.
	Error string
	// Raw, when set, is sent as the body instead of any JSON.
	Raw string
	// Hang: never answer; the request ends when the client gives up or
	// the server closes.
	Hang bool
}

// Text is a reply with the assistant's text.
func Text(s string) Reply { return Reply{Content: s} }

// ToolCall is a reply that calls a tool.
func ToolCall(name string, args any) Reply { return Reply{Tool: name, Args: args} }

// JSON is a reply whose content is v encoded as JSON, as a server in JSON
// mode answers.
func JSON(v any) Reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("llmfake: %v", err))
	}
	return Reply{Content: string(b)}
}

// Status is an error reply with the OpenAI error object.
func Status(code int, message string) Reply { return Reply{Status: code, Error: message} }

// RateLimited is a 429 with the given Retry-After header (seconds, or an
// HTTP date); empty leaves the header out.
func RateLimited(retryAfter string) Reply {
	r := Reply{Status: http.StatusTooManyRequests, Error: "Rate limit reached for requests"}
	if retryAfter != "" {
		r.Header = map[string]string{"Retry-After": retryAfter}
	}
	return r
}

// Hang is a reply that never comes.
func Hang() Reply { return Reply{Hang: true} }

// Malformed is a 200 whose body is not JSON.
func Malformed() Reply { return Reply{Raw: `{"id":"chatcmpl-x","choices":[{"message":`} }

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Raw    []byte
	Body   ChatRequest
	At     time.Time
}

// ChatRequest is the request body of chat completions.
type ChatRequest struct {
	Model          string          `json:"model"`
	Messages       []Message       `json:"messages"`
	Tools          []Tool          `json:"tools,omitempty"`
	ToolChoice     json.RawMessage `json:"tool_choice,omitempty"`
	Stream         *bool           `json:"stream,omitempty"`
	Temperature    *float64        `json:"temperature,omitempty"`
	MaxTokens      *int            `json:"max_tokens,omitempty"`
	ResponseFormat json.RawMessage `json:"response_format,omitempty"`
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Tool is a function the model may call.
type Tool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

// Text returns the content of every message, one after another: what a
// test searches for leaked or expected text.
func (r ChatRequest) Text() string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Content)
		b.WriteByte('\n')
	}
	return b.String()
}

// Start starts a fake on 127.0.0.1. Its default reply, until SetDefault,
// is the text "OK".
func Start() *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("llmfake: listen: %v", err))
	}
	s := &Server{ln: ln, done: make(chan struct{}), def: Text("OK")}
	s.URL = "http://" + ln.Addr().String() + "/v1"
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s
}

// Close stops the server, releasing hanging requests.
func (s *Server) Close() {
	close(s.done)
	s.srv.Close()
}

// Script queues replies, answered in order, one per request; after them
// the default reply is used.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// SetDefault sets the reply used when the script is empty.
func (s *Server) SetDefault(r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = r
}

// RejectTools makes the fake answer 400 to any request that carries
// `tools`, as servers without tool support do.
func (s *Server) RejectTools(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectTools = on
}

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Raw: raw, At: time.Now()}
	bad := check(r, raw, &req.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	reply := s.def
	if len(s.script) > 0 {
		reply, s.script = s.script[0], s.script[1:]
	}
	rejectTools := s.rejectTools
	s.mu.Unlock()
	switch {
	case bad != "":
		writeError(w, http.StatusBadRequest, bad)
		return
	case rejectTools && len(req.Body.Tools) > 0:
		writeError(w, http.StatusBadRequest, "tools are not supported by this server")
		return
	}
	s.answer(w, r, reply, req.Body.Model)
}

// check validates the request as the real API would, filling body.
func check(r *http.Request, raw []byte, body *ChatRequest) string {
	switch {
	case r.Method != http.MethodPost:
		return "method must be POST"
	case !strings.HasSuffix(r.URL.Path, "/chat/completions"):
		return "unknown path " + r.URL.Path
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		return "Content-Type must be application/json"
	}
	if err := json.Unmarshal(raw, body); err != nil {
		return "request body is not valid JSON: " + err.Error()
	}
	switch {
	case body.Model == "":
		return "you must provide a model parameter"
	case len(body.Messages) == 0:
		return "messages must not be empty"
	case body.Stream != nil && *body.Stream:
		return "this fake does not stream"
	}
	for _, m := range body.Messages {
		if m.Role != "system" && m.Role != "user" && m.Role != "assistant" && m.Role != "tool" {
			return "invalid role " + m.Role
		}
	}
	for _, t := range body.Tools {
		if t.Type != "function" || t.Function.Name == "" || len(t.Function.Parameters) == 0 {
			return "each tool needs type function, a name and parameters"
		}
	}
	return ""
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, reply Reply, model string) {
	if reply.Hang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if reply.Raw != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, reply.Raw)
		return
	}
	if status >= 400 {
		writeError(w, status, reply.Error)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(completion(reply, model))
}

// completion builds the chat.completion object of a reply.
func completion(reply Reply, model string) map[string]any {
	msg := map[string]any{"role": "assistant", "content": reply.Content}
	finish := "stop"
	if reply.Tool != "" {
		var args any
		if reply.ArgsAsObject {
			args = reply.Args
		} else {
			b, _ := json.Marshal(reply.Args)
			args = string(b)
		}
		msg["content"] = nil
		msg["tool_calls"] = []any{map[string]any{
			"id": "call_1", "type": "function",
			"function": map[string]any{"name": reply.Tool, "arguments": args},
		}}
		finish = "tool_calls"
	}
	if reply.FinishReason != "" {
		finish = reply.FinishReason
	}
	return map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
	}
}

func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	typ := "invalid_request_error"
	switch {
	case status == http.StatusTooManyRequests:
		typ = "rate_limit_error"
	case status >= 500:
		typ = "server_error"
	}
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": nil, "code": nil,
	}})
}
