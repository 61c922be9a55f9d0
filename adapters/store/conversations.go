package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/engine"
)

// LastInbound is when the contact's latest own message was sent (its
// WhatsApp timestamp), zero when they never wrote. Items the service
// queued itself (InternalPrefix) are not the citizen's and never count.
// WhatsApp's 24-hour window for free-form messages runs from it.
func (s *Store) LastInbound(ctx context.Context, contactID string) (time.Time, error) {
	var at driver.Time
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().TableExpr("messages").ColumnExpr("MAX(at)").
			Where("contact_id = ?", contactID).Where("direction = 'in'").Scan(ctx, &at)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return time.Time{}, fmt.Errorf("store: last inbound message of %s: %w", maskedContact(contactID), err)
	}
	return at.T, nil
}

// The states of a conversation in the agent inbox.
const (
	// ConversationHandedOver: a flow handed it to people; the bot is quiet.
	ConversationHandedOver = "handed_over"
	// ConversationActive: the bot is talking with the citizen.
	ConversationActive = "active"
	// ConversationArchived: an agent archived it, and the citizen has not
	// written since (when they do, it is open again as it was); or it
	// ended by itself (the flow finished, the session lapsed) and the
	// citizen's next message opens a new one.
	ConversationArchived = "archived"
	// ConversationClosed: an agent closed it; the citizen's next message
	// starts afresh at the main menu.
	ConversationClosed = "closed"
)

// archivedNow holds when an agent archived the conversation AS c and the
// citizen has not written since.
const archivedNow = "(c.archived_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages AS mi WHERE mi.contact_id = c.contact_id " +
	"AND mi.conversation = c.seq AND mi.direction = 'in' AND mi.at > c.archived_at))"

// statusWhere are the conditions of each state, over conversations AS c.
var statusWhere = map[string]string{
	ConversationClosed:     "c.closed_by <> ''",
	ConversationHandedOver: "c.closed_by = '' AND c.closed_at IS NULL AND c.handoff_at IS NOT NULL AND NOT " + archivedNow,
	ConversationActive:     "c.closed_by = '' AND c.closed_at IS NULL AND c.handoff_at IS NULL AND NOT " + archivedNow,
	ConversationArchived:   "c.closed_by = '' AND (c.closed_at IS NOT NULL OR " + archivedNow + ")",
}

// ValidConversationStatus reports whether s names a state.
func ValidConversationStatus(s string) bool { _, ok := statusWhere[s]; return ok }

// ConversationRef names one conversation: a contact and its number.
type ConversationRef struct {
	ContactID string
	Seq       int
}

// Conversation is one conversation as the agent inbox lists it.
type Conversation struct {
	ConversationRef
	Integration string
	Key         string
	// Name is the citizen's WhatsApp profile name; WaID their number.
	Name, WaID string
	Status     string
	// Queue and Reason are the handoff's (empty when never handed over).
	Queue, Reason string
	AssignedTo    string
	CaseRef       string
	ClosedBy      string
	ArchivedBy    string
	ArchivedAt    time.Time
	OpenedAt      time.Time
	ClosedAt      time.Time
	HandoffAt     time.Time
	FirstResponse time.Time
	RemindedAt    time.Time
	ChangedAt     time.Time
	// ReadSeq is the history seq agents have read up to; Unread counts the
	// citizen's messages after it.
	ReadSeq int64
	Unread  int
	// Last is the latest message's line in the history ("" when none).
	LastSummary   string
	LastDirection string
	LastAt        time.Time
}

// ConversationFilter selects conversations for the inbox.
type ConversationFilter struct {
	// Integrations are the only integrations whose conversations are
	// listed (none: nothing is).
	Integrations []string
	// Status, Queue and AssignedTo narrow the list when set; AssignedTo
	// UnassignedFilter lists those assigned to nobody.
	Status     string
	Queue      string
	AssignedTo string
	// After continues a list after this conversation (the last of the
	// previous page), newest first.
	After *ConversationCursor
	// Limit is the page size (default 50, at most 200).
	Limit int
}

