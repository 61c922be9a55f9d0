// Package outhook is the outgoing webhook: it tells a department's own
// system what happened in its conversations and cases, as signed JSON
// POSTs, retried with backoff until its system takes them.
//
// Deliveries are rows of the store (store.QueueWebhook queues one, inside
// the write that makes the change when the producer has one). Handoffs and
// citizens' messages to officers need no producer: Deliverer.Tail reads
// them from the events table, after the position it last read to, so the
// path of a citizen's message is untouched; a sweep over the last minutes,
// once a minute, catches an event whose step committed after the tail had
// read past its id. Deliverer.Run tails and delivers until stopped;
// several processes may run it on one database: a delivery is leased to
// one process while it is posted, and an event is queued once whoever
// reads it.
//
// Every POST carries the envelope
//
//	{"id": 41, "event": "handoff", "department": "health",
//	 "created_at": "2026-12-07T09:30:00Z", "attempt": 1, "data": {…}}
//
// and the headers X-Samvad-Event, X-Samvad-Delivery (the id, the same on
// every attempt: a receiver that saw it already should answer 2xx and do
// nothing), X-Samvad-Timestamp (Unix seconds) and X-Samvad-Signature:
// "sha256=" and the hex HMAC-SHA256, under the department's secret, of the
// timestamp, a full stop and the raw body. Verify checks one. Any 2xx
// answer is delivered; anything else (or no answer within the timeout) is
// tried again after 30 s, 1 min, 2 min… up to an hour apart, and given up
// (and logged) after MaxAttempts.
package outhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store"
)

// Hook is where a department's system is told, and about what.
type Hook struct {
	URL string
	// Secret signs every POST; the receiver holds the same.
	Secret []byte
	// Events are the events it is told about (store.WebhookEvents); empty
	// means all of them.
	Events []string
}

func (h Hook) wants(event string) bool {
	if len(h.Events) == 0 {
		return true
	}
	for _, e := range h.Events {
		if e == event {
			return true
		}
	}
	return false
}

// Options configure a Deliverer. Zero values take the defaults.
type Options struct {
	Store *store.Store
	// Hooks are keyed by department.
	Hooks map[string]Hook
	// Departments maps each integration to its department, for the events
	// the tail reads.
	Departments map[string]string
	// Client posts (default: a client with a 10 s timeout).
	Client *http.Client
	// Owner names this process's leases (default: host, pid and a random
	// part).
	Owner string
	// MaxAttempts is how many times a delivery is tried (default 10).
	MaxAttempts int
	// Backoff is the wait after the first failure, doubled after each
	// next one (default 30 s), up to MaxBackoff (default 1 h).
	Backoff, MaxBackoff time.Duration
	// Lease is how long a claimed delivery is kept from other processes
	// (default 2 min; more than Client's timeout).
	Lease time.Duration
	// Settle is how old an event must be before the tail reads it, so
	// that a step still committing is not passed over (default 5 s).
	Settle time.Duration
	// Interval is the pause when there is nothing to do (default 1 s).
	Interval time.Duration
	// Batch is how many deliveries are claimed and posted at once
	// (default 8).
	Batch int
	// Retention is how long delivered and given-up deliveries are kept
	// for the record (default 30 days); older ones are deleted hourly.
	Retention time.Duration
	// SweepWindow is how far back the minutely sweep looks for handoffs
	// the tail passed over (default 10 min: longer than any step).
	SweepWindow time.Duration
	Clock       func() time.Time
	Log         *slog.Logger
}

// Deliverer tails the events and delivers the queue.
type Deliverer struct {
	o Options
}

