package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/samvad/samvad/engine/script"
)

// Defaults for Client.
const (
	DefaultBaseURL    = "https://graph.facebook.com"
	DefaultAPIVersion = "v23.0"
	DefaultTimeout    = 20 * time.Second
)

// NoCode is GraphError.Code when an error answer carried no Graph error body
// (a proxy's HTML page, an empty 502). Code 0 is a real Graph code
// (AuthException), so it is not used for that.
const NoCode = -1

// maxAnswerBytes bounds how much of a JSON answer the client reads.
const maxAnswerBytes = 1 << 20

// Client calls the WhatsApp Cloud API (Graph API) for one business phone
// number. It is safe for concurrent use. Every call runs under a deadline:
// the context's own, or Timeout when the context has none.
//
// The access token is sent only in the Authorization header. Printing a
// Client (fmt with any verb, slog) shows it as [REDACTED], and the errors the
// client returns never contain it.
type Client struct {
	// BaseURL is the Graph API root; DefaultBaseURL when empty. Tests point
	// it at a fake on 127.0.0.1.
	BaseURL string
	// APIVersion is pinned, like "v23.0"; DefaultAPIVersion when empty.
	APIVersion    string
	PhoneNumberID string
	// AccessToken is the system-user token. It is never serialised.
	AccessToken string `json:"-"`
	// HTTPClient defaults to a client with a one-minute overall timeout.
	HTTPClient *http.Client `json:"-"`
	// Timeout is the deadline of a call whose context has none
	// (DefaultTimeout when zero).
	Timeout time.Duration
	// MediaHosts are the hosts a media download may send the access token
	// to, besides BaseURL's own (DefaultMediaHosts when nil); see
	// MediaHostAllowed.
	MediaHosts []string
}

var defaultHTTPClient = &http.Client{Timeout: time.Minute}

const redacted = "[REDACTED]"

func (c Client) tokenMark() string {
	if c.AccessToken == "" {
		return "[EMPTY]"
	}
	return redacted
}

// String describes the client with its token redacted.
func (c Client) String() string {
	return fmt.Sprintf("whatsapp.Client{BaseURL:%q APIVersion:%q PhoneNumberID:%q AccessToken:%s}",
		c.BaseURL, c.APIVersion, c.PhoneNumberID, c.tokenMark())
}

// GoString is String, so %#v does not print the token either.
func (c Client) GoString() string { return c.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %d...) print String.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue makes slog log the client with its token redacted.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("api_version", c.APIVersion),
		slog.String("phone_number_id", c.PhoneNumberID),
		slog.String("access_token", c.tokenMark()),
	)
}

// baseURL is the Graph API root without a trailing slash.
func (c *Client) baseURL() string {
	if base := strings.TrimRight(c.BaseURL, "/"); base != "" {
		return base
	}
	return DefaultBaseURL
}

func (c *Client) endpoint(parts ...string) string {
	base := c.baseURL()
	v := c.APIVersion
	if v == "" {
		v = DefaultAPIVersion
	}
	var b strings.Builder
	b.WriteString(base)
	b.WriteString("/")
	b.WriteString(url.PathEscape(v))
	for _, p := range parts {
		b.WriteString("/")
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

func (c *Client) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	t := c.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	return context.WithTimeout(ctx, t)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return defaultHTTPClient
}

// sendResponse is the answer to POST /messages.
type sendResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

// Send posts one message and returns its wamid. A nil error means Meta
// accepted the message, not that it was delivered: delivery (or a later
// failure such as 131047 or 131026) arrives as a status webhook.
//
// Invalid messages are refused before any request (InvalidMessageError).
// Errors classify with Classify: a send that timed out is Retryable, but may
// have been delivered (the API has no idempotency key).
func (c *Client) Send(ctx context.Context, msg *OutgoingMessage) (wamid string, err error) {
	body, err := Prepare(msg)
	if err != nil {
		return "", err
	}
	return c.SendPrepared(ctx, body)
}

// Prepare validates a message and encodes its request body, so that it can
// be queued and sent later, exactly as checked, with SendPrepared. Set the
// recipient first.
func Prepare(msg *OutgoingMessage) ([]byte, error) {
	if msg == nil {
		return nil, invalid("message", "nil")
	}
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: send: encoding message: %w", err)
	}
	return body, nil
}

// SendPrepared posts a request body made by Prepare and returns the wamid.
func (c *Client) SendPrepared(ctx context.Context, body []byte) (wamid string, err error) {
	if c.PhoneNumberID == "" {
		return "", errors.New("whatsapp: send: Client.PhoneNumberID is empty")
	}
	var out sendResponse
	if err := c.postJSON(ctx, "send", body, &out); err != nil {
		return "", err
	}
	if len(out.Messages) == 0 || out.Messages[0].ID == "" {
		return "", errors.New("whatsapp: send: answer has no message id")
	}
	return out.Messages[0].ID, nil
}

