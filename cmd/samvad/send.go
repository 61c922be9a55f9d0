package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/server"
	"github.com/samvad/samvad/server/pipeline"
)

// sendOptions are the flags of samvad send.
type sendOptions struct {
	integration string
	from        string
	name        string
	button      string
	list        string
	location    string
	server      string
	wait        time.Duration
	text        string
	lat, lng    float64
}

// runSend talks to a configured integration without a phone: it builds the
// webhook Meta would post for a citizen's message, signs it with the
// integration's app secret, posts it to the running service, and prints the
// replies the service made, read from its store. The replies really go to
// the number given, through the Graph API the configuration names
// (graph.base_url), as they would for any citizen.
func runSend(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var o sendOptions
	cfg, fs, code := loadConfigFlags("send", args, server.ForSend, stdout, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&o.integration, "integration", "", "the integration (its id in the configuration) the citizen writes to")
		fs.StringVar(&o.from, "from", "", "the citizen's WhatsApp number with its country code, e.g. 919812345678: the replies are sent to it")
		fs.StringVar(&o.name, "name", "Test Citizen", "the citizen's WhatsApp profile name")
		fs.StringVar(&o.button, "button", "", "tap the reply button with this id (the ids are printed with each reply)")
		fs.StringVar(&o.list, "list", "", "choose the list row with this id")
		fs.StringVar(&o.location, "location", "", "share a location: LATITUDE,LONGITUDE (e.g. 19.0760,72.8777)")
		fs.StringVar(&o.server, "server", "", "the running service's base URL (default: http:// and the configuration's listen address)")
		fs.DurationVar(&o.wait, "wait", 10*time.Second, "how long to wait for the replies")
	})
	if cfg == nil {
		return code
	}
	o.text = strings.Join(fs.Args(), " ")
	in, err := o.check(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "samvad send:", err)
		return 2
	}
	ctx := context.Background()
	st, err := openForReading(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintln(stderr, "samvad send:", err)
		return 1
	}
	defer st.Close()
	contactID := store.ContactID(in.ID, o.from)
	msg := o.message(ctx, st, contactID)
	body, err := webhookBody(in.PhoneNumberID, o.from, o.name, msg)
	if err != nil {
		fmt.Fprintln(stderr, "samvad send:", err)
		return 1
	}
	url := o.server + "/api/v1/integration/whatsapp/" + in.ID + "/callback"
	if err := postWebhook(ctx, url, body, in.AppSecret.Reveal()); err != nil {
		fmt.Fprintln(stderr, "samvad send:", err)
		return 1
	}
	fmt.Fprintf(stdout, "→ %s to %s (%s): the service accepted it; waiting up to %s for the replies\n", msg.what, in.ID, o.server, o.wait)
	replies, err := awaitReplies(ctx, st, contactID, msg.ID, o.wait)
	if err != nil {
		fmt.Fprintln(stderr, "samvad send:", err)
		return 1
	}
	return printReplies(stdout, st, contactID, replies, o.wait)
}

// check validates the flags against the configuration and returns the
// integration the message goes to.
func (o *sendOptions) check(cfg *server.Config) (*server.Integration, error) {
	var in *server.Integration
	var ids []string
	for i := range cfg.Integrations {
		ids = append(ids, cfg.Integrations[i].ID)
		if cfg.Integrations[i].ID == o.integration {
			in = &cfg.Integrations[i]
		}
	}
	switch {
	case len(ids) == 0:
		return nil, errors.New("the configuration has no integration (the simulator of `make run` has its own page: /simulator)")
	case o.integration == "" && len(ids) == 1:
		in = &cfg.Integrations[0]
	case o.integration == "":
		return nil, fmt.Errorf("--integration is required: one of %s", strings.Join(ids, ", "))
	case in == nil:
		return nil, fmt.Errorf("--integration %q is not in the configuration (it has %s)", o.integration, strings.Join(ids, ", "))
	}
	o.from = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == '+' || r == ' ' || r == '-' {
			return -1
		}
		return 'x'
	}, o.from)
	if len(o.from) < 8 || len(o.from) > 15 || strings.Contains(o.from, "x") {
		return nil, errors.New("--from must be a WhatsApp number with its country code, 8 to 15 digits (e.g. 919812345678)")
	}
	given := 0
	for _, s := range []string{o.text, o.button, o.list, o.location} {
		if s != "" {
			given++
		}
	}
	if given != 1 {
		return nil, errors.New(`say one thing: a text ("hi"), --button ID, --list ID or --location LAT,LNG`)
	}
	if o.location != "" {
		var err error
		if o.lat, o.lng, err = parseLatLng(o.location); err != nil {
			return nil, err
		}
	}
	if o.wait <= 0 {
		return nil, errors.New("--wait must be positive")
	}
	if o.server == "" {
		u, err := listenURL(cfg.Listen)
		if err != nil {
			return nil, err
		}
		o.server = u
	}
	o.server = strings.TrimRight(o.server, "/")
	if !strings.HasPrefix(o.server, "http://") && !strings.HasPrefix(o.server, "https://") {
		return nil, fmt.Errorf("--server %q must start with http:// or https://", o.server)
	}
	return in, nil
}

