package server

import (
	"context"

	"github.com/samvad/samvad/server/pipeline"
)

// staffNotices queues case notices through the pipeline's staff queue, in
// order with the citizen's own messages.
type staffNotices struct{ s *Server }

// QueueNotice queues a notice for the citizen.
func (q staffNotices) QueueNotice(ctx context.Context, n citizenNotice) error {
	c, err := q.s.store.Contact(ctx, n.ContactID)
	if err != nil {
		return err
	}
	m := pipeline.StaffMessage{Integration: n.Integration, Contact: c.Key, Kind: pipeline.StaffNotice, Text: n.Text}
	if n.Message != nil {
		m.Template, m.Preview = n.Message.Outgoing.Template, n.Message.Preview
	}
	return q.s.pipeline.QueueStaff(ctx, m)
}
