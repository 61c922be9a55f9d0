package server

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
	// sendsInFlight bounds concurrent sends per configured sender.
	sendsInFlight = 32
)

// claimLease is how long a claimed row is ours: the longest a send can take
// (pacing, then the Graph API call), with a margin. A row whose sender died
// is claimed again after it.
func (s *Server) claimLease() time.Duration {
	return maxPaceWait + s.cfg.Graph.Timeout + 5*time.Second
}

// runSender claims and sends until stop is closed; sends in flight finish
// (Shutdown waits for them).
func (s *Server) runSender(stop <-chan struct{}) {
	var idle idler
	for !stopped(stop) {
		signal := s.store.OutboxSignal()
		rows, err := s.store.ClaimOutbox(context.Background(), claimBatch, s.claimLease())
		if err != nil {
			s.log.Error("claiming replies to send", "err", err)
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
			s.startSend(row)
		}
		// Claim again at once only when there may be more: a full batch, or
		// a wake-up that came meanwhile. Otherwise the next claim would find
		// nothing nearly every time (a reply is usually its citizen's only
		// one): wait for a wake-up, or the idle delay.
		if len(rows) < claimBatch && !s.store.MoreOutboxWork() {
			if !idle.wait(stop, signal) {
				return
			}
		}
	}
}

// startSend sends a claimed row in a goroutine of its own, once fewer than
// Senders × sendsInFlight sends are in flight (it waits otherwise, which
// holds back the worker or sender calling it). Only the server's own
// goroutines call it, so Shutdown, waiting for them, waits for the send too.
func (s *Server) startSend(row store.OutboxMessage) {
	s.sends <- struct{}{}
	s.wg.Add(1)
	go func() {
		defer func() { <-s.sends; s.wg.Done() }()
		s.send(row)
	}()
}

// send delivers one claimed row and records what happened.
func (s *Server) send(row store.OutboxMessage) {
	ctx := context.Background()
	in := s.integrations[row.Integration]
	if in == nil {
		s.finish(ctx, row, s.store.MarkFailed(ctx, row.ID, whatsapp.NoCode, "the integration is no longer configured"))
		return
	}
	received, body, err := decodePayload(row.Payload)
	if err != nil {
		s.finish(ctx, row, s.store.MarkFailed(ctx, row.ID, whatsapp.NoCode, "the queued message could not be read: "+err.Error()))
		return
	}
	recipient := recipientKey(row.WaID, row.UserID)
	now := s.now()
	wait, ok := s.limiter.ReserveWithin(in.cfg.PhoneNumberID, recipient, now, maxPaceWait)
	if !ok {
		// Paced (the citizen was sent many messages in a short time) or
		// held (Meta throttled the number): put aside until it may go,
		// which is no failed attempt.
		s.metrics.paced.Inc()
		s.finish(ctx, row, s.store.Release(ctx, row.ID, now.Add(wait)))
		return
	}
	time.Sleep(wait)
	wamid, err := in.client.SendPrepared(ctx, body)
	if err != nil {
		s.sendFailed(ctx, in, row, recipient, err)
		return
	}
	s.metrics.messagesOut.WithLabelValues(in.cfg.ID, row.Type).Inc()
	if !received.IsZero() {
		s.metrics.replySecs.Observe(s.now().Sub(received).Seconds())
	}
	s.finish(ctx, row, s.store.MarkSent(ctx, row.ID, wamid))
}

// sendFailed classifies a failed send and records it.
func (s *Server) sendFailed(ctx context.Context, in *integration, row store.OutboxMessage, recipient string, err error) {
	code, meaning := whatsapp.NoCode, err.Error()
	var ge *whatsapp.GraphError
	if errors.As(err, &ge) {
		code, meaning = ge.Code, ge.Meaning()
		now := s.now()
		switch ge.Code {
		case 130429, 131057, 80007, 4:
			s.limiter.HoldNumber(in.cfg.PhoneNumberID, now.Add(max(ge.RetryAfter(row.Attempts), 5*time.Second)))
		case 131056:
			s.limiter.HoldRecipient(in.cfg.PhoneNumberID, recipient, now.Add(ge.RetryAfter(row.Attempts)))
		}
	}
	class := whatsapp.Classify(err)
	s.metrics.sendErrors.WithLabelValues(in.cfg.ID, strconv.Itoa(code), class.String()).Inc()
	if class == whatsapp.Retryable {
		s.log.Warn("send failed; will retry", "integration", in.cfg.ID, "code", code, "attempt", row.Attempts+1, "err", err)
		s.finish(ctx, row, s.store.MarkRetry(ctx, row.ID, code, meaning))
		return
	}
	s.log.Error("send failed for good", "integration", in.cfg.ID, "code", code, "reason", meaning)
	s.finish(ctx, row, s.store.MarkFailed(ctx, row.ID, code, meaning))
}

// finish logs a failure to record a send's outcome; the row's lease runs out
// and it is claimed again.
func (s *Server) finish(_ context.Context, row store.OutboxMessage, err error) {
	if err != nil {
		s.log.Error("recording a send", "outbox_id", fmt.Sprint(row.ID), "err", err)
	}
}
