package loadtest

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// metricsAt is /metrics text with the ack histogram of message webhooks at
// the given cumulative counts for le 0.005, 0.01, 0.02 and +Inf, and a
// histogram of status webhooks that must be ignored.
func metricsAt(c5, c10, c20, inf int) string {
	return strings.Join([]string{
		"# HELP samvad_webhook_ack_seconds Time from receiving a webhook to answering it.",
		"# TYPE samvad_webhook_ack_seconds histogram",
		`samvad_webhook_ack_seconds_bucket{carries="messages",le="0.005"} ` + strconv.Itoa(c5),
		`samvad_webhook_ack_seconds_bucket{carries="messages",le="0.01"} ` + strconv.Itoa(c10),
		`samvad_webhook_ack_seconds_bucket{carries="messages",le="0.02"} ` + strconv.Itoa(c20),
		`samvad_webhook_ack_seconds_bucket{carries="messages",le="+Inf"} ` + strconv.Itoa(inf),
		`samvad_webhook_ack_seconds_sum{carries="messages"} 1.5`,
		`samvad_webhook_ack_seconds_count{carries="messages"} ` + strconv.Itoa(inf),
		`samvad_webhook_ack_seconds_bucket{carries="statuses",le="0.005"} 900`,
		`samvad_webhook_ack_seconds_bucket{carries="statuses",le="0.01"} 950`,
		`samvad_webhook_ack_seconds_bucket{carries="statuses",le="0.02"} 990`,
		`samvad_webhook_ack_seconds_bucket{carries="statuses",le="+Inf"} 1000`,
		"go_goroutines 12",
	}, "\n") + "\n"
}

func parseAck(t *testing.T, text string) ServerAck {
	t.Helper()
	a, err := parseServerAck(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestServerAckDifferenceAndQuantiles(t *testing.T) {
	// Before the run: 10 webhooks (the probe's), all within 5 ms.
	before := parseAck(t, metricsAt(10, 10, 10, 10))
	// After: 1,000 more, 500 within 5 ms, 400 in 5-10 ms, 90 in 10-20 ms
	// and 10 slower.
	after := parseAck(t, metricsAt(510, 910, 1000, 1010))
	d, err := after.minus(before)
	if err != nil {
		t.Fatal(err)
	}
	if d.N() != 1000 {
		t.Fatalf("N = %d, want 1000 (the probe's webhooks left out)", d.N())
	}
	if got := d.Within(20 * time.Millisecond); got != 0.99 {
		t.Errorf("within 20 ms = %v, want 0.99", got)
	}
	if got := d.Within(15 * time.Millisecond); got != 0.9 {
		t.Errorf("within 15 ms = %v, want 0.9 (the largest bound under 15 ms is 10 ms)", got)
	}
	// Rank 500 is the last of the first bucket: 5 ms exactly.
	if got := d.Quantile(0.5); got != 5*time.Millisecond {
		t.Errorf("p50 = %v, want 5ms", got)
	}
	// Rank 990 is the last of the 10-20 ms bucket (900 below it, 90 in it).
	if got := d.Quantile(0.99); got != 20*time.Millisecond {
		t.Errorf("p99 = %v, want 20ms", got)
	}
	// Rank 945 is half way through the 10-20 ms bucket.
	if got := d.Quantile(0.945); got != 15*time.Millisecond {
		t.Errorf("p94.5 = %v, want 15ms", got)
	}
	// Rank 999 is in the +Inf bucket: the last finite bound.
	if got := d.Quantile(0.999); got != 20*time.Millisecond {
		t.Errorf("p99.9 = %v, want 20ms (the last finite bound)", got)
	}
	if s := d.String(); !strings.Contains(s, "p99 20.0ms (in its 10ms–20ms bucket)") || !strings.Contains(s, "99.00% within 20ms") {
		t.Errorf("String() = %q", s)
	}
}

func TestServerAckSumsTargetsAndRefusesOtherBuckets(t *testing.T) {
	a := parseAck(t, metricsAt(1, 2, 3, 4))
	b := parseAck(t, metricsAt(10, 20, 30, 40))
	sum, err := a.plus(b)
	if err != nil {
		t.Fatal(err)
	}
	if sum.N() != 44 || sum.Counts[1] != 22 {
		t.Fatalf("sum = %+v, want 44 webhooks, 22 within 10 ms", sum)
	}
	other := parseAck(t, `samvad_webhook_ack_seconds_bucket{carries="messages",le="0.1"} 5`+"\n"+
		`samvad_webhook_ack_seconds_bucket{carries="messages",le="+Inf"} 5`+"\n")
	if _, err := a.plus(other); err == nil {
		t.Error("summing histograms with different buckets: no error")
	}
	if _, err := a.minus(other); err == nil {
		t.Error("subtracting histograms with different buckets: no error")
	}
}

func TestParseServerAckRejectsBadLines(t *testing.T) {
	for _, text := range []string{
		`samvad_webhook_ack_seconds_bucket{carries="messages",le="0.01"} lots` + "\n",
		`samvad_webhook_ack_seconds_bucket{carries="messages",le="0.02"} 1` + "\n" +
			`samvad_webhook_ack_seconds_bucket{carries="messages",le="0.01"} 1` + "\n",
	} {
		if _, err := parseServerAck(strings.NewReader(text)); err == nil {
			t.Errorf("no error for %q", text)
		}
	}
	a := parseAck(t, "go_goroutines 3\n")
	if a.N() != 0 {
		t.Errorf("a target without the histogram: N = %d", a.N())
	}
}

// Latencies are grouped by when their message was due, so that one stall
// shows in its window and not spread over the run.
func TestWindowsGroupByDueTime(t *testing.T) {
	ms := time.Millisecond
	start := 100 * ms
	var sent []Sent
	v := &Verdict{}
	for i := range 30 {
		due := start + time.Duration(i)*time.Second
		ack, reply := 5*ms, 20*ms
		if i >= 10 && i < 20 { // the second window stalls
			ack, reply = 300*ms, 900*ms
		}
		sent = append(sent, Sent{Citizen: i, Due: due, Acked: due + ack, OK: true})
		v.Latency, v.LatencyDue = append(v.Latency, reply), append(v.LatencyDue, due)
	}
	// An unacknowledged message counts in no window.
	sent = append(sent, Sent{Citizen: 99, Due: start + 5*time.Second})
	w := windows(sent, v, start)
	if len(w) != 3 {
		t.Fatalf("%d windows, want 3", len(w))
	}
	for i, want := range []struct{ ack, reply time.Duration }{{5 * ms, 20 * ms}, {300 * ms, 900 * ms}, {5 * ms, 20 * ms}} {
		if w[i].Ack.N != 10 || w[i].Ack.P99 != want.ack || w[i].Reply.P99 != want.reply {
			t.Errorf("window %d: %+v, want 10 acks at %v and replies at %v", i, w[i], want.ack, want.reply)
		}
	}
	if windows(sent[:15], v, start) != nil {
		t.Error("a run of two windows got a breakdown")
	}
}