// MarkRead marks the citizen's message wamid (and every earlier one in the
// chat) as read. With typing, it also shows a typing indicator, which
// WhatsApp hides at the bot's next message or after 25 seconds.
func (c *Client) MarkRead(ctx context.Context, wamid string, typing bool) error {
	if wamid == "" {
		return invalid("message_id", "required")
	}
	if c.PhoneNumberID == "" {
		return errors.New("whatsapp: mark read: Client.PhoneNumberID is empty")
	}
	req := map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
	if typing {
		req["typing_indicator"] = map[string]string{"type": "text"}
	}
	body, _ := json.Marshal(req)
	var out struct {
		Success bool `json:"success"`
	}
	if err := c.postJSON(ctx, "mark read", body, &out); err != nil {
		return err
	}
	if !out.Success {
		return errors.New("whatsapp: mark read: answer did not report success")
	}
	return nil
}

func (c *Client) postJSON(ctx context.Context, op string, body []byte, out any) error {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(c.PhoneNumberID, "messages"), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("whatsapp: %s: building request: %w", op, c.scrub(err))
	}
	req.Header.Set("Content-Type", "application/json")
	data, _, err := c.do(op, req, maxAnswerBytes)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("whatsapp: %s: answer is not the expected JSON: %v", op, err)
	}
	return nil
}

// do sends req with the bearer token and returns the body of a 2xx answer
// (at most limit bytes). A non-2xx answer becomes a *GraphError, a failure to
// get an answer a *TransportError.
func (c *Client) do(op string, req *http.Request, limit int64) ([]byte, http.Header, error) {
	req.Header.Set("Authorization", "Bearer "+c.AccessToken)
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, nil, &TransportError{Op: op, Err: c.scrub(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
		return nil, resp.Header, c.graphError(resp, data)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, nil, &TransportError{Op: op + ": reading answer", Err: c.scrub(err)}
	}
	return data, resp.Header, nil
}

// graphError decodes a Graph error body; a body that is not one still gives
// a GraphError carrying the HTTP status (Code NoCode).
func (c *Client) graphError(resp *http.Response, data []byte) *GraphError {
	var body struct {
		Error *struct {
			Message      string          `json:"message"`
			Type         string          `json:"type"`
			Code         json.RawMessage `json:"code"`
			ErrorSubcode json.RawMessage `json:"error_subcode"`
			ErrorData    struct {
				Details string `json:"details"`
			} `json:"error_data"`
			FBTraceID string `json:"fbtrace_id"`
		} `json:"error"`
	}
	ge := &GraphError{HTTPStatus: resp.StatusCode, Code: NoCode}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && secs > 0 {
			ge.retryAfter = time.Duration(min(secs, 86400)) * time.Second
		}
	}
	if err := json.Unmarshal(data, &body); err != nil || body.Error == nil {
		ge.Message = "answer without a Graph error body: " + http.StatusText(resp.StatusCode)
		return ge
	}
	e := body.Error
	ge.Code = rawInt(e.Code, NoCode)
	ge.Subcode = rawInt(e.ErrorSubcode, 0)
	ge.Type = c.scrubText(e.Type)
	ge.Message = c.scrubText(script.Clip(e.Message, 500))
	ge.Details = c.scrubText(script.Clip(e.ErrorData.Details, 1000))
	ge.FBTraceID = script.Clip(e.FBTraceID, 100)
	return ge
}

func rawInt(r json.RawMessage, dflt int) int {
	if isNull(r) {
		return dflt
	}
	s, ok := scalarText(r)
	if !ok {
		return dflt
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return dflt
	}
	return n
}

// scrubText removes the access token from text that came from elsewhere
// (an error answer that echoes the request, a URL in a network error).
func (c *Client) scrubText(s string) string {
	if c.AccessToken == "" || !strings.Contains(s, c.AccessToken) {
		return s
	}
	return strings.ReplaceAll(s, c.AccessToken, redacted)
}

func (c *Client) scrub(err error) error {
	if err == nil || c.AccessToken == "" || !strings.Contains(err.Error(), c.AccessToken) {
		return err
	}
	return &scrubbedError{msg: c.scrubText(err.Error()), err: err}
}

// scrubbedError is an error whose text had the token removed. It hides the
// original (which still holds the token) but answers errors.Is and the
// net.Error questions from it, so classification still works.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string        { return e.msg }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }
func (e *scrubbedError) Temporary() bool      { return false }
func (e *scrubbedError) Timeout() bool {
	var ne interface{ Timeout() bool }
	return errors.As(e.err, &ne) && ne.Timeout()
}
