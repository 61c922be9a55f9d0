package engine

import "time"

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
	EventFallbackUsed    EventKind = "fallback_used"
	EventFallbackFailed  EventKind = "fallback_failed"
	EventExprError       EventKind = "expression_error"
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
	// Detail is a short machine-readable detail: the service name, the error
	// text, the new language. It never holds an identity number or phone number.
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
}
