package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// queue makes a step for each key that queues n messages "key#0" … "key#n-1".
func queue(e *env, n int, keys ...string) {
	e.t.Helper()
	for _, key := range keys {
		e.ingest(inbound(key, "in-"+key+fmt.Sprint(e.clock.Now().UnixNano()), e.clock.Now(), "go"))
	}
	e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
		out := &Outcome{}
		for i := range n {
			out.Outbox = append(out.Outbox, OutboundMessage{Type: "text", Summary: fmt.Sprintf("#%d", i), Payload: []byte(fmt.Sprintf("%s#%d", w.Contact.Key, i))})
		}
		return out, nil
	})
}

func (e *env) claim(limit int, lease time.Duration) []OutboxMessage {
	e.t.Helper()
	ms, err := e.s.ClaimOutbox(context.Background(), limit, lease)
	if err != nil {
		e.t.Fatalf("claim: %v", err)
	}
	return ms
}

func claimed(ms []OutboxMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Payload))
	}
	slices.Sort(out)
	return out
}

func TestOutboxReleasesOneHeadPerContact(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		queue(e, 3, "a")
		queue(e, 2, "b")
		first := e.claim(10, time.Minute)
		if got := claimed(first); !slices.Equal(got, []string{"a#0", "b#0"}) {
			t.Fatalf("first claim = %v, want only the heads a#0 and b#0", got)
		}
		if m := first[0]; m.WaID != "a" || m.Integration != "city" || m.ContactID != ContactID("city", "a") || m.Claims != 1 {
			t.Fatalf("claimed message = %+v", m)
		}
		if got := e.claim(10, time.Minute); len(got) != 0 {
			t.Fatalf("claim while heads are in flight = %v, want nothing", claimed(got))
		}
		byPayload := map[string]int64{}
		for _, m := range first {
			byPayload[string(m.Payload)] = m.ID
		}
		if err := e.s.MarkSent(ctx, byPayload["a#0"], "wamid.a0"); err != nil {
			t.Fatal(err)
		}
		if got := claimed(e.claim(10, time.Minute)); !slices.Equal(got, []string{"a#1"}) {
			t.Fatalf("after a#0 sent: claim = %v, want a#1", got)
		}
		// A message that can never be delivered does not block the next one.
		if err := e.s.MarkFailed(ctx, byPayload["b#0"], 131026, "message undeliverable"); err != nil {
			t.Fatal(err)
		}
		if got := claimed(e.claim(10, time.Minute)); !slices.Equal(got, []string{"b#1"}) {
			t.Fatalf("after b#0 failed: claim = %v, want b#1", got)
		}
		rs := e.outbox("b")
		if rs[0].Status != "failed" || rs[0].ErrorCode != 131026 || rs[0].ErrorTitle != "message undeliverable" {
			t.Fatalf("failed row = %+v", rs[0])
		}
		if err := e.s.MarkSent(ctx, byPayload["b#0"], "wamid.late"); !errors.Is(err, ErrNotInFlight) {
			t.Fatalf("mark sent on a failed row: %v, want ErrNotInFlight", err)
		}
		if err := e.s.MarkSent(ctx, byPayload["a#0"], "wamid.a0"); err != nil {
			t.Fatalf("repeating MarkSent with the same wamid: %v", err)
		}
		if err := e.s.MarkSent(ctx, 99999, "wamid.x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("mark sent on an unknown id: %v, want ErrNotFound", err)
		}
		hist := e.history("b")
		if last := hist[1]; last.Direction != "out" || last.Status != "failed" || last.ErrorCode != 131026 {
			t.Fatalf("history of the failed message = %+v", last)
		}
	})
}

