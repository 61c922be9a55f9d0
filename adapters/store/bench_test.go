package store

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// cpuMeter measures CPU time spent by this process and by the Postgres
// backends serving this store (found by application_name), so that
// benchmarks on a busy shared machine can still say what a message costs:
// the throughput n idle cores can reach is about n seconds / (cost per
// message), less what the kernel and the WAL writer add.
type cpuMeter struct {
	self time.Duration
	pg   map[int]time.Duration
}

const benchAppName = "samvad-bench"

func readCPU(s *Store) cpuMeter {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	m := cpuMeter{self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), pg: map[int]time.Duration{}}
	if !(s.Dialect() == "postgres") {
		return m
	}
	rows, err := s.drv.DB().DB.Query("SELECT pid FROM pg_stat_activity WHERE application_name = '" + benchAppName + "'")
	if err != nil {
		return m
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			m.pg[pid] = procCPU(pid)
		}
	}
	return m
}

// procCPU reads a process's user and system time from /proc.
func procCPU(pid int) time.Duration {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+2:])
	var d time.Duration
	for _, f := range fields[11:13] { // utime, stime
		ticks, _ := strconv.ParseInt(f, 10, 64)
		d += time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
	}
	return d
}

// since returns the CPU time used since m was read.
func (m cpuMeter) since(s *Store) (self, pg time.Duration) {
	now := readCPU(s)
	for pid, t := range now.pg {
		pg += t - m.pg[pid]
	}
	return now.self - m.self, pg
}

// report adds the per-message CPU metrics.
func (m cpuMeter) report(b *testing.B, s *Store, msgs float64) {
	self, pg := m.since(s)
	b.ReportMetric(float64(self.Microseconds())/msgs, "client-cpu-µs/msg")
	if pg > 0 {
		b.ReportMetric(float64(pg.Microseconds())/msgs, "pg-cpu-µs/msg")
	}
}