// listenURL is the base URL of a server listening on addr, reached from
// this machine.
func listenURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "0" {
		return "", fmt.Errorf("cannot reach the service from its listen address %q: give --server", addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// openForReading opens the service's store without migrating it: send
// only reads it. An embedded store that is not there is an error (opening
// it would create an empty one).
func openForReading(ctx context.Context, url string) (*store.Store, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		path := url
		for _, p := range []string{"sqlite://", "sqlite:", "file:"} {
			path = strings.TrimPrefix(path, p)
		}
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("the service's store %s is not there (run send in the directory the service runs in, or give its --config): %w", path, err)
		}
	}
	st, err := store.Open(ctx, url, store.Options{NoMigrate: true, MaxOpenConns: 8})
	if err != nil {
		return nil, fmt.Errorf("reading the replies needs the service's store: %w", err)
	}
	return st, nil
}

// citizenMessage is the message send posts, as the "messages" item of a
// webhook.
type citizenMessage struct {
	ID   string
	Type string
	// Fields is the message's type-specific object (text, interactive, location).
	Fields  map[string]any
	Context map[string]any
	// what is how the output names the message.
	what string
}

// message builds the citizen's message from the flags. A tapped button or
// list row carries the title and the context (the reply that offered it)
// Meta would send, found in the contact's outbox; the id alone when it is
// not there.
func (o *sendOptions) message(ctx context.Context, st *store.Store, contactID string) citizenMessage {
	m := citizenMessage{ID: newWamid()}
	switch {
	case o.text != "":
		m.Type, m.Fields, m.what = "text", map[string]any{"body": o.text}, strconv.Quote(o.text)
	case o.location != "":
		m.Type, m.Fields, m.what = "location", map[string]any{"latitude": o.lat, "longitude": o.lng}, "location "+o.location
	default:
		kind, id := "button_reply", o.button
		if o.list != "" {
			kind, id = "list_reply", o.list
		}
		title, wamid := offeredChoice(ctx, st, contactID, id)
		if title == "" {
			title = id
		}
		m.Type = "interactive"
		m.Fields = map[string]any{"type": kind, kind: map[string]any{"id": id, "title": title}}
		if wamid != "" {
			m.Context = map[string]any{"id": wamid}
		}
		m.what = fmt.Sprintf("%s %q (%s)", strings.TrimSuffix(kind, "_reply"), title, id)
	}
	return m
}

func parseLatLng(s string) (float64, float64, error) {
	a, b, ok := strings.Cut(s, ",")
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lng, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if !ok || err1 != nil || err2 != nil || lat < -90 || lat > 90 || lng < -180 || lng > 180 {
		return 0, 0, fmt.Errorf("--location %q must be LATITUDE,LONGITUDE in degrees, e.g. 19.0760,72.8777", s)
	}
	return lat, lng, nil
}

// offeredChoice finds the newest reply that offered a button or list row
// with the id, and returns the choice's title and the reply's wamid.
func offeredChoice(ctx context.Context, st *store.Store, contactID, id string) (title, wamid string) {
	rows, err := st.ContactOutbox(ctx, contactID)
	if err != nil {
		return "", ""
	}
	for i := len(rows) - 1; i >= 0; i-- {
		r := decodeReply(rows[i].Payload)
		for _, c := range r.choices() {
			if c.ID == id {
				return c.Title, rows[i].ProviderWamid
			}
		}
	}
	return "", ""
}

