package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp/templates"
	"github.com/samvad/samvad/server/pipeline"
)

// The agent inbox: the conversations of the department's citizens, what
// they and the bot said, and what agents do with them (reply, send a
// template, assign, transfer, link a case, mark read, hand back to the
// bot, close). Everything an agent sends a citizen goes through the
// pipeline's QueueStaff, in order with the citizen's own messages.

// StaffQueue is what the inbox needs of the pipeline.
type StaffQueue interface {
	QueueStaff(ctx context.Context, m pipeline.StaffMessage) error
	WindowOpen(ctx context.Context, contactID string) (bool, error)
}

func (a *API) mountInbox(r *mux.Router) {
	a.route(r, http.MethodGet, "/conversations", RoleViewer, a.listConversations)
	a.route(r, http.MethodGet, "/conversations/{id}", RoleViewer, a.getConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/reply", RoleAgent, a.replyConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/template", RoleAgent, a.templateConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/assign", RoleAgent, a.assignConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/unassign", RoleAgent, a.unassignConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/transfer", RoleSupervisor, a.transferConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/link", RoleAgent, a.linkConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/read", RoleAgent, a.readConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/handback", RoleAgent, a.handbackConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/archive", RoleAgent, a.archiveConversation)
	a.route(r, http.MethodPost, "/conversations/{id}/close", RoleAgent, a.closeConversation)
	a.route(r, http.MethodGet, "/events", RoleViewer, a.streamEvents)
}

// ConversationItem is a conversation as the inbox lists it.
type ConversationItem struct {
	ID          string `json:"id"`
	Integration string `json:"integration"`
	Status      string `json:"status"`
	Name        string `json:"name,omitempty"`
	// Number is the citizen's number as its last four digits.
	Number        string       `json:"number"`
	Queue         string       `json:"queue,omitempty"`
	AssignedTo    string       `json:"assigned_to,omitempty"`
	CaseReference string       `json:"case_reference,omitempty"`
	Unread        int          `json:"unread"`
	LastMessage   *LastMessage `json:"last_message,omitempty"`
	OpenedAt      time.Time    `json:"opened_at"`
	HandedOverAt  *time.Time   `json:"handed_over_at,omitempty"`
	FirstResponse *time.Time   `json:"first_response_at,omitempty"`
	ClosedAt      *time.Time   `json:"closed_at,omitempty"`
	ClosedBy      string       `json:"closed_by,omitempty"`
	ArchivedAt    *time.Time   `json:"archived_at,omitempty"`
	ArchivedBy    string       `json:"archived_by,omitempty"`
}

// LastMessage is a conversation's latest message, for the list.
type LastMessage struct {
	Direction string    `json:"direction"`
	Preview   string    `json:"preview"`
	At        time.Time `json:"at"`
}

// ConversationPage is a page of conversations, newest first.
type ConversationPage struct {
	Conversations []ConversationItem `json:"conversations"`
	NextCursor    string             `json:"next_cursor,omitempty"`
}

// ConversationQuery selects the conversations ListConversations lists.
type ConversationQuery struct {
	Status, Queue, Assigned, Cursor string
	Limit                           int
}

// ConversationQueryOf reads a list's query parameters.
func ConversationQueryOf(r *http.Request) (ConversationQuery, error) {
	v := r.URL.Query()
	q := ConversationQuery{Status: v.Get("status"), Queue: v.Get("queue"), Assigned: v.Get("assigned"), Cursor: v.Get("cursor")}
	if q.Status != "" && !store.ValidConversationStatus(q.Status) {
		return q, badField("status", "must be handed_over, active, archived or closed, not %q", q.Status)
	}
	limit, err := pageLimit(v.Get("limit"))
	q.Limit = limit
	return q, err
}

// ListConversations lists the conversations of p's department.
func (a *API) ListConversations(ctx context.Context, p Principal, q ConversationQuery) (ConversationPage, error) {
	f := store.ConversationFilter{Integrations: a.integrationsOf(p), Status: q.Status, Queue: q.Queue, AssignedTo: q.Assigned, Limit: q.Limit}
	if q.Cursor != "" {
		f.After = &store.ConversationCursor{}
		if a.cursors.read(q.Cursor, f.After) != nil {
			return ConversationPage{}, badField("cursor", "%s", strings.TrimPrefix(errBadCursor.Error(), "api: "))
		}
	}
	cs, err := a.opts.Store.Conversations(ctx, f)
	if err != nil {
		return ConversationPage{}, err
	}
	page := ConversationPage{Conversations: make([]ConversationItem, len(cs))}
	for i, c := range cs {
		page.Conversations[i] = conversationItem(c)
	}
	if len(cs) == f.Limit && f.Limit > 0 {
		page.NextCursor = a.cursors.make(store.CursorOf(cs[len(cs)-1]))
	}
	return page, nil
}

func (a *API) listConversations(w http.ResponseWriter, r *http.Request) {
	q, err := ConversationQueryOf(r)
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	page, err := a.ListConversations(r.Context(), PrincipalFrom(r.Context()), q)
	if err != nil {
		a.writeInboxError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// conversationID is a conversation's id in the API: its integration,
// contact key and number, encoded. It is stable and tells nothing a
// caller could not read from the conversation itself.
func conversationID(c store.Conversation) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.Integration + ":" + c.Key + ":" + strconv.Itoa(c.Seq)))
}