func TestOutboxLeaseExpiryReleasesRowAgain(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		queue(e, 2, "a")
		first := e.claim(5, 30*time.Second)
		if got := claimed(first); !slices.Equal(got, []string{"a#0"}) {
			t.Fatalf("claim = %v", got)
		}
		e.clock.Advance(29 * time.Second)
		if got := e.claim(5, 30*time.Second); len(got) != 0 {
			t.Fatalf("claimed %v before the lease ran out", claimed(got))
		}
		// The sender crashed: after the lease the same row (and only it) is
		// claimable again, and says it was claimed before.
		e.clock.Advance(time.Second)
		again := e.claim(5, 30*time.Second)
		if len(again) != 1 || again[0].ID != first[0].ID || again[0].Claims != 2 {
			t.Fatalf("after the lease: %+v, want a#0 again with Claims=2", again)
		}
		if err := e.s.MarkSent(context.Background(), again[0].ID, "wamid.1"); err != nil {
			t.Fatal(err)
		}
		if got := claimed(e.claim(5, 30*time.Second)); !slices.Equal(got, []string{"a#1"}) {
			t.Fatalf("claim = %v, want a#1", got)
		}
	})
}

func TestOutboxRetryBacksOffWithJitterThenFails(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		queue(e, 2, "a")
		// MaxSendAttempts is 4, backoff 1s doubling: retries wait in
		// [0.5s,1s], [1s,2s], [2s,4s]; the fourth failure is final.
		for n, full := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
			ms := e.claim(5, time.Minute)
			if len(ms) != 1 || string(ms[0].Payload) != "a#0" || ms[0].Attempts != n {
				t.Fatalf("retry %d: claimed %+v", n, ms)
			}
			if err := e.s.MarkRetry(ctx, ms[0].ID, 130429, "rate limit hit"); err != nil {
				t.Fatal(err)
			}
			r := e.outbox("a")[0]
			wait := r.Due.Sub(e.clock.Now())
			if r.Status != "queued" || wait < full/2 || wait > full {
				t.Fatalf("after retry %d: status %s, due in %s, want queued and due in [%s, %s]", n+1, r.Status, wait, full/2, full)
			}
			e.clock.Advance(wait - time.Millisecond)
			if got := e.claim(5, time.Minute); len(got) != 0 {
				t.Fatalf("retry %d: claimed %v before it was due", n+1, claimed(got))
			}
			e.clock.Advance(time.Millisecond)
		}
		ms := e.claim(5, time.Minute)
		if len(ms) != 1 {
			t.Fatalf("last attempt: claimed %v", claimed(ms))
		}
		if err := e.s.MarkRetry(ctx, ms[0].ID, 500, "server error"); err != nil {
			t.Fatal(err)
		}
		r := e.outbox("a")[0]
		if r.Status != "failed" || r.Attempts != 4 || r.ErrorCode != 500 {
			t.Fatalf("after the last attempt: %+v, want failed", r)
		}
		if got := claimed(e.claim(5, time.Minute)); !slices.Equal(got, []string{"a#1"}) {
			t.Fatalf("after a#0 failed for good: claim = %v, want a#1", got)
		}
		if err := e.s.MarkRetry(ctx, ms[0].ID, 500, "again"); !errors.Is(err, ErrNotInFlight) {
			t.Fatalf("retrying a failed row: %v, want ErrNotInFlight", err)
		}
		logs, _ := e.s.EventLog(ctx, "city", 5)
		if len(logs) == 0 || logs[0].Kind != "send_failed" || logs[0].Level != LevelError {
			t.Fatalf("event log = %+v, want send_failed first", logs)
		}
	})
}

