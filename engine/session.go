package engine

import "time"

// SessionStatus says what a session is doing between two inputs.
type SessionStatus uint8

// The states of a session.
const (
	// SessionIdle: no flow is running; the next input starts one.
	SessionIdle SessionStatus = iota
	// SessionWaiting: a flow is waiting at an `ask` node for the citizen's answer.
	SessionWaiting
	// SessionHandoff: the conversation is with a person in the agent inbox; the
	// bot stays quiet until the agent hands it back or the citizen says "menu".
	SessionHandoff
)

// Session is the state of one citizen's conversation between two inputs. It is
// small on purpose: the store persists it per citizen after every step
// (see Encode and DecodeSession), and no other per-citizen state lives in memory.
type Session struct {
	Status SessionStatus
	// Flow and Version pin the flow the session runs: Version is a hash of the
	// flow file's content, so a reload never changes a conversation in progress.
	Flow    string
	Version string
	// Node is the node the session waits at.
	Node string
	// Vars are the flow's variables: string, float64, bool, time.Time, nil,
	// []any and map[string]any values only.
	Vars map[string]any
	// Lang is the language the citizen is answered in.
	Lang string
	// Stack holds the places to return to when a sub-flow ends.
	Stack []Frame
	// Retries counts invalid answers at the current node.
	Retries int
	// Page is the page of a long list of choices the citizen is shown at
	// the current node (0: the first).
	Page int
	// Started is when the current session began; Updated when it last changed.
	Started time.Time
	Updated time.Time
}

// Frame is where a sub-flow returns to: a node of a pinned flow version, with
// the caller's variables.
type Frame struct {
	Flow    string
	Version string
	Node    string
	Vars    map[string]any
}
