package server

import (
	"testing"
	"time"
)

func TestPayloadRoundTrip(t *testing.T) {
	at := time.Unix(1767261600, 123)
	body := []byte(`{"messaging_product":"whatsapp","to":"+91","type":"text","text":{"body":"x"}}`)
	got, b, err := decodePayload(encodePayload(at, body))
	if err != nil || !got.Equal(at) || string(b) != string(body) {
		t.Fatalf("round trip: %v %q %v", got, b, err)
	}
	if got, _, err := decodePayload(encodePayload(time.Time{}, body)); err != nil || !got.IsZero() {
		t.Fatalf("zero time: %v %v", got, err)
	}
	for _, bad := range [][]byte{nil, {1}, []byte(`{"message":{}}`), append([]byte{2}, make([]byte, 20)...)} {
		if _, _, err := decodePayload(bad); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}
