package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
)

// StaffKind says what a staff member does to a citizen's conversation.
type StaffKind string

// The staff actions QueueStaff takes.
const (
	// StaffReply sends free text; only within the reply window.
	StaffReply StaffKind = "reply"
	// StaffTemplate sends an approved template, at any time.
	StaffTemplate StaffKind = "template"
	// StaffHandback gives the conversation back to the bot: the handoff
	// ends and a flow starts (the entry flow when none is named).
	StaffHandback StaffKind = "handback"
	// StaffNotice tells the citizen of a change (a case moved): free text
	// within the window, else the template when one is given, else nothing
	// (recorded as not sent).
	StaffNotice StaffKind = "notice"
	// StaffClose ends the conversation: the bot's session is cleared, so the
	// citizen's next message starts afresh.
	StaffClose StaffKind = "close"
)

// StaffMessage is one staff action on a citizen's conversation.
type StaffMessage struct {
	// Integration is the contact's integration and Contact its key there
	// (the wa_id, or the business-scoped user id).
	Integration, Contact string
	Kind                 StaffKind
	// Actor is who acts, as the conversation's history shows them.
	Actor string
	// Text is a reply's text, or a notice's text within the window.
	Text string
	// Template is what a template sends, or a notice outside the window.
	Template *whatsapp.Template
	// Preview is the template's text with its parameters, for the history.
	Preview string
	// Flow is the flow a handback starts ("" is the entry flow, the main
	// menu).
	Flow string
}

// ReplyWindow is how long after the citizen's last message WhatsApp lets a
// business send free text; after it only templates may be sent.
const ReplyWindow = 24 * time.Hour

// MaxTextLength is the longest text message WhatsApp takes, in characters.
const MaxTextLength = 4096

var (
	// ErrOutsideWindow refuses free text more than ReplyWindow after the
	// citizen's last message (or to a citizen who never wrote): send a
	// template instead.
	ErrOutsideWindow = errors.New("pipeline: the citizen's last message is more than 24 hours old; only a template may be sent")
	// ErrOptedOut refuses a message to a citizen who asked not to be
	// written to.
	ErrOptedOut = errors.New("pipeline: the citizen has opted out of messages")
)

// storedStaff is a staff action in the inbox envelope. Send is what a
// reply, template or notice sends, decided when it was queued: "text",
// "template" or "none" (a notice that may not be sent).
type storedStaff struct {
	Kind     string             `json:"kind"`
	Actor    string             `json:"actor,omitempty"`
	Text     string             `json:"text,omitempty"`
	Template *whatsapp.Template `json:"template,omitempty"`
	Preview  string             `json:"preview,omitempty"`
	Flow     string             `json:"flow,omitempty"`
	Send     string             `json:"send,omitempty"`
}

// QueueStaff queues a staff action for the citizen. It goes through the
// inbox like a citizen's message (durable, in order with theirs, stepped by
// the one worker loop) but is not one: it is neither in the history as the
// citizen's nor counted as their last message. A reply outside the window
// fails with ErrOutsideWindow; a reply, template or notice to a citizen who
// opted out with ErrOptedOut; an unknown integration, or a handback or
// close for a citizen never seen, with store.ErrNotFound; a malformed
// action with store.ErrInvalid.
func (p *Pipeline) QueueStaff(ctx context.Context, m StaffMessage) error {
	if p.integrations[m.Integration] == nil {
		return fmt.Errorf("pipeline: no integration %q: %w", m.Integration, store.ErrNotFound)
	}
	if err := m.check(); err != nil {
		return err
	}
	id := store.ContactID(m.Integration, m.Contact)
	c, err := p.store.Contact(ctx, id)
	known := err == nil
	switch {
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	case !known && (m.Kind == StaffHandback || m.Kind == StaffClose):
		return err
	case known && c.OptedOut && m.Kind != StaffHandback && m.Kind != StaffClose:
		return ErrOptedOut
	}
	send, err := p.staffSend(ctx, id, m)
	if err != nil {
		return err
	}
	s := storedStaff{Kind: string(m.Kind), Actor: m.Actor, Text: m.Text, Template: m.Template, Preview: m.Preview, Flow: m.Flow, Send: send}
	now := p.now()
	body, err := json.Marshal(storedInput{Kind: staffKind, At: now, Staff: &s})
	if err != nil {
		return fmt.Errorf("pipeline: encoding a staff action: %w", err)
	}
	waID := c.WaID
	if !known && allDigits(m.Contact) {
		waID = m.Contact
	}
	_, err = p.store.Ingest(ctx, store.Batch{Messages: []store.Inbound{{Integration: m.Integration, Wamid: staffWamid(),
		ContactKey: m.Contact, WaID: waID, Type: "staff", Timestamp: now, Summary: "[staff " + string(m.Kind) + "]",
		Input: append([]byte{inputVersion}, body...)}}})
	return err
}

// check refuses a malformed action.
func (m *StaffMessage) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("pipeline: staff %s: %s: %w", m.Kind, fmt.Sprintf(format, args...), store.ErrInvalid)
	}
	switch {
	case m.Contact == "":
		return bad("no contact")
	case m.Kind == StaffReply && strings.TrimSpace(m.Text) == "":
		return bad("a reply needs text")
	case m.Kind == StaffTemplate && (m.Template == nil || m.Template.Name == ""):
		return bad("a template needs one, by name")
	case m.Kind == StaffNotice && strings.TrimSpace(m.Text) == "" && m.Template == nil:
		return bad("a notice needs text or a template")
	case utf8.RuneCountInString(m.Text) > MaxTextLength:
		return bad("the text is %d characters, over WhatsApp's limit of %d", utf8.RuneCountInString(m.Text), MaxTextLength)
	}
	switch m.Kind {
	case StaffReply, StaffTemplate, StaffHandback, StaffNotice, StaffClose:
		return nil
	}
	return bad("not a kind of staff action")
}

