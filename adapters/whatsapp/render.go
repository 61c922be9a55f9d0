package whatsapp

import (
	"strconv"
	"strings"

	"github.com/samvad/samvad/engine"
)

// RenderOptions address and localise rendered messages.
type RenderOptions struct {
	// To (phone number or wa_id) or Recipient (business-scoped user id) is
	// copied into every message. Both may be left empty and set later.
	To        string
	Recipient string
	// ListButton is the localised label of the button that opens a list
	// ("Choose", "चुनें"), used when an output has no ListLabel. Defaults
	// to "Menu".
	ListButton string
	// PreviewURL asks WhatsApp to preview the first link of text messages.
	PreviewURL bool
}

// DefaultListButton is the list button label used when neither the output
// nor RenderOptions gives one.
const DefaultListButton = "Menu"

// locationRequestFallback is the body of a location request that came with
// no text: a pin reads the same in every language.
const locationRequestFallback = "📍"

// Render turns the outputs of one engine step into the WhatsApp messages to
// send, in order, each within WhatsApp's limits:
//
//   - Choices become reply buttons (≤ 3, titles ≤ 20 characters, no
//     descriptions), else a list (≤ 10 rows, titles ≤ 24, descriptions ≤ 72,
//     labelled Output.ListLabel or RenderOptions.ListButton), else a numbered
//     text menu. A choice without an id gets its number as id.
//     The numbered lines ("1. Water supply") are always in the body as well,
//     so a citizen can answer by number.
//   - Text is converted from Markdown to WhatsApp formatting (FormatText) and
//     split at 4096 characters on paragraph, sentence, then word boundaries;
//     an interactive body or caption over 1024 characters sends its leading
//     part as text and keeps the last part with the buttons or the media.
//   - Consecutive texts are merged into one message (a blank line between)
//     while they fit, and text just before an interactive message is folded
//     into its body when it fits: WhatsApp limits how fast one citizen may be
//     sent messages.
//   - Media go by link with their caption (audio and stickers take none: the
//     text goes before them as a message). Locations and location requests
//     map directly. Handoff outputs render nothing.
func Render(outs []engine.Output, opts RenderOptions) []OutgoingMessage {
	r := &renderer{opts: opts}
	for _, o := range outs {
		r.output(o)
	}
	r.flush()
	for i := range r.msgs {
		r.msgs[i].To, r.msgs[i].Recipient = opts.To, opts.Recipient
	}
	return r.msgs
}

type renderer struct {
	opts    RenderOptions
	msgs    []OutgoingMessage
	pending string // text waiting to be merged or flushed
}

func (r *renderer) output(o engine.Output) {
	text := strings.TrimSpace(FormatText(o.Text))
	switch {
	case o.Kind == engine.OutputHandoff:
	case o.Kind == engine.OutputMedia:
		r.media(o.Media, text)
	case o.Kind == engine.OutputLocation && o.Location != nil:
		r.text(text)
		r.flush()
		l := o.Location
		r.msgs = append(r.msgs, LocationMessage(OutLocation{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}))
	case o.Kind == engine.OutputLocationRequest:
		if text == "" {
			text = locationRequestFallback
		}
		r.interactive(text, "", func(body string) OutgoingMessage { return LocationRequestMessage(body) })
	case len(o.Choices) > 0:
		r.choices(o, text)
	default:
		r.text(text)
	}
}

// text queues text, merging it with the text before when both fit one message.
func (r *renderer) text(t string) {
	switch {
	case t == "":
	case r.pending == "":
		r.pending = t
	case chars(r.pending)+2+chars(t) <= MaxTextBody:
		r.pending += "\n\n" + t
	default:
		r.flush()
		r.pending = t
	}
}

// flush sends the queued text, split within the text limit.
func (r *renderer) flush() {
	for _, part := range splitText(r.pending, MaxTextBody) {
		m := TextMessage(part)
		m.Text.PreviewURL = r.opts.PreviewURL && (strings.Contains(part, "https://") || strings.Contains(part, "http://"))
		r.msgs = append(r.msgs, m)
	}
	r.pending = ""
}

// interactive emits a message whose body is prose followed by menu, within
// 1024 characters: the queued text is folded in front when it fits, and
// prose too long to fit sends its leading part as text first, keeping its
// last paragraphs (or sentences) with the menu.
func (r *renderer) interactive(prose, menu string, build func(body string) OutgoingMessage) {
	body := joinParagraphs(prose, menu)
	if chars(body) > MaxInteractiveBody {
		room := MaxInteractiveBody - chars(menu)
		if menu != "" {
			room -= 2
		}
		head, tail := splitTail(prose, room)
		r.text(head)
		body = joinParagraphs(tail, menu)
	} else if r.pending != "" && chars(r.pending)+2+chars(body) <= MaxInteractiveBody {
		body = r.pending + "\n\n" + body
		r.pending = ""
	}
	r.flush()
	r.msgs = append(r.msgs, build(body))
}

type choiceForm uint8

const (
	formButtons choiceForm = iota
	formList
	formTextMenu
)

