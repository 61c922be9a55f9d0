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