// newWamid makes an id for the message in WhatsApp's "wamid." form, unique
// so that the service does not take it for a re-delivery.
func newWamid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "wamid.SAMVADSEND" + strings.ToUpper(hex.EncodeToString(b))
}

// webhookBody is the notification Meta posts for one citizen message.
func webhookBody(phoneNumberID, from, name string, m citizenMessage) ([]byte, error) {
	msg := map[string]any{"from": from, "id": m.ID, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": m.Type, m.Type: m.Fields}
	if m.Context != nil {
		msg["context"] = m.Context
	}
	return json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{
			"id": "0",
			"changes": []any{map[string]any{"field": "messages", "value": map[string]any{
				"messaging_product": "whatsapp",
				"metadata":          map[string]any{"display_phone_number": "", "phone_number_id": phoneNumberID},
				"contacts":          []any{map[string]any{"profile": map[string]any{"name": name}, "wa_id": from}},
				"messages":          []any{msg},
			}}},
		}},
	})
}

// postWebhook posts the signed body and explains a refusal.
func postWebhook(ctx context.Context, url string, body []byte, appSecret string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(body, appSecret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the service does not answer at %s (is `samvad serve` running? --server names another address): %w", url, err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	switch res.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusUnauthorized:
		return fmt.Errorf("the service refused the signature (401): its app_secret for this integration is not the one in this configuration")
	case http.StatusNotFound:
		return fmt.Errorf("the service at %s has no such integration (404): is it running this configuration?", url)
	}
	return fmt.Errorf("the service answered %s: %s", res.Status, strings.TrimSpace(string(answer)))
}

