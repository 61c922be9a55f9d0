package api

import (
	"encoding/base64"
	"testing"

	"github.com/samvad/samvad/adapters/store"
)

// A conversation id reads back as it was made, and anything else is not
// an id (the handlers answer 404).
func TestConversationIDs(t *testing.T) {
	t.Parallel()
	c := store.Conversation{ConversationRef: store.ConversationRef{ContactID: "city/919800000001", Seq: 3}, Integration: "city", Key: "919800000001"}
	integration, ref, ok := parseConversationID(conversationID(c))
	if !ok || integration != "city" || ref != c.ConversationRef {
		t.Fatalf("read back %q %+v %v", integration, ref, ok)
	}
	// A business-scoped user id may hold colons; the number is the last part.
	c = store.Conversation{ConversationRef: store.ConversationRef{ContactID: "city/IN.a:b", Seq: 12}, Integration: "city", Key: "IN.a:b"}
	if _, ref, ok := parseConversationID(conversationID(c)); !ok || ref != c.ConversationRef {
		t.Fatalf("a key with a colon: %+v %v", ref, ok)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, bad := range []string{"", "!!!", enc("city"), enc("city:9198"), enc("city:9198:0"), enc("city:9198:-1"), enc("city:9198:x"), enc(":9198:1")} {
		if _, _, ok := parseConversationID(bad); ok {
			t.Errorf("%q was taken for an id", bad)
		}
	}
}