func benchStore(b *testing.B, dialect string) *Store {
	b.Helper()
	url := storeURL(b, dialect)
	if dialect == "postgres" {
		url += "&application_name=" + benchAppName
	}
	s, err := Open(context.Background(), url, Options{Apology: func(Contact) OutboundMessage {
		return OutboundMessage{Payload: []byte("sorry")}
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// benchMessage is shaped like a real text message: a wa_id, a profile name,
// an engine input and the raw JSON Meta sent (about 600 bytes).
func benchMessage(n int64, contacts int64) Inbound {
	key := fmt.Sprintf("9198%08d", n%contacts)
	wamid := fmt.Sprintf("wamid.HBgMOTE5ODAwMDAwMDAxFQIAEhggQjM%012d", n)
	return Inbound{
		Integration: "city", Wamid: wamid, ContactKey: key, WaID: key, ProfileName: "Asha Kumari",
		Type: "text", Timestamp: time.Unix(1_780_000_000+n, 0), Summary: "mera ration card kab tak banega?",
		Input: []byte(`{"id":"` + wamid + `","kind":1,"text":"mera ration card kab tak banega?","at":"2026-05-21T10:00:00Z"}`),
		Raw: []byte(`{"from":"` + key + `","id":"` + wamid + `","timestamp":"1780000000","text":{"body":"mera ration card kab tak banega?"},"type":"text",` +
			`"context":null,"contacts":[{"profile":{"name":"Asha Kumari"},"wa_id":"` + key + `"}],"metadata":{"display_phone_number":"15550001111","phone_number_id":"106540352242922"}}`),
	}
}

// BenchmarkIngest stores webhook batches of 1, 10 and 100 messages from 32
// concurrent senders (webhook POSTs arrive concurrently: at 10,000 messages/s
// and a few milliseconds each, dozens are in flight); ns/op is per message.
// senders=4 is the server at about 1,000 messages/s: a few POSTs in flight,
// so that most ingests are a transaction of one message.
func BenchmarkIngest(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, c := range []struct{ size, senders int }{{1, 32}, {10, 32}, {100, 32}, {1, 4}} {
			name := fmt.Sprintf("%s/batch=%d", dialect, c.size)
			if c.senders != 32 {
				name += fmt.Sprintf("/senders=%d", c.senders)
			}
			size := c.size
			b.Run(name, func(b *testing.B) {
				s := benchStore(b, dialect)
				var next atomic.Int64
				calls := s.drv.Calls()
				cpu := readCPU(s)
				b.SetParallelism(max(1, c.senders/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					batch := make([]Inbound, 0, size)
					send := func() bool {
						if len(batch) == 0 {
							return true
						}
						_, err := s.Ingest(context.Background(), Batch{Messages: batch})
						batch = batch[:0]
						if err != nil {
							b.Error(err)
						}
						return err == nil
					}
					for pb.Next() {
						batch = append(batch, benchMessage(next.Add(1), 5000))
						if len(batch) == size && !send() {
							return
						}
					}
					send()
				})
				elapsed := time.Since(start)
				msgs := float64(b.N)
				b.ReportMetric(msgs/elapsed.Seconds(), "msgs/s")
				b.ReportMetric(float64(s.drv.Calls()-calls)/msgs, "roundtrips/msg")
				cpu.report(b, s, msgs)
			})
		}
	}
}

// BenchmarkProcessNext measures steps with a trivial handler: one outbox row
// per message and an updated session, 4 workers; ns/op is per message.
//
//   - first: every message comes from a new contact (a first contact opens
//     a conversation and creates a session: the most writes per message).
//   - conversation: 500 citizens each send a message per round and get their
//     reply before the next: steps continue conversations, as most do.
//
// Each step handles one message, the most round trips per message.
func BenchmarkProcessNext(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, shape := range []string{"first", "conversation"} {
			b.Run(dialect+"/workers=4/"+shape, func(b *testing.B) {
				s := benchStore(b, dialect)
				contacts := int64(b.N)
				if shape == "conversation" {
					contacts = min(500, int64(b.N))
				}
				var rounds [][]Inbound
				for n := int64(0); n < int64(b.N); n += contacts {
					var round []Inbound
					for i := n; i < min(n+contacts, int64(b.N)); i++ {
						round = append(round, benchMessage(i, contacts))
					}
					rounds = append(rounds, round)
				}
				benchSteps(b, s, rounds)
			})
		}
	}
}

// benchSteps ingests each round (not timed) and processes it with 4 workers.
func benchSteps(b *testing.B, s *Store, rounds [][]Inbound) {
	ctx := context.Background()
	handler := func(ctx context.Context, w *Work) (*Outcome, error) {
		out := &Outcome{Session: append(w.Session[:len(w.Session):len(w.Session)], 'x'), SessionExpires: time.Now().Add(time.Hour)}
		for _, m := range w.Messages {
			out.Outbox = append(out.Outbox, OutboundMessage{Type: "text", Summary: "Your application is being processed.",
				Payload: append([]byte(`{"kind":1,"text":"Your application is being processed.","reply_to":"`), append([]byte(m.Wamid), `"}`...)...)})
		}
		return out, nil
	}
	var elapsed, selfCPU, pgCPU time.Duration
	var calls int64
	b.ResetTimer()
	b.StopTimer()
	for r, round := range rounds {
		for i := 0; i < len(round); i += 100 {
			if _, err := s.Ingest(ctx, Batch{Messages: round[i:min(i+100, len(round))]}); err != nil {
				b.Fatal(err)
			}
		}
		if (s.Dialect() == "postgres") && r == 2 {
			// Give the planner the statistics autovacuum would have gathered
			// by now (ANALYZE on tables that are still empty would plan them
			// as empty: a production database gets there within a minute).
			if _, err := s.drv.DB().DB.ExecContext(ctx, "ANALYZE"); err != nil {
				b.Fatal(err)
			}
		}
		want := int64(len(round))
		var done atomic.Int64
		c0, cpu := s.drv.Calls(), readCPU(s)
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for done.Load() < want {
					ok, err := s.ProcessNext(ctx, func(ctx context.Context, w *Work) (*Outcome, error) {
						out, err := handler(ctx, w)
						done.Add(int64(len(w.Messages)))
						return out, err
					})
					if err != nil {
						b.Error(err)
						return
					}
					if !ok {
						return
					}
				}
			}()
		}
		wg.Wait()
		elapsed += time.Since(start)
		b.StopTimer()
		calls += s.drv.Calls() - c0
		self, pg := cpu.since(s)
		selfCPU, pgCPU = selfCPU+self, pgCPU+pg
	}
	msgs := float64(b.N)
	b.ReportMetric(msgs/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(calls)/msgs, "roundtrips/msg")
	b.ReportMetric(float64(selfCPU.Microseconds())/msgs, "client-cpu-µs/msg")
	if pgCPU > 0 {
		b.ReportMetric(float64(pgCPU.Microseconds())/msgs, "pg-cpu-µs/msg")
	}
	if pending, _, _, _ := s.QueueDepths(ctx); pending != 0 {
		b.Fatalf("%d messages left", pending)
	}
}

