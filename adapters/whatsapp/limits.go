package whatsapp

import (
	"fmt"
	"regexp"
	"unicode/utf8"
)

// The Cloud API's limits on what the bot sends (CONTRACT.md §6), counted in
// characters (Unicode code points), never bytes.
const (
	MaxTextBody         = 4096
	MaxInteractiveBody  = 1024 // also the caption limit
	MaxCaption          = 1024
	MaxHeaderFooter     = 60
	MaxButtons          = 3
	MaxButtonTitle      = 20
	MaxButtonID         = 256
	MaxListButton       = 20
	MaxListSections     = 10
	MaxListRows         = 10
	MaxListSectionTitle = 24
	MaxRowTitle         = 24
	MaxRowDescription   = 72
	MaxRowID            = 200
	MaxBizOpaque        = 512
)

func chars(s string) int { return utf8.RuneCountInString(s) }

var bsuidPattern = regexp.MustCompile(`^[A-Z]{2}\.[A-Za-z0-9]{1,128}$`)

// Validate checks the message against the Cloud API's documented shape and
// limits, so a message Meta would refuse is caught before it is sent (as an
// InvalidMessageError naming the field). Client.Send calls it.
func (m *OutgoingMessage) Validate() error {
	a := m.addressed()
	switch {
	case a.To == "" && a.Recipient == "":
		return invalid("to", "no recipient: set To (phone number) or Recipient (business-scoped user id)")
	case a.To != "" && !validPhone(a.To):
		return invalid("to", "not a phone number with country code")
	case a.To == "" && !bsuidPattern.MatchString(a.Recipient):
		return invalid("recipient", "not a business-scoped user id (CC.alphanumerics)")
	case chars(m.BizOpaqueCallbackData) > MaxBizOpaque:
		return invalid("biz_opaque_callback_data", fmt.Sprintf("longer than %d characters", MaxBizOpaque))
	case m.Context != nil && m.Context.MessageID == "":
		return invalid("context.message_id", "empty")
	}
	if n := m.contentCount(); n != 1 {
		return invalid("type", fmt.Sprintf("%d content objects set, want exactly the one named by type %q", n, m.Type))
	}
	switch m.Type {
	case "text":
		return validateText(m.Text)
	case "image", "video", "document":
		return validateMedia(m.Type, m.media(), true)
	case "audio", "sticker":
		return validateMedia(m.Type, m.media(), false)
	case "location":
		return validateLocation(m.Location)
	case "interactive":
		return validateInteractive(m.Interactive)
	case "template":
		return validateTemplate(m.Template)
	case "reaction":
		if m.Reaction == nil || m.Reaction.MessageID == "" {
			return invalid("reaction.message_id", "required")
		}
		if m.Context != nil {
			return invalid("context", "a reaction cannot be a contextual reply")
		}
		return nil
	}
	return invalid("type", fmt.Sprintf("unknown message type %q", m.Type))
}

func invalid(field, reason string) error { return &InvalidMessageError{Field: field, Reason: reason} }

