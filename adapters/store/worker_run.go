package store

import (
	"context"
	"time"
)

// bookkeepingTimeout bounds the short writes that record a failed step, which
// run even when the step's own context has run out.
const bookkeepingTimeout = 10 * time.Second

func bookkeepingContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
}

// MoreInboxWork tells a worker that just finished a step whether to call
// ProcessNext again at once (true) or to wait on InboxSignal first: true
// when a new message's wake-up is pending (it is taken) or more messages
// came than wake-ups could be kept for. Waiting otherwise saves a claim that
// would find nothing.
func (s *Store) MoreInboxWork() bool { return s.wakeInbox.more() }

// InboxSignal returns the channel that wakes idle workers when new inbox
// work may be there: a message ingested by this process, or a parked
// message releasing its contact. Each new message lets one receive through
// (not every waiter: one message is one worker's work). Wait on it, with a
// timeout (work ingested by other processes and backoffs coming due do not
// signal), when ProcessNext found nothing; a wake-up that came while the
// worker was busy is kept for its next wait. Once the store is closed the
// channel is closed.
func (s *Store) InboxSignal() <-chan struct{} { return s.wakeInbox.wait() }

// MoreOutboxWork is MoreInboxWork for a sender that just claimed rows:
// whether to claim again at once rather than wait on OutboxSignal.
func (s *Store) MoreOutboxWork() bool { return s.wakeOutbox.more() }

// OutboxSignal is InboxSignal for ClaimOutbox: it lets a sender through when
// a step queued messages or a sent or failed row let the next row of its
// contact go.
func (s *Store) OutboxSignal() <-chan struct{} { return s.wakeOutbox.wait() }