// New makes a Deliverer.
func New(o Options) *Deliverer {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Owner = fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
	}
	o.MaxAttempts = or(o.MaxAttempts, 10)
	o.Backoff = or(o.Backoff, 30*time.Second)
	o.MaxBackoff = or(o.MaxBackoff, time.Hour)
	o.Lease = or(o.Lease, 2*time.Minute)
	o.Settle = or(o.Settle, 5*time.Second)
	o.Interval = or(o.Interval, time.Second)
	o.Batch = or(o.Batch, 8)
	o.Retention = or(o.Retention, 30*24*time.Hour)
	o.SweepWindow = or(o.SweepWindow, 10*time.Minute)
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Deliverer{o: o}
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Run tails and delivers until ctx ends, and deletes what is past
// Retention once an hour.
func (d *Deliverer) Run(ctx context.Context) {
	var pruned, swept time.Time
	for ctx.Err() == nil {
		if now := d.o.Clock(); now.Sub(pruned) >= time.Hour {
			pruned = now
			if _, err := d.o.Store.PruneWebhooks(ctx, now.Add(-d.o.Retention)); err != nil && ctx.Err() == nil {
				d.o.Log.Warn("outhook: deleting old deliveries failed", "err", err)
			}
		}
		if now := d.o.Clock(); now.Sub(swept) >= time.Minute {
			swept = now
			if _, err := d.Sweep(ctx); err != nil && ctx.Err() == nil {
				d.o.Log.Warn("outhook: sweeping recent handoffs failed", "err", err)
			}
		}
		if _, err := d.Tail(ctx); err != nil && ctx.Err() == nil {
			d.o.Log.Warn("outhook: reading events failed", "err", err)
		}
		n, err := d.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.o.Log.Warn("outhook: claiming deliveries failed", "err", err)
		}
		if n == d.o.Batch {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
		case <-time.After(d.o.Interval):
		}
	}
}

// Tail queues a delivery for each new handoff and handoff_message event
// whose department has a hook that wants it, and returns how many events
// it read.
func (d *Deliverer) Tail(ctx context.Context) (int, error) {
	if len(d.o.Hooks) == 0 {
		return 0, nil
	}
	return d.o.Store.TailHandoffs(ctx, "webhook", d.o.Settle, 200, d.queueHandoffs)
}

// Sweep queues the handoffs of the last SweepWindow that the tail passed
// over (a step that committed after the tail had read past its event);
// the ones already queued stay as they are. Run sweeps once a minute.
func (d *Deliverer) Sweep(ctx context.Context) (int, error) {
	if len(d.o.Hooks) == 0 {
		return 0, nil
	}
	return d.o.Store.SweepHandoffs(ctx, d.o.Clock().Add(-d.o.SweepWindow), d.queueHandoffs)
}

// queueHandoffs queues, in tx, a delivery for each event whose department
// wants it, keyed by the event so that it is queued once.
func (d *Deliverer) queueHandoffs(ctx context.Context, tx bun.IDB, events []store.HandoffEvent) error {
	now := d.o.Clock()
	for _, e := range events {
		dept := d.o.Departments[e.Integration]
		if h, ok := d.o.Hooks[dept]; !ok || !h.wants(e.Kind) {
			continue
		}
		data := handoffData{Integration: e.Integration, ContactID: e.ContactID, Conversation: e.Conversation,
			Flow: e.Flow, Node: e.Node, At: e.At.UTC()}
		if e.Kind == store.WebhookHandoff {
			data.Queue = e.Detail
		}
		payload, err := json.Marshal(data)
		if err != nil {
			return err
		}
		if _, err := store.QueueWebhook(ctx, tx, store.Delivery{Department: dept, Event: e.Kind,
			Key: store.EventKey(e.Integration, e.ID), Payload: payload}, now); err != nil {
			return err
		}
	}
	return nil
}

// handoffData is the data of a handoff or handoff_message delivery.
type handoffData struct {
	Integration  string    `json:"integration"`
	ContactID    string    `json:"contact_id"`
	Conversation int       `json:"conversation"`
	Queue        string    `json:"queue,omitempty"`
	Flow         string    `json:"flow"`
	Node         string    `json:"node"`
	At           time.Time `json:"at"`
}

// DeliverDue claims the deliveries that are due and posts them, at once,
// and returns how many it claimed.
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	batch, err := d.o.Store.ClaimWebhooks(ctx, d.o.Owner, d.o.Batch, d.o.Lease)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, del := range batch {
		wg.Add(1)
		go func(del store.Delivery) {
			defer wg.Done()
			d.deliver(ctx, del)
		}(del)
	}
	wg.Wait()
	return len(batch), nil
}

