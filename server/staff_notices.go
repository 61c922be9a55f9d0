package server

import (
	"context"
	"errors"
	"strings"

	"github.com/samvad/samvad/server/api"
	"github.com/samvad/samvad/server/pipeline"
)

// staffNotices sends the case notifier's notices through the pipeline's
// staff queue: in order with the citizen's messages, recorded in their
// history and events, free text only inside the window.
type staffNotices struct{ p *pipeline.Pipeline }

// QueueNotice queues one notice; a citizen who opted out is api.ErrOptedOut.
func (q staffNotices) QueueNotice(ctx context.Context, n citizenNotice) error {
	_, key, _ := strings.Cut(n.ContactID, "/")
	m := pipeline.StaffMessage{Integration: n.Integration, Contact: key, Kind: pipeline.StaffNotice, Text: n.Text}
	if n.Message != nil {
		m.Template, m.Preview = n.Message.Outgoing.Template, n.Message.Preview
	}
	err := q.p.QueueStaff(ctx, m)
	if errors.Is(err, pipeline.ErrOptedOut) {
		return api.ErrOptedOut
	}
	return err
}
