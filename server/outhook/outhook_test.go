package outhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/internal/testdb"
)

var secret = []byte("a-department-secret-of-32-bytes!")

// clock is a time the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// receiver is a department's system on 127.0.0.1: it verifies every POST
// and answers with the statuses it is given, then 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []envelope
	headers  []http.Header
	bad      int
}

func newReceiver(t *testing.T, c *clock, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := Verify(secret, req.Header, body, c.Now(), 5*time.Minute); err != nil {
			r.bad++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var e envelope
		if err := json.Unmarshal(body, &e); err != nil {
			t.Errorf("body: %v", err)
		}
		r.got = append(r.got, e)
		r.headers = append(r.headers, req.Header.Clone())
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte("answer " + http.StatusText(status)))
	}))
	t.Cleanup(r.Close)
	return r
}

func eachStore(t *testing.T, fn func(t *testing.T, s *store.Store, c *clock)) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
			s, err := store.Open(context.Background(), testdb.URL(t, dialect), store.Options{Clock: c.Now,
				SecretKey: []byte("0123456789abcdef0123456789abcdef")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			fn(t, s, c)
		})
	}
}

func queue(t *testing.T, s *store.Store, dept, event, payload string) {
	t.Helper()
	if _, err := s.QueueWebhook(context.Background(), store.Delivery{Department: dept, Event: event, Payload: json.RawMessage(payload)}); err != nil {
		t.Fatal(err)
	}
}

