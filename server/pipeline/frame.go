package pipeline

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/samvad/samvad/engine"
)

// The formats of what the pipeline stores for later. The store never looks
// inside them: an inbox row's input and an outbox row's payload are bytes
// written by one release and read by the same or a later one, after a
// restart or an upgrade, so each starts with a version byte and each
// decoder reads every version still in flight.

// Inbox envelope versions. Version 0 is the bare JSON of engine.Input
// written before envelopes existed (its first byte is '{'): its kind is
// the number the engine's constant had then, which legacyInputKinds pins.
const inputVersion = 1

// storedInput is an inbox envelope's content. It names every field
// itself, so a change to engine.Input's JSON cannot change stored rows, and
// stores the kind as text, so reordering the engine's constants cannot
// change the meaning of rows waiting in the inbox.
type storedInput struct {
	ID       string             `json:"id,omitempty"`
	Kind     string             `json:"kind"`
	Text     string             `json:"text,omitempty"`
	ChoiceID string             `json:"choice_id,omitempty"`
	Asked    string             `json:"asked,omitempty"`
	Location *engine.Location   `json:"location,omitempty"`
	Media    *engine.Attachment `json:"media,omitempty"`
	Data     map[string]any     `json:"data,omitempty"`
	At       time.Time          `json:"at"`
	// Staff is a staff member's action, when Kind is staffKind.
	Staff *storedStaff `json:"staff,omitempty"`
}

// staffKind is the stored kind of an envelope that carries a staff
// member's action instead of a citizen's message (see QueueStaff).
const staffKind = "staff"

// inputKinds are the stored names of input kinds. A name, once written, is
// never changed or given to another kind.
var inputKinds = map[string]engine.InputKind{
	"text":        engine.InputText,
	"choice":      engine.InputChoice,
	"location":    engine.InputLocation,
	"media":       engine.InputMedia,
	"form":        engine.InputForm,
	"reaction":    engine.InputReaction,
	"unsupported": engine.InputUnsupported,
	"start":       engine.InputStart,
}

// legacyInputKinds are the numbers version-0 rows carry, as the engine's
// constants were numbered when those rows were written.
var legacyInputKinds = map[int]engine.InputKind{
	1: engine.InputText, 2: engine.InputChoice, 3: engine.InputLocation, 4: engine.InputMedia,
	5: engine.InputForm, 6: engine.InputReaction, 7: engine.InputUnsupported,
}

// kindNames is inputKinds the other way round.
var kindNames = func() map[engine.InputKind]string {
	m := make(map[engine.InputKind]string, len(inputKinds))
	for name, kind := range inputKinds {
		m[kind] = name
	}
	return m
}()

// kindName is the stored name of an input kind.
func kindName(k engine.InputKind) (string, error) {
	if name, ok := kindNames[k]; ok {
		return name, nil
	}
	return "", fmt.Errorf("pipeline: input kind %d has no stored name", k)
}

// EncodeInput frames a citizen's message for the inbox.
func EncodeInput(in *engine.Input) ([]byte, error) {
	kind, err := kindName(in.Kind)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(storedInput{ID: in.ID, Kind: kind, Text: in.Text, ChoiceID: in.ChoiceID, Asked: in.Asked,
		Location: in.Location, Media: in.Media, Data: in.Data, At: in.At})
	if err != nil {
		return nil, fmt.Errorf("pipeline: encoding an input: %w", err)
	}
	return append([]byte{inputVersion}, body...), nil
}

// DecodeInput reads an inbox row's input, of any version still in flight.
// A staff member's action is not an input: it fails (see decodeStaff).
func DecodeInput(b []byte) (engine.Input, error) {
	switch {
	case len(b) == 0:
		return engine.Input{}, errors.New("pipeline: empty input")
	case b[0] == '{':
		return decodeLegacyInput(b)
	}
	s, err := decodeEnvelope(b)
	if err != nil {
		return engine.Input{}, err
	}
	kind, ok := inputKinds[s.Kind]
	if !ok {
		return engine.Input{}, fmt.Errorf("pipeline: input of unknown kind %q", s.Kind)
	}
	return engine.Input{ID: s.ID, Kind: kind, Text: s.Text, ChoiceID: s.ChoiceID, Asked: s.Asked,
		Location: s.Location, Media: s.Media, Data: s.Data, At: s.At}, nil
}

// decodeEnvelope reads a versioned envelope's content.
func decodeEnvelope(b []byte) (storedInput, error) {
	var s storedInput
	switch {
	case len(b) == 0:
		return s, errors.New("pipeline: empty input")
	case b[0] != inputVersion:
		return s, fmt.Errorf("pipeline: input of unknown version %d", b[0])
	}
	if err := json.Unmarshal(b[1:], &s); err != nil {
		return s, fmt.Errorf("pipeline: reading an input: %w", err)
	}
	return s, nil
}

// decodeLegacyInput reads a version-0 row: engine.Input's JSON with the
// kind as a number.
func decodeLegacyInput(b []byte) (engine.Input, error) {
	var s struct {
		storedInput
		Kind int `json:"kind"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return engine.Input{}, fmt.Errorf("pipeline: reading an input: %w", err)
	}
	kind, ok := legacyInputKinds[s.Kind]
	if !ok {
		return engine.Input{}, fmt.Errorf("pipeline: input of unknown kind %d", s.Kind)
	}
	in := s.storedInput
	return engine.Input{ID: in.ID, Kind: kind, Text: in.Text, ChoiceID: in.ChoiceID, Asked: in.Asked,
		Location: in.Location, Media: in.Media, Data: in.Data, At: in.At}, nil
}

// An outbox frame is a version byte, when the citizen's message arrived
// (Unix nanoseconds, for the reply-latency metric; 0 for a message that
// answers none), and the Graph API request body.
const replyVersion = 1

// EncodeReply frames a reply's request body for the outbox.
func EncodeReply(received time.Time, body []byte) []byte {
	p := make([]byte, 9, 9+len(body))
	p[0] = replyVersion
	if !received.IsZero() {
		binary.BigEndian.PutUint64(p[1:9], uint64(received.UnixNano()))
	}
	return append(p, body...)
}

// DecodeReply reads an outbox frame.
func DecodeReply(p []byte) (received time.Time, body []byte, err error) {
	if len(p) < 10 || p[0] != replyVersion {
		return time.Time{}, nil, errors.New("pipeline: not a reply frame of a known version")
	}
	if ns := binary.BigEndian.Uint64(p[1:9]); ns != 0 {
		received = time.Unix(0, int64(ns))
	}
	return received, p[9:], nil
}
