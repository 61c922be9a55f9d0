package loadtest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Latency summarises a set of durations.
type Latency struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// percentiles computes nearest-rank percentiles (it sorts ds).
func percentiles(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return Latency{N: len(ds), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ds[len(ds)-1]}
}

// Report is what a run measured and found.
type Report struct {
	// The run as configured.
	Targets     int
	Rate        float64
	Citizens    int
	Batch       int
	Connections int
	// Offered messages were posted; Acknowledged got a 200 (after any
	// re-deliveries), Unacknowledged never did. Posts counts webhook POSTs.
	Offered, Acknowledged, Unacknowledged, Posts int
	// Window is from the first POST's due time to the last acknowledgement.
	Window time.Duration
	// Ack is webhook acknowledgement latency, measured from the time each
	// POST was due (so a server that falls behind shows it); AckErrors
	// counts unacknowledged attempts by status code or "transport".
	Ack       Latency
	AckErrors map[string]int
	// ServerAck is the targets' own histogram of the acknowledgement of
	// webhooks carrying messages (nil when they do not serve one).
	ServerAck *ServerAck
	// Lag is how late the generator started POSTs against the schedule; a
	// large lag means the generator, not the server, was short of CPU.
	Lag Latency
	// Reply is receipt-to-reply latency: from when a message was due to
	// when its first reply reached the Graph API.
	Reply Latency
	// ReplyWindow is from the first due time to the last first reply.
	ReplyWindow time.Duration
	// IdleReply is the probe's median reply latency, with nothing else
	// going on.
	IdleReply time.Duration
	// Conversation is the script and what the probe saw the bot answer.
	Conversation []Exchange
	// Replies were recorded for the run's citizens; Expected is how many
	// the acknowledged messages should have got.
	Replies, Expected int
	// Refused counts sends the Graph API refused (by HTTP status), Stray
	// sends to numbers that are not the run's citizens, ReadMarks the
	// mark-read requests.
	Refused   map[int]int
	Stray     int
	ReadMarks int
	// Verdict is the invariants' check.
	Verdict *Verdict
	// Windows are the run's latencies per windowSize of due time, in order
	// (runs of at least three windows), to tell a steady figure from one
	// stall.
	Windows []Window
	// Machine is the whole machine's load in each windowSize from the
	// offer's start, beside Windows, and on through the drain (Linux only;
	// empty elsewhere).
	Machine []MachineWindow
	// Memory samples the targets' /metrics (with Options.SampleEvery).
	Memory []MemorySample
	// Interrupted is set when the run was stopped before the end; Behind
	// when the replies had not all come when the drain time ran out (the
	// target fell behind the offered rate, or lost messages).
	Interrupted bool
	Behind      bool
	drain       time.Duration
}

// Exchange is one message of the script and the replies it gets.
type Exchange struct {
	Says    string
	Replies []string
}

// OK reports whether every message was acknowledged and every invariant
// held.
func (r *Report) OK() bool {
	return !r.Interrupted && r.Unacknowledged == 0 && len(r.Refused) == 0 && r.Verdict != nil && r.Verdict.OK()
}

// AckRate is the acknowledged messages per second.
func (r *Report) AckRate() float64 { return rate(r.Acknowledged, r.Window) }

// ReplyRate is the end-to-end throughput: answered messages per second,
// from the first message's due time to the last first reply.
func (r *Report) ReplyRate() float64 {
	if r.Verdict == nil {
		return 0
	}
	return rate(r.Verdict.Answered, r.ReplyWindow)
}

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func (r *run) report(res *offered, replies []Reply, v *Verdict, c *conversation, mem []MemorySample) *Report {
	wins := windows(res.sent, v, r.start) // before percentiles sorts v.Latency
	rep := &Report{Targets: len(r.o.Targets), Rate: r.o.Rate, Citizens: r.o.Citizens, Batch: r.o.Batch, Connections: r.o.Connections,
		Offered: len(res.sent), Posts: res.posts, AckErrors: res.failed, Lag: percentiles(res.lag),
		Ack: percentiles(res.ack), Reply: percentiles(v.Latency), IdleReply: c.latency, Replies: len(replies),
		Verdict: v, Memory: mem, Windows: wins, drain: r.o.Drain}
	var lastAck time.Duration
	for _, s := range res.sent {
		if !s.OK {
			rep.Unacknowledged++
			continue
		}
		rep.Acknowledged++
		rep.Expected += len(c.expect(s.Citizen, s.Seq))
		lastAck = max(lastAck, s.Acked)
	}
	if rep.Acknowledged > 0 {
		rep.Window = lastAck - r.start
	}
	if v.Answered > 0 {
		rep.ReplyWindow = v.LastReply - r.start
	}
	for i, text := range c.texts {
		rep.Conversation = append(rep.Conversation, Exchange{Says: text, Replies: c.groups[i]})
	}
	rep.Refused, rep.Stray, rep.ReadMarks = r.g.counters()
	if len(rep.Refused) == 0 {
		rep.Refused = nil
	}
	return rep
}