func deliveries(t *testing.T, s *store.Store, dept string) []store.Delivery {
	t.Helper()
	list, err := s.WebhookDeliveries(context.Background(), store.WebhookQuery{Department: dept, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// A POST is signed, retried after 500s with growing waits, and delivered
// with the same id each time.
func TestDeliverRetriesUntilTaken(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		rec := newReceiver(t, c, 500, 503)
		d := New(Options{Store: s, Hooks: map[string]Hook{"health": {URL: rec.URL + "/hook", Secret: secret}},
			Clock: c.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		queue(t, s, "health", store.WebhookCaseChanged, `{"reference":"GRV-26-4821-7305-A","status":"resolved"}`)
		for i, wait := range []time.Duration{0, 30 * time.Second, time.Minute} {
			c.Advance(wait - time.Second)
			if n, _ := d.DeliverDue(ctx); n != 0 && i > 0 {
				t.Fatalf("attempt %d claimed a second early", i+1)
			}
			c.Advance(time.Second)
			if n, err := d.DeliverDue(ctx); n != 1 || err != nil {
				t.Fatalf("attempt %d: %d, %v", i+1, n, err)
			}
		}
		if len(rec.got) != 3 || rec.bad != 0 {
			t.Fatalf("received %d (%d badly signed)", len(rec.got), rec.bad)
		}
		for i, e := range rec.got {
			h := rec.headers[i]
			if e.ID != rec.got[0].ID || e.Attempt != i+1 || e.Event != "case_changed" || e.Department != "health" ||
				string(e.Data) != `{"reference":"GRV-26-4821-7305-A","status":"resolved"}` ||
				h.Get("X-Samvad-Event") != "case_changed" || h.Get("X-Samvad-Delivery") != "1" && e.ID == 1 {
				t.Errorf("attempt %d: %+v %v", i+1, e, h)
			}
		}
		got := deliveries(t, s, "health")
		if len(got) != 1 || got[0].Status != store.DeliveryDelivered || got[0].Attempts != 3 || got[0].LastError != "" {
			t.Fatalf("record: %+v", got)
		}
		if n, _ := d.DeliverDue(ctx); n != 0 {
			t.Fatal("delivered twice")
		}
	})
}

// After MaxAttempts the delivery is given up, logged, and its last error
// kept, with neither the URL's token nor the secret anywhere.
func TestGivesUpAndLogs(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		rec := newReceiver(t, c, 500, 500, 500)
		var logs bytes.Buffer
		var mu sync.Mutex
		d := New(Options{Store: s, Hooks: map[string]Hook{"health": {URL: rec.URL + "/hook?token=TOPSECRET", Secret: secret}},
			Clock: c.Now, MaxAttempts: 2, Backoff: time.Second, Log: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))})
		queue(t, s, "health", store.WebhookCaseChanged, `{}`)
		queue(t, s, "transport", store.WebhookCaseChanged, `{}`) // no hook: dropped
		if _, err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Second)
		if _, err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Hour)
		if n, _ := d.DeliverDue(ctx); n != 0 {
			t.Fatal("tried after giving up")
		}
		got := deliveries(t, s, "health")
		if got[0].Status != store.DeliveryFailed || got[0].Attempts != 2 || got[0].LastError != "outhook: HTTP 500: answer Internal Server Error" {
			t.Fatalf("record: %+v", got[0])
		}
		if other := deliveries(t, s, "transport"); len(other) != 0 || len(rec.got) != 2 {
			t.Fatalf("a department without a hook: %+v; received %d", other, len(rec.got))
		}
		mu.Lock()
		out := logs.String()
		mu.Unlock()
		if !strings.Contains(out, "delivery given up") || strings.Contains(out, "TOPSECRET") || strings.Contains(out, string(secret)) {
			t.Fatalf("log:\n%s", out)
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// A receiver that is not there is an error without the URL.
func TestUnreachableKeepsTheURLOut(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *store.Store, c *clock) {
		rec := newReceiver(t, c)
		url := rec.URL + "/hook?token=TOPSECRET"
		rec.Close()
		d := New(Options{Store: s, Hooks: map[string]Hook{"health": {URL: url, Secret: secret}}, Clock: c.Now,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		queue(t, s, "health", "x", `{}`)
		if _, err := d.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := deliveries(t, s, "health")
		if got[0].Status != store.DeliveryPending || !strings.HasPrefix(got[0].LastError, "outhook: no answer") || strings.Contains(got[0].LastError, "TOPSECRET") {
			t.Fatalf("record: %+v", got[0])
		}
	})
}

// Two processes delivering at once post each delivery once.
func TestTwoDeliverersNoDuplicates(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		rec := newReceiver(t, c)
		hooks := map[string]Hook{"health": {URL: rec.URL, Secret: secret}}
		for i := 0; i < 30; i++ {
			queue(t, s, "health", "x", `{}`)
		}
		var wg sync.WaitGroup
		for _, owner := range []string{"one", "two"} {
			d := New(Options{Store: s, Hooks: hooks, Clock: c.Now, Owner: owner, Batch: 4})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := d.DeliverDue(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		seen := map[int64]int{}
		for _, e := range rec.got {
			seen[e.ID]++
		}
		if len(seen) != 30 || len(rec.got) != 30 {
			t.Fatalf("%d posts of %d deliveries, want 30 of 30", len(rec.got), len(seen))
		}
		for _, d := range deliveries(t, s, "health") {
			if d.Status != store.DeliveryDelivered || d.Attempts != 1 {
				t.Errorf("delivery %d: %s after %d attempts", d.ID, d.Status, d.Attempts)
			}
		}
	})
}

// The tail turns handoffs into deliveries for the departments that want
// them, once each, even with two tails.
func TestTailQueuesHandoffs(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		rec := newReceiver(t, c)
		depts := map[string]string{"city": "health", "bus": "transport"}
		hooks := map[string]Hook{
			"health":    {URL: rec.URL, Secret: secret},
			"transport": {URL: rec.URL, Secret: secret, Events: []string{store.WebhookCaseChanged}},
		}
		a := New(Options{Store: s, Hooks: hooks, Departments: depts, Clock: c.Now, Owner: "a"})
		b := New(Options{Store: s, Hooks: hooks, Departments: depts, Clock: c.Now, Owner: "b"})
		if _, err := a.Tail(ctx); err != nil { // starts the tail here
			t.Fatal(err)
		}
		handoff(t, s, c, "city", "919800000001", "w1", engine.EventHandoff)
		handoff(t, s, c, "bus", "919800000002", "w2", engine.EventHandoff)
		handoff(t, s, c, "city", "919800000001", "w3", engine.EventHandoffMessage)
		c.Advance(10 * time.Second)
		var wg sync.WaitGroup
		for _, d := range []*Deliverer{a, b} {
			wg.Add(1)
			go func(d *Deliverer) { defer wg.Done(); _, _ = d.Tail(ctx) }(d)
		}
		wg.Wait()
		if _, err := a.Tail(ctx); err != nil {
			t.Fatal(err)
		}
		got := deliveries(t, s, "health")
		if len(got) != 2 || got[1].Event != "handoff" || got[0].Event != "handoff_message" {
			t.Fatalf("health deliveries: %+v", got)
		}
		var data handoffData
		if err := json.Unmarshal(got[1].Payload, &data); err != nil || data.Queue != "counter" || data.Integration != "city" ||
			data.ContactID == "" || data.Flow != "officer" || data.Node != "talk" || !data.At.Equal(c.Now().Add(-10*time.Second)) {
			t.Fatalf("handoff data: %s %v", got[1].Payload, err)
		}
		if other := deliveries(t, s, "transport"); len(other) != 0 {
			t.Fatalf("transport wants only case changes: %+v", other)
		}
		if n, _ := a.DeliverDue(ctx); n != 2 || len(rec.got) != 2 || rec.got[0].Event == rec.got[1].Event {
			t.Fatalf("delivered %d: %+v", n, rec.got)
		}
	})
}