func (r *renderer) choices(o engine.Output, text string) {
	ids := choiceIDs(o.Choices, o.Asked)
	form := pickForm(o.Choices, ids)
	menu := menuLines(o.Choices, form == formTextMenu)
	switch form {
	case formButtons:
		r.interactive(text, menu, func(body string) OutgoingMessage {
			buttons := make([]ReplyButton, len(o.Choices))
			for i, c := range o.Choices {
				buttons[i] = NewReplyButton(ids[i], oneLine(c.Label))
			}
			return ButtonsMessage(body, buttons...)
		})
	case formList:
		label := truncateChars(oneLine(o.ListLabel), MaxListButton)
		if label == "" {
			label = truncateChars(oneLine(r.opts.ListButton), MaxListButton)
		}
		if label == "" {
			label = DefaultListButton
		}
		r.interactive(text, menu, func(body string) OutgoingMessage {
			rows := make([]ListRow, len(o.Choices))
			for i, c := range o.Choices {
				rows[i] = ListRow{ID: ids[i], Title: oneLine(c.Label), Description: oneLine(c.Description)}
			}
			return ListMessage(body, label, rows...)
		})
	default:
		// A numbered menu is a text message; it ends its bubble.
		r.text(joinParagraphs(text, menu))
		r.flush()
	}
}

// choiceIDs are the reply ids: the choice's id, or its number when it has
// none, behind the question's token when it has one ("~token~id"), so that
// a tap tells which question's button it was (see ChoiceReply).
func choiceIDs(cs []engine.Choice, asked string) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
		if ids[i] == "" {
			ids[i] = strconv.Itoa(i + 1)
		}
		if asked != "" {
			ids[i] = "~" + asked + "~" + ids[i]
		}
	}
	return ids
}

// ChoiceReply splits the id of a tapped button or list row into the
// question's token (Output.Asked, "" when the id carries none) and the
// choice's own id.
func ChoiceReply(id string) (asked, choice string) {
	if rest, ok := strings.CutPrefix(id, "~"); ok {
		if asked, choice, ok := strings.Cut(rest, "~"); ok && asked != "" {
			return asked, choice
		}
	}
	return "", id
}

// pickForm chooses buttons, a list, or a numbered text menu: the first
// whose limits every choice meets.
func pickForm(cs []engine.Choice, ids []string) choiceForm {
	if fitsChoices(cs, ids, MaxButtons, MaxButtonTitle, MaxButtonID, 0, true) {
		return formButtons
	}
	if fitsChoices(cs, ids, MaxListRows, MaxRowTitle, MaxRowID, MaxRowDescription, false) {
		return formList
	}
	return formTextMenu
}

func fitsChoices(cs []engine.Choice, ids []string, maxN, maxTitle, maxID, maxDesc int, uniqueTitles bool) bool {
	if len(cs) == 0 || len(cs) > maxN {
		return false
	}
	seenID, seenTitle := map[string]bool{}, map[string]bool{}
	for i, c := range cs {
		title, desc := oneLine(c.Label), oneLine(c.Description)
		switch {
		case title == "" || chars(title) > maxTitle:
			return false
		case chars(ids[i]) > maxID || seenID[ids[i]]:
			return false
		case uniqueTitles && seenTitle[title]:
			return false
		case desc != "" && (maxDesc == 0 || chars(desc) > maxDesc):
			// Buttons have no room for descriptions: such choices go in a list.
			return false
		}
		seenID[ids[i]], seenTitle[title] = true, true
	}
	return true
}

// menuLines numbers the choices from 1; the text menu also shows descriptions.
func menuLines(cs []engine.Choice, withDescriptions bool) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(oneLine(c.Label))
		if d := oneLine(c.Description); withDescriptions && d != "" {
			b.WriteString(" – ")
			b.WriteString(d)
		}
	}
	return b.String()
}

// oneLine collapses a label's white space (line breaks included) to single
// spaces: button and row titles are one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func joinParagraphs(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}

// media emits a media message by link with its caption (or, for audio and
// stickers, with the text sent before it).
func (r *renderer) media(m *engine.Media, caption string) {
	if m == nil || strings.TrimSpace(m.URL) == "" && strings.TrimSpace(m.ID) == "" {
		r.text(caption)
		return
	}
	// A file uploaded to Meta goes by its media id, one elsewhere by link.
	ref := MediaObject{Link: m.URL}
	if m.URL == "" {
		ref = MediaObject{ID: m.ID}
	}
	kind := strings.ToLower(strings.TrimSpace(m.Kind))
	switch kind {
	case "image", "video", "document":
		if chars(caption) > MaxCaption {
			head, tail := splitTail(caption, MaxCaption)
			r.text(head)
			caption = tail
		}
		r.flush()
		obj := ref
		obj.Caption = caption
		if kind == "document" {
			obj.Filename = m.Filename
		}
		r.msgs = append(r.msgs, MediaMessage(kind, obj))
	case "audio", "sticker":
		r.text(caption)
		r.flush()
		r.msgs = append(r.msgs, MediaMessage(kind, ref))
	default:
		r.text(joinParagraphs(caption, m.URL+m.ID))
	}
}
