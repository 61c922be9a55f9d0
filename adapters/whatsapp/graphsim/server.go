// Package graphsim simulates the WhatsApp Cloud API (Graph API) on this
// machine. It is a product part: the simulator of `make run` serves one in
// process as its integration's Graph API, `samvad fakegraph` serves one on
// 127.0.0.1 for trying a configuration without Meta, and the tests and the
// load generator use it as Meta's stand-in. It speaks the real wire format:
//
//   - POST /{version}/{phone-number-id}/messages validates the body the way
//     Meta documents (see Validate) and answers with a fresh wamid, or a
//     Graph error body; mark-read and typing requests answer {"success":true}.
//   - GET /{version}/{media-id} answers media info whose url points back at
//     the fake; that URL serves the bytes registered with AddMedia.
//   - Every request must carry the configured bearer token (else 401, code 190).
//   - Accepted sends are recorded (Messages, WaitFor) and can produce signed
//     status webhooks (sent, delivered, read or failed) posted to a callback
//     URL, optionally delayed, shuffled or duplicated.
//   - Faults can be injected: the next N sends, or a fraction of sends,
//     answer a given Graph error; latency can be added; a send can hang past
//     the client's timeout.
//
// The package does not import the adapter it fakes, so its validator is an
// independent oracle for the adapter's renderer.
package graphsim

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. The zero value works: any bearer token is
// accepted (but one must be sent) and no webhooks are posted.
type Options struct {
	// AccessToken is the bearer token every request must carry. When empty,
	// any non-empty token is accepted.
	AccessToken string
	// PhoneNumberID, when set, is the only phone-number id sends may use.
	PhoneNumberID string
	// WABAID and DisplayPhoneNumber go into webhook envelopes.
	WABAID             string
	DisplayPhoneNumber string

	// CallbackURL receives status webhooks for accepted sends, signed with
	// AppSecret in X-Hub-Signature-256. Empty: no webhooks.
	CallbackURL string
	AppSecret   string
	// Statuses lists the statuses posted per accepted send, in order;
	// default sent, delivered, read.
	Statuses []string
	// FailStatusCode, when non-zero, replaces the list by sent then failed
	// with this error code (131047, 131026...).
	FailStatusCode int
	// StatusDelay is waited before each status webhook.
	StatusDelay time.Duration
	// ShuffleStatuses posts each message's statuses in random order;
	// DuplicateStatuses posts each one twice.
	ShuffleStatuses   bool
	DuplicateStatuses bool

	// MediaURLTTL, when non-zero, makes media URLs expire (404) after it.
	MediaURLTTL time.Duration
	// Templates, when set, lists the approved templates; other names or
	// languages answer 132001 and a wrong body parameter count 132000.
	Templates map[string]TemplateSpec

	// Now is the clock (time.Now when nil); Seed seeds fault fractions and
	// shuffles.
	Now  func() time.Time
	Seed uint64
	// HTTPClient posts the webhooks (when nil, a 10-second-timeout client
	// that keeps up to 256 idle connections to the callback).
	HTTPClient *http.Client
}

// TemplateSpec describes an approved template.
type TemplateSpec struct {
	Languages  []string
	BodyParams int
}

// Message is one accepted send, with the fields tests usually check decoded.
type Message struct {
	WAMID         string
	PhoneNumberID string
	Version       string
	To            string
	Recipient     string
	Type          string
	// Text is the text body, the interactive body or the media caption.
	Text            string
	ReplyTo         string
	BizOpaque       string
	InteractiveType string
	// Options are the reply buttons or list rows offered.
	Options    []Option
	ListButton string
	MediaID    string
	MediaLink  string
	Template   string
	Body       json.RawMessage
	At         time.Time
}

// Option is a reply button or list row.
type Option struct {
	ID, Title, Description string
}

// ReadMark is a mark-read (optionally typing) request.
type ReadMark struct {
	PhoneNumberID string
	MessageID     string
	Typing        bool
}

// Rejected is a send refused by validation.
type Rejected struct {
	Body json.RawMessage
	Err  *Error
}

// Webhook is a status webhook the fake posted.
type Webhook struct {
	Body       []byte
	Signature  string
	StatusCode int
	Err        error
}

// Server is the fake Graph API.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu        sync.Mutex
	cond      *sync.Cond
	messages  []Message
	reads     []ReadMark
	rejected  []Rejected
	webhooks  []Webhook
	attempts  int
	seq       uint64
	faults    faultState
	media     map[string]mediaFile
	mediaURLs map[string]mediaURL
	lookups   int
	faults404 int
	// mediaHost replaces the request's host in media URLs (SetMediaHost).
	mediaHost string
	fetches   int
	rng       *rand.Rand

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// posting counts the status webhooks scheduled and not yet posted.
	posting sync.WaitGroup
	srv     *http.Server
	url     string
}

