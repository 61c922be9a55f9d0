package server

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
)

// The simulator lets anyone chat with the flows without a WhatsApp account.
// It is an integration like any other, whose Graph API is a fakegraph served
// in-process: the page posts a citizen's message, the simulator turns it into
// a webhook exactly as Meta would send it (signed with the integration's app
// secret) and hands it to the real webhook handler; the bot's replies go
// through the real workers, renderer and Graph API client to the fake, and
// the page reads them back from there. Only the network hop is missing.

const (
	simulatorID      = "simulator"
	simulatorPhoneID = "100000000000002"
	simulatorDisplay = "15550000000"
	simulatorCitizen = "919800000001"
	// internalHost names in-process HTTP targets; nothing resolves it.
	internalHost = "http://samvad.internal"
)

//go:embed simulator/static
var simulatorFiles embed.FS

type simulator struct {
	fake        *graphsim.Server
	appSecret   string
	accessToken string
	verifyToken string
	srv         *Server
	in          *integration
	seq         atomic.Int64
}

func newSimulator() *simulator {
	return &simulator{appSecret: randomHex(16), accessToken: randomHex(24), verifyToken: randomHex(8)}
}

// integration is the simulator's integration configuration.
func (sim *simulator) integration() Integration {
	return Integration{ID: simulatorID, Name: "Simulator", Department: simulatorDepartment, PhoneNumberID: simulatorPhoneID,
		VerifyToken: Secret(sim.verifyToken), AppSecret: Secret(sim.appSecret), AccessToken: Secret(sim.accessToken),
		EntryFlow: "main", DefaultLanguage: "en", SessionDuration: time.Hour, Attachments: true, MaxMediaBytes: 5 << 20}
}

// attach connects the simulator's integration to its in-process fake Graph
// API, and the fake's status webhooks back to the server's router.
func (sim *simulator) attach(s *Server, in *integration) {
	sim.srv, sim.in = s, in
	toServer := &http.Client{Timeout: 10 * time.Second, Transport: handlerTransport{func() http.Handler { return s.router }}}
	sim.fake = graphsim.New(graphsim.Options{AccessToken: sim.accessToken, PhoneNumberID: simulatorPhoneID,
		WABAID: "100000000000001", DisplayPhoneNumber: simulatorDisplay,
		CallbackURL: internalHost + callbackPath(simulatorID), AppSecret: sim.appSecret,
		StatusDelay: 150 * time.Millisecond, HTTPClient: toServer})
	in.run.Client.BaseURL = internalHost
	in.run.Client.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: handlerTransport{func() http.Handler { return sim.fake.Handler() }}}
}

func (sim *simulator) close() { _ = sim.fake.Close() }

// handlerTransport serves HTTP requests with an in-process handler.
type handlerTransport struct{ handler func() http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	if r.Body == nil {
		r.Body = http.NoBody
	}
	t.handler().ServeHTTP(rec, r)
	res := rec.Result()
	res.Request = r
	return res, nil
}

func (sim *simulator) routes(r *mux.Router) {
	static, _ := fs.Sub(simulatorFiles, "simulator/static")
	r.HandleFunc("/simulator", func(w http.ResponseWriter, req *http.Request) {
		b, err := fs.ReadFile(static, "index.html")
		if err != nil {
			http.Error(w, "the simulator page is missing from this build", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b)
	}).Methods(http.MethodGet)
	r.PathPrefix("/simulator/static/").Handler(http.StripPrefix("/simulator/static/", http.FileServer(http.FS(static))))
	r.HandleFunc("/simulator/api/config", sim.config).Methods(http.MethodGet)
	r.HandleFunc("/simulator/api/send", sim.send).Methods(http.MethodPost)
	r.HandleFunc("/simulator/api/messages", sim.messages).Methods(http.MethodGet)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (sim *simulator) config(w http.ResponseWriter, _ *http.Request) {
	type lang struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	var langs []lang
	for _, l := range sim.srv.library().Languages {
		langs = append(langs, lang{l.Code, l.Name})
	}
	writeJSON(w, http.StatusOK, map[string]any{"integration": simulatorID, "citizen": simulatorCitizen, "name": "Asha", "languages": langs})
}

// simMessage is what the page sends as the citizen.
type simMessage struct {
	Citizen   string  `json:"citizen"`
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	Text      string  `json:"text"`
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Address   string  `json:"address"`
	Caption   string  `json:"caption"`
}

var citizenRE = regexp.MustCompile(`^[0-9]{8,15}$`)

func (sim *simulator) send(w http.ResponseWriter, r *http.Request) {
	var m simMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&m); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the message is not valid JSON: " + err.Error()})
		return
	}
	if !citizenRE.MatchString(m.Citizen) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "citizen must be a phone number of 8 to 15 digits"})
		return
	}
	body, wamid, err := sim.webhook(m)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	req := httptest.NewRequest(http.MethodPost, callbackPath(simulatorID), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(body, sim.appSecret))
	rec := httptest.NewRecorder()
	sim.srv.router.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": fmt.Sprintf("the webhook answered %d: %s", rec.Code, strings.TrimSpace(rec.Body.String()))})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"wamid": wamid})
}

