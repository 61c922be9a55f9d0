package whatsapp

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
	"github.com/samvad/samvad/engine"
)

func text(s string) engine.Output { return engine.Output{Kind: engine.OutputText, Text: s} }

func ask(s string, labels ...string) engine.Output {
	o := text(s)
	for i, l := range labels {
		o.Choices = append(o.Choices, engine.Choice{ID: fmt.Sprintf("c%d", i+1), Label: l})
	}
	return o
}

// checkValid sends every rendered message through both validators: ours and
// the fake Graph API's independent one.
func checkValid(t *testing.T, msgs []OutgoingMessage) {
	t.Helper()
	for i := range msgs {
		m := msgs[i]
		if m.To == "" && m.Recipient == "" {
			m.To = "+15555550101"
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("message %d fails our validation: %v\n%+v", i, err, m)
		}
		body, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if gerr := graphsim.Validate(body); gerr != nil {
			t.Fatalf("message %d would be refused by Meta: %v\n%s", i, gerr, body)
		}
	}
}

func TestRenderChoiceForms(t *testing.T) {
	// ≤ 3 short labels: reply buttons, numbered lines in the body too.
	msgs := Render([]engine.Output{ask("Which service?", "Water supply", "Ration card", "Property tax")}, RenderOptions{})
	checkValid(t, msgs)
	if len(msgs) != 1 || msgs[0].Interactive == nil || msgs[0].Interactive.Type != InteractiveButtons {
		t.Fatalf("want one buttons message, got %+v", msgs)
	}
	it := msgs[0].Interactive
	if it.Body.Text != "Which service?\n\n1. Water supply\n2. Ration card\n3. Property tax" {
		t.Errorf("body %q", it.Body.Text)
	}
	if b := it.Action.Buttons[1]; b.Reply.ID != "c2" || b.Reply.Title != "Ration card" {
		t.Errorf("button %+v", b)
	}

	// A label over 20 characters: a list.
	o := ask("Choose", "Yes", "No, take me to the menu") // 23 characters
	o.ListLabel = "Choose an option here please"
	msgs = Render([]engine.Output{o}, RenderOptions{})
	checkValid(t, msgs)
	if it := msgs[0].Interactive; it == nil || it.Type != InteractiveList || it.Action.Button != "Choose an option her" || len(it.Action.Sections[0].Rows) != 2 {
		t.Fatalf("want a list, got %+v", it)
	}

	// Four choices: a list; its button label comes from the options when
	// the output has none, else the default.
	four := ask("", "A", "B", "C", "D")
	msgs = Render([]engine.Output{four}, RenderOptions{ListButton: "चुनें"})
	checkValid(t, msgs)
	if it := msgs[0].Interactive; it.Type != InteractiveList || it.Action.Button != "चुनें" || it.Body.Text != "1. A\n2. B\n3. C\n4. D" {
		t.Fatalf("list %+v", it)
	}
	if it := Render([]engine.Output{four}, RenderOptions{})[0].Interactive; it.Action.Button != DefaultListButton {
		t.Errorf("default list button %q", it.Action.Button)
	}

	// Descriptions: a list, descriptions on the rows.
	d := ask("Office?", "North", "South")
	d.Choices[0].Description = "Mon-Fri 9-5, 12 Main St"
	it = Render([]engine.Output{d}, RenderOptions{})[0].Interactive
	if it.Type != InteractiveList || it.Action.Sections[0].Rows[0].Description != "Mon-Fri 9-5, 12 Main St" {
		t.Errorf("descriptions: %+v", it)
	}

	// Eleven choices, or a label over 24: a numbered text menu.
	var labels []string
	for i := range 11 {
		labels = append(labels, fmt.Sprintf("Option %d", i+1))
	}
	for name, o := range map[string]engine.Output{
		"eleven":    ask("Pick one", labels...),
		"long":      ask("Pick one", "Short", "A label that is far too long for a list row"),
		"row id":    {Kind: engine.OutputText, Text: "Pick one", Choices: []engine.Choice{{ID: strings.Repeat("x", 201), Label: "x"}, {ID: "y", Label: "y"}, {ID: "z", Label: "z"}, {ID: "w", Label: "w"}}},
		"dup ids":   {Kind: engine.OutputText, Text: "Pick one", Choices: []engine.Choice{{ID: "a", Label: "x"}, {ID: "a", Label: "y"}}},
		"long desc": {Kind: engine.OutputText, Text: "Pick one", Choices: []engine.Choice{{ID: "a", Label: "x", Description: strings.Repeat("d", 73)}}},
	} {
		msgs := Render([]engine.Output{o}, RenderOptions{})
		checkValid(t, msgs)
		if len(msgs) != 1 || msgs[0].Type != "text" || !strings.HasPrefix(msgs[0].Text.Body, "Pick one\n\n1. ") {
			t.Errorf("%s: want a numbered text menu, got %+v", name, msgs)
		}
	}
	menu := Render([]engine.Output{ask("Pick one", labels...)}, RenderOptions{})[0].Text.Body
	if !strings.HasSuffix(menu, "\n10. Option 10\n11. Option 11") {
		t.Errorf("menu %q", menu)
	}
	desc := Render([]engine.Output{{Kind: engine.OutputText, Choices: []engine.Choice{{ID: "a", Label: "x", Description: strings.Repeat("d", 73)}}}}, RenderOptions{})[0].Text.Body
	if desc != "1. x – "+strings.Repeat("d", 73) {
		t.Errorf("text menu description %q", desc)
	}

	// A choice without an id answers with its number.
	noID := engine.Output{Kind: engine.OutputText, Text: "Ok?", Choices: []engine.Choice{{Label: "Yes"}, {Label: "No"}}}
	if b := Render([]engine.Output{noID}, RenderOptions{})[0].Interactive.Action.Buttons; b[0].Reply.ID != "1" || b[1].Reply.ID != "2" {
		t.Errorf("ids %+v", b)
	}
}

