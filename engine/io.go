package engine

import "time"

// InputKind says what a citizen sent, independent of the channel it came through.
type InputKind uint8

// The kinds of input a channel adapter hands to the engine.
const (
	// InputText is typed text. Input.Text holds it.
	InputText InputKind = iota + 1
	// InputChoice is a tapped button or list row (or a template quick reply).
	// Input.ChoiceID holds the id the bot sent; Input.Text holds the visible title.
	InputChoice
	// InputLocation is a shared location. Input.Location holds it.
	InputLocation
	// InputMedia is an image, audio (voice note), video, document or sticker.
	// Input.Media holds the reference; Input.Text holds the caption, if any.
	InputMedia
	// InputForm is a completed form (a WhatsApp Flow reply). Input.Data holds the
	// submitted fields; Input.Text a short summary.
	InputForm
	// InputReaction is an emoji reaction to a message the bot sent. The engine
	// records it and does not answer.
	InputReaction
	// InputUnsupported is anything the channel could not represent (a poll, an
	// unknown type). The engine answers it politely and re-asks.
	InputUnsupported
	// InputStart is not from the citizen: staff hand the conversation back
	// to the bot. The session is cleared (a handoff included) and the flow
	// Input.Text names is started, or the entry flow (the main menu) when
	// Text is empty or names no loaded flow.
	InputStart
)

var inputKindNames = [...]string{"", "text", "choice", "location", "media", "form", "reaction", "unsupported", "start"}

// String names the kind the way YAML transcripts and logs do.
func (k InputKind) String() string {
	if int(k) < len(inputKindNames) {
		return inputKindNames[k]
	}
	return "unknown"
}

// Input is one message from a citizen, already stripped of its channel.
type Input struct {
	// ID is the channel's message id (a WhatsApp wamid); used for tracing only.
	ID       string    `json:"id,omitempty"`
	Kind     InputKind `json:"kind"`
	Text     string    `json:"text,omitempty"`
	ChoiceID string    `json:"choice_id,omitempty"`
	// Asked is, for a tapped choice, the Output.Asked of the question whose
	// button or row was tapped, when the channel carried it back; empty
	// otherwise. A tap on an earlier question's button is then told apart
	// from an answer to the question the citizen is at.
	Asked    string         `json:"asked,omitempty"`
	Location *Location      `json:"location,omitempty"`
	Media    *Attachment    `json:"media,omitempty"`
	Data     map[string]any `json:"data,omitempty"`
	// At is when the citizen sent the message (the channel's timestamp).
	At time.Time `json:"at"`
}

// Location is a point on the map, as shared by a citizen or sent by the bot.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Attachment is a file a citizen sent. The engine never holds the bytes, only
// the reference the channel gave (and, once downloaded, where it is stored).
type Attachment struct {
	// Kind is image, audio, video, document or sticker.
	Kind     string `json:"kind"`
	MediaID  string `json:"media_id,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	Filename string `json:"filename,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	// URL is where the stored copy can be fetched, once the adapter has it.
	URL   string `json:"url,omitempty"`
	Voice bool   `json:"voice,omitempty"`
}

// OutputKind says what one bot message is.
type OutputKind uint8

// The kinds of message the engine produces.
const (
	// OutputText is a text message; Text is Markdown-ish (**bold**, _italic_,
	// ~~strike~~, lists, links). Choices, when present, are the options the
	// citizen may answer with.
	OutputText OutputKind = iota + 1
	// OutputMedia is an image, document, audio or video by link; Text is its caption.
	OutputMedia
	// OutputLocation is a pin on the map.
	OutputLocation
	// OutputLocationRequest asks the citizen to share their location; Text is the request.
	OutputLocationRequest
	// OutputHandoff marks that the conversation was handed to the agent inbox.
	// It carries no text for the citizen (a preceding OutputText does).
	OutputHandoff
)

var outputKindNames = [...]string{"", "text", "media", "location", "location_request", "handoff"}

// String names the kind the way YAML transcripts and logs do.
func (k OutputKind) String() string {
	if int(k) < len(outputKindNames) {
		return outputKindNames[k]
	}
	return "unknown"
}

// Output is one message from the bot, independent of any channel. A channel
// adapter renders it within its own limits (WhatsApp: buttons, lists, or a
// numbered text menu).
type Output struct {
	Kind OutputKind `json:"kind"`
	// Key is the message key the text was rendered from (empty for text that did
	// not come from a locale file, such as a fallback answer).
	Key string `json:"key,omitempty"`
	// Lang is the language the text is in.
	Lang string `json:"lang,omitempty"`
	Text string `json:"text,omitempty"`
	// Choices are the numbered options, in order. Choice n is answered by "n".
	Choices []Choice `json:"choices,omitempty"`
	// ListLabel is the localised label of the button that opens a list of choices.
	ListLabel string `json:"list_label,omitempty"`
	// Asked names the question these choices answer, as a short token. A
	// channel that can should send it with each choice (WhatsApp: in the
	// button and row ids) and hand it back in Input.Asked.
	Asked    string    `json:"asked,omitempty"`
	Media    *Media    `json:"media,omitempty"`
	Location *Location `json:"location,omitempty"`
	Handoff  *Handoff  `json:"handoff,omitempty"`
}

// Choice is one option offered to the citizen.
type Choice struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
}

// Media is a file the bot sends: by link (URL), or by the id of a file the
// channel already holds (ID: a WhatsApp media id), never both.
type Media struct {
	// Kind is image, document, audio or video.
	Kind     string `json:"kind"`
	URL      string `json:"url,omitempty"`
	ID       string `json:"id,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Handoff says where a conversation handed to people should go.
type Handoff struct {
	Queue  string `json:"queue,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Contact is what the engine knows of the citizen. The caller loads it and
// stores back the changes a step reports in Result.Contact.
type Contact struct {
	// ID is the channel's stable id for the citizen (WhatsApp wa_id, or the
	// business-scoped user id when there is no phone number).
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Phone is the citizen's phone number in E.164 digits, when known.
	Phone    string `json:"phone,omitempty"`
	Language string `json:"language,omitempty"`
	OptedOut bool   `json:"opted_out,omitempty"`
	// New is true for the first message ever seen from this citizen.
	New bool `json:"new,omitempty"`
}
