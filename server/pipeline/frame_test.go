package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

// Every input kind the engine has is stored by a name of its own and read
// back as the same kind.
func TestInputRoundTripForEveryKind(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for k := engine.InputKind(1); k.String() != "unknown"; k++ {
		in := engine.Input{ID: "wamid.1", Kind: k, Text: "x", ChoiceID: "c", Asked: "a", At: at,
			Location: &engine.Location{Latitude: 19.07, Longitude: 72.87}, Media: &engine.Attachment{Kind: "image", MediaID: "m"}}
		b, err := EncodeInput(&in)
		if err != nil {
			t.Fatalf("%v: %v", k, err)
		}
		if b[0] != inputVersion {
			t.Fatalf("%v: version byte %d", k, b[0])
		}
		name := kindNames[k]
		if seen[name] {
			t.Fatalf("two kinds are stored as %q", name)
		}
		seen[name] = true
		if !strings.Contains(string(b), `"kind":"`+name+`"`) {
			t.Fatalf("%v is not stored by name: %s", k, b)
		}
		got, err := DecodeInput(b)
		if err != nil || got.Kind != k || got.Text != "x" || got.ChoiceID != "c" || got.Asked != "a" || !got.At.Equal(at) ||
			got.Location.Latitude != 19.07 || got.Media.MediaID != "m" {
			t.Fatalf("%v read back as %+v, %v", k, got, err)
		}
	}
	if len(seen) != len(inputKinds) {
		t.Fatalf("the engine has %d input kinds, the stored names %d", len(seen), len(inputKinds))
	}
}

// Rows written before the envelope (bare engine.Input JSON, kind as a
// number) are read as they were meant, whatever the engine's constants are
// numbered now.
func TestInputWrittenBeforeTheEnvelope(t *testing.T) {
	t.Parallel()
	rows := []struct {
		row  string
		want engine.Input
	}{
		{`{"id":"wamid.A","kind":1,"text":"hi","at":"2026-11-30T09:00:00Z"}`,
			engine.Input{ID: "wamid.A", Kind: engine.InputText, Text: "hi", At: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}},
		{`{"id":"wamid.B","kind":2,"text":"Submit","choice_id":"submit","asked":"k3","at":"2026-11-30T09:01:00Z"}`,
			engine.Input{ID: "wamid.B", Kind: engine.InputChoice, Text: "Submit", ChoiceID: "submit", Asked: "k3", At: time.Date(2026, 11, 30, 9, 1, 0, 0, time.UTC)}},
		{`{"id":"wamid.C","kind":3,"location":{"latitude":19.0544,"longitude":72.8402,"name":"Bandra"},"at":"2026-11-30T09:02:00Z"}`,
			engine.Input{ID: "wamid.C", Kind: engine.InputLocation, Location: &engine.Location{Latitude: 19.0544, Longitude: 72.8402, Name: "Bandra"}, At: time.Date(2026, 11, 30, 9, 2, 0, 0, time.UTC)}},
		{`{"id":"wamid.D","kind":4,"text":"pothole","media":{"kind":"image","media_id":"77","mime_type":"image/jpeg"},"at":"2026-11-30T09:03:00Z"}`,
			engine.Input{ID: "wamid.D", Kind: engine.InputMedia, Text: "pothole", Media: &engine.Attachment{Kind: "image", MediaID: "77", MimeType: "image/jpeg"}, At: time.Date(2026, 11, 30, 9, 3, 0, 0, time.UTC)}},
		{`{"id":"wamid.E","kind":6,"text":"👍","at":"2026-11-30T09:04:00Z"}`,
			engine.Input{ID: "wamid.E", Kind: engine.InputReaction, Text: "👍", At: time.Date(2026, 11, 30, 9, 4, 0, 0, time.UTC)}},
		{`{"id":"wamid.F","kind":7,"text":"poll","at":"2026-11-30T09:05:00Z"}`,
			engine.Input{ID: "wamid.F", Kind: engine.InputUnsupported, Text: "poll", At: time.Date(2026, 11, 30, 9, 5, 0, 0, time.UTC)}},
	}
	for _, r := range rows {
		got, err := DecodeInput([]byte(r.row))
		if err != nil {
			t.Fatalf("%s: %v", r.row, err)
		}
		if got.ID != r.want.ID || got.Kind != r.want.Kind || got.Text != r.want.Text || got.ChoiceID != r.want.ChoiceID ||
			got.Asked != r.want.Asked || !got.At.Equal(r.want.At) || (got.Location == nil) != (r.want.Location == nil) ||
			(got.Media == nil) != (r.want.Media == nil) {
			t.Fatalf("%s read as %+v, want %+v", r.row, got, r.want)
		}
		if r.want.Location != nil && *got.Location != *r.want.Location || r.want.Media != nil && *got.Media != *r.want.Media {
			t.Fatalf("%s read as %+v, want %+v", r.row, got, r.want)
		}
	}
}

func TestInputsThatCannotBeRead(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "\x07{}", "\x01{", `` + "\x01" + `{"kind":"telepathy"}`, `{"kind":99}`, `{"kind":"1"}`} {
		if in, err := DecodeInput([]byte(bad)); err == nil {
			t.Errorf("%q read as %+v", bad, in)
		}
	}
	if _, err := EncodeInput(&engine.Input{Kind: 200}); err == nil {
		t.Error("an input of no known kind was framed")
	}
}

func TestReplyFrameRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Unix(1767261600, 123)
	body := []byte(`{"messaging_product":"whatsapp","to":"+91","type":"text","text":{"body":"x"}}`)
	got, b, err := DecodeReply(EncodeReply(at, body))
	if err != nil || !got.Equal(at) || string(b) != string(body) {
		t.Fatalf("round trip: %v %q %v", got, b, err)
	}
	if got, _, err := DecodeReply(EncodeReply(time.Time{}, body)); err != nil || !got.IsZero() {
		t.Fatalf("zero time: %v %v", got, err)
	}
	for _, bad := range [][]byte{nil, {1}, []byte(`{"message":{}}`), append([]byte{2}, make([]byte, 20)...)} {
		if _, _, err := DecodeReply(bad); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}