func TestRenderMergesAndFolds(t *testing.T) {
	outs := []engine.Output{text("Welcome to the **Health** portal."), text("We can help with vaccination."), ask("What do you need?", "Book slot", "Certificate")}
	msgs := Render(outs, RenderOptions{To: "15555550101"})
	checkValid(t, msgs)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1: %+v", len(msgs), msgs)
	}
	want := "Welcome to the *Health* portal.\n\nWe can help with vaccination.\n\nWhat do you need?\n\n1. Book slot\n2. Certificate"
	if got := msgs[0].Interactive.Body.Text; got != want {
		t.Errorf("body\n got %q\nwant %q", got, want)
	}
	if msgs[0].To != "15555550101" {
		t.Errorf("to %q", msgs[0].To)
	}

	// Text too long to fold stays a message of its own, before the buttons.
	long := strings.Repeat("Please read carefully. ", 44) // ~1000 characters
	msgs = Render([]engine.Output{text(long), ask("Agree?", "Yes", "No")}, RenderOptions{})
	checkValid(t, msgs)
	if len(msgs) != 2 || msgs[0].Type != "text" || msgs[1].Interactive.Body.Text != "Agree?\n\n1. Yes\n2. No" {
		t.Fatalf("got %+v", msgs)
	}

	// Texts merge while they fit 4096 characters, then a new message starts.
	block := strings.TrimSpace(strings.Repeat("x ", 1000)) // 1999 characters
	msgs = Render([]engine.Output{text(block), text(block), text(block)}, RenderOptions{})
	checkValid(t, msgs)
	if len(msgs) != 2 || msgs[0].Text.Body != block+"\n\n"+block || msgs[1].Text.Body != block {
		t.Errorf("merge: %d messages", len(msgs))
	}

	// Media breaks the merge and keeps its place.
	img := engine.Output{Kind: engine.OutputMedia, Text: "Your **certificate**", Media: &engine.Media{Kind: "image", URL: "https://ex.org/c.png"}}
	msgs = Render([]engine.Output{text("Here it is:"), img, text("Anything else?")}, RenderOptions{})
	checkValid(t, msgs)
	if len(msgs) != 3 || msgs[0].Text.Body != "Here it is:" || msgs[1].Image.Caption != "Your *certificate*" || msgs[2].Text.Body != "Anything else?" {
		t.Errorf("order: %+v", msgs)
	}
}

