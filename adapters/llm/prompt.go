package llm

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/samvad/samvad/adapters/llm/knowledge"
	"github.com/samvad/samvad/adapters/llm/openai"
)

// languageNames names the languages in the prompt.
var languageNames = map[string]string{
	"en": "English", "hi": "Hindi (in Devanagari script)", "hi-Latn": "Hindi written in Latin letters",
	"bn": "Bengali", "or": "Odia", "mr": "Marathi", "ta": "Tamil", "te": "Telugu", "kn": "Kannada",
	"ml": "Malayalam", "gu": "Gujarati", "pa": "Punjabi", "ur": "Urdu",
}

func languageName(lang string) string {
	if n, ok := languageNames[lang]; ok {
		return n
	}
	return lang
}

// Tool names.
const (
	toolRoute  = "route_to_flow"
	toolAnswer = "answer"
)

// systemPrompt is the model's standing instruction. The rules are the
// guardrails stated to the model; the adapter checks them again on what
// comes back.
func systemPrompt(lang string, maxChars int, jsonMode bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, `You help citizens on a government services WhatsApp line. A citizen wrote a message that the menu did not understand.
Rules:
1. Answer only from the PASSAGES below. Never add a fact they do not contain: no amount, date, time, phone number, fee or reference number of your own.
2. If the citizen wants one of the FLOWS below, route them to it instead of answering.
3. If neither the passages nor the flows fit, give no answer.
4. Write in %s, in plain polite words, at most %d characters (two or three short sentences are best).
5. Personal numbers appear masked (XXXX) or as [REF1], [REF2]: never ask for a full Aadhaar, bank or card number. To pass a reference to a flow, use its placeholder as it is.
`, languageName(lang), maxChars)
	if jsonMode {
		b.WriteString(`Reply with one JSON object and nothing else, one of:
{"action": "answer", "text": "<your answer>"}
{"action": "route", "flow": "<flow id>", "arguments": {"<name>": "<value>"}}
{"action": "none"}
`)
	} else {
		fmt.Fprintf(&b, "Call %s to route, or %s to reply (with an empty text when nothing fits).\n", toolRoute, toolAnswer)
	}
	return b.String()
}

// userPrompt holds the passages, the flows and the citizen's message,
// all redacted.
func userPrompt(passages []knowledge.Passage, flows []Flow, history []string, message string) string {
	var b strings.Builder
	b.WriteString("PASSAGES:\n")
	n := 0
	for _, p := range passages {
		if p.Kind != knowledge.KindAnswer {
			continue
		}
		n++
		fmt.Fprintf(&b, "[%s] Q: %s\nA: %s\n", p.ID, p.Question, p.Text)
	}
	if n == 0 {
		b.WriteString("(none)\n")
	}
	b.WriteString("\nFLOWS:\n")
	for _, f := range flows {
		fmt.Fprintf(&b, "- %s: %s", f.ID, f.Title)
		if len(f.Vars) > 0 {
			fmt.Fprintf(&b, " (arguments: %s)", strings.Join(f.Vars, ", "))
		}
		b.WriteByte('\n')
	}
	if len(flows) == 0 {
		b.WriteString("(none)\n")
	}
	if len(history) > 0 {
		b.WriteString("\nEARLIER MESSAGES:\n")
		for _, h := range history {
			fmt.Fprintf(&b, "- %s\n", h)
		}
	}
	fmt.Fprintf(&b, "\nCITIZEN: %s\n", message)
	return b.String()
}

// tools are the functions offered to the model: routing (when there is a
// flow to route to) and answering.
func tools(flows []Flow) []openai.Tool {
	ids := make([]string, len(flows))
	for i, f := range flows {
		ids[i] = f.ID
	}
	out := []openai.Tool{
		{Type: "function", Function: openai.Function{
			Name:        toolRoute,
			Description: "Take the citizen into one of the FLOWS.",
			Parameters: map[string]any{
				"type": "object",
				"properties": map[string]any{
					"flow":      map[string]any{"type": "string", "enum": ids, "description": "the flow id"},
					"arguments": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}, "description": "values the citizen already gave, such as reference"},
				},
				"required": []string{"flow"},
			},
		}},
		{Type: "function", Function: openai.Function{
			Name:        toolAnswer,
			Description: "Reply to the citizen from the PASSAGES; an empty text when nothing fits.",
			Parameters: map[string]any{
				"type": "object",
				"properties": map[string]any{
					"text":     map[string]any{"type": "string"},
					"passages": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "ids of the passages used"},
				},
				"required": []string{"text"},
			},
		}},
	}
	if len(flows) == 0 {
		out = out[1:]
	}
	return out
}

// decision is what the model decided.
type decision struct {
	Action    string            `json:"action"` // answer, route, none
	Text      string            `json:"text"`
	Flow      string            `json:"flow"`
	Arguments map[string]string `json:"arguments"`
}

// parseToolReply reads a tools-mode reply: a tool call, or plain content
// taken as an answer.
func parseToolReply(res *openai.Response) (decision, error) {
	msg := res.Choices[0].Message
	if len(msg.ToolCalls) > 0 {
		call := msg.ToolCalls[0].Function
		switch call.Name {
		case toolRoute:
			var a struct {
				Flow      string         `json:"flow"`
				Arguments map[string]any `json:"arguments"`
			}
			if err := call.Args(&a); err != nil {
				return decision{}, err
			}
			return decision{Action: "route", Flow: a.Flow, Arguments: stringArgs(a.Arguments)}, nil
		case toolAnswer:
			var a struct {
				Text string `json:"text"`
			}
			if err := call.Args(&a); err != nil {
				return decision{}, err
			}
			if strings.TrimSpace(a.Text) == "" {
				return decision{Action: "none"}, nil
			}
			return decision{Action: "answer", Text: a.Text}, nil
		}
		return decision{}, fmt.Errorf("llm: the model called an unknown tool %q", call.Name)
	}
	if msg.Content == nil || strings.TrimSpace(*msg.Content) == "" {
		return decision{Action: "none"}, nil
	}
	// Some servers answer a tools request in JSON anyway.
	if d, err := parseJSONReply(*msg.Content); err == nil {
		return d, nil
	}
	return decision{Action: "answer", Text: *msg.Content}, nil
}

// parseJSONReply reads a JSON-mode reply, tolerating text or a code
// fence around the object.
func parseJSONReply(content string) (decision, error) {
	start, end := strings.IndexByte(content, '{'), strings.LastIndexByte(content, '}')
	if start < 0 || end < start {
		return decision{}, fmt.Errorf("llm: the model's reply is not a JSON object")
	}
	var raw struct {
		Action    string         `json:"action"`
		Text      string         `json:"text"`
		Flow      string         `json:"flow"`
		Arguments map[string]any `json:"arguments"`
	}
	if err := json.Unmarshal([]byte(content[start:end+1]), &raw); err != nil {
		return decision{}, fmt.Errorf("llm: the model's JSON reply: %w", err)
	}
	d := decision{Action: raw.Action, Text: raw.Text, Flow: raw.Flow, Arguments: stringArgs(raw.Arguments)}
	switch d.Action {
	case "answer", "route", "none":
		return d, nil
	}
	return decision{}, fmt.Errorf("llm: the model's JSON reply has action %q", raw.Action)
}

// stringArgs keeps the arguments that are strings or numbers, as text.
func stringArgs(in map[string]any) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}
