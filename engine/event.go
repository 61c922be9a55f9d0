package engine

import (
	"bytes"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/script"
)

// EventKind names something that happened in a conversation, for reports and
// the event log.
type EventKind string

// The events the engine emits.
const (
	EventFlowStarted     EventKind = "flow_started"
	EventNodeEntered     EventKind = "node_entered"
	EventAnswerInvalid   EventKind = "answer_invalid"
	EventRetriesExceeded EventKind = "retries_exceeded"
	EventFlowCompleted   EventKind = "flow_completed"
	EventHandoff         EventKind = "handoff"
	EventHandoffMessage  EventKind = "handoff_message"
	// EventHandback: staff handed the conversation back to the bot (an
	// InputStart); its detail is the flow started.
	EventHandback EventKind = "handback"
	// EventFallbackUsed: the fallback answered the citizen or took them
	// into a flow. Its detail is a FallbackRecord.
	EventFallbackUsed EventKind = "fallback_used"
	// EventFallbackMissed: the fallback was asked and had nothing the
	// citizen could be shown (or what it had did not pass the engine's
	// checks: FallbackRecord.Rejected says why). Its detail is a
	// FallbackRecord: the questions to write knowledge entries for.
	EventFallbackMissed EventKind = "fallback_missed"
	// EventFallbackFailed: the fallback returned an error. Its detail is a
	// FallbackRecord whose Reason is the error.
	EventFallbackFailed EventKind = "fallback_failed"
	EventExprError      EventKind = "expression_error"
	// EventFormatError: a message wrote a value its formatter cannot format
	// ({{money .fee}} with a fee of "abc", {{date .due}} with no date); the
	// value was written as it is.
	EventFormatError     EventKind = "format_error"
	EventServiceCalled   EventKind = "service_called"
	EventServiceError    EventKind = "service_error"
	EventOptedOut        EventKind = "opted_out"
	EventOptedIn         EventKind = "opted_in"
	EventLanguageChanged EventKind = "language_changed"
	// EventLanguageFallback: a flow started for a citizen whose language
	// it does not offer, and runs in another (detail "ta>en").
	EventLanguageFallback EventKind = "language_fallback"
	EventSessionReset     EventKind = "session_reset"
	EventSessionExpired   EventKind = "session_expired"
	EventStepLimit        EventKind = "step_limit"
	EventFlowMissing      EventKind = "flow_missing"
	EventReaction         EventKind = "reaction"
	EventUnsupported      EventKind = "unsupported_input"
	EventStaleChoice      EventKind = "stale_choice"
)

// Event is one thing that happened while the engine handled an input.
type Event struct {
	Kind EventKind `json:"kind"`
	Flow string    `json:"flow,omitempty"`
	Node string    `json:"node,omitempty"`
	// Detail is a short machine-readable detail: the service name and the
	// call's latency ("ration.lookup 120ms", then ": error" if it failed), the error
	// text, the new language. It never holds an identity number or phone number.
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
}

// FallbackRecord is what the engine records each time it asks the fallback
// (the detail of EventFallbackUsed, EventFallbackMissed and
// EventFallbackFailed, as JSON): enough for an officer to review an answer,
// or to turn a question nothing answered into a knowledge entry. Nothing in
// it holds an identity or phone number: the question and answer are
// redacted as the fallback saw them.
type FallbackRecord struct {
	// Cause is why the engine asked.
	Cause FallbackCause `json:"cause"`
	// Question is the citizen's message as the fallback got it (redacted),
	// shortened if the record would be too long.
	Question string `json:"q"`
	// Lang is the language the citizen is answered in.
	Lang string `json:"lang"`
	// Kind is what the citizen got: an answer, a route, or none.
	Kind FallbackKind `json:"kind"`
	// Flow is the flow the citizen was taken into (or that a route the
	// engine rejected named).
	Flow string `json:"flow,omitempty"`
	// Args are the route's values that set the flow's variables
	// (redacted); Dropped names those the flow does not declare or that
	// do not read as the variable's type.
	Args    map[string]string `json:"args,omitempty"`
	Dropped []string          `json:"dropped,omitempty"`
	// Answer is the start of the answer shown (the whole of it is the
	// reply in the conversation's history).
	Answer string `json:"answer,omitempty"`
	// Passages are the knowledge the reply was drawn from, with scores.
	Passages []RecordedPassage `json:"passages,omitempty"`
	// Model is the model's name, or "offline".
	Model string `json:"model,omitempty"`
	// Reason is the fallback's own account (why the model was not used or
	// was overruled), or the error it returned.
	Reason string `json:"reason,omitempty"`
	// Rejected says why the engine did not show the reply (an answer in
	// another language or script, too long; a flow not offered).
	Rejected string `json:"rejected,omitempty"`
	// LatencyMS is how long the fallback took, in milliseconds.
	LatencyMS int64 `json:"ms"`
}

// RecordedPassage is a passage of a FallbackRecord: its id and score.
type RecordedPassage struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}

// MaxRecordBytes is the longest a FallbackRecord's JSON is: it fits an
// event's detail as the store keeps it.
const MaxRecordBytes = 1000

// Encode writes the record as JSON of at most MaxRecordBytes bytes,
// shortening the answer, then the passages, then the question and the
// reason, as far as it must.
func (r FallbackRecord) Encode() string {
	for {
		b := r.marshal()
		if len(b) <= MaxRecordBytes {
			return string(b)
		}
		over := len(b) - MaxRecordBytes
		switch {
		case r.Answer != "":
			r.Answer = shorten(r.Answer, over)
		case len(r.Passages) > 1:
			r.Passages = r.Passages[:len(r.Passages)-1]
		case r.Question != "":
			r.Question = shorten(r.Question, over)
		case r.Reason != "":
			r.Reason = shorten(r.Reason, over)
		case r.Rejected != "":
			r.Rejected = shorten(r.Rejected, over)
		default:
			r.Args, r.Dropped, r.Passages = nil, nil, nil
			if b = r.marshal(); len(b) <= MaxRecordBytes {
				return string(b)
			}
			return `{"kind":"` + string(r.Kind) + `"}`
		}
	}
}

func (r FallbackRecord) marshal() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(r) // nothing in a record can fail to encode
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// shorten drops at least over bytes from the end of s, on a syllable
// boundary, marking the cut with "…"; what would be too short to read
// becomes "".
func shorten(s string, over int) string {
	keep := len(s) - over - len("…")
	if keep < 12 {
		return ""
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return script.Clip(s, utf8.RuneCountInString(s[:keep])+1)
}

// ParseFallbackRecord reads the detail of a fallback event.
func ParseFallbackRecord(detail string) (FallbackRecord, error) {
	var r FallbackRecord
	err := json.Unmarshal([]byte(detail), &r)
	return r, err
}