func TestRenderLongInteractiveBody(t *testing.T) {
	prose := strings.Repeat("The ration card office needs your family details and an address proof. ", 40) // ~2900
	msgs := Render([]engine.Output{ask(prose, "Continue", "Stop")}, RenderOptions{})
	checkValid(t, msgs)
	last := msgs[len(msgs)-1]
	if len(msgs) < 2 || last.Interactive == nil {
		t.Fatalf("got %d messages, last %+v", len(msgs), last)
	}
	// The buttons keep the last sentences of the prose (the question) with
	// the numbered lines, as much as fits.
	body := last.Interactive.Body.Text
	if !strings.HasSuffix(body, "address proof.\n\n1. Continue\n2. Stop") || chars(body) < MaxInteractiveBody-80 {
		t.Errorf("body %d characters: %q", chars(body), body)
	}
	for _, m := range msgs[:len(msgs)-1] {
		if m.Type != "text" {
			t.Errorf("leading part is %s, want text", m.Type)
		}
	}
}

func TestRenderLongText(t *testing.T) {
	para := strings.TrimSpace(strings.Repeat("Grievance number and status are listed below. ", 50)) // ~2300
	msgs := Render([]engine.Output{text(para + "\n\n" + para + "\n\n" + para)}, RenderOptions{})
	checkValid(t, msgs)
	if len(msgs) != 3 {
		t.Errorf("%d messages for three 2300-character paragraphs", len(msgs))
	}
	for _, m := range msgs {
		if m.Text.Body != para {
			t.Errorf("not split on the paragraph: %d characters", chars(m.Text.Body))
		}
	}
}

func TestRenderMediaLocationAndHandoff(t *testing.T) {
	outs := []engine.Output{
		{Kind: engine.OutputMedia, Text: "Listen", Media: &engine.Media{Kind: "audio", URL: "https://ex.org/a.ogg"}},
		{Kind: engine.OutputMedia, Text: "Form", Media: &engine.Media{Kind: "document", URL: "https://ex.org/f.pdf", Filename: "form.pdf"}},
		{Kind: engine.OutputMedia, Media: &engine.Media{Kind: "video", URL: "https://ex.org/v.mp4"}},
		{Kind: engine.OutputLocation, Text: "Your nearest office:", Location: &engine.Location{Latitude: 20.2961, Longitude: 85.8245, Name: "Bhubaneswar office", Address: "Unit 4"}},
		{Kind: engine.OutputLocationRequest, Text: "Please share your location"},
		{Kind: engine.OutputLocationRequest},
		{Kind: engine.OutputHandoff, Handoff: &engine.Handoff{Queue: "ration"}},
	}
	msgs := Render(outs, RenderOptions{Recipient: "US.1000000000000000001"})
	checkValid(t, msgs)
	var kinds []string
	for _, m := range msgs {
		k := m.Type
		if m.Interactive != nil {
			k += ":" + m.Interactive.Type
		}
		kinds = append(kinds, k)
		if m.Recipient != "US.1000000000000000001" {
			t.Errorf("recipient %q", m.Recipient)
		}
	}
	want := "text audio document video text location interactive:location_request_message interactive:location_request_message"
	if strings.Join(kinds, " ") != want {
		t.Fatalf("kinds %v\nwant %s", kinds, want)
	}
	if msgs[0].Text.Body != "Listen" || msgs[1].Audio.Link != "https://ex.org/a.ogg" || msgs[1].Audio.Caption != "" ||
		msgs[2].Document.Filename != "form.pdf" || msgs[2].Document.Caption != "Form" || msgs[3].Video.Caption != "" ||
		msgs[4].Text.Body != "Your nearest office:" || msgs[5].Location.Name != "Bhubaneswar office" ||
		msgs[6].Interactive.Body.Text != "Please share your location" || msgs[7].Interactive.Body.Text != locationRequestFallback {
		t.Errorf("fields: %+v", msgs)
	}
	if len(Render([]engine.Output{{Kind: engine.OutputHandoff}}, RenderOptions{})) != 0 {
		t.Error("handoff rendered a message")
	}
	// A caption over 1024 characters: the leading part goes first as text.
	long := strings.Repeat("Caption sentence here. ", 60)
	msgs = Render([]engine.Output{{Kind: engine.OutputMedia, Text: long, Media: &engine.Media{Kind: "image", URL: "https://ex.org/i.png"}}}, RenderOptions{})
	checkValid(t, msgs)
	if len(msgs) != 2 || msgs[0].Type != "text" || msgs[1].Image == nil || chars(msgs[1].Image.Caption) > MaxCaption {
		t.Errorf("long caption: %+v", msgs)
	}
}

