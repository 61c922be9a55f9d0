package loadtest

import (
	"fmt"
	"sort"
	"time"
)

// Checking a run. Every citizen follows the same script, and the engine is
// deterministic, so the replies to a citizen's n-th message are known in
// advance (the probe learns them: so many replies, with these signatures).
// A citizen's replies, in the order the Graph API received them, must
// therefore be exactly the concatenation of the expected replies to each of
// their acknowledged messages. Walking both lists together finds each
// message's replies, and with them its receipt-to-reply latency, and any
// reply missing, sent twice, or out of its place.

// Sent is one citizen message as the generator offered it.
type Sent struct {
	Citizen int
	// Seq numbers the citizen's messages from 0.
	Seq int
	// Due is when the schedule meant to post it; Acked when the server
	// answered 200 (zero when it never did). Times are on the run's clock.
	Due, Posted, Acked time.Duration
	// OK is true when the webhook carrying it was acknowledged.
	OK bool
}

// Reply is one send the fake Graph API accepted for a citizen of the run.
type Reply struct {
	Citizen int
	// Start is when the request reached the Graph API, End when it was
	// answered.
	Start, End time.Duration
	// Signature describes the content (see signature); Hash is the whole
	// body's, to tell a repeated send from a different message.
	Signature string
	Hash      uint64
}

// Expect returns the signatures of the replies expected to a citizen's
// seq-th message.
type Expect func(citizen, seq int) []string

// Verdict is what Check found.
type Verdict struct {
	// Messages were checked (acknowledged, of citizens whose every message
	// was acknowledged); Answered got all their replies in place.
	Messages, Answered int
	// Missing messages got no reply, or not all of them, by the end.
	Missing int
	// Duplicates are replies sent twice; OutOfOrder are replies not in
	// their place (after which the rest of that citizen is not checked);
	// Overlapping are sends to one citizen that started before the previous
	// one was answered, so their order was left to chance; Unexpected are
	// replies after the last expected one that are not repeats.
	Duplicates, OutOfOrder, Overlapping, Unexpected int
	// Unchecked messages belong to citizens with an unacknowledged message
	// (whether it was stored is unknown) or follow an out-of-order reply.
	Unchecked int
	// Latency holds, per answered message, the time from when it was due
	// to when its first reply reached the Graph API.
	Latency []time.Duration
	// LatencyDue is, for each of Latency, when its message was due.
	LatencyDue []time.Duration
	// LastReply is when the last answered message got its first reply.
	LastReply time.Duration
	// Problems describe the first few failures.
	Problems []string
}

// OK reports whether every invariant held.
func (v *Verdict) OK() bool {
	return v.Missing == 0 && v.Duplicates == 0 && v.OutOfOrder == 0 && v.Overlapping == 0 && v.Unexpected == 0
}

const maxProblems = 10

func (v *Verdict) problem(format string, args ...any) {
	if len(v.Problems) < maxProblems {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
	}
}

// Check compares what was sent with the replies the Graph API received.
func Check(sent []Sent, replies []Reply, expect Expect) *Verdict {
	v := &Verdict{}
	byCitizen := map[int][]Sent{}
	for _, s := range sent {
		byCitizen[s.Citizen] = append(byCitizen[s.Citizen], s)
	}
	got := map[int][]Reply{}
	for _, r := range replies {
		got[r.Citizen] = append(got[r.Citizen], r)
	}
	citizens := make([]int, 0, len(byCitizen))
	for c := range byCitizen {
		citizens = append(citizens, c)
	}
	sort.Ints(citizens)
	for _, c := range citizens {
		msgs := byCitizen[c]
		sort.Slice(msgs, func(i, j int) bool { return msgs[i].Seq < msgs[j].Seq })
		rs := got[c]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
		v.checkCitizen(c, msgs, rs, expect)
		delete(got, c)
	}
	for c, rs := range got {
		v.Unexpected += len(rs)
		v.problem("citizen %d got %d replies but sent nothing", c, len(rs))
	}
	return v
}

