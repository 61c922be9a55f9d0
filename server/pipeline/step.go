package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
)

// mediaNotReceived tells a citizen their file did not reach us when the
// locales have no common.media_failed (the shipped ones do).
const mediaNotReceived = "Sorry, the file you sent did not reach us. Please send it again."

// staleAfter is how old a message may be and still be answered: Meta replays
// undelivered webhooks for days after an outage, and a free-form reply more
// than 24 hours after the citizen wrote would be refused (131047).
const staleAfter = 24 * time.Hour

// Step is the workers' store.Handler: it runs the engine over a contact's
// pending messages and returns everything to write, in one transaction.
func (p *Pipeline) Step(ctx context.Context, w *store.Work) (*store.Outcome, error) {
	in := p.integrations[w.Contact.Integration]
	out := &store.Outcome{}
	if in == nil {
		out.Session = w.Session
		out.Log = append(out.Log, store.LogEntry{Level: store.LevelWarn, Kind: "no_integration",
			Message: "messages for an integration that is no longer configured were set aside"})
		return out, nil
	}
	sess := p.loadSession(w, out)
	if last := lastFromCitizen(w.Messages); last != "" {
		typing := time.AfterFunc(slowStep, func() { p.markRead(in, last) })
		defer typing.Stop()
	}
	contact := w.Contact.Engine()
	lang, optedOut := contact.Language, contact.OptedOut
	var res engine.Result
	for i := range w.Messages {
		if err := p.stepMessage(ctx, in, w, &w.Messages[i], sess, &contact, &res, out); err != nil {
			return nil, err
		}
	}
	if contact.Language != lang {
		out.Language = &contact.Language
	}
	if contact.OptedOut != optedOut {
		out.OptedOut = &contact.OptedOut
	}
	return out, p.saveSession(in, sess, out)
}

// lastFromCitizen is the wamid of the latest message the citizen sent
// (not a staff action), "" when there is none.
func lastFromCitizen(ms []store.Message) string {
	for i := len(ms) - 1; i >= 0; i-- {
		if !ms[i].Internal() {
			return ms[i].Wamid
		}
	}
	return ""
}

// loadSession decodes the stored session. A corrupt one is reported and the
// citizen starts afresh at the main menu instead of being stuck.
func (p *Pipeline) loadSession(w *store.Work, out *store.Outcome) *engine.Session {
	sess := &engine.Session{}
	if w.SessionExpired {
		out.Events = append(out.Events, engine.Event{Kind: engine.EventSessionExpired, Flow: w.Flow, At: p.now()})
	}
	if w.Session == nil {
		return sess
	}
	err := w.SessionErr
	if err == nil {
		err = sess.Decode(w.Session)
	}
	if err != nil {
		sess = &engine.Session{}
		out.Log = append(out.Log, store.LogEntry{Level: store.LevelError, Kind: "corrupt_session",
			Message: "the stored session could not be read; the citizen starts again at the main menu: " + err.Error()})
	}
	return sess
}