func TestRenderPreviewURL(t *testing.T) {
	msgs := Render([]engine.Output{text("Apply at [the portal](https://ex.gov.in)"), ask("Done?", "Yes")}, RenderOptions{PreviewURL: true})
	checkValid(t, msgs)
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	msgs = Render([]engine.Output{text("Apply at [the portal](https://ex.gov.in)")}, RenderOptions{PreviewURL: true})
	if !msgs[0].Text.PreviewURL || msgs[0].Text.Body != "Apply at the portal (https://ex.gov.in)" {
		t.Errorf("%+v", msgs[0].Text)
	}
	msgs = Render([]engine.Output{text("no link")}, RenderOptions{PreviewURL: true})
	if msgs[0].Text.PreviewURL {
		t.Error("preview without a link")
	}
}

// Property: for random engine outputs, every rendered message passes the
// fake Graph API's validator (an oracle independent of this package), and
// every word of the input appears in the output, in order.
func TestRenderPropertyNeverExceedsLimits(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	vocab := []string{"ration", "card", "टीका", "केंद्र", "সেবা", "ଅଫିସ", "வரி", "😀", "👩\u200d💻", "office.", "hours।", "apply?", "https://ex.gov.in/a_b"}
	marks := []string{"**", "*", "_", "~~", "`", "\n", "\n\n", "- ", "# "}
	words := func(n int, withMarks bool) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(" ")
			}
			if withMarks && rng.IntN(6) == 0 {
				b.WriteString(marks[rng.IntN(len(marks))])
			}
			b.WriteString(vocab[rng.IntN(len(vocab))])
		}
		return b.String()
	}
	size := func() int {
		switch rng.IntN(4) {
		case 0:
			return rng.IntN(10)
		case 1:
			return rng.IntN(200)
		case 2:
			return 100 + rng.IntN(400)
		}
		return 500 + rng.IntN(1500)
	}
	for n := range 400 {
		withMarks := n%2 == 1
		var outs []engine.Output
		for range 1 + rng.IntN(6) {
			o := engine.Output{Kind: engine.OutputKind(1 + rng.IntN(5)), Text: words(size(), withMarks)}
			switch o.Kind {
			case engine.OutputText:
				if rng.IntN(2) == 0 {
					for c := range rng.IntN(13) {
						ch := engine.Choice{ID: strings.Repeat("i", 1+rng.IntN(260)) + fmt.Sprint(c), Label: words(1+rng.IntN(4), false)}
						if rng.IntN(3) == 0 {
							ch.Description = words(rng.IntN(14), false)
						}
						o.Choices = append(o.Choices, ch)
					}
					o.ListLabel = words(rng.IntN(5), false)
				}
			case engine.OutputMedia:
				o.Media = &engine.Media{Kind: []string{"image", "document", "audio", "video", "sticker", "gif"}[rng.IntN(6)], URL: "https://ex.org/f", Filename: "f.pdf"}
			case engine.OutputLocation:
				o.Location = &engine.Location{Latitude: rng.Float64()*180 - 90, Longitude: rng.Float64()*360 - 180}
			}
			outs = append(outs, o)
		}
		msgs := Render(outs, RenderOptions{To: "+919800000001", ListButton: words(rng.IntN(8), false)})
		checkValid(t, msgs)
		if !withMarks {
			if missing := missingWords(outs, msgs); missing != "" {
				t.Fatalf("case %d: word %q lost or out of order", n, missing)
			}
		}
	}
}

