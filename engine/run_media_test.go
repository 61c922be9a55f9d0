package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// certificateFlow sends the document a call returns.
const certificateFlow = `
flow: main
vars: {cert: object, pick: string}
nodes:
  fetch:
    call: certificates.get
    save: cert
    next: send
    on_error: end
  send:
    say:
      - document: vars.cert.file
        filename: "certificate-{{.reference}}.pdf"
        caption: t.got
        data: {pick: vars.cert.name, reference: vars.cert.reference}
      - image: https://example.gov.in/how-to-print.png
    next: end
`

func certificate(file string) engine.Services {
	return engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		return map[string]any{"file": file, "name": "Asha", "reference": "VC-1234", "outcome": "ok"}, nil
	})
}

func TestASayCanSendTheFileACallReturned(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": certificateFlow})
	for _, tc := range []struct{ file, url, id string }{
		{"https://certs.example.gov.in/VC-1234.pdf", "https://certs.example.gov.in/VC-1234.pdf", ""},
		{"1044958236", "", "1044958236"}, // a media id the channel holds
	} {
		c := newChat(t, lib, engine.Config{Services: certificate(tc.file)})
		c.say("hi")
		if len(c.res.Outputs) != 2 {
			t.Fatalf("outputs %+v", c.res.Outputs)
		}
		doc, img := c.res.Outputs[0], c.res.Outputs[1]
		if doc.Kind != engine.OutputMedia || doc.Media.Kind != "document" || doc.Media.URL != tc.url || doc.Media.ID != tc.id ||
			doc.Media.Filename != "certificate-VC-1234.pdf" || doc.Text != "You picked Asha." {
			t.Errorf("%s: document %+v %+v", tc.file, doc, doc.Media)
		}
		if img.Media.URL != "https://example.gov.in/how-to-print.png" || img.Media.ID != "" {
			t.Errorf("a fixed link is sent as it is: %+v", img.Media)
		}
	}
	c := newChat(t, lib, engine.Config{Services: certificate("")})
	c.say("hi")
	if len(c.res.Outputs) != 2 || c.res.Outputs[0].Text != "Something went wrong." || !c.hasEvent(engine.EventExprError) {
		t.Fatalf("no file: the citizen is told something went wrong, never shown the caption alone; got %q, events %v", c.texts(), c.res.Events)
	}
}

func TestLintChecksAComputedFile(t *testing.T) {
	t.Parallel()
	src := strings.TrimLeft(certificateFlow, "\n")
	if _, l := loadDiag(t, map[string]string{"main": src}); len(l) != 0 {
		t.Fatalf("the fixture has problems:\n%v", diag.ListError(l))
	}
	for _, tc := range []struct{ line, with, want string }{
		{"      - document: vars.cert.file", "      - document: form-12.pdf", `document: "form-12.pdf" is neither a link (https://…) nor an expression`},
		{"      - document: vars.cert.file", "      - document: len(vars.pick)", `document: "len(vars.pick)" gives a number; it must give a link or a media id`},
		{`        filename: "certificate-{{.reference}}.pdf"`, `        filename: "certificate-{{.ref}}.pdf"`, `filename "certificate-{{.ref}}.pdf" uses {{.ref}}, which is not a variable`},
		{`        filename: "certificate-{{.reference}}.pdf"`, `        filename: "certificate-{{money .reference}}.pdf"`, "placeholders are written {{.name}}"},
	} {
		broken := strings.Replace(src, tc.line+"\n", tc.with+"\n", 1)
		if broken == src {
			t.Fatalf("no line %q", tc.line)
		}
		_, l := loadDiag(t, map[string]string{"main": broken})
		if len(l) != 1 || !strings.Contains(l[0].Message, tc.want) || l[0].Pos.Line == 0 {
			t.Errorf("%s: want one problem %q, got:\n%v", strings.TrimSpace(tc.with), tc.want, diag.ListError(l))
		}
	}
}