// New returns a fake; serve it with Handler or Start.
func New(opts Options) *Server {
	if opts.WABAID == "" {
		opts.WABAID = "100000000000001"
	}
	if opts.DisplayPhoneNumber == "" {
		opts.DisplayPhoneNumber = "15550000000"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		// Status webhooks go out concurrently, one goroutine per send: keep
		// enough idle connections for them (the default keeps two, and every
		// other post would open a new connection at both ends).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 256
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: tr}
	}
	s := &Server{
		opts:      opts,
		media:     map[string]mediaFile{},
		mediaURLs: map[string]mediaURL{},
		rng:       rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5eed)),
	}
	s.cond = sync.NewCond(&s.mu)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /{version}/{phone}/messages", s.auth(s.handleMessages))
	s.mux.HandleFunc("GET /{version}/{media}", s.auth(s.handleMediaInfo))
	s.mux.HandleFunc("GET /_media/{id}", s.auth(s.handleMediaDownload))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &Error{HTTPStatus: 400, Code: 100, Message: "Unsupported request - method type: " + strings.ToLower(r.Method), Details: "unknown path " + r.URL.Path})
	})
	return s
}

// Handler serves the fake's routes.
func (s *Server) Handler() http.Handler { return s.mux }

// Start serves the fake on addr ("" means a free port on 127.0.0.1) and
// returns its base URL, for Client.BaseURL.
func (s *Server) Start(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("graphsim: listen: %w", err)
	}
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second}
	s.url = "http://" + ln.Addr().String()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln)
	}()
	return s.url, nil
}

// URL is the base URL after Start.
func (s *Server) URL() string { return s.url }

// Close stops the server, cancels pending webhooks and hanging requests, and
// waits for them.
func (s *Server) Close() error {
	s.cancel()
	var err error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.srv.Shutdown(ctx)
	}
	s.wg.Wait()
	s.mu.Lock()
	s.cond.Broadcast()
	s.mu.Unlock()
	return err
}

// WaitStatuses waits until every status webhook scheduled so far has been
// posted (and answered), or timeout passes; it reports whether they all were.
func (s *Server) WaitStatuses(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { s.posting.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// Messages returns a copy of the accepted sends, in arrival order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Reads returns the mark-read requests.
func (s *Server) Reads() []ReadMark {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ReadMark(nil), s.reads...)
}

// RejectedSends returns the sends validation refused.
func (s *Server) RejectedSends() []Rejected {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejected(nil), s.rejected...)
}

// Webhooks returns the status webhooks posted so far.
func (s *Server) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Webhook(nil), s.webhooks...)
}

// SendAttempts counts POST /messages requests that passed authentication,
// including refused and faulted ones.
func (s *Server) SendAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// WaitFor waits until at least n sends were accepted and returns them, or
// fails after timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) ([]Message, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.messages) < n {
		if !time.Now().Before(deadline) || s.ctx.Err() != nil {
			return append([]Message(nil), s.messages...), fmt.Errorf("graphsim: %d of %d messages after %v", len(s.messages), n, timeout)
		}
		s.cond.Wait()
	}
	return append([]Message(nil), s.messages...), nil
}

// Reset forgets recorded requests and faults (not media).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages, s.reads, s.rejected, s.webhooks = nil, nil, nil, nil
	s.attempts = 0
	s.faults = faultState{}
}

func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		valid := ok && tok != ""
		if valid && s.opts.AccessToken != "" {
			valid = subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.AccessToken)) == 1
		}
		if !valid {
			writeError(w, &Error{HTTPStatus: 401, Code: 190, Message: "Invalid OAuth access token - Cannot parse access token",
				Details: "the request has no valid bearer token"})
			return
		}
		next(w, r)
	}
}

var versionPattern = regexp.MustCompile(`^v[0-9]{1,2}\.[0-9]$`)

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	version, phone := r.PathValue("version"), r.PathValue("phone")
	s.mu.Lock()
	s.attempts++
	s.mu.Unlock()
	if !versionPattern.MatchString(version) {
		writeError(w, &Error{HTTPStatus: 400, Code: 100, Message: "Unknown path components: /" + version, Details: "bad API version"})
		return
	}
	if s.opts.PhoneNumberID != "" && phone != s.opts.PhoneNumberID {
		writeError(w, &Error{HTTPStatus: 400, Code: 100, Subcode: 33, Message: fmt.Sprintf("Unsupported post request. Object with ID '%s' does not exist", phone), Details: "unknown phone number id"})
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeError(w, invalidParam("cannot read request body: %v", err))
		return
	}
	if verr := Validate(body); verr != nil {
		s.mu.Lock()
		s.rejected = append(s.rejected, Rejected{Body: body, Err: verr})
		s.mu.Unlock()
		writeError(w, verr)
		return
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	if st, _ := m["status"].(string); st == "read" {
		s.markRead(w, phone, m)
		return
	}
	if !s.applyFault(w, r) {
		return
	}
	if terr := s.checkTemplate(m); terr != nil {
		writeError(w, terr)
		return
	}
	s.accept(w, version, phone, body, m)
}