// A release puts a claimed message back unsent, due later, without
// counting an attempt, and it still holds back its contact's next message.
func TestOutboxReleaseIsNoAttempt(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		queue(e, 2, "a")
		for range 6 { // more releases than MaxSendAttempts (4)
			ms := e.claim(5, time.Minute)
			if len(ms) != 1 || string(ms[0].Payload) != "a#0" || ms[0].Attempts != 0 {
				t.Fatalf("claimed %+v, want a#0 with no attempts", ms)
			}
			if err := e.s.Release(ctx, ms[0].ID, e.clock.Now().Add(10*time.Second)); err != nil {
				t.Fatal(err)
			}
			if r := e.outbox("a")[0]; r.Status != "queued" || r.Attempts != 0 || r.Due.Sub(e.clock.Now()) != 10*time.Second {
				t.Fatalf("after a release: %+v, want queued, no attempts, due in 10s", r)
			}
			e.clock.Advance(10*time.Second - time.Millisecond)
			if got := e.claim(5, time.Minute); len(got) != 0 {
				t.Fatalf("claimed %v before the released message was due", claimed(got))
			}
			e.clock.Advance(time.Millisecond)
		}
		ms := e.claim(5, time.Minute)
		if err := e.s.MarkSent(ctx, ms[0].ID, "wamid.R"); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Release(ctx, ms[0].ID, e.clock.Now()); !errors.Is(err, ErrNotInFlight) {
			t.Fatalf("releasing a sent message: %v, want ErrNotInFlight", err)
		}
		if err := e.s.Release(ctx, 987654321, e.clock.Now()); !errors.Is(err, ErrNotFound) {
			t.Fatalf("releasing an unknown message: %v, want ErrNotFound", err)
		}
		if got := claimed(e.claim(5, time.Minute)); !slices.Equal(got, []string{"a#1"}) {
			t.Fatalf("after a#0 was sent: claim = %v, want a#1", got)
		}
	})
}

func TestStatusesMoveForwardOnly(t *testing.T) {
	type sequence struct {
		name     string
		statuses []string
		want     string
	}
	var cases []sequence
	perms := [][]string{{"sent", "delivered", "read"}, {"sent", "read", "delivered"}, {"delivered", "sent", "read"},
		{"delivered", "read", "sent"}, {"read", "sent", "delivered"}, {"read", "delivered", "sent"}}
	for i, p := range perms {
		cases = append(cases, sequence{fmt.Sprintf("perm%d", i), p, "read"})
		cases = append(cases, sequence{fmt.Sprintf("perm%d-repeated", i), append(append([]string{}, p...), p...), "read"})
		played := slices.Clone(p)
		played[slices.Index(played, "read")] = "played"
		cases = append(cases, sequence{fmt.Sprintf("perm%d-played", i), played, "read"})
		for at := 0; at <= len(p); at++ {
			withFailed := slices.Insert(slices.Clone(p), at, "failed")
			cases = append(cases, sequence{fmt.Sprintf("perm%d-failed@%d", i, at), withFailed, "failed"})
		}
	}
	cases = append(cases,
		sequence{"only-sent", []string{"sent", "sent"}, "sent"},
		sequence{"delivered-then-sent", []string{"delivered", "sent"}, "delivered"},
		sequence{"unknown-value", []string{"sent", "deleted"}, "sent"},
	)
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var keys []string
		for i := range cases {
			keys = append(keys, fmt.Sprintf("k%02d", i))
		}
		queue(e, 1, keys...)
		ids := map[string]int64{}
		for _, m := range e.claim(len(keys), time.Minute) {
			ids[m.WaID] = m.ID
		}
		for i := range cases {
			if err := e.s.MarkSent(ctx, ids[keys[i]], "wamid.out."+keys[i]); err != nil {
				t.Fatal(err)
			}
		}
		// Half the cases arrive one status per webhook, half all in one.
		for i, c := range cases {
			var sts []Status
			for j, st := range c.statuses {
				s := Status{Integration: "city", Wamid: "wamid.out." + keys[i], Status: st, Timestamp: e.clock.Now().Add(time.Duration(j) * time.Second), Recipient: keys[i]}
				if st == "failed" {
					s.ErrorCode, s.ErrorTitle, s.ErrorDetails = 131049, "not delivered", "ecosystem engagement"
				}
				sts = append(sts, s)
			}
			if i%2 == 0 {
				for _, st := range sts {
					if _, err := e.s.Ingest(ctx, Batch{Statuses: []Status{st}}); err != nil {
						t.Fatal(err)
					}
				}
			} else if _, err := e.s.Ingest(ctx, Batch{Statuses: sts}); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cases {
			r := e.outbox(keys[i])[0]
			h := e.history(keys[i])
			out := h[len(h)-1]
			if r.Status != c.want || out.Status != c.want {
				t.Errorf("%s %v: outbox %s, history %s, want %s", c.name, c.statuses, r.Status, out.Status, c.want)
			}
			if c.want == "failed" && (r.ErrorCode != 131049 || out.ErrorCode != 131049 || r.ErrorDetails != "ecosystem engagement") {
				t.Errorf("%s: failure not recorded: outbox %+v history %+v", c.name, r, out)
			}
		}
	})
}

