package whatsapp

import (
	"encoding/json"
	"time"

	"github.com/samvad/samvad/engine"
)

// Notification is everything one webhook POST carried, flattened across all of
// its entries and changes, in the order Meta wrote them.
type Notification struct {
	// Messages are the citizens' messages (and system notices).
	Messages []Message
	// Statuses are delivery reports for messages the bot sent.
	Statuses []Status
	// Errors are value-level errors: system, app or account problems with no
	// message to answer (for example 130429 "Rate limit hit"). Log and alert.
	Errors []APIError
	// Problems are short notes, for the integration's event log, about parts
	// of the body this package skipped or did not understand: an unknown
	// webhook field, message type or status value, a field of the wrong type.
	// Each names where it was (entry/change/index) and never holds a phone
	// number or message text.
	Problems []string
}

// Message is one inbound message, with the routing and identity fields of the
// change it came in.
type Message struct {
	// PhoneNumberID is the business phone number that received the message
	// (metadata.phone_number_id): route to the tenant/bot with it.
	PhoneNumberID      string
	DisplayPhoneNumber string
	// WABAID is the WhatsApp Business Account id (entry.id).
	WABAID string
	// WAMID is the message id: the deduplication key, and the id to mark as
	// read, react to or quote.
	WAMID string
	// WaID is the citizen's WhatsApp id (phone digits, no "+"). From 2026 it
	// may be empty for citizens who use a username.
	WaID string
	// UserID is the citizen's business-scoped user id (BSUID, "US.1349...").
	UserID      string
	ProfileName string
	Username    string
	// Timestamp is when Meta received the message.
	Timestamp time.Time
	// Type is Meta's message type: text, image, interactive, button, system...
	Type     string
	Context  *MessageContext
	Referral *Referral
	// Errors are the per-message errors of unsupported messages (131051, 131060).
	Errors []APIError
	// ReactionTo is the wamid a reaction refers to.
	ReactionTo string
	// MediaURL is the short-lived download URL Meta included for media, if any.
	// It needs the bearer token; prefer Client.Download with the media id.
	MediaURL string
	// System is set for type "system" (a citizen changed number or identity).
	System *SystemChange
	// Raw is the message object exactly as received.
	Raw json.RawMessage
	// Input is what the engine gets. It is nil for system messages, which
	// belong in the event log and the contact record, not in a conversation.
	Input *engine.Input
}

// ContactKey is the id a conversation is keyed on: the wa_id when Meta sent
// one, else the business-scoped user id.
func (m *Message) ContactKey() string {
	if m.WaID != "" {
		return m.WaID
	}
	return m.UserID
}

// MessageContext is what a message refers to: the quoted or tapped message, a
// forward, or a catalog product.
type MessageContext struct {
	// From is the sender of the referred message (the business number).
	From string
	// ID is the wamid of the referred message.
	ID                  string
	Forwarded           bool
	FrequentlyForwarded bool
	// ReferredProduct is set for a product enquiry from a catalog message.
	ReferredProduct *ReferredProduct
}

// ReferredProduct names a catalog product a citizen asked about.
type ReferredProduct struct {
	CatalogID         string
	ProductRetailerID string
}

// Referral describes the Click-to-WhatsApp ad or post a message came from.
type Referral struct {
	SourceURL      string
	SourceID       string
	SourceType     string
	Body           string
	Headline       string
	MediaType      string
	ImageURL       string
	VideoURL       string
	ThumbnailURL   string
	CTWAClickID    string
	WelcomeMessage string
}

// SystemChange is a system notice about the citizen's identity. For
// "user_changed_number", NewWaID is the id to move the contact to (the
// message's WaID is the old one).
type SystemChange struct {
	Type      string
	Body      string
	NewWaID   string
	NewUserID string
}

// Status is a delivery report for a message the bot sent.
type Status struct {
	PhoneNumberID      string
	DisplayPhoneNumber string
	WABAID             string
	// WAMID is the id Send returned for the message.
	WAMID string
	// Status is sent, delivered, read, failed or played; unknown values are
	// kept as they came (and noted in Notification.Problems).
	Status    string
	Timestamp time.Time
	// RecipientID is the citizen's phone digits; empty when the message went
	// to a BSUID whose number is unknown.
	RecipientID     string
	RecipientUserID string
	// BizOpaqueCallbackData echoes what the bot attached when sending.
	BizOpaqueCallbackData string
	Pricing               *Pricing
	Conversation          *Conversation
	// Errors say why a message failed (131047, 131026, 131049...).
	Errors []APIError
	Raw    json.RawMessage
}

// Pricing is how Meta will bill a message (sent on "sent" and one of
// "delivered"/"read").
type Pricing struct {
	Category     string
	Type         string
	PricingModel string
	Billable     bool
}

// Conversation is the pre-v24 conversation object of a status.
type Conversation struct {
	ID         string
	OriginType string
	Expiration time.Time
}

// APIError is an error as webhooks report it (per message, per status, or
// value-level).
type APIError struct {
	Code    int
	Title   string
	Message string
	Details string
	Href    string
}

// Meaning explains the error code in a plain sentence (see GraphError.Meaning).
func (e APIError) Meaning() string { return meaning(e.Code) }

// The status values Meta sends, in the order a message moves through them.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusPlayed    = "played"
	StatusFailed    = "failed"
)

// StatusRank orders status values so a store can apply them monotonically
// (webhooks arrive out of order): sent 1, delivered 2, read 3, played 4,
// failed 5 (terminal). Unknown values rank 0 and should never overwrite.
func StatusRank(status string) int {
	switch status {
	case StatusSent:
		return 1
	case StatusDelivered:
		return 2
	case StatusRead:
		return 3
	case StatusPlayed:
		return 4
	case StatusFailed:
		return 5
	}
	return 0
}