// UnassignedFilter is the ConversationFilter.AssignedTo of conversations
// assigned to nobody.
const UnassignedFilter = "none"

// ConversationCursor is a position in the list: its conversations are
// ordered newest first by when they opened, then by contact and number.
type ConversationCursor struct {
	OpenedAt  int64  `json:"o"`
	ContactID string `json:"c"`
	Seq       int    `json:"s"`
}

// CursorOf is the position of c in the list.
func CursorOf(c Conversation) ConversationCursor {
	return ConversationCursor{OpenedAt: c.OpenedAt.UnixMicro(), ContactID: c.ContactID, Seq: c.Seq}
}

type conversationRow struct {
	ContactID       string      `bun:"contact_id"`
	Seq             int         `bun:"seq"`
	IntegrationID   string      `bun:"integration_id"`
	Key             string      `bun:"key"`
	ProfileName     string      `bun:"profile_name"`
	WaID            string      `bun:"wa_id"`
	OpenedAt        driver.Time `bun:"opened_at"`
	ClosedAt        driver.Time `bun:"closed_at"`
	HandoffQueue    string      `bun:"handoff_queue"`
	HandoffReason   string      `bun:"handoff_reason"`
	HandoffAt       driver.Time `bun:"handoff_at"`
	AssignedTo      string      `bun:"assigned_to"`
	CaseRef         string      `bun:"case_ref"`
	ReadSeq         int64       `bun:"read_seq"`
	FirstResponseAt driver.Time `bun:"first_response_at"`
	RemindedAt      driver.Time `bun:"reminded_at"`
	ClosedBy        string      `bun:"closed_by"`
	ArchivedAt      driver.Time `bun:"archived_at"`
	ArchivedBy      string      `bun:"archived_by"`
	LastInAt        driver.Time `bun:"last_in_at"`
	ChangedAt       driver.Time `bun:"changed_at"`
	Unread          int         `bun:"unread"`
	LastSummary     string      `bun:"last_summary"`
	LastDirection   string      `bun:"last_direction"`
	LastAt          driver.Time `bun:"last_at"`
}

func (r conversationRow) conversation() Conversation {
	c := Conversation{ConversationRef: ConversationRef{ContactID: r.ContactID, Seq: r.Seq}, Integration: r.IntegrationID, Key: r.Key,
		Name: r.ProfileName, WaID: r.WaID, Queue: r.HandoffQueue, Reason: r.HandoffReason, AssignedTo: r.AssignedTo,
		CaseRef: r.CaseRef, ClosedBy: r.ClosedBy, ArchivedBy: r.ArchivedBy, ArchivedAt: r.ArchivedAt.T, OpenedAt: r.OpenedAt.T, ClosedAt: r.ClosedAt.T, HandoffAt: r.HandoffAt.T,
		FirstResponse: r.FirstResponseAt.T, RemindedAt: r.RemindedAt.T, ChangedAt: r.ChangedAt.T, ReadSeq: r.ReadSeq,
		Unread: r.Unread, LastSummary: r.LastSummary, LastDirection: r.LastDirection, LastAt: r.LastAt.T}
	switch {
	case r.ClosedBy != "":
		c.Status = ConversationClosed
	case !r.ClosedAt.T.IsZero(), !r.ArchivedAt.T.IsZero() && !r.LastInAt.T.After(r.ArchivedAt.T):
		c.Status = ConversationArchived
	case !r.HandoffAt.T.IsZero():
		c.Status = ConversationHandedOver
	default:
		c.Status = ConversationActive
	}
	return c
}

