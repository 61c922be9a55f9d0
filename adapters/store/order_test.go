package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// orderProbe is a handler that records, per contact, the order it saw
// messages in, and fails the test if two steps for one contact overlap.
type orderProbe struct {
	t       testing.TB
	mu      sync.Mutex
	busy    map[string]bool
	seen    map[string][]int
	handled atomic.Int64
}

func newOrderProbe(t testing.TB) *orderProbe {
	return &orderProbe{t: t, busy: map[string]bool{}, seen: map[string][]int{}}
}

func (p *orderProbe) handle(ctx context.Context, w *Work) (*Outcome, error) {
	key := w.Contact.Key
	p.mu.Lock()
	if p.busy[key] {
		p.t.Errorf("two steps ran at once for contact %s", key)
	}
	p.busy[key] = true
	p.mu.Unlock()
	time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
	out := &Outcome{Session: []byte(key)}
	var ns []int
	for _, m := range w.Messages {
		n, err := strconv.Atoi(string(m.Input))
		if err != nil {
			p.t.Errorf("bad input %q", m.Input)
		}
		ns = append(ns, n)
		out.Outbox = append(out.Outbox, OutboundMessage{Type: "text", Payload: []byte(key + ":" + strconv.Itoa(n))})
	}
	p.mu.Lock()
	p.seen[key] = append(p.seen[key], ns...)
	p.busy[key] = false
	p.mu.Unlock()
	p.handled.Add(int64(len(ns)))
	return out, nil
}

