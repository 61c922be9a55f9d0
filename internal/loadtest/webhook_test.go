package loadtest

import (
	"testing"

	"github.com/samvad/samvad/adapters/whatsapp"
)

func TestWebhookBodiesParseAsMetaSendsThem(t *testing.T) {
	msgs := []inbound{
		{waID: "919123000001", name: "सुनीता \"Sunita\" पाटील", wamid: "wamid.A1", ts: 1767261600, text: "नमस्ते\nhi 🌸"},
		{waID: "919123000002", name: "Ravi", wamid: "wamid.A2", ts: 1767261601, text: "1"},
	}
	body := appendWebhook(nil, "200000000000009", msgs)
	for _, c := range body {
		if c >= 0x80 {
			t.Fatalf("Meta writes non-ASCII characters as \\u escapes; the body has byte %#x: %s", c, body)
		}
	}
	if !whatsapp.VerifySignature(body, whatsapp.Sign(body, "s3cret"), "s3cret") {
		t.Fatal("the signed body does not verify")
	}
	n, err := whatsapp.Parse(body)
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	if len(n.Messages) != 2 || len(n.Problems) > 0 {
		t.Fatalf("want 2 messages and no problems, got %d and %q", len(n.Messages), n.Problems)
	}
	m := n.Messages[0]
	if m.WaID != msgs[0].waID || m.ProfileName != msgs[0].name || m.WAMID != "wamid.A1" || m.Input == nil || m.Input.Text != msgs[0].text ||
		m.PhoneNumberID != "200000000000009" || m.Timestamp.Unix() != 1767261600 {
		t.Fatalf("the first message read back wrong: %+v", m)
	}
}

func TestSignatureIgnoresReferencesButNotWords(t *testing.T) {
	text := func(s string) *sendBody {
		return &sendBody{Type: "text", Text: &struct{ Body string }{s}}
	}
	a := signature(text("Your complaint is registered. Number: GRV-26-AB3D-EF. We will act within 7 days."))
	b := signature(text("Your complaint is registered. Number: GRV-26-QQ9Z-XY. We will act within 7 days."))
	c := signature(text("Your complaint was refused. Number: GRV-26-QQ9Z-XY."))
	if a != b {
		t.Fatalf("two citizens' registrations should look alike: %q and %q", a, b)
	}
	if a == c {
		t.Fatalf("different replies should differ: %q", a)
	}
}