func (p *Pipeline) stepMessage(ctx context.Context, in *Integration, w *store.Work, m *store.Message,
	sess *engine.Session, contact *engine.Contact, res *engine.Result, out *store.Outcome) error {
	if m.Internal() {
		return p.stepStaff(ctx, in, w, m, sess, contact, res, out)
	}
	input, err := DecodeInput(m.Input)
	if err != nil {
		out.Log = append(out.Log, store.LogEntry{Level: store.LevelError, Kind: "bad_input",
			Message: fmt.Sprintf("message %s could not be read and was skipped: %v", m.Wamid, err)})
		return nil
	}
	if !m.Timestamp.IsZero() && p.now().Sub(m.Timestamp) > staleAfter {
		out.Log = append(out.Log, store.LogEntry{Level: store.LevelWarn, Kind: "stale_message",
			Message: fmt.Sprintf("message %s was sent %s ago, outside WhatsApp's 24-hour reply window; not answered", m.Wamid, p.now().Sub(m.Timestamp).Round(time.Minute))})
		return nil
	}
	var told []engine.Output // what the citizen is told before the flow's reply
	if input.Kind == engine.InputMedia && in.Attachments {
		// The download waits on the network: other citizens' steps must not
		// wait for it (see store.Work.BeforeNetwork).
		if err := w.BeforeNetwork(); err != nil {
			return err
		}
		if note := p.fetchMedia(ctx, in, m, &input, out); note != "" {
			// The file is lost to us, not the message: the citizen is told
			// so, and their caption, if any, still goes to the flow.
			text := p.commonText(note, sess.Lang)
			if text == "" {
				text = mediaNotReceived
			}
			told = []engine.Output{{Kind: engine.OutputText, Text: text}}
			if input.Text == "" {
				p.queueReplies(w, sess, told, m, out)
				return nil
			}
			input = engine.Input{ID: input.ID, Kind: engine.InputText, Text: input.Text, At: input.At}
		}
	}
	start := time.Now()
	err = in.Engine.Step(ctx, sess, contact, input, res)
	p.metrics.stepSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		return err
	}
	contact.New = false
	out.Events = append(out.Events, res.Events...)
	for _, e := range res.Events {
		p.metrics.events.WithLabelValues(string(e.Kind)).Inc()
	}
	for _, o := range res.Outputs {
		if o.Kind == engine.OutputHandoff {
			h := *o.Handoff
			out.Handoff = &h
		}
	}
	p.queueReplies(w, sess, p.withHandoffWhen(append(told, res.Outputs...), sess.Lang), m, out)
	return nil
}

// queueReplies renders a step's outputs for WhatsApp and queues each as
// the exact request body to send. A message the renderer got wrong (it never
// should) is recorded in the event log rather than sent.
func (p *Pipeline) queueReplies(w *store.Work, sess *engine.Session, outs []engine.Output, m *store.Message, out *store.Outcome) {
	msgs := whatsapp.Render(outs, whatsapp.RenderOptions{ListButton: p.listLabel(sess.Lang)})
	for i := range msgs {
		addressTo(&msgs[i], w.Contact.WaID, w.Contact.UserID)
		body, err := whatsapp.Prepare(&msgs[i])
		if err != nil {
			out.Log = append(out.Log, store.LogEntry{Level: store.LevelError, Kind: "reply_invalid",
				Message: fmt.Sprintf("a reply to %s was not sent: %v", m.Wamid, err)})
			continue
		}
		out.Outbox = append(out.Outbox, store.OutboundMessage{Type: msgs[i].Type, Summary: outgoingSummary(&msgs[i]),
			Payload: EncodeReply(m.Received, body)})
	}
}

// addressTo sets a message's recipient: the phone number when known, else
// the business-scoped user id.
func addressTo(msg *whatsapp.OutgoingMessage, waID, userID string) {
	msg.To, msg.Recipient = "", ""
	if waID != "" {
		msg.To = "+" + waID
	} else {
		msg.Recipient = userID
	}
}

// recipientKey is the key the limiter paces a citizen by: the number a
// message goes to, else the business-scoped user id (as addressTo sends).
func recipientKey(waID, userID string) string {
	if waID != "" {
		return waID
	}
	return userID
}

func (p *Pipeline) listLabel(lang string) string {
	if t := p.commonText("common.choose", lang); t != "" {
		return t
	}
	return whatsapp.DefaultListButton
}

// saveSession writes the session back, or closes the conversation when no
// flow is running (the contact keeps its language).
func (p *Pipeline) saveSession(in *Integration, sess *engine.Session, out *store.Outcome) error {
	out.Flow, out.FlowVersion = sess.Flow, sess.Version
	if sess.Status == engine.SessionIdle {
		return nil
	}
	data, err := sess.Encode(nil)
	if err != nil {
		return fmt.Errorf("encoding the session: %w", err)
	}
	out.Session = data
	out.SessionExpires = p.now().Add(in.SessionDuration)
	if sess.Status == engine.SessionHandoff {
		// Waiting for people can take longer than a quiet conversation
		// lasts: the conversation stays with them until they hand it back
		// or close it, within HandoffDuration.
		out.SessionExpires = p.now().Add(max(in.SessionDuration, HandoffDuration))
	}
	return nil
}