// deliver posts one delivery and records what came of it.
func (d *Deliverer) deliver(ctx context.Context, del store.Delivery) {
	if del.Department == "" {
		del.Department = d.o.Departments[del.Integration]
	}
	h, ok := d.o.Hooks[del.Department]
	if !ok || !h.wants(del.Event) {
		d.settle(ctx, del, d.o.Store.DropWebhook(ctx, del.ID, d.o.Owner))
		return
	}
	err := d.post(ctx, h, del)
	if err == nil {
		d.settle(ctx, del, d.o.Store.WebhookDelivered(ctx, del.ID, d.o.Owner))
		return
	}
	if del.Attempts >= d.o.MaxAttempts {
		d.o.Log.Error("outhook: delivery given up", "department", del.Department, "event", del.Event,
			"delivery", del.ID, "attempts", del.Attempts, "err", err)
		d.settle(ctx, del, d.o.Store.WebhookFailed(ctx, del.ID, d.o.Owner, err.Error(), time.Time{}))
		return
	}
	retry := d.o.Clock().Add(d.backoff(del.Attempts))
	d.o.Log.Warn("outhook: delivery failed; trying again", "department", del.Department, "event", del.Event,
		"delivery", del.ID, "attempt", del.Attempts, "retry_at", retry, "err", err)
	d.settle(ctx, del, d.o.Store.WebhookFailed(ctx, del.ID, d.o.Owner, err.Error(), retry))
}

func (d *Deliverer) settle(_ context.Context, del store.Delivery, err error) {
	if err != nil {
		d.o.Log.Warn("outhook: recording a delivery failed; its lease runs out and it is tried again",
			"delivery", del.ID, "err", err)
	}
}

// backoff is the wait after the attempt-th failure.
func (d *Deliverer) backoff(attempt int) time.Duration {
	wait := d.o.Backoff
	for i := 1; i < attempt && wait < d.o.MaxBackoff; i++ {
		wait *= 2
	}
	return min(wait, d.o.MaxBackoff)
}

// envelope is the body of every POST.
type envelope struct {
	ID         int64           `json:"id"`
	Event      string          `json:"event"`
	Department string          `json:"department"`
	CreatedAt  time.Time       `json:"created_at"`
	Attempt    int             `json:"attempt"`
	Data       json.RawMessage `json:"data"`
}

// post sends one attempt. Its error never holds the URL (which may carry
// a token) or the secret.
func (d *Deliverer) post(ctx context.Context, h Hook, del store.Delivery) error {
	body, err := json.Marshal(envelope{ID: del.ID, Event: del.Event, Department: del.Department,
		CreatedAt: del.Created.UTC(), Attempt: del.Attempts, Data: del.Payload})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return errors.New("outhook: the webhook URL is not usable")
	}
	ts := strconv.FormatInt(d.o.Clock().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Samvad-Webhook/1")
	req.Header.Set("X-Samvad-Event", del.Event)
	req.Header.Set("X-Samvad-Delivery", strconv.FormatInt(del.ID, 10))
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, Sign(h.Secret, ts, body))
	resp, err := d.o.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("outhook: no answer: %v", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("outhook: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(snippet))
	}
	return nil
}

// The headers that sign a POST.
const (
	TimestampHeader = "X-Samvad-Timestamp"
	SignatureHeader = "X-Samvad-Signature"
)

// Sign returns the signature header's value for a body sent at timestamp
// (Unix seconds, as sent in X-Samvad-Timestamp).
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is Verify's answer to a POST that was not signed with the
// secret, or was signed too long ago.
var ErrBadSignature = errors.New("outhook: the signature does not match, or is too old")

// Verify checks a received POST's signature over its raw body, and that
// its timestamp is within tolerance of now (a replayed POST is refused).
func Verify(secret []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts := header.Get(TimestampHeader)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(header.Get(SignatureHeader)), []byte(Sign(secret, ts, body))) {
		return ErrBadSignature
	}
	return nil
}