// conversationQuery selects conversations AS c with their contact and
// their last message and unread count.
func conversationQuery(db bun.IDB) *bun.SelectQuery {
	last := func(col string) string {
		return "(SELECT m." + col + " FROM messages AS m WHERE m.contact_id = c.contact_id AND m.conversation = c.seq ORDER BY m.seq DESC LIMIT 1)"
	}
	return db.NewSelect().TableExpr("conversations AS c").
		Join("JOIN contacts AS k ON k.id = c.contact_id").
		ColumnExpr("c.contact_id, c.seq, c.integration_id, k.key, k.profile_name, k.wa_id, c.opened_at, c.closed_at").
		ColumnExpr("c.handoff_queue, c.handoff_reason, c.handoff_at, c.assigned_to, c.case_ref, c.read_seq").
		ColumnExpr("c.first_response_at, c.reminded_at, c.closed_by, c.archived_at, c.archived_by, c.changed_at").
		ColumnExpr("(SELECT MAX(m.at) FROM messages AS m WHERE m.contact_id = c.contact_id AND m.conversation = c.seq AND m.direction = 'in') AS last_in_at").
		ColumnExpr("(SELECT COUNT(*) FROM messages AS m WHERE m.contact_id = c.contact_id AND m.conversation = c.seq AND m.direction = 'in' AND m.seq > c.read_seq) AS unread").
		ColumnExpr(last("summary") + " AS last_summary").
		ColumnExpr(last("direction") + " AS last_direction").
		ColumnExpr(last("at") + " AS last_at")
}

// Conversations lists conversations for the agent inbox, newest first.
func (s *Store) Conversations(ctx context.Context, f ConversationFilter) ([]Conversation, error) {
	if len(f.Integrations) == 0 {
		return nil, nil
	}
	if f.Status != "" && !ValidConversationStatus(f.Status) {
		return nil, invalidf("no conversation status %q", f.Status)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	var rows []conversationRow
	err := s.read(ctx, func(db *bun.DB) error {
		q := conversationQuery(db).Where("c.integration_id IN (?)", bun.List(f.Integrations))
		if f.Status != "" {
			q.Where(statusWhere[f.Status])
		}
		if f.Queue != "" {
			q.Where("c.handoff_queue = ?", f.Queue)
		}
		switch f.AssignedTo {
		case "":
		case UnassignedFilter:
			q.Where("c.assigned_to = ''")
		default:
			q.Where("c.assigned_to = ?", f.AssignedTo)
		}
		if a := f.After; a != nil {
			at := driver.At(time.UnixMicro(a.OpenedAt))
			q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("c.opened_at < ?", at).
					WhereOr("c.opened_at = ? AND c.contact_id < ?", at, a.ContactID).
					WhereOr("c.opened_at = ? AND c.contact_id = ? AND c.seq < ?", at, a.ContactID, a.Seq)
			})
		}
		return q.OrderExpr("c.opened_at DESC, c.contact_id DESC, c.seq DESC").Limit(limit).Scan(ctx, &rows)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: conversations: %w", err)
	}
	out := make([]Conversation, len(rows))
	for i, r := range rows {
		out[i] = r.conversation()
	}
	return out, nil
}

// ConversationByRef returns one conversation, or ErrNotFound.
func (s *Store) ConversationByRef(ctx context.Context, ref ConversationRef) (Conversation, error) {
	var rows []conversationRow
	err := s.read(ctx, func(db *bun.DB) error {
		return conversationQuery(db).Where("c.contact_id = ?", ref.ContactID).Where("c.seq = ?", ref.Seq).Limit(1).Scan(ctx, &rows)
	})
	if err == nil && len(rows) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("store: conversation %s#%d: %w", maskedContact(ref.ContactID), ref.Seq, err)
	}
	return rows[0].conversation(), nil
}