// HandoffDuration is how long a conversation handed to people lasts
// without anyone closing it or handing it back; the citizen's next message
// after it starts afresh.
const HandoffDuration = 7 * 24 * time.Hour

// outgoingSummary is a short line for the conversation history.
func outgoingSummary(m *whatsapp.OutgoingMessage) string {
	switch {
	case m.Text != nil:
		return m.Text.Body
	case m.Interactive != nil && m.Interactive.Body != nil:
		return m.Interactive.Body.Text
	case m.Image != nil:
		return "[image] " + m.Image.Caption
	case m.Document != nil:
		return "[document] " + m.Document.Filename
	case m.Location != nil:
		return "[location] " + m.Location.Name
	}
	return "[" + m.Type + "]"
}

// fetchMedia downloads an attachment and keeps it under the media
// directory; the message's history line then names the stored file. When
// the file cannot be had, the reason goes to the event log and to the
// history line, and fetchMedia returns the key of the note that tells the
// citizen (common.media_failed or common.media_too_large); the caller
// carries on with the caption alone. The message itself is never lost.
func (p *Pipeline) fetchMedia(ctx context.Context, in *Integration, m *store.Message, input *engine.Input, out *store.Outcome) (note string) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	data, mime, err := in.Client.Download(ctx, input.Media.MediaID, in.MaxMediaBytes)
	if err == nil {
		var path string
		path, err = p.saveMedia(in.ID, m.Wamid, mime, data)
		if err == nil {
			input.Media.URL = path
			input.Media.MimeType = mime
			m.Summary += " (kept as " + path + ")"
			return ""
		}
	}
	kind, note := "media_download_failed", "common.media_failed"
	switch {
	case errors.Is(err, whatsapp.ErrMediaTooLarge):
		kind, note = "media_too_large", "common.media_too_large"
	case errors.Is(err, whatsapp.ErrMediaHost):
		kind = "media_host_refused" // the token is not sent there
	}
	m.Summary += " (not received: " + strings.ReplaceAll(kind, "_", " ") + ")"
	out.Log = append(out.Log, store.LogEntry{Level: store.LevelWarn, Kind: kind,
		Message: fmt.Sprintf("the %s of message %s was not kept: %v", input.Media.Kind, m.Wamid, err)})
	return note
}

// saveMedia writes a file under media_dir/<integration>/ and returns its
// path relative to the media directory.
func (p *Pipeline) saveMedia(integration, wamid, mime string, data []byte) (string, error) {
	dir := filepath.Join(p.mediaDir, integration)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	name := safeName(wamid) + extension(mime)
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o640); err != nil {
		return "", err
	}
	return integration + "/" + name, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

func extension(mime string) string {
	mime, _, _ = strings.Cut(mime, ";")
	switch strings.TrimSpace(mime) {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "application/pdf":
		return ".pdf"
	case "audio/ogg":
		return ".ogg"
	case "video/mp4":
		return ".mp4"
	}
	return ".bin"
}

// slowStep is how long a step may take before the citizen is shown that the
// bot is typing.
const slowStep = time.Second

// markRead marks the citizen's latest message read and shows the typing
// indicator until the reply arrives, so that a slow department system is not
// silence. Steps that answer within slowStep need neither (the reply itself
// arrives at once). It runs in the background, at most MaxReadMarks at a
// time.
func (p *Pipeline) markRead(in *Integration, wamid string) {
	if wamid == "" {
		return
	}
	select {
	case p.readMarks <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-p.readMarks }()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := in.Client.MarkRead(ctx, wamid, true); err != nil {
			p.log.Debug("mark-read failed", "integration", in.ID, "err", err)
		}
	}()
}

// MaxReadMarks bounds the mark-read requests in flight.
const MaxReadMarks = 32