// staffSend decides what a message sends: free text only within the
// window.
func (p *Pipeline) staffSend(ctx context.Context, contactID string, m StaffMessage) (string, error) {
	switch m.Kind {
	case StaffTemplate:
		return "template", nil
	case StaffReply, StaffNotice:
	default:
		return "", nil
	}
	open, err := p.WindowOpen(ctx, contactID)
	switch {
	case err != nil:
		return "", err
	case open && strings.TrimSpace(m.Text) != "":
		return "text", nil
	case m.Kind == StaffReply:
		return "", ErrOutsideWindow
	case m.Template != nil:
		return "template", nil
	}
	return "none", nil
}

// WindowOpen reports whether free text may be sent to the contact now: the
// citizen wrote within ReplyWindow.
func (p *Pipeline) WindowOpen(ctx context.Context, contactID string) (bool, error) {
	last, err := p.store.LastInbound(ctx, contactID)
	if err != nil {
		return false, err
	}
	return !last.IsZero() && p.now().Sub(last) < ReplyWindow, nil
}

func staffWamid() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return store.InternalPrefix + "staff:" + hex.EncodeToString(b[:])
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// stepStaff carries out a staff action in the citizen's step.
func (p *Pipeline) stepStaff(ctx context.Context, in *Integration, w *store.Work, m *store.Message,
	sess *engine.Session, contact *engine.Contact, res *engine.Result, out *store.Outcome) error {
	env, err := decodeEnvelope(m.Input)
	if err != nil || env.Kind != staffKind || env.Staff == nil {
		out.Log = append(out.Log, store.LogEntry{Level: store.LevelError, Kind: "bad_input",
			Message: fmt.Sprintf("staff action %s could not be read and was skipped: %v", m.Wamid, err)})
		return nil
	}
	s := env.Staff
	event := engine.Event{Kind: engine.EventKind("staff_" + s.Kind), Flow: sess.Flow, Node: sess.Node, Detail: s.Actor, At: p.now()}
	switch StaffKind(s.Kind) {
	case StaffHandback:
		out.Events = append(out.Events, event)
		return p.handback(ctx, in, w, m, s, sess, contact, res, out)
	case StaffClose:
		*sess = engine.Session{Lang: sess.Lang}
		out.Events = append(out.Events, event)
		return nil
	}
	msg, summary, why := staffOutgoing(s, contact.OptedOut)
	if why != "" {
		event.Kind = "staff_not_sent"
		event.Detail = s.Actor + ": " + why
		out.Events = append(out.Events, event)
		out.Log = append(out.Log, store.LogEntry{Level: store.LevelWarn, Kind: "staff_not_sent",
			Message: fmt.Sprintf("a %s by %s was not sent: %s", s.Kind, s.Actor, why)})
		return nil
	}
	addressTo(&msg, w.Contact.WaID, w.Contact.UserID)
	body, err := whatsapp.Prepare(&msg)
	if err != nil {
		out.Log = append(out.Log, store.LogEntry{Level: store.LevelError, Kind: "reply_invalid",
			Message: fmt.Sprintf("a %s by %s was not sent: %v", s.Kind, s.Actor, err)})
		return nil
	}
	out.Outbox = append(out.Outbox, store.OutboundMessage{Type: msg.Type, Summary: summary, Payload: EncodeReply(time.Time{}, body), Actor: s.Actor})
	out.Events = append(out.Events, event)
	return nil
}

// staffOutgoing is the message a reply, template or notice sends and its
// line in the history, or why nothing may be sent.
func staffOutgoing(s *storedStaff, optedOut bool) (msg whatsapp.OutgoingMessage, summary, why string) {
	switch {
	case optedOut:
		return msg, "", "the citizen has opted out of messages"
	case s.Send == "text":
		return whatsapp.TextMessage(s.Text), s.Text, ""
	case s.Send == "template" && s.Template != nil:
		summary = s.Preview
		if summary == "" {
			summary = "[template " + s.Template.Name + "]"
		}
		t := *s.Template
		return whatsapp.OutgoingMessage{Type: "template", Template: &t}, summary, ""
	}
	return msg, "", "the citizen's last message is more than 24 hours old and no template was given"
}

// handback starts a flow for the citizen afresh (the handoff ends), and
// queues what it says unless they opted out.
func (p *Pipeline) handback(ctx context.Context, in *Integration, w *store.Work, m *store.Message, s *storedStaff,
	sess *engine.Session, contact *engine.Contact, res *engine.Result, out *store.Outcome) error {
	if err := in.Engine.Step(ctx, sess, contact, engine.Input{ID: m.Wamid, Kind: engine.InputStart, Text: s.Flow, At: p.now()}, res); err != nil {
		return err
	}
	contact.New = false
	out.Events = append(out.Events, res.Events...)
	for _, o := range res.Outputs {
		if o.Kind == engine.OutputHandoff {
			h := *o.Handoff
			out.Handoff = &h
		}
	}
	if !contact.OptedOut {
		p.queueReplies(w, sess, p.withHandoffWhen(res.Outputs, sess.Lang), m, out)
	}
	return nil
}
