package whatsapp

import (
	"encoding/json"
	"strconv"
	"strings"
)

// OutgoingMessage is one message for POST /{phone-number-id}/messages. Its
// JSON form is the Cloud API request body (MarshalJSON adds
// messaging_product and recipient_type). Set exactly one content field, the
// one Type names; the constructors below do that.
type OutgoingMessage struct {
	// To is the citizen's phone number; MarshalJSON adds the "+" Meta needs
	// when it is missing (a wa_id is digits without it).
	To string `json:"to,omitempty"`
	// Recipient is the citizen's business-scoped user id, used when there is
	// no phone number. Meta ignores it when To is set.
	Recipient string `json:"recipient,omitempty"`
	// Context quotes an earlier message (not allowed on reactions).
	Context *ReplyContext `json:"context,omitempty"`
	// BizOpaqueCallbackData (≤ 512 characters) comes back in status webhooks.
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`

	Type        string       `json:"type"`
	Text        *Text        `json:"text,omitempty"`
	Image       *MediaObject `json:"image,omitempty"`
	Audio       *MediaObject `json:"audio,omitempty"`
	Video       *MediaObject `json:"video,omitempty"`
	Document    *MediaObject `json:"document,omitempty"`
	Sticker     *MediaObject `json:"sticker,omitempty"`
	Location    *OutLocation `json:"location,omitempty"`
	Interactive *Interactive `json:"interactive,omitempty"`
	Template    *Template    `json:"template,omitempty"`
	Reaction    *Reaction    `json:"reaction,omitempty"`
}

// ReplyContext names the message a reply quotes.
type ReplyContext struct {
	MessageID string `json:"message_id"`
}

// Text is a text message body.
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// MediaObject is a file by uploaded media id or by public link.
type MediaObject struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	// Voice marks an OGG/OPUS audio as a voice note.
	Voice bool `json:"voice,omitempty"`
}

// OutLocation is a pin. Latitude and longitude go on the wire as decimal
// strings, as Meta's request examples write them.
type OutLocation struct {
	Latitude  float64 `json:"latitude,string"`
	Longitude float64 `json:"longitude,string"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Reaction puts (or, with an empty Emoji, removes) an emoji on a message.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// The interactive message types this package sends.
const (
	InteractiveButtons         = "button"
	InteractiveList            = "list"
	InteractiveLocationRequest = "location_request_message"
)

// Interactive is a reply-buttons, list or location-request message.
type Interactive struct {
	Type   string             `json:"type"`
	Header *InteractiveHeader `json:"header,omitempty"`
	Body   *InteractiveText   `json:"body,omitempty"`
	Footer *InteractiveText   `json:"footer,omitempty"`
	Action InteractiveAction  `json:"action"`
}

// InteractiveText is a body or footer.
type InteractiveText struct {
	Text string `json:"text"`
}

// InteractiveHeader is a text header (≤ 60 characters) or, for reply
// buttons, a media header.
type InteractiveHeader struct {
	Type     string       `json:"type"`
	Text     string       `json:"text,omitempty"`
	Image    *MediaObject `json:"image,omitempty"`
	Video    *MediaObject `json:"video,omitempty"`
	Document *MediaObject `json:"document,omitempty"`
}

// InteractiveAction holds the buttons, the list, or the location request.
type InteractiveAction struct {
	Buttons  []ReplyButton `json:"buttons,omitempty"`
	Button   string        `json:"button,omitempty"`
	Sections []ListSection `json:"sections,omitempty"`
	Name     string        `json:"name,omitempty"`
}

// ReplyButton is one reply button; use NewReplyButton.
type ReplyButton struct {
	Type  string      `json:"type"`
	Reply ButtonReply `json:"reply"`
}

// ButtonReply is a reply button's id (≤ 256) and title (≤ 20).
type ButtonReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// NewReplyButton returns a reply button.
func NewReplyButton(id, title string) ReplyButton {
	return ReplyButton{Type: "reply", Reply: ButtonReply{ID: id, Title: title}}
}

// ListSection is a titled group of list rows.
type ListSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []ListRow `json:"rows"`
}

// ListRow is one list option: id ≤ 200, title ≤ 24, description ≤ 72.
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Template is a pre-approved template message, the only kind Meta delivers
// outside the 24-hour customer service window.
type Template struct {
	Name       string              `json:"name"`
	Language   TemplateLanguage    `json:"language"`
	Components []TemplateComponent `json:"components,omitempty"`
}

// TemplateLanguage is the approved translation to use ("en_US", "hi").
type TemplateLanguage struct {
	Code string `json:"code"`
}

// TemplateComponent fills the variables of a header, the body, or a button.
type TemplateComponent struct {
	Type string `json:"type"`
	// SubType and Index are for buttons: "quick_reply" or "url", and the
	// button's position ("0", "1"...).
	SubType    string              `json:"sub_type,omitempty"`
	Index      string              `json:"index,omitempty"`
	Parameters []TemplateParameter `json:"parameters,omitempty"`
}