// String prints the report as a short table.
func (r *Report) String() string {
	var b strings.Builder
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(&b, "offered %d messages at %.0f/s in %d POSTs (%d per POST) over %d connection(s) to %d target(s), from %d citizens\n",
		r.Offered, r.Rate, r.Posts, r.Batch, r.Connections, r.Targets, r.Citizens)
	fmt.Fprintf(&b, "%-22s %9s %9s %9s %9s %8s\n", "", "p50", "p90", "p99", "max", "n")
	row := func(name string, l Latency) {
		fmt.Fprintf(&b, "%-22s %9s %9s %9s %9s %8d\n", name, ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), l.N)
	}
	row("webhook ack", r.Ack)
	row("receipt → reply", r.Reply)
	row("generator lag", r.Lag)
	if r.ServerAck != nil {
		fmt.Fprintf(&b, "webhook ack as the server timed it (samvad_webhook_ack_seconds, handler start to answer): %s\n", r.ServerAck)
	}
	fmt.Fprintf(&b, "throughput: acknowledged %.0f msg/s, answered %.0f msg/s end to end (idle reply %s)\n",
		r.AckRate(), r.ReplyRate(), ms(r.IdleReply))
	fmt.Fprintf(&b, "replies: %d of %d expected; unacknowledged messages: %d; failed POST attempts: %s; sends refused by the Graph API: %s\n",
		r.Replies, r.Expected, r.Unacknowledged, counts(r.AckErrors), counts(r.Refused))
	if v := r.Verdict; v != nil {
		verdict := "OK"
		if !v.OK() {
			verdict = "FAILED"
		}
		fmt.Fprintf(&b, "invariants: %s: %d of %d messages answered exactly once and in order; missing %d, duplicate %d, out of order %d, overlapping %d, unexpected %d, unchecked %d\n",
			verdict, v.Answered, v.Messages, v.Missing, v.Duplicates, v.OutOfOrder, v.Overlapping, v.Unexpected, v.Unchecked)
		for _, p := range v.Problems {
			fmt.Fprintf(&b, "  - %s\n", p)
		}
	}
	if len(r.Windows) > 0 {
		var ack, reply []string
		for _, w := range r.Windows {
			ack, reply = append(ack, fmt.Sprintf("%.0f", millis(w.Ack.P99))), append(reply, fmt.Sprintf("%.0f", millis(w.Reply.P99)))
		}
		fmt.Fprintf(&b, "p99 per %v of the offer, in ms (by due time):\n  webhook ack      %s\n  receipt → reply  %s\n",
			windowSize, strings.Join(ack, " "), strings.Join(reply, " "))
		if len(r.Machine) > 0 {
			var busy, steal []string
			for _, m := range r.Machine[:min(len(r.Machine), len(r.Windows))] {
				busy, steal = append(busy, fmt.Sprintf("%.0f", m.Busy)), append(steal, fmt.Sprintf("%.0f", m.Steal))
			}
			fmt.Fprintf(&b, "the machine in the same windows, %% of its CPU time:\n  busy             %s\n  stolen           %s\n",
				strings.Join(busy, " "), strings.Join(steal, " "))
		}
	}
	for _, line := range memoryLines(r.Memory, r.Targets) {
		b.WriteString(line + "\n")
	}
	if r.Behind {
		fmt.Fprintf(&b, "replies were still missing %v after the last POST: the target fell behind (or lost messages)\n", r.drain)
	}
	if r.Interrupted {
		b.WriteString("the run was interrupted: these figures cover only part of it\n")
	}
	return b.String()
}

// windowSize is the width of Report.Windows.
const windowSize = 10 * time.Second

// Window is the latencies of the messages due within one windowSize.
type Window struct {
	Start      time.Duration
	Ack, Reply Latency
}

// windows splits the acknowledged and answered messages by due time, from
// start; nil for runs shorter than three windows.
func windows(sent []Sent, v *Verdict, start time.Duration) []Window {
	index := func(due time.Duration) int { return int(max(0, due-start) / windowSize) }
	n := 0
	for _, s := range sent {
		n = max(n, index(s.Due)+1)
	}
	if n < 3 {
		return nil
	}
	acks, replies := make([][]time.Duration, n), make([][]time.Duration, n)
	for _, s := range sent {
		if s.OK {
			acks[index(s.Due)] = append(acks[index(s.Due)], s.Acked-s.Due)
		}
	}
	for i, d := range v.Latency {
		if k := index(v.LatencyDue[i]); k < n {
			replies[k] = append(replies[k], d)
		}
	}
	out := make([]Window, n)
	for i := range out {
		out[i] = Window{Start: time.Duration(i) * windowSize, Ack: percentiles(acks[i]), Reply: percentiles(replies[i])}
	}
	return out
}

// millis is d in milliseconds.
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// memoryLines summarises each target's memory samples.
func memoryLines(samples []MemorySample, targets int) []string {
	var lines []string
	mb := func(f float64) string { return fmt.Sprintf("%.0f MB", f/(1<<20)) }
	for t := 0; t < targets; t++ {
		var heap, rss []float64
		for _, s := range samples {
			if s.Target == t {
				heap, rss = append(heap, s.HeapAlloc), append(rss, s.RSS)
			}
		}
		if len(heap) == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("memory of target %d (%d samples): heap %s first, %s last, %s max; RSS %s first, %s last, %s max",
			t+1, len(heap), mb(heap[0]), mb(heap[len(heap)-1]), mb(slices.Max(heap)), mb(rss[0]), mb(rss[len(rss)-1]), mb(slices.Max(rss))),
			"  heap MB over time: "+series(heap), "  RSS MB over time:  "+series(rss))
	}
	return lines
}

// series prints samples in megabytes, one decimal, space-separated.
func series(fs []float64) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%.1f", f/(1<<20))
	}
	return strings.Join(parts, " ")
}

// counts prints a map of counts as "503×2, transport×1", or "none".
func counts[K comparable](m map[K]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%v×%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
