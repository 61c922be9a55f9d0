package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ackMetric is the targets' histogram of their own acknowledgement time,
// from the webhook handler's start to its answer; ackCarries picks the
// webhooks that carry citizens' messages.
const (
	ackMetric  = "samvad_webhook_ack_seconds_bucket"
	ackCarries = "messages"
)

// ServerAck is the targets' own account of how long they took to
// acknowledge the run's message webhooks: the difference of their
// samvad_webhook_ack_seconds histograms between the start and the end of
// the offer, summed over the targets. It leaves out what the generator's
// figure includes besides: time in the generator, in the kernel and in the
// target's queue of connections before the handler starts. When both are
// far apart on one machine, the difference is CPU contention, not the
// server's work.
type ServerAck struct {
	// Bounds are the buckets' upper bounds in seconds, in increasing
	// order (the last is +Inf); Counts the webhooks at or under each.
	Bounds []float64
	Counts []float64
}

// N is the number of webhooks counted.
func (a ServerAck) N() int {
	if len(a.Counts) == 0 {
		return 0
	}
	return int(a.Counts[len(a.Counts)-1])
}

// Within is the share of webhooks acknowledged within d, exact when d is
// one of the bounds and the largest bound under d otherwise.
func (a ServerAck) Within(d time.Duration) float64 {
	if a.N() == 0 {
		return 0
	}
	under := 0.0
	for i, b := range a.Bounds {
		if b <= d.Seconds()+1e-12 {
			under = a.Counts[i]
		}
	}
	return under / float64(a.N())
}

// Quantile estimates the q-quantile as Prometheus's histogram_quantile does:
// it finds the bucket that holds the rank and interpolates linearly within
// it. Beyond the last finite bound it returns that bound.
func (a ServerAck) Quantile(q float64) time.Duration {
	if a.N() == 0 {
		return 0
	}
	i, lower := a.bucketOf(q)
	if i == len(a.Bounds) || math.IsInf(a.Bounds[i], 1) {
		return seconds(lower)
	}
	below := 0.0
	if i > 0 {
		below = a.Counts[i-1]
	}
	in := a.Counts[i] - below
	if in <= 0 {
		return seconds(a.Bounds[i])
	}
	return seconds(lower + (a.Bounds[i]-lower)*(q*float64(a.N())-below)/in)
}

// bucketOf returns the index of the bucket holding the q-quantile and its
// lower bound (len(Bounds) when none holds it).
func (a ServerAck) bucketOf(q float64) (i int, lower float64) {
	rank := q * float64(a.N())
	for i, b := range a.Bounds {
		if a.Counts[i] >= rank {
			return i, lower
		}
		lower = b
	}
	return len(a.Bounds), lower
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// minus is a's counts less those of before (the same buckets).
func (a ServerAck) minus(before ServerAck) (ServerAck, error) { return a.add(before, -1) }

// plus adds b's counts to a's.
func (a ServerAck) plus(b ServerAck) (ServerAck, error) { return a.add(b, 1) }

// add returns a's counts plus sign times b's. An empty side counts as zero
// in the other's buckets; otherwise both must have the same buckets.
func (a ServerAck) add(b ServerAck, sign float64) (ServerAck, error) {
	switch {
	case len(b.Bounds) == 0:
		return a, nil
	case len(a.Bounds) == 0:
		a = ServerAck{Bounds: b.Bounds, Counts: make([]float64, len(b.Counts))}
	case !slices.Equal(a.Bounds, b.Bounds):
		return ServerAck{}, fmt.Errorf("the histograms have different buckets")
	}
	out := ServerAck{Bounds: a.Bounds, Counts: make([]float64, len(a.Counts))}
	for i := range a.Counts {
		out.Counts[i] = a.Counts[i] + sign*b.Counts[i]
	}
	return out, nil
}

// readServerAck reads and sums every target's histogram. ok is false when
// a target does not serve it (a server that is not Samvad, or an older one).
func readServerAck(ctx context.Context, client *http.Client, targets []string) (sum ServerAck, ok bool) {
	for _, t := range targets {
		a, err := fetchServerAck(ctx, client, t)
		if err != nil || len(a.Bounds) == 0 {
			return ServerAck{}, false
		}
		if sum, err = sum.plus(a); err != nil {
			return ServerAck{}, false
		}
	}
	return sum, len(targets) > 0
}

func fetchServerAck(ctx context.Context, client *http.Client, target string) (ServerAck, error) {
	var a ServerAck
	err := getMetrics(ctx, client, target, func(r io.Reader) error {
		var err error
		a, err = parseServerAck(r)
		return err
	})
	return a, err
}

// parseServerAck reads the message webhooks' buckets from Prometheus's text
// format, lines such as
//
//	samvad_webhook_ack_seconds_bucket{carries="messages",le="0.02"} 14873
func parseServerAck(r io.Reader) (ServerAck, error) {
	var a ServerAck
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, ackMetric+"{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok || !strings.Contains(labels, `carries="`+ackCarries+`"`) {
			continue
		}
		_, le, ok := strings.Cut(labels, `le="`)
		if !ok {
			continue
		}
		le, _, _ = strings.Cut(le, `"`)
		bound, err1 := strconv.ParseFloat(le, 64)
		count, err2 := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err1 != nil || err2 != nil {
			return ServerAck{}, fmt.Errorf("/metrics: unreadable line %q", line)
		}
		if n := len(a.Bounds); n > 0 && bound <= a.Bounds[n-1] {
			return ServerAck{}, fmt.Errorf("/metrics: %s buckets out of order at le=%q", ackMetric, le)
		}
		a.Bounds, a.Counts = append(a.Bounds, bound), append(a.Counts, count)
	}
	return a, sc.Err()
}

// String prints the figure as the report's line.
func (a ServerAck) String() string {
	if a.N() == 0 {
		return "no message webhooks counted"
	}
	ms := func(s float64) string {
		if math.IsInf(s, 1) {
			return "+Inf"
		}
		return strconv.FormatFloat(s*1000, 'g', 4, 64) + "ms"
	}
	i, lo := a.bucketOf(0.99)
	hi := math.Inf(1)
	if i < len(a.Bounds) {
		hi = a.Bounds[i]
	}
	return fmt.Sprintf("p50 %.1fms, p99 %.1fms (in its %s–%s bucket), %.2f%% within 20ms, n %d",
		float64(a.Quantile(0.50))/float64(time.Millisecond), float64(a.Quantile(0.99))/float64(time.Millisecond),
		ms(lo), ms(hi), 100*a.Within(20*time.Millisecond), a.N())
}
