package sqlb

import (
	"time"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// Step writes a successful step: markDone marks its inbox rows done (SQLite
// checks its row count), rest the others. Measured by BenchmarkProcessNext
// (adapters/store) and BenchmarkWorker (server): on Postgres these go as
// EXECUTEs of statements prepared once per connection, in the commit's
// round trip. The leased reply, if any, is
// not written here: see Leased.
func Step(markDone, rest *Builder, s *driver.Step) {
	c := s.Contact
	markDone.Raw("UPDATE inbox SET state = 1, done_at = ").Time(s.Now).
		Raw(" WHERE contact_id = ").Str(c.ID).Raw(" AND state = 0 AND id IN (").Ints(s.MessageIDs).Raw(")").End()

	q := rest
	conversation(q, c, s.Now, s.Session == nil, s.Handoff)
	if s.Session != nil {
		q.Raw("INSERT INTO sessions (contact_id, state, checksum, flow_id, flow_version, conversation, updated_at, expires_at) VALUES (").
			Str(c.ID).Raw(", ").Bytes(s.Session).Raw(", ").Int(s.Checksum).Raw(", ").
			Str(TrimTo(s.Flow, 256)).Raw(", ").Str(TrimTo(s.FlowVersion, 256)).Raw(", ").Int(int64(c.Conversation)).Raw(", ").
			Time(s.Now).Raw(", ").Time(s.SessionExpires).
			Raw(") ON CONFLICT (contact_id) DO UPDATE SET state = excluded.state, checksum = excluded.checksum, flow_id = excluded.flow_id, ",
				"flow_version = excluded.flow_version, conversation = excluded.conversation, updated_at = excluded.updated_at, expires_at = excluded.expires_at").End()
	} else {
		q.Raw("DELETE FROM sessions WHERE contact_id = ").Str(c.ID).End()
	}

	q.Raw("UPDATE contacts SET version = version + 1, steps = steps + 1, hold_until = NULL, msg_seq = ").Int(s.MsgSeq).
		Raw(", conversations = ").Int(int64(s.Conversations)).
		Raw(", wa_id = ").Str(c.WaID).Raw(", user_id = ").Str(c.UserID).Raw(", profile_name = ").Str(c.Name).
		Raw(", username = ").Str(c.Username).Raw(", last_seen = ").Time(c.LastSeen)
	if s.Language != nil {
		q.Raw(", language = ").Str(TrimTo(*s.Language, 32))
	}
	if s.OptedOut != nil {
		q.Raw(", opted_out = ").Bool(*s.OptedOut)
	}
	q.Raw(" WHERE id = ").Str(c.ID).End()

	history(q, c, s.History)
	outboxRows(q, c, s.OutboxSeq, s.Outbox, s.Now)
	q.Each(len(s.Events), "INSERT INTO events (contact_id, integration_id, conversation, kind, flow, node, detail, at) VALUES ", func(i int) {
		e := s.Events[i]
		at := e.At
		if at.IsZero() {
			at = s.Now
		}
		q.Raw("(").Str(c.ID).Raw(", ").Str(c.Integration).Raw(", ").Int(int64(c.Conversation)).Raw(", ").
			Str(TrimTo(e.Kind, 128)).Raw(", ").Str(TrimTo(e.Flow, 256)).Raw(", ").Str(TrimTo(e.Node, 256)).Raw(", ").
			Str(TrimTo(e.Detail, 1024)).Raw(", ").Time(at).Raw(")")
	}, "")
	if len(s.Log) > 0 {
		Log(q, s.Log, s.Now)
	}
	if len(s.Grievances) > 0 {
		grievances(q, s.Grievances)
		q.End()
	}
}

// Failure records a failed step against its oldest message: a retry after
// a backoff, or parking with the apology. It goes in the same commit as
// the steps it was claimed with (Step's benchmarks).
func Failure(q *Builder, f *driver.Failure) {
	c := f.Contact
	if !f.Parked {
		q.Raw("UPDATE inbox SET attempts = ").Int(int64(f.Attempts)).Raw(", last_error = ").Str(f.Reason).
			Raw(" WHERE contact_id = ").Str(c.ID).Raw(" AND id = ").Int(f.MessageID).Raw(" AND state = 0").End()
		q.Raw("UPDATE contacts SET version = version + 1, hold_until = ").Time(f.HoldUntil).
			Raw(" WHERE id = ").Str(c.ID).End()
		Log(q, []driver.LogEntry{f.Log}, f.Now)
		return
	}
	q.Raw("UPDATE inbox SET state = 2, attempts = ").Int(int64(f.Attempts)).Raw(", last_error = ").Str(f.Reason).Raw(", done_at = ").Time(f.Now).
		Raw(" WHERE contact_id = ").Str(c.ID).Raw(" AND id = ").Int(f.MessageID).Raw(" AND state = 0").End()
	conversation(q, c, f.Now, false, nil)
	history(q, c, f.History)
	outboxRows(q, c, f.OutboxSeq, f.Outbox, f.Now)
	q.Raw("UPDATE contacts SET version = version + 1, hold_until = NULL, msg_seq = ").Int(f.MsgSeq).
		Raw(", conversations = ").Int(int64(f.Conversations)).Raw(" WHERE id = ").Str(c.ID).End()
	Log(q, []driver.LogEntry{f.Log}, f.Now)
}

// conversation opens the step's conversation when it is a new one (closing
// the previous one), and records a handoff or the end of the conversation
// (the session ended). A step that just continues a conversation writes
// nothing here.
func conversation(q *Builder, c driver.Target, now time.Time, closing bool, h *driver.Handoff) {
	var closed, handoffAt time.Time
	if closing {
		closed = now
	}
	var queue, reason string
	if h != nil {
		handoffAt, queue, reason = now, TrimTo(h.Queue, 128), TrimTo(h.Reason, 512)
	}
	if c.NewConversation {
		if c.Conversation > 1 {
			q.Raw("UPDATE conversations SET closed_at = ").Time(now).Raw(", changed_at = ").Time(now).Raw(" WHERE contact_id = ").Str(c.ID).
				Raw(" AND seq = ").Int(int64(c.Conversation - 1)).Raw(" AND closed_at IS NULL").End()
		}
		q.Raw("INSERT INTO conversations (contact_id, seq, integration_id, opened_at, closed_at, handoff_queue, handoff_reason, handoff_at, changed_at) VALUES (").
			Str(c.ID).Raw(", ").Int(int64(c.Conversation)).Raw(", ").Str(c.Integration).Raw(", ").Time(now).Raw(", ").Time(closed).Raw(", ").
			Str(queue).Raw(", ").Str(reason).Raw(", ").Time(handoffAt).Raw(", ").Time(now).Raw(") ON CONFLICT (contact_id, seq) DO NOTHING").End()
		return
	}
	if !closing && h == nil {
		return
	}
	q.Raw("UPDATE conversations SET changed_at = ").Time(now)
	if closing {
		q.Raw(", closed_at = ").Time(closed)
	}
	if h != nil {
		// A new handoff waits for an answer afresh: it may be reminded again.
		q.Raw(", handoff_queue = ").Str(queue).Raw(", handoff_reason = ").Str(reason).Raw(", handoff_at = ").Time(handoffAt).
			Raw(", reminded_at = NULL")
	}
	q.Raw(" WHERE contact_id = ").Str(c.ID).Raw(" AND seq = ").Int(int64(c.Conversation)).End()
}

func history(q *Builder, c driver.Target, hs []driver.HistoryEntry) {
	q.Each(len(hs), "INSERT INTO messages (contact_id, seq, conversation, integration_id, direction, wamid, type, summary, status, at, actor) VALUES ", func(i int) {
		h := hs[i]
		q.Raw("(").Str(c.ID).Raw(", ").Int(h.Seq).Raw(", ").Int(int64(c.Conversation)).Raw(", ").Str(c.Integration).
			Raw(", ").Str(h.Direction).Raw(", ").StrOrNull(h.Wamid).Raw(", ").Str(TrimTo(h.Type, 64)).Raw(", ").Str(TrimTo(h.Summary, 4096)).
			Raw(", ").Int(int64(h.Status)).Raw(", ").Time(h.At).Raw(", ").Str(TrimTo(h.Actor, 256)).Raw(")")
	}, "")
}

// outboxRows queues messages numbered after seq (the same numbers as their
// history rows): the order they leave in.
func outboxRows(q *Builder, c driver.Target, seq int64, ms []driver.OutboundMessage, now time.Time) {
	q.Each(len(ms), "INSERT INTO outbox (contact_id, seq, integration_id, wa_id, user_id, conversation, type, summary, payload, due_at, created_at) VALUES ", func(i int) {
		m := ms[i]
		q.Raw("(").Str(c.ID).Raw(", ").Int(seq + int64(i) + 1).Raw(", ").Str(c.Integration).Raw(", ").Str(c.WaID).Raw(", ").Str(c.UserID).Raw(", ").
			Int(int64(c.Conversation)).Raw(", ").Str(TrimTo(m.Type, 64)).Raw(", ").Str(TrimTo(m.Summary, 4096)).Raw(", ").
			Bytes(m.Payload).Raw(", ").Time(now).Raw(", ").Time(now).Raw(")")
	}, "")
}

// Leased queues the steps' leased replies claimed until leaseUntil, in one
// statement that returns each row's contact and id.
func Leased(q *Builder, steps []*driver.Step, now, leaseUntil time.Time) {
	q.Each(len(steps), "INSERT INTO outbox (contact_id, seq, integration_id, wa_id, user_id, conversation, type, summary, payload, "+
		"due_at, created_at, status, claims, lease_until) VALUES ", func(i int) {
		r := steps[i].Leased
		c := steps[i].Contact
		q.Raw("(").Str(c.ID).Raw(", ").Int(r.Seq).Raw(", ").Str(c.Integration).Raw(", ").Str(c.WaID).Raw(", ").Str(c.UserID).Raw(", ").
			Int(int64(c.Conversation)).Raw(", ").Str(TrimTo(r.Message.Type, 64)).Raw(", ").Str(TrimTo(r.Message.Summary, 4096)).Raw(", ").
			Bytes(r.Message.Payload).Raw(", ").Time(now).Raw(", ").Time(now).Raw(", 1, 1, ").Time(leaseUntil).Raw(")")
	}, " RETURNING contact_id, id")
}

// Log writes event-log rows.
func Log(q *Builder, es []driver.LogEntry, now time.Time) {
	q.Each(len(es), "INSERT INTO event_log (integration_id, level, kind, message, data, at) VALUES ", func(i int) {
		e := es[i]
		at := e.At
		if at.IsZero() {
			at = now
		}
		level := e.Level
		if level == "" {
			level = "info"
		}
		q.Raw("(").Str(e.Integration).Raw(", ").Str(TrimTo(level, 16)).Raw(", ").Str(TrimTo(e.Kind, 128)).Raw(", ").
			Str(TrimTo(e.Message, 4096)).Raw(", ").Bytes(e.Data).Raw(", ").Time(at).Raw(")")
	}, "")
}

// grievances appends the statement that stores gs (without its end).
func grievances(q *Builder, gs []driver.Grievance) {
	q.Raw("INSERT INTO grievances (integration_id, reference, contact_id, category, description, pin_code, ",
		"latitude, longitude, location_name, location_address, attachments, status, due_at, created_at, updated_at, ",
		"kind, title, fields, note, serial) VALUES ")
	for i, g := range gs {
		if i > 0 {
			q.Raw(", ")
		}
		q.Raw("(").Str(g.Integration).Raw(", ").Str(g.Reference).Raw(", ").Str(g.ContactID).Raw(", ").Str(g.Category).Raw(", ").
			Str(g.Description).Raw(", ").Str(g.PinCode).Raw(", ")
		if g.HasLocation {
			q.Float(g.Latitude).Raw(", ").Float(g.Longitude).Raw(", ").Str(TrimTo(g.LocationName, 512)).Raw(", ").Str(TrimTo(g.LocationAddress, 1024)).Raw(", ")
		} else {
			q.Null("double precision").Raw(", ").Null("double precision").Raw(", '', '', ")
		}
		q.Bytes(g.Attachments).Raw(", ").Str(g.Status).Raw(", ").Time(g.Due).Raw(", ").Time(g.Created).Raw(", ").Time(g.Updated).Raw(", ").
			Str(g.Kind).Raw(", ").Str(g.Title).Raw(", ").Bytes(g.Fields).Raw(", ").Str(g.Note).Raw(", ").Int(int64(g.Serial)).Raw(")")
	}
}