// awaitReplies polls the contact's history until the service has answered
// the message and its replies have left (or failed), or wait passes. It
// returns the message as stored and the replies to it, with their statuses.
func awaitReplies(ctx context.Context, st *store.Store, contactID, wamid string, wait time.Duration) (*exchange, error) {
	deadline := time.Now().Add(wait)
	var ex *exchange
	var settledAt time.Time
	for {
		hist, err := st.History(ctx, contactID, 100)
		if err != nil {
			return nil, err
		}
		ex = findExchange(hist, wamid)
		now := time.Now()
		switch {
		case ex.finished():
			return ex, nil
		case ex.left():
			// Sent, but not yet delivered: give the delivery statuses a
			// moment, not the whole wait.
			if settledAt.IsZero() {
				settledAt = now
			}
			if now.Sub(settledAt) > 3*time.Second {
				return ex, nil
			}
		default:
			settledAt = time.Time{}
		}
		if now.After(deadline) {
			return ex, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// exchange is the citizen's message and the replies the service made to it.
type exchange struct {
	in      *store.HistoryMessage
	replies []store.HistoryMessage
}

// findExchange finds the message with the wamid in the history and the
// outbound messages after it, up to the citizen's next message.
func findExchange(hist []store.HistoryMessage, wamid string) *exchange {
	ex := &exchange{}
	for i := range hist {
		m := hist[i]
		switch {
		case ex.in == nil:
			if m.Direction == "in" && m.Wamid == wamid {
				ex.in = &hist[i]
			}
		case m.Direction == "in":
			return ex
		default:
			ex.replies = append(ex.replies, m)
		}
	}
	return ex
}

// left says every reply has been sent (or failed).
func (ex *exchange) left() bool {
	if ex.in == nil || len(ex.replies) == 0 {
		return false
	}
	for _, r := range ex.replies {
		if r.Status == "queued" || r.Status == "sending" {
			return false
		}
	}
	return true
}

// finished says every reply was delivered, read or failed.
func (ex *exchange) finished() bool {
	if !ex.left() {
		return ex.in != nil && ex.in.Status == "failed"
	}
	for _, r := range ex.replies {
		if r.Status == "sent" {
			return false
		}
	}
	return true
}

// printReplies prints each reply with its choices and delivery status, and
// returns the exit code: 0 when the service answered and every reply left.
func printReplies(w io.Writer, st *store.Store, contactID string, ex *exchange, wait time.Duration) int {
	switch {
	case ex.in == nil:
		fmt.Fprintf(w, "the service stored the message but has not taken it up within %s: are its workers running? (its log says)\n", wait)
		return 1
	case ex.in.Status == "failed":
		fmt.Fprintf(w, "the service could not handle the message, and parked it: %s (see `samvad parked`)\n", ex.in.ErrorTitle+ex.in.ErrorDetails)
		return 1
	case len(ex.replies) == 0:
		fmt.Fprintf(w, "the service took the message but made no reply within %s\n", wait)
		return 1
	}
	payloads := map[int64][]byte{}
	if rows, err := st.ContactOutbox(context.Background(), contactID); err == nil {
		for _, r := range rows {
			payloads[r.Seq] = r.Payload
		}
	}
	code, interactive := 0, false
	for i, h := range ex.replies {
		status := h.Status
		if h.Status == "failed" {
			status = fmt.Sprintf("failed: %d %s %s", h.ErrorCode, h.ErrorTitle, h.ErrorDetails)
			code = 1
		}
		if h.Status == "queued" || h.Status == "sending" {
			status += ", not sent yet"
			code = 1
		}
		fmt.Fprintf(w, "← reply %d (%s, %s)\n", i+1, h.Type, strings.TrimSpace(status))
		r := decodeReply(payloads[h.Seq])
		if r.empty() {
			printIndented(w, h.Summary)
			continue
		}
		interactive = interactive || len(r.choices()) > 0
		r.print(w)
	}
	if interactive {
		fmt.Fprintln(w, "answer a choice with --button ID or --list ID, or by text (its number or its words)")
	}
	return code
}

func printIndented(w io.Writer, text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintln(w, "   ", line)
	}
}

// reply is the part of a Graph API send request that says what the
// citizen sees.
type reply struct {
	Type string `json:"type"`
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Interactive *struct {
		Type   string     `json:"type"`
		Header *textField `json:"header"`
		Body   *textField `json:"body"`
		Footer *textField `json:"footer"`
		Action struct {
			Button  string `json:"button"`
			Buttons []struct {
				Reply choice `json:"reply"`
			} `json:"buttons"`
			Sections []struct {
				Title string   `json:"title"`
				Rows  []choice `json:"rows"`
			} `json:"sections"`
		} `json:"action"`
	} `json:"interactive"`
	Image    *media `json:"image"`
	Document *media `json:"document"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
}

type textField struct {
	Text string `json:"text"`
}

type choice struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

type media struct {
	Link     string `json:"link"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

// decodeReply reads an outbox payload; a zero reply when it cannot.
func decodeReply(payload []byte) reply {
	var r reply
	if _, body, err := pipeline.DecodeReply(payload); err == nil {
		_ = json.Unmarshal(body, &r)
	}
	return r
}

func (r reply) empty() bool {
	return r.Text == nil && r.Interactive == nil && r.Image == nil && r.Document == nil && r.Location == nil
}

// choices are the reply's buttons or list rows.
func (r reply) choices() []choice {
	if r.Interactive == nil {
		return nil
	}
	var out []choice
	for _, b := range r.Interactive.Action.Buttons {
		out = append(out, b.Reply)
	}
	for _, s := range r.Interactive.Action.Sections {
		out = append(out, s.Rows...)
	}
	return out
}

func (r reply) print(w io.Writer) {
	switch {
	case r.Text != nil:
		printIndented(w, r.Text.Body)
	case r.Interactive != nil:
		it := r.Interactive
		for _, f := range []*textField{it.Header, it.Body, it.Footer} {
			if f != nil && f.Text != "" {
				printIndented(w, f.Text)
			}
		}
		if len(it.Action.Buttons) > 0 {
			fmt.Fprintln(w, "    buttons (--button ID):")
		}
		if len(it.Action.Sections) > 0 {
			fmt.Fprintf(w, "    list %q (--list ID):\n", it.Action.Button)
		}
		for _, c := range r.choices() {
			line := fmt.Sprintf("      [%s] %s", c.ID, c.Title)
			if c.Description != "" {
				line += " — " + c.Description
			}
			fmt.Fprintln(w, line)
		}
	case r.Image != nil:
		printIndented(w, "[image] "+r.Image.Link+" "+r.Image.Caption)
	case r.Document != nil:
		printIndented(w, "[document] "+r.Document.Filename+" "+r.Document.Link+" "+r.Document.Caption)
	case r.Location != nil:
		printIndented(w, fmt.Sprintf("[location] %s %s (%.5f,%.5f)", r.Location.Name, r.Location.Address, r.Location.Latitude, r.Location.Longitude))
	}
}