// runWorkers runs n workers spread over stores until want messages were
// handled.
func runWorkers(t testing.TB, stores []*Store, n int, p *orderProbe, want int64) {
	var wg sync.WaitGroup
	deadline := time.Now().Add(60 * time.Second)
	for i := range n {
		st := stores[i%len(stores)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p.handled.Load() < want {
				if time.Now().After(deadline) {
					t.Errorf("workers gave up: %d of %d messages handled", p.handled.Load(), want)
					return
				}
				ok, err := st.ProcessNext(context.Background(), p.handle)
				if err != nil {
					t.Errorf("process: %v", err)
					return
				}
				if !ok {
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
}

// shuffledMessages makes perContact messages for each of contacts citizens,
// numbered by their WhatsApp timestamp, and shuffles their arrival.
func shuffledMessages(base time.Time, contacts, perContact, from int, rng *rand.Rand) []Inbound {
	var all []Inbound
	for c := range contacts {
		key := fmt.Sprintf("91%010d", c)
		for n := from; n < from+perContact; n++ {
			ts := base.Add(time.Duration(n)*time.Second + time.Duration(c)*time.Millisecond)
			all = append(all, inbound(key, fmt.Sprintf("wamid.%d.%d", c, n), ts, strconv.Itoa(n)))
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all
}

// ingestInBatches delivers msgs in batches of 1 to 20 from 4 goroutines.
func ingestInBatches(t testing.TB, s *Store, msgs []Inbound, rng *rand.Rand) {
	var batches [][]Inbound
	for len(msgs) > 0 {
		n := min(1+rng.IntN(20), len(msgs))
		batches = append(batches, msgs[:n])
		msgs = msgs[n:]
	}
	var wg sync.WaitGroup
	ch := make(chan []Inbound)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range ch {
				if _, err := s.Ingest(context.Background(), Batch{Messages: b}); err != nil {
					t.Errorf("ingest: %v", err)
				}
			}
		}()
	}
	for _, b := range batches {
		ch <- b
	}
	close(ch)
	wg.Wait()
}

func TestStrictOrderPerContactWithConcurrentWorkers(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		const contacts, perContact, workers = 30, 10, 8
		rng := rand.New(rand.NewPCG(7, 11))
		stores := []*Store{e.s}
		if e.pg() {
			// Two processes sharing one database.
			stores = append(stores, e.open(e.opts))
		}

		// Phase 1: everything arrives (shuffled, timestamps out of arrival
		// order) before the workers start: each contact's handler must see
		// its messages in timestamp order.
		ingestInBatches(t, e.s, shuffledMessages(e.clock.Now(), contacts, perContact, 0, rng), rng)
		p := newOrderProbe(t)
		runWorkers(t, stores, workers, p, contacts*perContact)
		for key, ns := range p.seen {
			if !slices.Equal(ns, seqFrom(0, perContact)) {
				t.Errorf("contact %s saw %v, want %v", key, ns, seqFrom(0, perContact))
			}
		}
		if len(p.seen) != contacts {
			t.Fatalf("%d contacts handled, want %d", len(p.seen), contacts)
		}

		// Phase 2: messages arrive while the workers run. Every message is
		// handled exactly once and never concurrently for one contact.
		p2 := newOrderProbe(t)
		done := make(chan struct{})
		go func() {
			defer close(done)
			ingestInBatches(t, e.s, shuffledMessages(e.clock.Now(), contacts, perContact, perContact, rng), rng)
		}()
		runWorkers(t, stores, workers, p2, contacts*perContact)
		<-done
		for key, ns := range p2.seen {
			sorted := slices.Sorted(slices.Values(ns))
			if !slices.Equal(sorted, seqFrom(perContact, perContact)) {
				t.Errorf("contact %s: handled %v, want each of %d..%d exactly once", key, ns, perContact, 2*perContact-1)
			}
		}
		if pending, _, _ := e.depths(); pending != 0 {
			t.Fatalf("%d messages still pending", pending)
		}

		// The replies leave in the order the handler produced them, with four
		// senders claiming at once and never two messages of one contact in
		// flight.
		want := map[string][]string{}
		for key := range p.seen {
			for _, n := range append(append([]int{}, p.seen[key]...), p2.seen[key]...) {
				want[key] = append(want[key], key+":"+strconv.Itoa(n))
			}
		}
		sent := drainOutboxConcurrently(t, stores, 4)
		for key, w := range want {
			if !slices.Equal(sent[key], w) {
				t.Errorf("contact %s: replies left as\n%v\nwant\n%v", key, sent[key], w)
			}
		}
	})
}

func seqFrom(from, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = from + i
	}
	return out
}

// drainOutboxConcurrently claims and marks sent until the outbox is empty,
// with n claimers spread over stores. It returns each contact's payloads in
// the order they were claimed, failing the test if a contact ever had two
// messages in flight.
func drainOutboxConcurrently(t testing.TB, stores []*Store, n int) map[string][]string {
	var mu sync.Mutex
	sent := map[string][]string{}
	inFlight := map[string]string{}
	var wg sync.WaitGroup
	deadline := time.Now().Add(60 * time.Second)
	for i := range n {
		st := stores[i%len(stores)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				ms, err := st.ClaimOutbox(context.Background(), 7, time.Minute)
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if len(ms) == 0 {
					_, queued, _, err := st.QueueDepths(context.Background())
					if err != nil || queued == 0 {
						return
					}
					time.Sleep(time.Millisecond)
					continue
				}
				mu.Lock()
				for _, m := range ms {
					key := strings.TrimPrefix(m.ContactID, "city/")
					if other, busy := inFlight[key]; busy {
						t.Errorf("contact %s: %s claimed while %s was in flight", key, m.Payload, other)
					}
					inFlight[key] = string(m.Payload)
					sent[key] = append(sent[key], string(m.Payload))
				}
				mu.Unlock()
				for _, m := range ms {
					key := strings.TrimPrefix(m.ContactID, "city/")
					// "Sending": while it lasts, a claim of this contact's
					// next message would be caught above.
					time.Sleep(time.Duration(rand.IntN(400)) * time.Microsecond)
					mu.Lock()
					delete(inFlight, key) // before MarkSent commits: the next claim may follow at once
					mu.Unlock()
					if err := st.MarkSent(context.Background(), m.ID, fmt.Sprintf("wamid.out.%d", m.ID)); err != nil {
						t.Errorf("mark sent: %v", err)
					}
				}
			}
			t.Errorf("outbox drain timed out")
		}()
	}
	wg.Wait()
	return sent
}