func (s *Server) markRead(w http.ResponseWriter, phone string, m map[string]any) {
	id, _ := m["message_id"].(string)
	_, typing := m["typing_indicator"]
	s.mu.Lock()
	s.reads = append(s.reads, ReadMark{PhoneNumberID: phone, MessageID: id, Typing: typing})
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"success": true})
}

func (s *Server) accept(w http.ResponseWriter, version, phone string, body []byte, m map[string]any) {
	msg := decodeMessage(m)
	msg.PhoneNumberID, msg.Version, msg.Body = phone, version, body
	msg.At = s.opts.Now()
	s.mu.Lock()
	s.seq++
	msg.WAMID = newWAMID(firstNonEmpty(digits(msg.To), msg.Recipient), s.seq, false)
	s.messages = append(s.messages, msg)
	s.cond.Broadcast()
	s.mu.Unlock()

	contact := map[string]any{"input": firstNonEmpty(msg.To, msg.Recipient)}
	if msg.To != "" {
		contact["wa_id"] = digits(msg.To)
	} else {
		contact["user_id"] = msg.Recipient
	}
	sent := map[string]any{"id": msg.WAMID}
	if msg.Type == "template" {
		sent["message_status"] = "accepted"
	}
	writeJSON(w, 200, map[string]any{"messaging_product": "whatsapp", "contacts": []any{contact}, "messages": []any{sent}})
	s.scheduleStatuses(msg)
}

func (s *Server) checkTemplate(m map[string]any) *Error {
	if s.opts.Templates == nil || m["type"] != "template" {
		return nil
	}
	t, _ := m["template"].(map[string]any)
	name, _ := t["name"].(string)
	lang, _ := t["language"].(map[string]any)
	code, _ := lang["code"].(string)
	spec, ok := s.opts.Templates[name]
	if ok {
		ok = false
		for _, l := range spec.Languages {
			ok = ok || l == code
		}
	}
	if !ok {
		return &Error{HTTPStatus: 404, Code: 132001, Message: "(#132001) Template name does not exist in the translation",
			Details: fmt.Sprintf("template name (%s) does not exist in %s", name, code)}
	}
	params := 0
	comps, _ := t["components"].([]any)
	for _, c := range comps {
		cm, _ := c.(map[string]any)
		if cm["type"] == "body" {
			ps, _ := cm["parameters"].([]any)
			params += len(ps)
		}
	}
	if params != spec.BodyParams {
		return &Error{HTTPStatus: 400, Code: 132000, Message: "(#132000) Number of parameters does not match the expected number of params",
			Details: fmt.Sprintf("body: number of localizable_params (%d) does not match the expected number of params (%d)", params, spec.BodyParams)}
	}
	return nil
}

// decodeMessage pulls the commonly checked fields out of a valid send body.
func decodeMessage(m map[string]any) Message {
	str := func(o map[string]any, k string) string { s, _ := o[k].(string); return s }
	sub := func(o map[string]any, k string) map[string]any { x, _ := o[k].(map[string]any); return x }
	msg := Message{
		To: str(m, "to"), Recipient: str(m, "recipient"), Type: str(m, "type"),
		ReplyTo: str(sub(m, "context"), "message_id"), BizOpaque: str(m, "biz_opaque_callback_data"),
	}
	if msg.Type == "" {
		msg.Type = "text"
	}
	if msg.To != "" {
		msg.Recipient = ""
	}
	c := sub(m, msg.Type)
	switch msg.Type {
	case "text":
		msg.Text = str(c, "body")
	case "image", "video", "document", "audio", "sticker":
		msg.Text, msg.MediaID, msg.MediaLink = str(c, "caption"), str(c, "id"), str(c, "link")
	case "template":
		msg.Template = str(c, "name")
	case "interactive":
		msg.InteractiveType = str(c, "type")
		msg.Text = str(sub(c, "body"), "text")
		action := sub(c, "action")
		msg.ListButton = str(action, "button")
		buttons, _ := action["buttons"].([]any)
		for _, b := range buttons {
			r := sub(b.(map[string]any), "reply")
			msg.Options = append(msg.Options, Option{ID: str(r, "id"), Title: str(r, "title")})
		}
		sections, _ := action["sections"].([]any)
		for _, sec := range sections {
			rows, _ := sec.(map[string]any)["rows"].([]any)
			for _, row := range rows {
				r := row.(map[string]any)
				msg.Options = append(msg.Options, Option{ID: str(r, "id"), Title: str(r, "title"), Description: str(r, "description")})
			}
		}
	}
	return msg
}

func readBody(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRequestBody {
		return nil, errors.New("body over 4 MB")
	}
	return b, nil
}

const maxRequestBody = 4 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "application/json")
	if e.HTTPStatus == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_token"`)
	}
	w.WriteHeader(e.HTTPStatus)
	_, _ = w.Write(e.body(traceID()))
}

func traceID() string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	b := make([]byte, 23)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
