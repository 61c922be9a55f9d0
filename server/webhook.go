package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/script"
	"github.com/samvad/samvad/server/pipeline"
)

// maxWebhookBody is Meta's documented maximum webhook size.
const maxWebhookBody = 3 << 20

// webhookPath is the callback URL of an integration, as Meta is told it.
const webhookPath = "/api/v1/integration/whatsapp/{id}/callback"

func callbackPath(id string) string { return "/api/v1/integration/whatsapp/" + id + "/callback" }

// verifyWebhook answers Meta's subscription check: the challenge, verbatim,
// when the verify token matches; 403 otherwise.
func (s *Server) verifyWebhook(w http.ResponseWriter, r *http.Request) {
	in := s.integrations[mux.Vars(r)["id"]]
	if in == nil {
		http.NotFound(w, r)
		return
	}
	challenge, ok := whatsapp.VerifyChallenge(r.URL.Query(), in.verifyToken)
	if !ok {
		s.log.Warn("webhook verification refused", "integration", in.cfg.ID)
		http.Error(w, "verification failed", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, challenge)
}

// receiveWebhook stores a notification durably and only then answers 200.
// Nothing else happens on this path: the workers do the rest.
func (s *Server) receiveWebhook(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	in := s.integrations[mux.Vars(r)["id"]]
	if in == nil {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		s.metrics.webhooks.WithLabelValues("too_large").Inc()
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if !whatsapp.VerifySignature(body, r.Header.Get(whatsapp.SignatureHeader), in.appSecret) {
		s.metrics.webhooks.WithLabelValues("bad_signature").Inc()
		s.log.Warn("webhook signature invalid; nothing stored", "integration", in.cfg.ID, "bytes", len(body))
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	n, err := whatsapp.Parse(body)
	if err != nil {
		s.malformedWebhook(w, r, in, err)
		return
	}
	batch := s.batch(in, n)
	if err := s.moveContacts(r.Context(), in, n, &batch); err != nil {
		s.ingestFailed(w, in, err)
		return
	}
	res, err := s.store.Ingest(r.Context(), batch)
	if err != nil {
		s.ingestFailed(w, in, err)
		return
	}
	s.countIngest(batch, res)
	s.metrics.webhooks.WithLabelValues("ok").Inc()
	carries := "other"
	switch {
	case len(batch.Messages) > 0:
		carries = "messages"
	case len(batch.Statuses) > 0:
		carries = "statuses"
	}
	s.metrics.ackSeconds.WithLabelValues(carries).Observe(time.Since(start).Seconds())
	w.WriteHeader(http.StatusOK)
}

func (s *Server) malformedWebhook(w http.ResponseWriter, r *http.Request, in *integration, perr error) {
	s.metrics.webhooks.WithLabelValues("malformed").Inc()
	data, _ := json.Marshal(map[string]string{"error": perr.Error()})
	_, err := s.store.Ingest(r.Context(), store.Batch{Log: []store.LogEntry{{Integration: in.cfg.ID,
		Level: store.LevelError, Kind: "webhook_malformed", Message: "a webhook body was not a WhatsApp notification", Data: data}}})
	if err != nil {
		s.log.Error("recording a malformed webhook", "integration", in.cfg.ID, "err", err)
	}
	http.Error(w, "malformed webhook body", http.StatusBadRequest)
}

func (s *Server) ingestFailed(w http.ResponseWriter, in *integration, err error) {
	if errors.Is(err, store.ErrInvalid) {
		s.metrics.webhooks.WithLabelValues("invalid").Inc()
		s.log.Error("webhook refused by the store", "integration", in.cfg.ID, "err", err)
		http.Error(w, "invalid webhook content", http.StatusBadRequest)
		return
	}
	// Anything else (the database is down): 503, and Meta delivers again.
	s.metrics.webhooks.WithLabelValues("unavailable").Inc()
	s.log.Error("webhook not stored; asking Meta to retry", "integration", in.cfg.ID, "err", err)
	http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
}

func (s *Server) countIngest(b store.Batch, res store.IngestResult) {
	for _, m := range b.Messages {
		s.metrics.messagesIn.WithLabelValues(m.Integration, m.Type).Inc()
	}
	s.metrics.duplicates.Add(float64(res.Duplicates))
	for _, st := range b.Statuses {
		s.metrics.statuses.WithLabelValues(st.Status).Inc()
		if st.Status == "failed" {
			// Most permanent failures (131047, 131026, 131049) are known
			// only from the status, after the send was accepted.
			s.metrics.pipeline.DeliveryFailed(st.Integration, st.ErrorCode)
		}
	}
}

// batch turns a parsed notification into what the store keeps. Messages are
// routed by the business number they were sent to: one Meta app may post
// every number of its account to one callback URL.
func (s *Server) batch(in *integration, n *whatsapp.Notification) store.Batch {
	var b store.Batch
	logf := func(integ, level, kind, msg string, data any) {
		raw, _ := json.Marshal(data)
		b.Log = append(b.Log, store.LogEntry{Integration: integ, Level: level, Kind: kind, Message: msg, Data: raw})
	}
	for i := range n.Messages {
		m := &n.Messages[i]
		owner := s.owner(in, m.PhoneNumberID, &b)
		if owner == nil {
			continue
		}
		if m.Input == nil {
			logf(owner.cfg.ID, store.LevelInfo, "system_message", "a system notice from WhatsApp", map[string]any{"type": m.Type, "wamid": m.WAMID})
			continue
		}
		input, err := pipeline.EncodeInput(m.Input)
		if err != nil {
			logf(owner.cfg.ID, store.LevelError, "message_refused", "a message of the webhook could not be stored: "+err.Error(),
				map[string]string{"wamid": script.Clip(m.WAMID, 80), "type": script.Clip(m.Type, 40)})
			continue
		}
		row := store.Inbound{Integration: owner.cfg.ID, Wamid: m.WAMID, ContactKey: m.ContactKey(),
			WaID: m.WaID, UserID: m.UserID, ProfileName: m.ProfileName, Username: m.Username, Type: m.Type,
			Timestamp: m.Timestamp, Summary: inputSummary(m.Input), Input: input, Raw: m.Raw}
		if err := row.Check(); err != nil {
			// One unusable message must not cost the others of the POST:
			// refused, the whole body would come back for days.
			logf(owner.cfg.ID, store.LevelError, "message_refused", "a message of the webhook could not be stored: "+err.Error(),
				map[string]string{"wamid": script.Clip(m.WAMID, 80), "type": script.Clip(m.Type, 40)})
			continue
		}
		b.Messages = append(b.Messages, row)
		for _, e := range m.Errors {
			logf(owner.cfg.ID, store.LevelInfo, "message_error", e.Meaning(), map[string]any{"code": e.Code, "wamid": m.WAMID})
		}
	}
	for _, st := range n.Statuses {
		owner := s.owner(in, st.PhoneNumberID, &b)
		if owner == nil {
			continue
		}
		row := store.Status{Integration: owner.cfg.ID, Wamid: st.WAMID, Status: st.Status, Timestamp: st.Timestamp, Recipient: st.RecipientID}
		if row.Recipient == "" {
			row.Recipient = st.RecipientUserID
		}
		if len(st.Errors) > 0 {
			row.ErrorCode, row.ErrorTitle, row.ErrorDetails = st.Errors[0].Code, st.Errors[0].Title, st.Errors[0].Meaning()
		}
		if err := row.Check(); err != nil {
			logf(owner.cfg.ID, store.LevelError, "status_refused", "a status of the webhook could not be stored: "+err.Error(),
				map[string]string{"wamid": script.Clip(st.WAMID, 80), "status": script.Clip(st.Status, 40)})
			continue
		}
		b.Statuses = append(b.Statuses, row)
	}
	for _, e := range n.Errors {
		logf(in.cfg.ID, store.LevelError, "whatsapp_error", e.Meaning(), map[string]any{"code": e.Code, "details": e.Details})
	}
	for _, p := range n.Problems {
		logf(in.cfg.ID, store.LevelWarn, "webhook_problem", p, nil)
	}
	return b
}

// moveContacts applies the changes of number a notification announces
// ("user_changed_number" system messages) before its messages are stored,
// so that the citizen's next message, from the new number, continues their
// session and finds their grievances. Each move is noted in b's event log
// entries. An error means the store failed: the webhook is then refused,
// and Meta delivers it again (a move already applied changes nothing).
func (s *Server) moveContacts(ctx context.Context, in *integration, n *whatsapp.Notification, b *store.Batch) error {
	for i := range n.Messages {
		m := &n.Messages[i]
		if m.System == nil || m.System.Type != "user_changed_number" || m.System.NewWaID == "" {
			continue
		}
		owner := s.owner(in, m.PhoneNumberID, &store.Batch{}) // batch notes the refusal
		if owner == nil {
			continue
		}
		move := store.ContactMove{Integration: owner.cfg.ID, From: m.ContactKey(), To: m.System.NewWaID}
		outcome, err := s.store.MoveContact(ctx, move)
		data, _ := json.Marshal(map[string]string{"from": script.MaskPhone(move.From), "to": script.MaskPhone(move.To),
			"outcome": outcome, "wamid": m.WAMID})
		entry := store.LogEntry{Integration: owner.cfg.ID, Level: store.LevelInfo, Kind: "contact_moved",
			Message: "a citizen changed their number: " + moveMeaning[outcome], Data: data}
		switch {
		case errors.Is(err, store.ErrInvalid):
			entry.Level, entry.Kind, entry.Message = store.LevelWarn, "contact_move_refused", script.Redact(err.Error())
		case err != nil:
			return err
		}
		b.Log = append(b.Log, entry)
	}
	return nil
}

var moveMeaning = map[string]string{
	store.MoveDone:    "their contact, session, history and grievances now follow the new number",
	store.MoveMerged:  "the new number had written already; their grievances and unsent replies moved to it",
	store.MoveUnknown: "the old number was never seen here; nothing to move",
}

// owner is the integration serving a business number (the callback's own
// when the notification does not say), or nil when none may take it here:
// no integration serves the number, or it is another integration's that
// the callback may not speak for (see speaksFor). Refusals are noted in
// the batch's event log and the server's log.
func (s *Server) owner(callback *integration, phoneNumberID string, b *store.Batch) *integration {
	if phoneNumberID == "" || phoneNumberID == callback.cfg.PhoneNumberID {
		return callback
	}
	other := s.byPhone[phoneNumberID]
	note := func(kind, msg string) {
		data, _ := json.Marshal(map[string]string{"phone_number_id": script.Clip(phoneNumberID, 40)})
		b.Log = append(b.Log, store.LogEntry{Integration: callback.cfg.ID, Level: store.LevelWarn, Kind: kind, Message: msg, Data: data})
	}
	switch {
	case other == nil:
		note("unknown_number", "an item for a business number no integration serves")
		return nil
	case !speaksFor(callback, other):
		s.log.Warn("webhook item for another integration's number dropped", "integration", callback.cfg.ID,
			"number_of", other.cfg.ID)
		note("foreign_number", "an item for the number of integration "+other.cfg.ID+" came to this integration's callback and was dropped")
		return nil
	}
	return other
}

// speaksFor tells whether a notification that came to callback's URL,
// signed with callback's app secret, may be stored as other's. A signature
// proves which Meta app sent a body, not which integration it is for: one
// Meta app may post all its numbers to one callback URL, and then the
// integrations share that app's secret. So a number of another
// integration is accepted only when that integration has the same app
// secret — whoever could sign this body could then as well have posted it
// to other's own callback. Otherwise someone holding A's secret (A's
// department, or a leak of it) could write into B's conversations.
//
// Such an item is dropped, not refused with an error status: the rest of
// the body is good, and Meta retries any non-2xx answer for days, so the
// webhook still answers 200, with the item noted as a warning in the event
// log and the server's log.
func speaksFor(callback, other *integration) bool {
	return callback.appSecret != "" && subtle.ConstantTimeCompare([]byte(callback.appSecret), []byte(other.appSecret)) == 1
}

// inputSummary is a short line for the conversation history.
func inputSummary(in *engine.Input) string {
	switch in.Kind {
	case engine.InputMedia:
		if in.Text != "" {
			return "[" + in.Media.Kind + "] " + in.Text
		}
		return "[" + in.Media.Kind + "]"
	case engine.InputLocation:
		if in.Location.Name != "" {
			return "[location] " + in.Location.Name
		}
		return "[location]"
	case engine.InputReaction:
		return "[reaction] " + in.Text
	case engine.InputUnsupported:
		return "[unsupported: " + in.Text + "]"
	}
	return in.Text
}
