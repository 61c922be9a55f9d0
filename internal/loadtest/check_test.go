package loadtest

import (
	"strings"
	"testing"
	"time"
)

// A two-message script: "hi" gets a menu, "1" gets a text and a menu.
func testExpect(_, seq int) []string {
	if seq%2 == 0 {
		return []string{"menu"}
	}
	return []string{"text", "menu"}
}

// conversationLog builds what a correct server does for citizens who each
// sent n messages: every expected reply, in order, one after the other.
func conversationLog(citizens, n int) ([]Sent, []Reply) {
	var sent []Sent
	var replies []Reply
	for c := 0; c < citizens; c++ {
		at := time.Duration(c) * time.Millisecond
		for seq := 0; seq < n; seq++ {
			due := at
			sent = append(sent, Sent{Citizen: c, Seq: seq, Due: due, Posted: due, Acked: due + time.Millisecond, OK: true})
			at += 2 * time.Millisecond
			for i, sig := range testExpect(0, seq) {
				replies = append(replies, Reply{Citizen: c, Start: at, End: at + time.Millisecond, Signature: sig,
					Hash: uint64(c*1000 + seq*10 + i)})
				at += 2 * time.Millisecond
			}
		}
	}
	return sent, replies
}

func TestCheckPassesACorrectLog(t *testing.T) {
	sent, replies := conversationLog(3, 4)
	v := Check(sent, replies, testExpect)
	if !v.OK() || v.Messages != 12 || v.Answered != 12 || len(v.Latency) != 12 {
		t.Fatalf("a correct log should pass with 12 answered messages: %+v", v)
	}
	if v.Latency[0] != 2*time.Millisecond {
		t.Fatalf("the first message's reply came 2ms after it was due, got %v", v.Latency[0])
	}
}

func TestCheckFindsADuplicate(t *testing.T) {
	sent, replies := conversationLog(2, 4)
	// Citizen 0's menu answering message 1 is sent twice (and looks like the
	// answer to message 2); citizen 1's text answering message 1 is.
	again := func(i int) Reply {
		r := replies[i]
		r.Start, r.End = replies[i].End+time.Microsecond, replies[i].End+2*time.Microsecond
		return r
	}
	var log []Reply
	for i, r := range replies {
		log = append(log, r)
		if i == 2 || i == 7 {
			log = append(log, again(i))
		}
	}
	v := Check(sent, log, testExpect)
	if v.OK() || v.Duplicates != 2 || v.OutOfOrder != 0 || v.Missing != 0 || v.Unexpected != 0 {
		t.Fatalf("want exactly two duplicates: %+v", v)
	}
	if v.Answered != 8 {
		t.Fatalf("the duplicates should not cost an answer: %d of 8 answered", v.Answered)
	}
}

func TestCheckFindsAReplyOutOfOrder(t *testing.T) {
	sent, replies := conversationLog(2, 4)
	// Citizen 1's replies to messages 1 and 2 leave in the wrong order: the
	// menu answering message 2 goes before the text and menu of message 1.
	c1 := replies[6:]
	swapped := []Reply{c1[3], c1[1], c1[2]}
	swapped[0].Start, swapped[1].Start, swapped[2].Start = c1[1].Start, c1[2].Start, c1[3].Start
	swapped[0].End, swapped[1].End, swapped[2].End = c1[1].End, c1[2].End, c1[3].End
	copy(c1[1:4], swapped)
	v := Check(sent, replies, testExpect)
	if v.OK() || v.OutOfOrder != 1 || v.Duplicates != 0 {
		t.Fatalf("want one reply out of order: %+v", v)
	}
	if !strings.Contains(strings.Join(v.Problems, "\n"), "citizen 1") {
		t.Fatalf("the problem should name citizen 1: %q", v.Problems)
	}
}

func TestCheckFindsMissingAndOverlappingReplies(t *testing.T) {
	sent, replies := conversationLog(2, 4)
	// Citizen 0 never gets the last reply; citizen 1's second send starts
	// before the first was answered.
	replies = append(replies[:5], replies[6:]...)
	replies[6].Start = replies[5].End - time.Microsecond
	v := Check(sent, replies, testExpect)
	if v.Missing != 1 || v.Overlapping != 1 || v.OK() {
		t.Fatalf("want one missing and one overlapping reply: %+v", v)
	}
}

func TestCheckLeavesOutCitizensWithUnacknowledgedMessages(t *testing.T) {
	sent, replies := conversationLog(2, 2)
	sent[1].OK = false
	replies = append(replies[:1], replies[3:]...)
	v := Check(sent, replies, testExpect)
	if !v.OK() || v.Unchecked != 2 || v.Messages != 2 {
		t.Fatalf("citizen 0 should be unchecked, citizen 1 fine: %+v", v)
	}
}

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := percentiles(ds)
	if l.P50 != 50*time.Millisecond || l.P90 != 90*time.Millisecond || l.P99 != 99*time.Millisecond || l.Max != 100*time.Millisecond || l.N != 100 {
		t.Fatalf("percentiles of 1..100ms: %+v", l)
	}
}