// checkCitizen walks one citizen's messages and replies together.
func (v *Verdict) checkCitizen(c int, msgs []Sent, rs []Reply, expect Expect) {
	for _, m := range msgs {
		if !m.OK {
			v.Unchecked += len(msgs)
			return
		}
	}
	for i := 1; i < len(rs); i++ {
		if rs[i].Start < rs[i-1].End {
			v.Overlapping++
			v.problem("citizen %d: reply %d was sent before reply %d was answered", c, i+1, i)
		}
	}
	p := 0
	for k, m := range msgs {
		v.Messages++
		want := expect(c, m.Seq)
		got := answer(rs, p, want, m.Posted)
		if got.dups > 0 {
			v.Duplicates += got.dups
			v.problem("citizen %d: %d of the replies to message %d were sent twice", c, got.dups, m.Seq)
		}
		switch {
		case got.ok:
			if len(want) > 0 {
				first := rs[got.first]
				if first.Start < m.Posted {
					v.OutOfOrder++
					v.problem("citizen %d: the reply to message %d reached the Graph API before the message was posted", c, m.Seq)
					v.Unchecked += len(msgs) - k - 1
					return
				}
				v.Latency = append(v.Latency, first.Start-m.Due)
				v.LatencyDue = append(v.LatencyDue, m.Due)
				v.LastReply = max(v.LastReply, first.Start)
			}
			v.Answered++
			p = got.next
		case k+1 < len(msgs) && len(want) > 0 && answer(rs, p, expect(c, msgs[k+1].Seq), msgs[k+1].Posted).ok:
			after := answer(rs, p, expect(c, msgs[k+1].Seq), msgs[k+1].Posted).next
			if answer(rs, after, want, m.Posted).ok {
				v.OutOfOrder++
				v.problem("citizen %d: the replies to messages %d and %d left in the wrong order", c, m.Seq, msgs[k+1].Seq)
				v.Unchecked += len(msgs) - k - 1
				return
			}
			// This message's replies never came, but the next one's did.
			v.Missing++
			v.problem("citizen %d: message %d was never answered (the next one was)", c, m.Seq)
		case got.next >= len(rs):
			// The replies ran out: this message and every later one are missing.
			left := len(msgs) - k
			v.Missing += left
			v.problem("citizen %d: %d of their %d messages unanswered, from message %d", c, left, len(msgs), m.Seq)
			return
		default:
			v.OutOfOrder++
			v.problem("citizen %d: message %d should be answered with %q, but reply %d is %q", c, m.Seq, want, got.next+1, rs[got.next].Signature)
			v.Unchecked += len(msgs) - k - 1
			return
		}
	}
	for ; p < len(rs); p++ {
		if isRepeat(rs, p) {
			v.Duplicates++
			v.problem("citizen %d: reply %d (%q) was sent twice", c, p+1, rs[p].Signature)
			continue
		}
		v.Unexpected++
		v.problem("citizen %d: reply %d (%q) answers nothing they sent", c, p+1, rs[p].Signature)
	}
}

// answered is how a message's replies were found among a citizen's.
type answered struct {
	ok bool
	// first is the index of the first reply, next the index after the
	// last (or where matching stopped); dups counts repeats skipped.
	first, next, dups int
}

// answer looks for the replies want from rs[p]. A reply that repeats the
// one before it (the same body) is a duplicate when it came before the
// message was posted or is not the reply expected there.
func answer(rs []Reply, p int, want []string, posted time.Duration) answered {
	a := answered{first: -1, next: p}
	for j := 0; j < len(want); {
		i := a.next
		if i >= len(rs) {
			return a
		}
		if isRepeat(rs, i) && (rs[i].Start < posted || rs[i].Signature != want[j]) {
			a.dups++
			a.next++
			continue
		}
		if rs[i].Signature != want[j] {
			return a
		}
		if j == 0 {
			a.first = i
		}
		a.next++
		j++
	}
	a.ok = true
	return a
}

// isRepeat reports whether reply p is the same body as the one before it.
func isRepeat(rs []Reply, p int) bool {
	return p > 0 && p < len(rs) && rs[p].Hash == rs[p-1].Hash
}