func TestStatusBeforeMarkSentAndUnknownWamids(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		queue(e, 1, "a", "b")
		ms := e.claim(5, time.Minute)
		// The webhooks overtake the send's response.
		res, err := e.s.Ingest(ctx, Batch{Statuses: []Status{
			{Integration: "city", Wamid: "wamid.early.a", Status: "delivered"},
			{Integration: "city", Wamid: "wamid.early.b", Status: "failed", ErrorCode: 131047, ErrorTitle: "re-engagement message"},
			{Integration: "city", Wamid: "wamid.nobody", Status: "read"},
		}})
		if err != nil || res.Statuses != 3 {
			t.Fatalf("ingest statuses: %+v %v", res, err)
		}
		for _, m := range ms {
			if err := e.s.MarkSent(ctx, m.ID, "wamid.early."+m.WaID); err != nil {
				t.Fatal(err)
			}
		}
		if r := e.outbox("a")[0]; r.Status != "delivered" || r.ProviderWamid != "wamid.early.a" {
			t.Fatalf("a: %+v, want delivered", r)
		}
		if r := e.outbox("b")[0]; r.Status != "failed" || r.ErrorCode != 131047 {
			t.Fatalf("b: %+v, want failed with 131047", r)
		}
		if h := e.history("b"); h[len(h)-1].Status != "failed" || h[len(h)-1].Wamid != "wamid.early.b" {
			t.Fatalf("b history: %+v", h[len(h)-1])
		}
		logs, err := e.s.EventLog(ctx, "city", 10)
		if err != nil {
			t.Fatal(err)
		}
		unmatched := 0
		for _, l := range logs {
			if l.Kind == "status_unmatched" {
				unmatched++
				if !strings.Contains(l.Message, "wamid.") {
					t.Errorf("log message does not name the wamid: %q", l.Message)
				}
			}
		}
		if unmatched != 3 {
			t.Fatalf("%d status_unmatched rows, want 3", unmatched)
		}
		// A repeated status for an unknown id is not noted again.
		if _, err = e.s.Ingest(ctx, Batch{Statuses: []Status{{Integration: "city", Wamid: "wamid.nobody", Status: "read"}}}); err != nil {
			t.Fatal(err)
		}
		if logs, _ = e.s.EventLog(ctx, "city", 10); countKind(logs, "status_unmatched") != 3 {
			t.Fatalf("a repeated status was logged again: %d status_unmatched rows", countKind(logs, "status_unmatched"))
		}
	})
}

func countKind(logs []LogEntry, kind string) int {
	n := 0
	for _, l := range logs {
		if l.Kind == kind {
			n++
		}
	}
	return n
}

// On Postgres, marking a reply sent wakes a sender only when the citizen has
// another reply waiting behind it (otherwise the claim would find nothing).
func TestPostgresMarkSentWakesOnlyForANextReply(t *testing.T) {
	e := newEnv(t, "postgres", nil)
	ctx := context.Background()
	e.ingest(inbound("911111111111", "w1", e.clock.Now(), "a"))
	e.drain(func(ctx context.Context, w *Work) (*Outcome, error) {
		return &Outcome{Session: []byte("s"), Outbox: []OutboundMessage{{Type: "text", Payload: []byte("1")}, {Type: "text", Payload: []byte("2")}}}, nil
	})
	tokens := func() int {
		n := 0
		for {
			select {
			case <-e.s.OutboxSignal():
				n++
			default:
				return n
			}
		}
	}
	tokens()
	for i, wantWake := range []bool{true, false} {
		rows, err := e.s.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(rows) != 1 {
			t.Fatalf("claim %d: %d rows (%v), want 1", i, len(rows), err)
		}
		if err := e.s.MarkSent(ctx, rows[0].ID, fmt.Sprintf("wamid.out%d", i)); err != nil {
			t.Fatal(err)
		}
		if got := tokens() > 0; got != wantWake {
			t.Errorf("after marking reply %d of 2 sent: sender woken %v, want %v", i+1, got, wantWake)
		}
	}
}

