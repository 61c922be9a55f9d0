package pipeline

import (
	"context"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
)

// Services wraps the department operations (the services registry) for
// the engine: while an operation runs inside a worker's step, the citizen
// sees the typing indicator and, if it is slow, a "please wait" note.
func (p *Pipeline) Services(ops engine.Services) engine.Services {
	return engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		done := make(chan struct{})
		defer close(done)
		if w := store.WorkFrom(ctx); w != nil {
			var last string
			if n := len(w.Messages); n > 0 {
				last = w.Messages[n-1].Wamid
			}
			go p.progress(w.Contact, last, done)
		}
		return ops.Call(ctx, name, args)
	})
}

// DefaultProgressAfter is how long a department system may take before the
// citizen is told that the bot is still working on it.
const DefaultProgressAfter = 4 * time.Second

// progress tells a citizen that a slow department call is under way, unless
// the call finishes first. The message goes straight to the Graph API (the
// step's own replies are not committed yet), and only when none of the
// citizen's earlier replies is still waiting in the outbox, so that it can
// never overtake them. It is paced like any reply (a citizen who was just
// sent many messages gets none), counted in the metrics, and followed by
// the typing indicator again (wamid is the message being answered), since
// a message sent ends the indicator.
func (p *Pipeline) progress(c store.Contact, wamid string, done <-chan struct{}) {
	t := time.NewTimer(p.progressAfter)
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	in := p.integrations[c.Integration]
	if in == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := p.store.ContactOutbox(ctx, c.ID)
	if err != nil {
		return
	}
	for _, r := range rows {
		if r.Status == "queued" || r.Status == "sending" {
			return
		}
	}
	text := p.commonText("common.please_wait", c.Language)
	if text == "" {
		text = "Checking with the department's system, please wait a moment…"
	}
	msg := whatsapp.TextMessage(text)
	addressTo(&msg, c.WaID, c.UserID)
	if _, ok := p.limiter.ReserveWithin(in.PhoneNumberID, recipientKey(c.WaID, c.UserID), p.now(), 0); !ok {
		return
	}
	if _, err := in.Client.Send(ctx, &msg); err != nil {
		p.log.Debug("progress message not sent", "integration", c.Integration, "err", err)
		return
	}
	p.metrics.messagesOut.WithLabelValues(in.ID, msg.Type).Inc()
	p.markRead(in, wamid)
}