// missingWords checks that the words of the outputs' texts and choice labels
// appear, in order, in the rendered texts, bodies and captions.
func missingWords(outs []engine.Output, msgs []OutgoingMessage) string {
	var rendered []string
	for _, m := range msgs {
		switch {
		case m.Text != nil:
			rendered = append(rendered, strings.Fields(m.Text.Body)...)
		case m.Interactive != nil:
			rendered = append(rendered, strings.Fields(m.Interactive.Body.Text)...)
		case m.media() != nil:
			rendered = append(rendered, strings.Fields(m.media().Caption)...)
		}
	}
	i := 0
	for _, o := range outs {
		if o.Kind == engine.OutputHandoff || o.Kind == engine.OutputLocationRequest && strings.TrimSpace(o.Text) == "" {
			continue
		}
		want := strings.Fields(o.Text)
		for _, c := range o.Choices {
			want = append(want, strings.Fields(c.Label)...)
		}
		if o.Kind == engine.OutputMedia && (o.Media.Kind == "gif") {
			want = append(want, o.Media.URL)
		}
		for _, w := range want {
			for i < len(rendered) && rendered[i] != w {
				i++
			}
			if i == len(rendered) {
				return w
			}
			i++
		}
	}
	return ""
}

func TestRenderLabelsAreOneLine(t *testing.T) {
	o := ask("Pick", "Water\nsupply", "  Ration   card ")
	msgs := Render([]engine.Output{o}, RenderOptions{})
	checkValid(t, msgs)
	b := msgs[0].Interactive.Action.Buttons
	if b[0].Reply.Title != "Water supply" || b[1].Reply.Title != "Ration card" || !strings.HasSuffix(msgs[0].Interactive.Body.Text, "1. Water supply\n2. Ration card") {
		t.Errorf("%+v / %q", b, msgs[0].Interactive.Body.Text)
	}
}

// Rendered messages can be stored (an outbox row) as their wire JSON and
// read back unchanged.
func TestOutgoingMessageRoundTrip(t *testing.T) {
	outs := []engine.Output{
		ask("Which office?", "North", "South", "East", "West"),
		{Kind: engine.OutputLocation, Location: &engine.Location{Latitude: 19.076, Longitude: 72.8777, Name: "Ward office"}},
		{Kind: engine.OutputMedia, Text: "Receipt", Media: &engine.Media{Kind: "document", URL: "https://ex.org/r.pdf", Filename: "r.pdf"}},
	}
	for _, m := range Render(outs, RenderOptions{To: "+919800000001"}) {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back OutgoingMessage
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(back)
		if string(b) != string(b2) {
			t.Errorf("round trip changed the message:\n%s\n%s", b, b2)
		}
	}
}

// A file uploaded to Meta goes by its media id; one elsewhere by link.
func TestRenderMediaByID(t *testing.T) {
	t.Parallel()
	msgs := Render([]engine.Output{
		{Kind: engine.OutputMedia, Text: "Your receipt", Media: &engine.Media{Kind: "document", ID: "1234567890", Filename: "receipt.pdf"}},
		{Kind: engine.OutputMedia, Media: &engine.Media{Kind: "audio", ID: "998877"}},
	}, RenderOptions{Recipient: "US.1"})
	checkValid(t, msgs)
	if len(msgs) != 2 || msgs[0].Document == nil || msgs[0].Document.ID != "1234567890" || msgs[0].Document.Link != "" ||
		msgs[0].Document.Filename != "receipt.pdf" || msgs[0].Document.Caption != "Your receipt" || msgs[1].Audio == nil || msgs[1].Audio.ID != "998877" {
		t.Fatalf("by id: %+v", msgs)
	}
}