// BenchmarkOutboxSend measures the sender's side: claim up to 50 due
// messages, mark each sent. ns/op is per message.
//
//   - senders=4: 4 senders, each marking its messages one at a time.
//   - senders=2/inflight=32: 2 senders with up to 32 MarkSent calls in
//     flight each, as the server sends (server/sender.go), so that calls
//     overlap and can be written together.
func BenchmarkOutboxSend(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect+"/senders=4", func(b *testing.B) { benchOutboxSend(b, dialect, 4, 1) })
		b.Run(dialect+"/senders=2/inflight=32", func(b *testing.B) { benchOutboxSend(b, dialect, 2, 32) })
	}
}

// benchOutboxSend queues b.N replies (not timed), then sends them with
// senders claim loops, each with up to inflight MarkSent calls at once.
func benchOutboxSend(b *testing.B, dialect string, senders, inflight int) {
	s := benchStore(b, dialect)
	ctx := context.Background()
	for n := int64(0); n < int64(b.N); n += 100 {
		var batch []Inbound
		for i := n; i < min(n+100, int64(b.N)); i++ {
			batch = append(batch, benchMessage(i, int64(b.N)))
		}
		if _, err := s.Ingest(ctx, Batch{Messages: batch}); err != nil {
			b.Fatal(err)
		}
	}
	for {
		ok, err := s.ProcessNext(ctx, func(ctx context.Context, w *Work) (*Outcome, error) {
			return &Outcome{Outbox: []OutboundMessage{{Type: "text", Payload: []byte(`{"text":"ok"}`)}}}, nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if !ok {
			break
		}
	}
	if s.Dialect() == "postgres" {
		// The statistics autovacuum would have gathered by now.
		if _, err := s.drv.DB().DB.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	var sent atomic.Int64
	var wamids atomic.Int64
	markSent := func(m OutboxMessage) {
		if err := s.MarkSent(ctx, m.ID, fmt.Sprintf("wamid.out.%d", wamids.Add(1))); err != nil {
			b.Error(err)
		}
		sent.Add(1)
	}
	calls := s.drv.Calls()
	cpu := readCPU(s)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots := make(chan struct{}, inflight)
			var marks sync.WaitGroup
			defer marks.Wait()
			for sent.Load() < int64(b.N) {
				ms, err := s.ClaimOutbox(ctx, 50, time.Minute)
				if err != nil {
					b.Error(err)
					return
				}
				if len(ms) == 0 {
					return // every reply is its contact's only one: all are claimed
				}
				for _, m := range ms {
					if inflight == 1 {
						markSent(m)
						continue
					}
					slots <- struct{}{}
					marks.Add(1)
					go func() {
						defer func() { <-slots; marks.Done() }()
						markSent(m)
					}()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if got := sent.Load(); got != int64(b.N) {
		b.Fatalf("%d of %d messages sent", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(s.drv.Calls()-calls)/float64(b.N), "roundtrips/msg")
	cpu.report(b, s, float64(b.N))
}