func validPhone(to string) bool {
	digits := 0
	for i, r := range to {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 6 && digits <= 15
}

func (m *OutgoingMessage) contentCount() int {
	n := 0
	for _, set := range []bool{m.Text != nil, m.Image != nil, m.Audio != nil, m.Video != nil, m.Document != nil,
		m.Sticker != nil, m.Location != nil, m.Interactive != nil, m.Template != nil, m.Reaction != nil} {
		if set {
			n++
		}
	}
	return n
}

func (m *OutgoingMessage) media() *MediaObject {
	switch m.Type {
	case "image":
		return m.Image
	case "audio":
		return m.Audio
	case "video":
		return m.Video
	case "document":
		return m.Document
	case "sticker":
		return m.Sticker
	}
	return nil
}

func validateText(t *Text) error {
	switch {
	case t == nil || t.Body == "":
		return invalid("text.body", "required")
	case chars(t.Body) > MaxTextBody:
		return invalid("text.body", fmt.Sprintf("%d characters, limit %d", chars(t.Body), MaxTextBody))
	}
	return nil
}

func validateMedia(kind string, m *MediaObject, captioned bool) error {
	switch {
	case m == nil:
		return invalid(kind, "required")
	case (m.ID == "") == (m.Link == ""):
		return invalid(kind, "set exactly one of id and link")
	case !captioned && m.Caption != "":
		return invalid(kind+".caption", "not allowed for "+kind)
	case chars(m.Caption) > MaxCaption:
		return invalid(kind+".caption", fmt.Sprintf("%d characters, limit %d", chars(m.Caption), MaxCaption))
	}
	return nil
}

func validateLocation(l *OutLocation) error {
	switch {
	case l == nil:
		return invalid("location", "required")
	case l.Latitude < -90 || l.Latitude > 90:
		return invalid("location.latitude", "out of range")
	case l.Longitude < -180 || l.Longitude > 180:
		return invalid("location.longitude", "out of range")
	}
	return nil
}

func validateInteractive(it *Interactive) error {
	if it == nil {
		return invalid("interactive", "required")
	}
	if it.Body == nil || it.Body.Text == "" {
		return invalid("interactive.body.text", "required")
	}
	if n := chars(it.Body.Text); n > MaxInteractiveBody {
		return invalid("interactive.body.text", fmt.Sprintf("%d characters, limit %d", n, MaxInteractiveBody))
	}
	if it.Footer != nil && chars(it.Footer.Text) > MaxHeaderFooter {
		return invalid("interactive.footer.text", fmt.Sprintf("longer than %d characters", MaxHeaderFooter))
	}
	if it.Header != nil && it.Header.Type == "text" && chars(it.Header.Text) > MaxHeaderFooter {
		return invalid("interactive.header.text", fmt.Sprintf("longer than %d characters", MaxHeaderFooter))
	}
	switch it.Type {
	case InteractiveButtons:
		return validateButtons(it.Action.Buttons)
	case InteractiveList:
		if it.Header != nil && it.Header.Type != "text" {
			return invalid("interactive.header.type", "a list header must be text")
		}
		return validateList(it.Action)
	case InteractiveLocationRequest:
		if it.Action.Name != "send_location" {
			return invalid("interactive.action.name", `must be "send_location"`)
		}
		return nil
	}
	return invalid("interactive.type", fmt.Sprintf("unsupported interactive type %q", it.Type))
}

func validateButtons(bs []ReplyButton) error {
	if len(bs) == 0 || len(bs) > MaxButtons {
		return invalid("interactive.action.buttons", fmt.Sprintf("%d buttons, want 1 to %d", len(bs), MaxButtons))
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	for i, b := range bs {
		field := fmt.Sprintf("interactive.action.buttons[%d]", i)
		switch {
		case b.Type != "reply":
			return invalid(field+".type", `must be "reply"`)
		case b.Reply.ID == "" || chars(b.Reply.ID) > MaxButtonID:
			return invalid(field+".reply.id", fmt.Sprintf("must be 1 to %d characters", MaxButtonID))
		case b.Reply.Title == "" || chars(b.Reply.Title) > MaxButtonTitle:
			return invalid(field+".reply.title", fmt.Sprintf("must be 1 to %d characters", MaxButtonTitle))
		case ids[b.Reply.ID] || titles[b.Reply.Title]:
			return invalid(field, "button ids and titles must be unique")
		}
		ids[b.Reply.ID], titles[b.Reply.Title] = true, true
	}
	return nil
}

func validateList(a InteractiveAction) error {
	if a.Button == "" || chars(a.Button) > MaxListButton {
		return invalid("interactive.action.button", fmt.Sprintf("must be 1 to %d characters", MaxListButton))
	}
	if len(a.Sections) == 0 || len(a.Sections) > MaxListSections {
		return invalid("interactive.action.sections", fmt.Sprintf("%d sections, want 1 to %d", len(a.Sections), MaxListSections))
	}
	rows, ids := 0, map[string]bool{}
	for i, s := range a.Sections {
		field := fmt.Sprintf("interactive.action.sections[%d]", i)
		if chars(s.Title) > MaxListSectionTitle || (len(a.Sections) > 1 && s.Title == "") {
			return invalid(field+".title", fmt.Sprintf("required with several sections, at most %d characters", MaxListSectionTitle))
		}
		for j, r := range s.Rows {
			rf := fmt.Sprintf("%s.rows[%d]", field, j)
			switch {
			case r.ID == "" || chars(r.ID) > MaxRowID:
				return invalid(rf+".id", fmt.Sprintf("must be 1 to %d characters", MaxRowID))
			case ids[r.ID]:
				return invalid(rf+".id", "row ids must be unique")
			case r.Title == "" || chars(r.Title) > MaxRowTitle:
				return invalid(rf+".title", fmt.Sprintf("must be 1 to %d characters", MaxRowTitle))
			case chars(r.Description) > MaxRowDescription:
				return invalid(rf+".description", fmt.Sprintf("longer than %d characters", MaxRowDescription))
			}
			ids[r.ID] = true
			rows++
		}
	}
	if rows == 0 || rows > MaxListRows {
		return invalid("interactive.action.sections", fmt.Sprintf("%d rows in total, want 1 to %d", rows, MaxListRows))
	}
	return nil
}

func validateTemplate(t *Template) error {
	switch {
	case t == nil || t.Name == "":
		return invalid("template.name", "required")
	case t.Language.Code == "":
		return invalid("template.language.code", "required")
	}
	for i, c := range t.Components {
		field := fmt.Sprintf("template.components[%d]", i)
		switch c.Type {
		case "header", "body", "footer":
		case "button":
			if c.SubType == "" || c.Index == "" {
				return invalid(field, "a button component needs sub_type and index")
			}
		default:
			return invalid(field+".type", fmt.Sprintf("unknown component type %q", c.Type))
		}
		for j, p := range c.Parameters {
			if p.Type == "" {
				return invalid(fmt.Sprintf("%s.parameters[%d].type", field, j), "required")
			}
		}
	}
	return nil
}
