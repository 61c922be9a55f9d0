package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
)

// Sending: senders claim due outbox rows (the store hands out only the head
// message of each citizen, so one citizen's replies leave in order), pace
// them per business number and per citizen, send them, and record the
// outcome. Errors are classified by Graph error code: retryable ones go back
// to the queue with backoff, permanent ones are recorded with their meaning.

const (
	claimBatch = 64
	// maxPaceWait is the longest a sender holds a claimed row for pacing;
	// longer waits hand it back to the queue.
	maxPaceWait = 5 * time.Second
	// SendsInFlight bounds concurrent sends per configured sender (the
	// server sizes its Graph API connection pool by it).
	SendsInFlight = 32
)

// claimLease is how long a claimed row is ours: the longest a send can take
// (pacing, then the Graph API call), with a margin. A row whose sender died
// is claimed again after it.
func (p *Pipeline) claimLease() time.Duration {
	return maxPaceWait + p.sendTimeout + 5*time.Second
}

// runSender claims and sends until stop is closed; sends in flight finish
// (Shutdown waits for them).
func (p *Pipeline) runSender(stop <-chan struct{}) {
	var idle idler
	for !stopped(stop) {
		signal := p.store.OutboxSignal()
		rows, err := p.store.ClaimOutbox(context.Background(), claimBatch, p.claimLease())
		if err != nil {
			p.log.Error("claiming replies to send", "err", err)
			idle.backOff()
		}
		if len(rows) == 0 {
			if !idle.wait(stop, signal) {
				return
			}
			continue
		}
		idle.reset()
		for _, row := range rows {
			p.startSend(row)
		}
		// Claim again at once only when there may be more: a full batch, or
		// a wake-up that came meanwhile. Otherwise the next claim would find
		// nothing nearly every time (a reply is usually its citizen's only
		// one): wait for a wake-up, or the idle delay.
		if len(rows) < claimBatch && !p.store.MoreOutboxWork() {
			if !idle.wait(stop, signal) {
				return
			}
		}
	}
}

// startSend sends a claimed row in a goroutine of its own, once fewer than
// Senders × SendsInFlight sends are in flight (it waits otherwise, which
// holds back the worker or sender calling it). Only the server's own
// goroutines call it, so Shutdown, waiting for them, waits for the send too.
func (p *Pipeline) startSend(row store.OutboxMessage) {
	p.sends <- struct{}{}
	p.wg.Add(1)
	go func() {
		defer func() { <-p.sends; p.wg.Done() }()
		p.send(row)
	}()
}

// send delivers one claimed row and records what happened.
func (p *Pipeline) send(row store.OutboxMessage) {
	ctx := context.Background()
	in := p.integrations[row.Integration]
	if in == nil {
		p.finish(ctx, row, p.store.MarkFailed(ctx, row.ID, whatsapp.NoCode, "the integration is no longer configured"))
		return
	}
	received, body, err := DecodeReply(row.Payload)
	if err != nil {
		p.finish(ctx, row, p.store.MarkFailed(ctx, row.ID, whatsapp.NoCode, "the queued message could not be read: "+err.Error()))
		return
	}
	recipient := recipientKey(row.WaID, row.UserID)
	now := p.now()
	wait, ok := p.limiter.ReserveWithin(in.PhoneNumberID, recipient, now, maxPaceWait)
	if !ok {
		// Paced (the citizen was sent many messages in a short time) or
		// held (Meta throttled the number): put aside until it may go,
		// which is no failed attempt.
		p.metrics.paced.Inc()
		p.finish(ctx, row, p.store.Release(ctx, row.ID, now.Add(wait)))
		return
	}
	time.Sleep(wait)
	wamid, err := in.Client.SendPrepared(ctx, body)
	if err != nil {
		p.sendFailed(ctx, in, row, recipient, err)
		return
	}
	p.metrics.messagesOut.WithLabelValues(in.ID, row.Type).Inc()
	if !received.IsZero() {
		p.metrics.replySecs.Observe(p.now().Sub(received).Seconds())
	}
	p.finish(ctx, row, p.store.MarkSent(ctx, row.ID, wamid))
}

// sendFailed classifies a failed send and records it.
func (p *Pipeline) sendFailed(ctx context.Context, in *Integration, row store.OutboxMessage, recipient string, err error) {
	code, meaning := whatsapp.NoCode, err.Error()
	var ge *whatsapp.GraphError
	if errors.As(err, &ge) {
		code, meaning = ge.Code, ge.Meaning()
		now := p.now()
		switch ge.Code {
		case 130429, 131057, 80007, 4:
			p.limiter.HoldNumber(in.PhoneNumberID, now.Add(max(ge.RetryAfter(row.Attempts), 5*time.Second)))
		case 131056:
			p.limiter.HoldRecipient(in.PhoneNumberID, recipient, now.Add(ge.RetryAfter(row.Attempts)))
		}
	}
	class := whatsapp.Classify(err)
	p.metrics.sendErrors.WithLabelValues(in.ID, strconv.Itoa(code), class.String()).Inc()
	if class == whatsapp.Retryable {
		p.log.Warn("send failed; will retry", "integration", in.ID, "code", code, "attempt", row.Attempts+1, "err", err)
		p.finish(ctx, row, p.store.MarkRetry(ctx, row.ID, code, meaning))
		return
	}
	p.log.Error("send failed for good", "integration", in.ID, "code", code, "reason", meaning)
	p.finish(ctx, row, p.store.MarkFailed(ctx, row.ID, code, meaning))
}

// finish logs a failure to record a send's outcome; the row's lease runs out
// and it is claimed again.
func (p *Pipeline) finish(_ context.Context, row store.OutboxMessage, err error) {
	if err != nil {
		p.log.Error("recording a send", "outbox_id", fmt.Sprint(row.ID), "err", err)
	}
}
