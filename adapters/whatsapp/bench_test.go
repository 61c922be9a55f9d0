package whatsapp

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/samvad/samvad/engine"
)

// The webhook request path does VerifySignature then Parse on every POST.
func BenchmarkVerifySignature(b *testing.B) {
	body := readSample(b, "01_text.json")
	sig := Sign(body, testAppSecret)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if !VerifySignature(body, sig, testAppSecret) {
			b.Fatal("rejected")
		}
	}
}

// Meta sends compact JSON; the samples are pretty-printed.
func compactSample(b *testing.B, name string) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, readSample(b, name)); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkParseText(b *testing.B) {
	body := compactSample(b, "01_text.json")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if n, err := Parse(body); err != nil || len(n.Messages) != 1 {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseStatus(b *testing.B) {
	body := compactSample(b, "11_status_sent.json")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if n, err := Parse(body); err != nil || len(n.Statuses) != 1 {
			b.Fatal(err)
		}
	}
}

// A typical step: a greeting, an explanation and a question with a list.
func BenchmarkRenderStep(b *testing.B) {
	outs := []engine.Output{
		{Kind: engine.OutputText, Text: "Welcome to the **Municipal Corporation** helpline."},
		{Kind: engine.OutputText, Text: strings.Repeat("You can pay property tax, report a problem or find your ward office. ", 3)},
		{Kind: engine.OutputText, Text: "What would you like to do?", ListLabel: "Services", Choices: []engine.Choice{
			{ID: "tax", Label: "Pay property tax"}, {ID: "grievance", Label: "Report a problem"},
			{ID: "ward", Label: "Find my ward office"}, {ID: "status", Label: "Complaint status"},
		}},
	}
	for b.Loop() {
		if msgs := Render(outs, RenderOptions{To: "919800000001"}); len(msgs) != 1 {
			b.Fatalf("%d messages", len(msgs))
		}
	}
}

// Splitting a long answer (about 12,000 characters of Hindi) into messages.
func BenchmarkRenderLongText(b *testing.B) {
	long := strings.Repeat("राशन कार्ड के लिए परिवार का विवरण और पते का प्रमाण आवश्यक है। ", 200)
	outs := []engine.Output{{Kind: engine.OutputText, Text: long}}
	for b.Loop() {
		if msgs := Render(outs, RenderOptions{}); len(msgs) < 3 {
			b.Fatalf("%d messages", len(msgs))
		}
	}
}

// A busy number: one POST batching many messages of assorted types from the
// samples (message samples in turn), as Meta sends under load.
func BenchmarkParseBatch(b *testing.B) {
	const count = 50
	body := batchBody(b, count)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if n, err := Parse(body); err != nil || len(n.Messages) != count || len(n.Problems) != 0 {
			b.Fatal(err)
		}
	}
}

func batchBody(b *testing.B, count int) []byte {
	var msgs []string
	for _, name := range []string{"01_text.json", "02_image_with_caption.json", "05_location.json", "06_interactive_button_reply.json",
		"08_template_quick_reply_button.json", "09_reaction.json", "16_text_context_reply.json", "18_interactive_nfm_reply_flow.json"} {
		var env struct {
			Entry []struct {
				Changes []struct {
					Value struct{ Messages []json.RawMessage }
				}
			}
		}
		if err := json.Unmarshal(compactSample(b, name), &env); err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, string(env.Entry[0].Changes[0].Value.Messages[0]))
	}
	batch := make([]string, count)
	for i := range batch {
		batch[i] = msgs[i%len(msgs)]
	}
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"100000000000001","changes":[{"value":{"messaging_product":"whatsapp",` +
		`"metadata":{"display_phone_number":"15550000000","phone_number_id":"200000000000002"},` +
		`"contacts":[{"profile":{"name":"Ana Test Citizen"},"wa_id":"15555550101"}],"messages":[` +
		strings.Join(batch, ",") + `]},"field":"messages"}]}]}`)
}