// parseConversationID reads an id made by conversationID.
func parseConversationID(id string) (integration string, ref store.ConversationRef, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", ref, false
	}
	integration, rest, ok1 := strings.Cut(string(raw), ":")
	i := strings.LastIndexByte(rest, ':')
	if !ok1 || integration == "" || i <= 0 {
		return "", ref, false
	}
	seq, err := strconv.Atoi(rest[i+1:])
	if err != nil || seq <= 0 {
		return "", ref, false
	}
	return integration, store.ConversationRef{ContactID: store.ContactID(integration, rest[:i]), Seq: seq}, true
}

func conversationItem(c store.Conversation) ConversationItem {
	it := ConversationItem{ID: conversationID(c), Integration: c.Integration, Status: c.Status, Name: c.Name,
		Number: maskContact(c.ContactID), Queue: c.Queue, AssignedTo: c.AssignedTo, CaseReference: c.CaseRef, Unread: c.Unread,
		OpenedAt: c.OpenedAt, HandedOverAt: timeOrNil(c.HandoffAt), FirstResponse: timeOrNil(c.FirstResponse),
		ClosedAt: timeOrNil(c.ClosedAt), ClosedBy: c.ClosedBy, ArchivedAt: timeOrNil(c.ArchivedAt), ArchivedBy: c.ArchivedBy}
	if c.LastDirection != "" {
		it.LastMessage = &LastMessage{Direction: c.LastDirection, Preview: preview(c.LastSummary), At: c.LastAt}
	}
	return it
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// preview is the start of a message for the list: 120 characters at most.
func preview(s string) string {
	if utf8.RuneCountInString(s) <= 120 {
		return s
	}
	r := []rune(s)
	return string(r[:119]) + "…"
}

// errNoConversation answers 404 for a conversation that does not exist or
// is another department's.
var errNoConversation = errors.New("api: no such conversation")

// conflict is a 409: the action does not fit the conversation's state.
type conflict struct{ reason string }

func (e *conflict) Error() string { return "api: " + e.reason }

// errNoStaffQueue answers 503 when the server wired no pipeline.
var errNoStaffQueue = errors.New("api: this server cannot send messages to citizens")

// writeInboxError answers an inbox error with its status.
func (a *API) writeInboxError(w http.ResponseWriter, err error) {
	var c *conflict
	switch {
	case errors.Is(err, errNoConversation), errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "", "no such conversation")
	case errors.As(err, &c):
		writeError(w, http.StatusConflict, "", c.reason)
	case errors.Is(err, errNoStaffQueue):
		writeError(w, http.StatusServiceUnavailable, "", "this server cannot send messages to citizens")
	case errors.Is(err, errForbidden):
		writeError(w, http.StatusForbidden, "", "only a supervisor may take a conversation assigned to someone else")
	default:
		a.writeFieldError(w, err)
	}
}