// samplePhoto is a 1×1 PNG the simulator attaches to "photos".
var samplePhoto, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

// webhook builds the Cloud API webhook Meta would post for the message.
func (sim *simulator) webhook(m simMessage) ([]byte, string, error) {
	n := sim.seq.Add(1)
	wamid := fmt.Sprintf("wamid.SIM%s%08d%s", m.Citizen, n, randomHex(4))
	msg := map[string]any{"from": m.Citizen, "id": wamid, "timestamp": strconv.FormatInt(sim.srv.now().Unix(), 10), "type": m.Type}
	switch m.Type {
	case "text":
		if strings.TrimSpace(m.Text) == "" {
			return nil, "", fmt.Errorf("a text message needs text")
		}
		msg["text"] = map[string]any{"body": m.Text}
	case "button_reply", "list_reply":
		if m.ID == "" {
			return nil, "", fmt.Errorf("a %s needs the id of the button or row", m.Type)
		}
		msg["type"] = "interactive"
		msg["interactive"] = map[string]any{"type": m.Type, m.Type: map[string]any{"id": m.ID, "title": m.Title}}
	case "location":
		msg["location"] = map[string]any{"latitude": m.Latitude, "longitude": m.Longitude, "name": m.Title, "address": m.Address}
	case "image":
		mediaID := fmt.Sprintf("%d", 1000000000000000+n)
		sim.fake.AddMedia(mediaID, graphsim.MediaFile{MimeType: "image/png", Data: samplePhoto})
		msg["image"] = map[string]any{"id": mediaID, "mime_type": "image/png", "sha256": "c2ltdWxhdG9y", "caption": m.Caption}
	default:
		return nil, "", fmt.Errorf("unknown message type %q (text, button_reply, list_reply, location, image)", m.Type)
	}
	name := m.Name
	if name == "" {
		name = "Citizen"
	}
	env := map[string]any{"object": whatsapp.WABAObject, "entry": []any{map[string]any{"id": "100000000000001",
		"changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": simulatorDisplay, "phone_number_id": simulatorPhoneID},
			"contacts":          []any{map[string]any{"profile": map[string]any{"name": name}, "wa_id": m.Citizen}},
			"messages":          []any{msg},
		}}}}}}
	body, err := json.Marshal(env)
	return body, wamid, err
}

// simOut is one bot message as the page reads it.
type simOut struct {
	Seq    int             `json:"seq"`
	Wamid  string          `json:"wamid"`
	At     time.Time       `json:"at"`
	Status string          `json:"status"`
	Body   json.RawMessage `json:"body"`
	// Preview is a template message's text as the citizen reads it.
	Preview string `json:"preview,omitempty"`
}

func (sim *simulator) messages(w http.ResponseWriter, r *http.Request) {
	citizen := r.URL.Query().Get("citizen")
	if !citizenRE.MatchString(citizen) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "citizen must be a phone number of 8 to 15 digits"})
		return
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	statuses := sim.statuses(r, citizen)
	out := []simOut{}
	seq := 0
	for _, m := range sim.fake.Messages() {
		if strings.TrimPrefix(m.To, "+") != citizen {
			continue
		}
		seq++
		if seq <= after {
			continue
		}
		status := statuses[m.WAMID]
		if status == "" {
			status = "sent"
		}
		out = append(out, simOut{Seq: seq, Wamid: m.WAMID, At: m.At, Status: status, Body: m.Body, Preview: sim.preview(m)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out, "next": seq})
}

// preview is a template message's text as the citizen reads it, from the
// templates loaded now ("" for other messages).
func (sim *simulator) preview(m graphsim.Message) string {
	if m.Type != "template" {
		return ""
	}
	var body struct{ Template *whatsapp.Template }
	if json.Unmarshal(m.Body, &body) != nil {
		return ""
	}
	text, _ := sim.srv.templates().Preview(body.Template)
	return text
}

// statuses are the delivery statuses the store recorded for a citizen's replies.
func (sim *simulator) statuses(r *http.Request, citizen string) map[string]string {
	out := map[string]string{}
	hist, err := sim.srv.store.History(r.Context(), store.ContactID(simulatorID, citizen), 200)
	if err != nil {
		return out
	}
	for _, h := range hist {
		if h.Direction == "out" && h.Wamid != "" {
			out[h.Wamid] = h.Status
		}
	}
	return out
}