// ConversationHistory returns a conversation's messages, oldest first (at
// most the last 500).
func (s *Store) ConversationHistory(ctx context.Context, ref ConversationRef) ([]HistoryMessage, error) {
	var rows []historyModel
	err := s.read(ctx, func(db *bun.DB) error {
		q := db.NewSelect().TableExpr("messages AS m").
			Join("LEFT JOIN outbox AS o ON m.direction = 'out' AND o.contact_id = m.contact_id AND o.seq = m.seq").
			Where("m.contact_id = ?", ref.ContactID).Where("m.conversation = ?", ref.Seq).OrderExpr("m.seq DESC").Limit(500)
		for _, c := range historyColumns {
			q.ColumnExpr(c)
		}
		return q.Scan(ctx, &rows)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: conversation history: %w", err)
	}
	return historyOf(rows), nil
}

// ConversationEvents returns a conversation's analytics events, oldest
// first (at most the last 500).
func (s *Store) ConversationEvents(ctx context.Context, ref ConversationRef) ([]engine.Event, error) {
	var rows []eventModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&rows).Where("contact_id = ?", ref.ContactID).Where("conversation = ?", ref.Seq).
			OrderExpr("id DESC").Limit(500).Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: conversation events: %w", err)
	}
	out := make([]engine.Event, len(rows))
	for i, r := range rows {
		out[len(rows)-1-i] = engine.Event{Kind: engine.EventKind(r.Kind), Flow: r.Flow, Node: r.Node, Detail: r.Detail, At: r.At.T}
	}
	return out, nil
}

// ConversationChange is what an agent changes about a conversation; nil
// fields are left as they are.
type ConversationChange struct {
	AssignedTo *string
	Queue      *string
	CaseRef    *string
	// ReadSeq marks the history read up to this seq (it never goes back).
	ReadSeq *int64
	// Responded records the first agent response, when there was none.
	Responded bool
	// ClosedBy closes the conversation for the agent named.
	ClosedBy *string
	// ArchivedBy archives the conversation for the agent named, until the
	// citizen writes again.
	ArchivedBy *string
	// EndHandoff gives the conversation back to the bot.
	EndHandoff bool
}

// ChangeConversation applies an agent's change and returns the
// conversation before and after it, or ErrNotFound.
func (s *Store) ChangeConversation(ctx context.Context, ref ConversationRef, ch ConversationChange) (before, after Conversation, err error) {
	before, err = s.ConversationByRef(ctx, ref)
	if err != nil {
		return before, after, err
	}
	now := driver.At(s.now().UTC())
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Table("conversations").Set("changed_at = ?", now).
			Where("contact_id = ?", ref.ContactID).Where("seq = ?", ref.Seq)
		if ch.AssignedTo != nil {
			q.Set("assigned_to = ?", trimTo(*ch.AssignedTo, 256))
		}
		if ch.Queue != nil {
			q.Set("handoff_queue = ?", trimTo(*ch.Queue, 128))
		}
		if ch.CaseRef != nil {
			q.Set("case_ref = ?", trimTo(*ch.CaseRef, 128))
		}
		if ch.ReadSeq != nil {
			q.Set("read_seq = CASE WHEN read_seq < ? THEN ? ELSE read_seq END", *ch.ReadSeq, *ch.ReadSeq)
		}
		if ch.Responded {
			q.Set("first_response_at = COALESCE(first_response_at, ?)", now)
		}
		if ch.ClosedBy != nil {
			q.Set("closed_by = ?", trimTo(*ch.ClosedBy, 256))
		}
		if ch.ArchivedBy != nil {
			q.Set("archived_by = ?", trimTo(*ch.ArchivedBy, 256)).Set("archived_at = ?", now)
		}
		if ch.EndHandoff {
			q.Set("handoff_at = NULL")
		}
		_, err := q.Exec(ctx)
		return err
	})
	if err != nil {
		return before, after, fmt.Errorf("store: changing a conversation: %w", err)
	}
	after, err = s.ConversationByRef(ctx, ref)
	return before, after, err
}