var errForbidden = errors.New("api: forbidden")

// conversationOf returns the conversation of id if it is p's department's.
func (a *API) conversationOf(ctx context.Context, p Principal, id string) (store.Conversation, error) {
	integration, ref, ok := parseConversationID(id)
	if !ok || !a.owns(p, integration) {
		return store.Conversation{}, errNoConversation
	}
	c, err := a.opts.Store.ConversationByRef(ctx, ref)
	if errors.Is(err, store.ErrNotFound) || err == nil && c.Integration != integration {
		return store.Conversation{}, errNoConversation
	}
	return c, err
}

// ConversationDetail is a conversation with its whole history.
type ConversationDetail struct {
	ConversationItem
	// WindowOpen says free text may be sent now (the citizen wrote within
	// 24 hours); otherwise only a template.
	WindowOpen bool          `json:"window_open"`
	Messages   []HistoryItem `json:"messages"`
	Events     []ConvEvent   `json:"events"`
}

// HistoryItem is one message of a conversation, either way.
type HistoryItem struct {
	Seq       int64  `json:"seq"`
	Direction string `json:"direction"`
	Type      string `json:"type"`
	Text      string `json:"text"`
	// Actor is the agent who sent it ("" for the bot's and the citizen's).
	Actor  string `json:"actor,omitempty"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Attachment is where a file the citizen sent is kept (under the
	// media directory), when it was kept.
	Attachment string     `json:"attachment,omitempty"`
	At         time.Time  `json:"at"`
	StatusAt   *time.Time `json:"status_at,omitempty"`
}

// ConvEvent is one thing the flow recorded in the conversation.
type ConvEvent struct {
	Kind   string    `json:"kind"`
	Flow   string    `json:"flow,omitempty"`
	Node   string    `json:"node,omitempty"`
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
}

// GetConversation returns a conversation of p's department with its
// history and events.
func (a *API) GetConversation(ctx context.Context, p Principal, id string) (ConversationDetail, error) {
	c, err := a.conversationOf(ctx, p, id)
	if err != nil {
		return ConversationDetail{}, err
	}
	msgs, err := a.opts.Store.ConversationHistory(ctx, c.ConversationRef)
	if err != nil {
		return ConversationDetail{}, err
	}
	events, err := a.opts.Store.ConversationEvents(ctx, c.ConversationRef)
	if err != nil {
		return ConversationDetail{}, err
	}
	d := ConversationDetail{ConversationItem: conversationItem(c), Messages: make([]HistoryItem, len(msgs)), Events: make([]ConvEvent, len(events))}
	for i, m := range msgs {
		d.Messages[i] = historyItem(m)
	}
	for i, e := range events {
		d.Events[i] = ConvEvent{Kind: string(e.Kind), Flow: e.Flow, Node: e.Node, Detail: e.Detail, At: e.At}
	}
	if a.opts.Staff != nil {
		if d.WindowOpen, err = a.opts.Staff.WindowOpen(ctx, c.ContactID); err != nil {
			return ConversationDetail{}, err
		}
	}
	return d, nil
}

func historyItem(m store.HistoryMessage) HistoryItem {
	h := HistoryItem{Seq: m.Seq, Direction: m.Direction, Type: m.Type, Text: m.Summary, Actor: m.Actor, Status: m.Status,
		At: m.At, StatusAt: timeOrNil(m.StatusAt)}
	if m.ErrorCode != 0 || m.ErrorTitle != "" {
		h.Error = strings.TrimSpace(fmt.Sprintf("%d %s", m.ErrorCode, m.ErrorTitle))
	}
	if _, kept, ok := strings.Cut(m.Summary, " (kept as "); ok {
		h.Attachment = strings.TrimSuffix(kept, ")")
	}
	return h
}

func (a *API) getConversation(w http.ResponseWriter, r *http.Request) {
	d, err := a.GetConversation(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"])
	if err != nil {
		a.writeInboxError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// ReplyRequest is the body of a reply.
type ReplyRequest struct {
	Text string `json:"text"`
}

// Reply sends the citizen free text from p. Outside WhatsApp's 24-hour
// window it is a conflict: only a template may be sent.
func (a *API) Reply(ctx context.Context, p Principal, id string, req ReplyRequest) (ConversationItem, error) {
	text := strings.TrimSpace(req.Text)
	switch n := utf8.RuneCountInString(req.Text); {
	case text == "":
		return ConversationItem{}, badField("text", "is empty; write the reply")
	case n > pipeline.MaxTextLength:
		return ConversationItem{}, badField("text", "is %d characters; WhatsApp takes at most %d in a text message", n, pipeline.MaxTextLength)
	}
	return a.send(ctx, p, id, "conversation.reply", pipeline.StaffMessage{Kind: pipeline.StaffReply, Text: req.Text}, req)
}

func (a *API) replyConversation(w http.ResponseWriter, r *http.Request) {
	var req ReplyRequest
	if !a.decode(w, r, &req) {
		return
	}
	a.answer(w, http.StatusAccepted)(a.Reply(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"], req))
}

// TemplateRequest is the body of a template send: an approved template
// (see GET /templates), its language, and its parameters by name.
type TemplateRequest struct {
	Name     string            `json:"name"`
	Language string            `json:"language"`
	Params   map[string]string `json:"params"`
}

// SendTemplate sends the citizen an approved template, at any time. Its
// parameters are checked first: a value that does not fit is a 400 naming
// it (params.<name>).
func (a *API) SendTemplate(ctx context.Context, p Principal, id string, req TemplateRequest) (ConversationItem, error) {
	switch {
	case strings.TrimSpace(req.Name) == "":
		return ConversationItem{}, badField("name", "is empty; name an approved template (GET %s/templates)", Prefix)
	case strings.TrimSpace(req.Language) == "":
		return ConversationItem{}, badField("language", "is empty; give the template's language code (en, hi, …)")
	}
	m, err := a.templates().Check(req.Name, req.Language, req.Params)
	var pe *templates.ParamError
	switch {
	case errors.As(err, &pe):
		field := pe.Field
		if field == "template" {
			field = "name"
		}
		return ConversationItem{}, badField(field, "%s", pe.Reason)
	case err != nil:
		return ConversationItem{}, err
	}
	return a.send(ctx, p, id, "conversation.template", pipeline.StaffMessage{Kind: pipeline.StaffTemplate,
		Template: m.Outgoing.Template, Preview: m.Preview}, req)
}

func (a *API) templateConversation(w http.ResponseWriter, r *http.Request) {
	var req TemplateRequest
	if !a.decode(w, r, &req) {
		return
	}
	a.answer(w, http.StatusAccepted)(a.SendTemplate(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"], req))
}

// send queues a message from p and records the first response.
func (a *API) send(ctx context.Context, p Principal, id, action string, m pipeline.StaffMessage, req any) (ConversationItem, error) {
	if a.opts.Staff == nil {
		return ConversationItem{}, errNoStaffQueue
	}
	c, err := a.conversationOf(ctx, p, id)
	if err != nil {
		return ConversationItem{}, err
	}
	if c.Status == store.ConversationClosed {
		return ConversationItem{}, &conflict{"the conversation is closed; the citizen's next message opens a new one"}
	}
	m.Integration, m.Contact, m.Actor = c.Integration, c.Key, p.Actor
	switch err := a.opts.Staff.QueueStaff(ctx, m); {
	case errors.Is(err, pipeline.ErrOutsideWindow):
		return ConversationItem{}, &conflict{"the citizen's last message is more than 24 hours old, so WhatsApp allows no free text: " +
			"use a template: POST " + Prefix + "/conversations/" + id + "/template"}
	case errors.Is(err, pipeline.ErrOptedOut):
		return ConversationItem{}, &conflict{"the citizen has opted out of messages (they sent STOP); nothing may be sent until they write START"}
	case err != nil:
		return ConversationItem{}, err
	}
	before, after, err := a.opts.Store.ChangeConversation(ctx, c.ConversationRef, store.ConversationChange{Responded: true})
	if err != nil {
		return ConversationItem{}, err
	}
	a.auditAs(ctx, p, action, "conversation/"+id, conversationItem(before), map[string]any{"conversation": conversationItem(after), "sent": req})
	return conversationItem(after), nil
}

// answer writes what an exported method returned.
func (a *API) answer(w http.ResponseWriter, status int) func(ConversationItem, error) {
	return func(it ConversationItem, err error) {
		if err != nil {
			a.writeInboxError(w, err)
			return
		}
		writeJSON(w, status, it)
	}
}

// AssignRequest is the body of an assignment.
type AssignRequest struct {
	Agent string `json:"agent"`
}

// Assign gives the conversation to an agent. Taking one assigned to
// someone else needs a supervisor.
func (a *API) Assign(ctx context.Context, p Principal, id string, req AssignRequest) (ConversationItem, error) {
	agent := strings.TrimSpace(req.Agent)
	if agent == "" || utf8.RuneCountInString(agent) > 128 {
		return ConversationItem{}, badField("agent", "must name the agent (1 to 128 characters)")
	}
	return a.change(ctx, p, id, "conversation.assign", func(c store.Conversation) (store.ConversationChange, error) {
		if c.AssignedTo != "" && c.AssignedTo != agent && p.Role < RoleSupervisor {
			return store.ConversationChange{}, errForbidden
		}
		return store.ConversationChange{AssignedTo: &agent}, nil
	})
}

// Unassign leaves the conversation to the queue.
func (a *API) Unassign(ctx context.Context, p Principal, id string) (ConversationItem, error) {
	return a.change(ctx, p, id, "conversation.unassign", func(c store.Conversation) (store.ConversationChange, error) {
		if c.AssignedTo != "" && c.AssignedTo != p.Actor && p.Role < RoleSupervisor {
			return store.ConversationChange{}, errForbidden
		}
		none := ""
		return store.ConversationChange{AssignedTo: &none}, nil
	})
}

// TransferRequest is the body of a transfer.
type TransferRequest struct {
	Queue string `json:"queue"`
}

// Transfer moves the conversation to another queue, unassigned.
func (a *API) Transfer(ctx context.Context, p Principal, id string, req TransferRequest) (ConversationItem, error) {
	queue := strings.TrimSpace(req.Queue)
	queues := a.opts.Departments[p.Department].Queues
	switch {
	case queue == "" || len(queue) > 128:
		return ConversationItem{}, badField("queue", "must name a queue (1 to 128 characters)")
	case len(queues) > 0 && !contains(queues, queue):
		return ConversationItem{}, badField("queue", "is not one of the department's queues: %s", strings.Join(queues, ", "))
	}
	return a.change(ctx, p, id, "conversation.transfer", func(store.Conversation) (store.ConversationChange, error) {
		none := ""
		return store.ConversationChange{Queue: &queue, AssignedTo: &none}, nil
	})
}

// LinkRequest is the body of a link to a case.
type LinkRequest struct {
	Reference string `json:"reference"`
}

// Link ties the conversation to a grievance or service request of the
// same department.
func (a *API) Link(ctx context.Context, p Principal, id string, req LinkRequest) (ConversationItem, error) {
	ref := strings.ToUpper(strings.TrimSpace(req.Reference))
	if ref == "" || len(ref) > 64 {
		return ConversationItem{}, badField("reference", "must be a case reference")
	}
	found := false
	for _, integration := range a.integrationsOf(p) {
		_, err := a.opts.Store.GrievanceByReference(ctx, integration, ref)
		if err == nil {
			found = true
			break
		}
		if !errors.Is(err, store.ErrNotFound) {
			return ConversationItem{}, err
		}
	}
	if !found {
		return ConversationItem{}, &notFound{"no case " + ref + " in this department"}
	}
	return a.change(ctx, p, id, "conversation.link", func(store.Conversation) (store.ConversationChange, error) {
		return store.ConversationChange{CaseRef: &ref}, nil
	})
}

// notFound is a 404 that says what was not found.
type notFound struct{ reason string }

func (e *notFound) Error() string { return "api: " + e.reason }

// MarkRead marks the conversation read up to its latest message.
func (a *API) MarkRead(ctx context.Context, p Principal, id string) (ConversationItem, error) {
	return a.change(ctx, p, id, "conversation.read", func(c store.Conversation) (store.ConversationChange, error) {
		msgs, err := a.opts.Store.ConversationHistory(ctx, c.ConversationRef)
		if err != nil {
			return store.ConversationChange{}, err
		}
		var last int64
		if len(msgs) > 0 {
			last = msgs[len(msgs)-1].Seq
		}
		return store.ConversationChange{ReadSeq: &last}, nil
	})
}

// HandbackRequest is the body of a handback.
type HandbackRequest struct {
	// Flow is the flow to start; empty is the main menu.
	Flow string `json:"flow"`
}

// Handback gives the conversation back to the bot, at the main menu or a
// named flow.
func (a *API) Handback(ctx context.Context, p Principal, id string, req HandbackRequest) (ConversationItem, error) {
	if len(req.Flow) > 128 {
		return ConversationItem{}, badField("flow", "is longer than 128 characters")
	}
	if req.Flow != "" && a.opts.FlowExists != nil && !a.opts.FlowExists(req.Flow) {
		return ConversationItem{}, badField("flow", "no flow %q is loaded (leave it out for the main menu)", req.Flow)
	}
	return a.act(ctx, p, id, "conversation.handback", pipeline.StaffMessage{Kind: pipeline.StaffHandback, Flow: req.Flow},
		func(string) store.ConversationChange { return store.ConversationChange{EndHandoff: true} })
}

// Archive puts a handed-over conversation away: it leaves the handed_over
// list until the citizen writes again, when it is back as it was. The bot
// stays quiet meanwhile.
func (a *API) Archive(ctx context.Context, p Principal, id string) (ConversationItem, error) {
	return a.change(ctx, p, id, "conversation.archive", func(c store.Conversation) (store.ConversationChange, error) {
		if c.Status != store.ConversationHandedOver {
			return store.ConversationChange{}, &conflict{"only a conversation handed over to people can be archived; this one is " + c.Status}
		}
		return store.ConversationChange{ArchivedBy: &p.Actor}, nil
	})
}

// Close ends the conversation; the citizen's next message starts afresh.
func (a *API) Close(ctx context.Context, p Principal, id string) (ConversationItem, error) {
	return a.act(ctx, p, id, "conversation.close", pipeline.StaffMessage{Kind: pipeline.StaffClose},
		func(actor string) store.ConversationChange { return store.ConversationChange{ClosedBy: &actor} })
}

// act queues a handback or close and records it on the conversation.
func (a *API) act(ctx context.Context, p Principal, id, action string, m pipeline.StaffMessage, ch func(actor string) store.ConversationChange) (ConversationItem, error) {
	if a.opts.Staff == nil {
		return ConversationItem{}, errNoStaffQueue
	}
	c, err := a.conversationOf(ctx, p, id)
	if err != nil {
		return ConversationItem{}, err
	}
	if c.Status == store.ConversationClosed || !c.ClosedAt.IsZero() {
		return ConversationItem{}, &conflict{"the conversation has ended already (" + c.Status + ")"}
	}
	m.Integration, m.Contact, m.Actor = c.Integration, c.Key, p.Actor
	if err := a.opts.Staff.QueueStaff(ctx, m); err != nil {
		return ConversationItem{}, err
	}
	before, after, err := a.opts.Store.ChangeConversation(ctx, c.ConversationRef, ch(p.Actor))
	if err != nil {
		return ConversationItem{}, err
	}
	a.auditAs(ctx, p, action, "conversation/"+id, conversationItem(before), conversationItem(after))
	return conversationItem(after), nil
}

// change makes a change to the conversation's inbox state.
func (a *API) change(ctx context.Context, p Principal, id, action string, decide func(store.Conversation) (store.ConversationChange, error)) (ConversationItem, error) {
	c, err := a.conversationOf(ctx, p, id)
	if err != nil {
		return ConversationItem{}, err
	}
	ch, err := decide(c)
	if err != nil {
		return ConversationItem{}, err
	}
	before, after, err := a.opts.Store.ChangeConversation(ctx, c.ConversationRef, ch)
	if err != nil {
		return ConversationItem{}, err
	}
	a.auditAs(ctx, p, action, "conversation/"+id, conversationItem(before), conversationItem(after))
	return conversationItem(after), nil
}

func (a *API) assignConversation(w http.ResponseWriter, r *http.Request) {
	var req AssignRequest
	if a.decode(w, r, &req) {
		a.answer(w, http.StatusOK)(a.Assign(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"], req))
	}
}

func (a *API) unassignConversation(w http.ResponseWriter, r *http.Request) {
	if a.decodeOptional(w, r, &struct{}{}) {
		a.answer(w, http.StatusOK)(a.Unassign(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"]))
	}
}

func (a *API) transferConversation(w http.ResponseWriter, r *http.Request) {
	var req TransferRequest
	if a.decode(w, r, &req) {
		a.answer(w, http.StatusOK)(a.Transfer(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"], req))
	}
}

func (a *API) linkConversation(w http.ResponseWriter, r *http.Request) {
	var req LinkRequest
	if a.decode(w, r, &req) {
		it, err := a.Link(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"], req)
		var nf *notFound
		if errors.As(err, &nf) {
			writeError(w, http.StatusNotFound, "reference", nf.reason)
			return
		}
		a.answer(w, http.StatusOK)(it, err)
	}
}

func (a *API) readConversation(w http.ResponseWriter, r *http.Request) {
	if a.decodeOptional(w, r, &struct{}{}) {
		a.answer(w, http.StatusOK)(a.MarkRead(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"]))
	}
}

func (a *API) handbackConversation(w http.ResponseWriter, r *http.Request) {
	var req HandbackRequest
	if a.decodeOptional(w, r, &req) {
		a.answer(w, http.StatusAccepted)(a.Handback(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"], req))
	}
}

func (a *API) archiveConversation(w http.ResponseWriter, r *http.Request) {
	if a.decodeOptional(w, r, &struct{}{}) {
		a.answer(w, http.StatusOK)(a.Archive(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"]))
	}
}

func (a *API) closeConversation(w http.ResponseWriter, r *http.Request) {
	if a.decodeOptional(w, r, &struct{}{}) {
		a.answer(w, http.StatusAccepted)(a.Close(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["id"]))
	}
}

// decodeOptional is decode for a body that may be left out.
func (a *API) decodeOptional(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength == 0 {
		return true
	}
	return a.decode(w, r, v)
}