// Many sends marked at once (on Postgres they share statements) each keep
// their own wamid, however odd its characters, on the outbox row and on
// the history message.
func TestConcurrentMarkSentKeepEachWamid(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const n = 40
		var msgs []Inbound
		for i := 0; i < n; i++ {
			msgs = append(msgs, inbound(fmt.Sprintf("9190000%05d", i), fmt.Sprintf("in%d", i), e.clock.Now(), "hi"))
		}
		e.ingest(msgs...)
		e.drain(reply(0, e.clock))
		rows, err := e.s.ClaimOutbox(ctx, n, time.Minute)
		if err != nil || len(rows) != n {
			t.Fatalf("claimed %d rows (%v), want %d", len(rows), err, n)
		}
		odd := []string{`wamid."quoted"`, `wamid.back\slash`, `wamid.{braces},comma`, `wamid.'single'`, `wamid.NULL`}
		wamidOf := func(i int) string { return fmt.Sprintf("%s.%d", odd[i%len(odd)], i) }
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i, r := range rows {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- e.s.MarkSent(ctx, r.ID, wamidOf(i))
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i, r := range rows {
			key := strings.TrimPrefix(r.ContactID, "city/")
			got := e.outbox(key)
			if len(got) != 1 || got[0].ProviderWamid != wamidOf(i) || got[0].Status != "sent" {
				t.Fatalf("outbox of %s: %+v, want one sent row with wamid %q", key, got, wamidOf(i))
			}
			var out []string
			for _, h := range e.history(key) {
				if h.Direction == "out" {
					out = append(out, h.Wamid+" "+h.Status)
				}
			}
			if want := wamidOf(i) + " sent"; len(out) != 1 || out[0] != want {
				t.Fatalf("history of %s: %q, want [%q]", key, out, want)
			}
		}
	})
}

// A sender that just claimed asks MoreOutboxWork whether to claim again at
// once: yes while a wake-up for queued replies is pending, no once it is
// taken, and an empty claim clears a past overflow.
func TestMoreOutboxWorkFollowsWakeUps(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.ingest(inbound("911111111111", "w1", e.clock.Now(), "a"))
		e.drain(reply(0, e.clock))
		if !e.s.MoreOutboxWork() {
			t.Fatal("a step queued a reply, but MoreOutboxWork says there is nothing more")
		}
		if e.s.MoreOutboxWork() {
			t.Fatal("MoreOutboxWork still true once the wake-up was taken")
		}
		for i := 0; i < 2*signalTokens; i++ {
			e.s.wakeOutbox.notify(1)
		}
		for i := 0; i < signalTokens; i++ {
			<-e.s.OutboxSignal()
		}
		if !e.s.MoreOutboxWork() {
			t.Fatal("after more wake-ups than tokens, MoreOutboxWork should say claim again")
		}
		if rows, err := e.s.ClaimOutbox(ctx, 10, time.Minute); err != nil || len(rows) != 1 {
			t.Fatalf("claim = %d rows (%v), want 1", len(rows), err)
		}
		if rows, err := e.s.ClaimOutbox(ctx, 10, time.Minute); err != nil || len(rows) != 0 {
			t.Fatalf("second claim = %d rows (%v), want none", len(rows), err)
		}
		if e.s.MoreOutboxWork() {
			t.Fatal("an empty claim should clear the overflow")
		}
	})
}