// TemplateParameter is one variable value.
type TemplateParameter struct {
	Type string `json:"type"`
	// ParameterName is set for named ({{office}}) templates.
	ParameterName string       `json:"parameter_name,omitempty"`
	Text          string       `json:"text,omitempty"`
	Payload       string       `json:"payload,omitempty"`
	Image         *MediaObject `json:"image,omitempty"`
	Video         *MediaObject `json:"video,omitempty"`
	Document      *MediaObject `json:"document,omitempty"`
	Location      *OutLocation `json:"location,omitempty"`
}

// TextMessage returns a text message.
func TextMessage(body string) OutgoingMessage {
	return OutgoingMessage{Type: "text", Text: &Text{Body: body}}
}

// MediaMessage returns an image, audio, video, document or sticker message.
func MediaMessage(kind string, m MediaObject) OutgoingMessage {
	msg := OutgoingMessage{Type: kind}
	switch kind {
	case "image":
		msg.Image = &m
	case "audio":
		msg.Audio = &m
	case "video":
		msg.Video = &m
	case "document":
		msg.Document = &m
	case "sticker":
		msg.Sticker = &m
	}
	return msg
}

// LocationMessage returns a pin message.
func LocationMessage(l OutLocation) OutgoingMessage {
	return OutgoingMessage{Type: "location", Location: &l}
}

// ButtonsMessage returns a reply-buttons message.
func ButtonsMessage(body string, buttons ...ReplyButton) OutgoingMessage {
	return OutgoingMessage{Type: "interactive", Interactive: &Interactive{
		Type: InteractiveButtons, Body: &InteractiveText{Text: body},
		Action: InteractiveAction{Buttons: buttons},
	}}
}

// ListMessage returns a list message with one untitled section.
func ListMessage(body, button string, rows ...ListRow) OutgoingMessage {
	return OutgoingMessage{Type: "interactive", Interactive: &Interactive{
		Type: InteractiveList, Body: &InteractiveText{Text: body},
		Action: InteractiveAction{Button: button, Sections: []ListSection{{Rows: rows}}},
	}}
}

// LocationRequestMessage returns a message with a "Send location" button.
func LocationRequestMessage(body string) OutgoingMessage {
	return OutgoingMessage{Type: "interactive", Interactive: &Interactive{
		Type: InteractiveLocationRequest, Body: &InteractiveText{Text: body},
		Action: InteractiveAction{Name: "send_location"},
	}}
}

// ReactionMessage returns a reaction; an empty emoji removes it.
func ReactionMessage(messageID, emoji string) OutgoingMessage {
	return OutgoingMessage{Type: "reaction", Reaction: &Reaction{MessageID: messageID, Emoji: emoji}}
}

// TemplateMessage returns a template message.
func TemplateMessage(name, language string, components ...TemplateComponent) OutgoingMessage {
	return OutgoingMessage{Type: "template", Template: &Template{
		Name: name, Language: TemplateLanguage{Code: language}, Components: components,
	}}
}

// BodyParams fills positional body variables {{1}}, {{2}}... in order.
func BodyParams(values ...string) TemplateComponent {
	c := TemplateComponent{Type: "body"}
	for _, v := range values {
		c.Parameters = append(c.Parameters, TemplateParameter{Type: "text", Text: v})
	}
	return c
}

// NamedBodyParams fills named body variables ({{office}}); pairs are
// name, value, name, value...
func NamedBodyParams(pairs ...string) TemplateComponent {
	c := TemplateComponent{Type: "body"}
	for i := 0; i+1 < len(pairs); i += 2 {
		c.Parameters = append(c.Parameters, TemplateParameter{Type: "text", ParameterName: pairs[i], Text: pairs[i+1]})
	}
	return c
}

// HeaderParam fills the header variable: a text, or a media parameter
// (Type "image"/"video"/"document" with the matching field set).
func HeaderParam(p TemplateParameter) TemplateComponent {
	return TemplateComponent{Type: "header", Parameters: []TemplateParameter{p}}
}

// QuickReplyButton sets the payload of the quick-reply button at index; the
// citizen's tap comes back as a "button" message with this payload.
func QuickReplyButton(index int, payload string) TemplateComponent {
	return TemplateComponent{Type: "button", SubType: "quick_reply", Index: strconv.Itoa(index),
		Parameters: []TemplateParameter{{Type: "payload", Payload: payload}}}
}

// URLButton sets the dynamic suffix of the URL button at index.
func URLButton(index int, suffix string) TemplateComponent {
	return TemplateComponent{Type: "button", SubType: "url", Index: strconv.Itoa(index),
		Parameters: []TemplateParameter{{Type: "text", Text: suffix}}}
}

// MarshalJSON writes the Cloud API request body.
func (m OutgoingMessage) MarshalJSON() ([]byte, error) {
	type plain OutgoingMessage
	return json.Marshal(struct {
		MessagingProduct string `json:"messaging_product"`
		RecipientType    string `json:"recipient_type"`
		plain
	}{"whatsapp", "individual", plain(m.addressed())})
}

// addressed returns m with To in international form ("+" and digits as
// given) and Recipient dropped when To is set.
func (m OutgoingMessage) addressed() OutgoingMessage {
	to := strings.TrimSpace(m.To)
	if to != "" && !strings.HasPrefix(to, "+") {
		to = "+" + to
	}
	m.To = to
	if to != "" {
		m.Recipient = ""
	}
	return m
}
