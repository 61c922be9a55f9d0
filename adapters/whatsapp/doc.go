// Package whatsapp connects Samvad to the WhatsApp Business Cloud API: it
// checks and reads the webhooks Meta posts, turns citizens' messages into
// engine inputs, renders the engine's outputs as messages WhatsApp accepts,
// sends them through the Graph API, and paces them so Meta does not throttle
// the bot. It holds no state of its own beyond the Limiter's buckets; the
// server owns the routes, the inbox and outbox, and the wiring. The facts it
// is built on (field names, limits, error codes) are in
// shared/whatsapp/CONTRACT.md.
//
// # The webhook path
//
// Meta first checks the callback URL with a GET. VerifyChallenge answers it:
// it is ok only when hub.mode is "subscribe" and hub.verify_token matches the
// configured token (compared in constant time), and the caller then writes
// the hub.challenge value back, verbatim, with status 200 (403 otherwise).
//
// Every notification is a POST signed with the app secret:
//
//	X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256 of the raw body>
//
// VerifySignature must see the body exactly as it arrived, before any JSON
// decoding. Decoding and re-encoding changes the bytes as soon as the text
// holds an accent, Arabic, an emoji or an "@" (Meta sends those \u-escaped;
// Go writes them raw), so a check over a re-encoded body passes English tests
// and fails in production. When the raw check fails and the body holds
// non-ASCII bytes, VerifySignature retries once over the escaped-unicode
// form (EscapeUnicode), the form Meta documents signing. A body that fails is
// answered 401 and stored nowhere.
//
// Parse then reads the body. One POST may batch many entries, each with many
// changes, each with many messages and statuses; Parse walks all of them
// and returns them flat, in order, each message carrying the routing fields
// of its change (PhoneNumberID picks the tenant) and the contact matched to
// it by id, never by position. It fails only for a body that is not JSON or
// not a WhatsApp envelope, which the caller answers with 400. Everything
// else it cannot use (a webhook field other than "messages", a new message
// type, an unknown status value, a field of the wrong type) becomes a short
// note in Notification.Problems for the event log, never an error: an error
// makes Meta re-deliver the whole batch for days.
//
// Timestamps are read from strings or numbers, and values of 1e12 or more as
// milliseconds. A citizen is keyed by ContactKey: the wa_id, or from 2026 the
// business-scoped user id (BSUID) when a citizen with a username arrives
// without a phone number. The wamid (Message.WAMID) is the deduplication
// key: Meta delivers at least once and in no particular order.
//
// Each message's Input is what the engine receives:
//
//	text, request_welcome          InputText (request_welcome with no text)
//	contacts                       InputText summarising names and numbers
//	image, audio, video,           InputMedia: Attachment with media id, MIME
//	document, sticker                type (parameters kept), filename, sha256,
//	                                 voice flag; Text is the caption
//	location                       InputLocation
//	interactive button/list reply  InputChoice: ChoiceID is the id the bot
//	button (template quick reply)    sent (or the template payload), Text the title
//	interactive nfm_reply (Flows)  InputForm: Data decoded from response_json
//	reaction                       InputReaction: the emoji, empty when removed
//	order, call_permission_reply,  InputUnsupported: Text names the type (for
//	unsupported, anything new        unsupported, the real type Meta reports)
//	system                         no Input; System carries the new wa_id
//
// Statuses (sent, delivered, read, played, failed) arrive out of order and
// repeated; StatusRank lets the store move a message's status forward only.
// A failed status carries the reason as APIError codes (131047, 131026...).
//
// # Sending
//
// Client posts messages for one business phone number. OutgoingMessage is
// the request body (constructors: TextMessage, ButtonsMessage, ListMessage,
// MediaMessage, LocationMessage, LocationRequestMessage, ReactionMessage,
// TemplateMessage with BodyParams, NamedBodyParams, HeaderParam,
// QuickReplyButton and URLButton). Set To to the citizen's number ("+" is
// added to a bare wa_id, since without it Meta assumes the business's own
// country code) or Recipient to a BSUID. Send validates the message against
// Meta's limits first and returns the wamid Meta assigned; a 200 means
// accepted, not delivered. MarkRead marks a citizen's message read, with a
// typing indicator if asked. MediaInfo and Download fetch an inbound file in
// Meta's two steps, with the bearer token on both, looking the id up again
// once when the short-lived URL has expired, and refusing files over a size
// limit without reading them.
//
// Every call runs under a deadline (the context's, or Client.Timeout). The
// access token only ever travels in the Authorization header: printing or
// logging a Client shows [REDACTED], and errors never contain it.
//
// Errors come in two classes (Classify). Meta documents its throttling codes
// with HTTP 400, so a GraphError is classified by its code, not its status:
//
//	Retryable  HTTP 5xx, any 429, timeouts and connection errors
//	           (TransportError), and codes 1, 2, 4, 80007, 130429, 131000,
//	           131016, 131048, 131053, 131056, 131057, 133004
//	Permanent  everything else, notably 131047 (24-hour window closed: send
//	           a template), 131026 (undeliverable), 100 (bad parameter), 190
//	           and 0 (token), 131051, 131062, the 132xxx template errors,
//	           and InvalidMessageError (refused before sending)
//
// GraphError.Meaning is a sentence for the record; RetryAfter gives the
// minimum wait where Meta gives one (131056: 4^attempt seconds; 131057: a
// minute; a Retry-After header). A send that timed out is retryable but may
// have been delivered: the Cloud API has no idempotency key.
//
// # Rendering
//
// Render turns one engine step's outputs into messages, in order, none of
// which Meta would refuse. Choices become reply buttons when there are at
// most 3 with labels of at most 20 characters, else a list (at most 10 rows,
// labels ≤ 24, descriptions ≤ 72, button label ≤ 20), else a numbered text
// menu. The numbered lines ("1. Water supply") are in the body every time,
// because many citizens answer by number from basic phones. Text is
// converted from Markdown to WhatsApp's marks (FormatText) and split at
// 4096 characters, on a paragraph, then a sentence (including the Devanagari
// danda), then a word boundary, counting characters, never cutting a
// character or its combining marks apart, and closing and reopening a
// formatting span that has to be cut. An interactive body or a caption is
// capped at 1024: the leading part goes first as text. Because WhatsApp limits
// how fast one citizen may be sent messages, consecutive texts are merged
// while they fit and a text just before a question is folded into it.
//
// # Pacing
//
// Limiter.Reserve says how long to wait before a send: a bucket per business
// number (80 messages/s by default) and one per number and citizen (a burst
// of 20, then one per 6 seconds, after Meta's pair rate limit). It takes the
// time as an argument and forgets idle citizens, so memory stays flat.
//
// # Testing
//
// Package graphsim simulates the Graph API on this machine (the simulator's
// and `samvad fakegraph`'s): it validates request bodies as Meta does,
// records them, posts signed status webhooks back, and injects faults. The samples in testdata are fictional webhook bodies with
// their signatures under the app secret test_app_secret_FICTIONAL.
package whatsapp