// handoff stores a citizen's message and a step that records event kind.
func handoff(t *testing.T, s *store.Store, c *clock, integration, key, wamid string, kind engine.EventKind) {
	t.Helper()
	ctx := context.Background()
	_, err := s.Ingest(ctx, store.Batch{Messages: []store.Inbound{{Integration: integration, Wamid: wamid, ContactKey: key, WaID: key,
		Type: "text", Timestamp: c.Now(), Summary: "hello", Input: []byte("hello"), Raw: []byte(`{}`)}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ProcessNext(ctx, func(ctx context.Context, w *store.Work) (*store.Outcome, error) {
		return &store.Outcome{Events: []engine.Event{{Kind: kind, Flow: "officer", Node: "talk", Detail: "counter", At: c.Now()}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":1}`)
	h := http.Header{}
	h.Set(TimestampHeader, "1800000000")
	h.Set(SignatureHeader, Sign(secret, "1800000000", body))
	if err := Verify(secret, h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	// What a receiver computes by itself: HMAC-SHA256 of "timestamp.body".
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(`1800000000.{"id":1}`))
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); h.Get(SignatureHeader) != want {
		t.Fatalf("signature %s, want %s", h.Get(SignatureHeader), want)
	}
	for name, check := range map[string]func() error{
		"other body":   func() error { return Verify(secret, h, []byte(`{"id":2}`), now, time.Minute) },
		"other secret": func() error { return Verify([]byte("x"), h, body, now, time.Minute) },
		"replayed":     func() error { return Verify(secret, h, body, now.Add(6*time.Minute), 5*time.Minute) },
		"no timestamp": func() error {
			return Verify(secret, http.Header{SignatureHeader: h[SignatureHeader]}, body, now, time.Minute)
		},
		"timestamp changed": func() error {
			h2 := h.Clone()
			h2.Set(TimestampHeader, "1800000001")
			return Verify(secret, h2, body, now, time.Minute)
		},
	} {
		if err := check(); err != ErrBadSignature {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A delivery queued for an integration goes to its department's hook.
func TestDeliveryByIntegration(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		rec := newReceiver(t, c)
		d := New(Options{Store: s, Hooks: map[string]Hook{"health": {URL: rec.URL, Secret: secret}},
			Departments: map[string]string{"city": "health", "bus": "transport"}, Clock: c.Now})
		for _, in := range []string{"city", "bus"} {
			err := s.QueueCaseChange(ctx, "", store.CaseChange{Integration: in, Reference: "GRV-26-4821-7305-A",
				Kind: "grievance", Status: "resolved", PreviousStatus: "open", Actor: "asha"})
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, err := d.DeliverDue(ctx); n != 2 || err != nil {
			t.Fatalf("delivered %d, %v", n, err)
		}
		if len(rec.got) != 1 || rec.got[0].Department != "health" || rec.got[0].Event != "case_changed" {
			t.Fatalf("received %+v", rec.got)
		}
		bus, _ := s.WebhookDeliveries(ctx, store.WebhookQuery{Department: "transport", Integrations: []string{"bus"}})
		if len(bus) != 0 {
			t.Fatalf("the department without a hook: %+v", bus)
		}
	})
}

// Run delivers what is due, and deletes settled deliveries past Retention.
func TestRunDeliversAndPrunes(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *store.Store, c *clock) {
		rec := newReceiver(t, c)
		d := New(Options{Store: s, Hooks: map[string]Hook{"health": {URL: rec.URL, Secret: secret}}, Clock: c.Now,
			Interval: time.Millisecond, Retention: 24 * time.Hour})
		queue(t, s, "health", "x", `{"n":1}`)
		if n, _ := d.DeliverDue(context.Background()); n != 1 {
			t.Fatal("not delivered")
		}
		c.Advance(25 * time.Hour)
		queue(t, s, "health", "x", `{"n":2}`)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if got := deliveries(t, s, "health"); len(got) == 1 && got[0].Status == store.DeliveryDelivered {
				break
			}
		}
		cancel()
		<-done
		got := deliveries(t, s, "health")
		if len(got) != 1 || string(got[0].Payload) != `{"n":2}` || got[0].Status != store.DeliveryDelivered {
			t.Fatalf("left: %+v", got)
		}
	})
}

// A handoff the tail passed over (as when its step commits after the tail
// read past its id) is queued by the sweep, once, if it is recent.
func TestSweepCatchesWhatTheTailPassed(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		hooks := map[string]Hook{"health": {URL: "http://127.0.0.1:9/unused", Secret: secret}}
		d := New(Options{Store: s, Hooks: hooks, Departments: map[string]string{"city": "health"}, Clock: c.Now})
		if _, err := d.Tail(ctx); err != nil {
			t.Fatal(err)
		}
		handoff(t, s, c, "city", "919800000001", "w1", engine.EventHandoff)
		c.Advance(11 * time.Minute)
		handoff(t, s, c, "city", "919800000002", "w2", engine.EventHandoff)
		c.Advance(10 * time.Second)
		// The tail reads past both without queueing them.
		skip := func(context.Context, bun.IDB, []store.HandoffEvent) error { return nil }
		if n, err := s.TailHandoffs(ctx, "webhook", 5*time.Second, 100, skip); n != 2 || err != nil {
			t.Fatalf("tail: %d %v", n, err)
		}
		for i := 0; i < 2; i++ {
			if _, err := d.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}
		got := deliveries(t, s, "health")
		var data handoffData
		if len(got) != 1 || json.Unmarshal(got[0].Payload, &data) != nil || !strings.HasSuffix(data.ContactID, "919800000002") {
			t.Fatalf("swept: %+v", got)
		}
		if n, _ := d.Tail(ctx); n != 0 {
			t.Fatalf("the tail read %d again", n)
		}
	})
}