// DueReminders claims the handed-over conversations of the integrations
// that no agent has answered and whose citizen has not been reminded,
// handed over before the time due returns for each: each is marked
// reminded by a conditional update, so that of several processes running
// this at once exactly one gets it.
func (s *Store) DueReminders(ctx context.Context, integrations []string, due func(queue string) time.Time) ([]Conversation, error) {
	if len(integrations) == 0 {
		return nil, nil
	}
	var rows []conversationRow
	err := s.read(ctx, func(db *bun.DB) error {
		return conversationQuery(db).Where("c.integration_id IN (?)", bun.List(integrations)).
			Where(statusWhere[ConversationHandedOver]).Where("c.reminded_at IS NULL").Where("c.first_response_at IS NULL").
			OrderExpr("c.handoff_at").Limit(200).Scan(ctx, &rows)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: due reminders: %w", err)
	}
	var out []Conversation
	now := driver.At(s.now().UTC())
	for _, r := range rows {
		c := r.conversation()
		limit := due(c.Queue)
		if limit.IsZero() || c.HandoffAt.After(limit) {
			continue
		}
		var n int64
		err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewUpdate().Table("conversations").Set("reminded_at = ?", now).
				Where("contact_id = ?", c.ContactID).Where("seq = ?", c.Seq).Where("reminded_at IS NULL").
				Where("first_response_at IS NULL").Where("handoff_at = ?", driver.At(c.HandoffAt)).Exec(ctx)
			if err == nil {
				n, err = res.RowsAffected()
			}
			return err
		})
		if err != nil {
			return out, fmt.Errorf("store: claiming a reminder: %w", err)
		}
		if n == 1 {
			out = append(out, c)
		}
	}
	return out, nil
}

// Activity is something that happened in a conversation, for the live
// event stream.
type Activity struct {
	// ID orders events of the same time; Kind is the event's
	// (handoff, handoff_message, staff_reply, …) or "changed" for a change
	// made by an agent.
	ID   int64
	Kind string
	ConversationRef
	Integration string
	At          time.Time
}

// activityKinds are the events an agent's screen follows.
var activityKinds = []string{"handoff", "handoff_message", "handback", "staff_reply", "staff_template", "staff_notice",
	"staff_handback", "staff_close", "staff_not_sent"}

// ActivitySince returns what happened in the integrations' conversations
// at or after since, oldest first: the events an agent follows, and the
// conversations agents changed (Kind "changed", ID 0).
func (s *Store) ActivitySince(ctx context.Context, integrations []string, since time.Time) ([]Activity, error) {
	if len(integrations) == 0 {
		return nil, nil
	}
	var evs []struct {
		ID            int64       `bun:"id"`
		ContactID     string      `bun:"contact_id"`
		IntegrationID string      `bun:"integration_id"`
		Conversation  int         `bun:"conversation"`
		Kind          string      `bun:"kind"`
		At            driver.Time `bun:"at"`
	}
	var changed []conversationRow
	err := s.read(ctx, func(db *bun.DB) error {
		err := db.NewSelect().TableExpr("events").ColumnExpr("id, contact_id, integration_id, conversation, kind, at").
			Where("integration_id IN (?)", bun.List(integrations)).Where("at >= ?", driver.At(since)).
			Where("kind IN (?)", bun.List(activityKinds)).OrderExpr("at, id").Limit(500).Scan(ctx, &evs)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return db.NewSelect().TableExpr("conversations AS c").ColumnExpr("c.contact_id, c.seq, c.integration_id, c.changed_at").
			Where("c.integration_id IN (?)", bun.List(integrations)).Where("c.changed_at >= ?", driver.At(since)).
			OrderExpr("c.changed_at").Limit(500).Scan(ctx, &changed)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: activity: %w", err)
	}
	out := make([]Activity, 0, len(evs)+len(changed))
	for _, e := range evs {
		out = append(out, Activity{ID: e.ID, Kind: e.Kind, ConversationRef: ConversationRef{ContactID: e.ContactID, Seq: e.Conversation},
			Integration: e.IntegrationID, At: e.At.T})
	}
	for _, c := range changed {
		out = append(out, Activity{Kind: "changed", ConversationRef: ConversationRef{ContactID: c.ContactID, Seq: c.Seq},
			Integration: c.IntegrationID, At: c.ChangedAt.T})
	}
	slices.SortStableFunc(out, func(a, b Activity) int { return a.At.Compare(b.At) })
	return out, nil
}
