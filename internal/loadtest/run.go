package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samvad/samvad/adapters/whatsapp"
)

// probeCitizen is the citizen number the probe writes from; the second
// probe (Options.Spread) writes from the one under it. Both are above
// MaxCitizens.
const probeCitizen = MaxCitizens + 2

// run is one load run in progress.
type run struct {
	o      Options
	g      *Graph
	client *http.Client
	prefix string // the first digits of every citizen's number in this run
	runID  string // makes wamids unique across runs

	total    int
	posts    int
	postRate float64
	start    time.Duration
	conv     *conversation // what the probe learned

	posted, acked atomic.Int64
}

// Run offers webhooks to the targets on a fixed schedule (open loop: a POST
// starts when it is due, whether or not earlier ones were answered), waits
// for the replies at the Graph, and reports latencies, throughput and
// whether every acknowledged message was answered exactly once and in
// order.
//
// It first probes the targets with one citizen who says the whole script,
// waiting for each answer, to learn the replies every citizen should get.
// When ctx ends, the run stops offering, and returns the report of what was
// done so far (marked Interrupted) with ctx's error.
func Run(ctx context.Context, o Options) (*Report, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	r := newRun(o)
	r.g.setRoute(r.route)
	defer r.g.setRoute(nil)
	defer r.client.CloseIdleConnections()

	conversation, err := r.probe(ctx)
	if err != nil {
		return nil, err
	}
	r.conv = conversation
	r.log("probe: the conversation has %d messages and %d replies; an idle reply takes %v",
		len(conversation.groups), conversation.replies(), conversation.latency.Round(10*time.Microsecond))
	if o.Spread {
		r.log("spread: citizen n says %q n mod %d extra times after the opening, so that the citizens go round the cycle out of step",
			conversation.pause, len(o.Cycle))
	}

	sampleCtx, stopSampling := context.WithCancel(context.Background())
	samples := startSampling(sampleCtx, r.client, o.Targets, o.SampleEvery, r.g.since)
	progressCtx, stopProgress := context.WithCancel(ctx)
	go r.progress(progressCtx)

	ackBefore, ackOK := readServerAck(ctx, r.client, o.Targets)
	machineCtx, stopMachine := context.WithCancel(ctx)
	machine := watchMachine(machineCtx, r.g.since()+offerDelay, r.g.since)
	results := r.offer(ctx)
	stopProgress()
	var serverAck *ServerAck
	if ackAfter, ok := readServerAck(ctx, r.client, o.Targets); ok && ackOK {
		if d, err := ackAfter.minus(ackBefore); err == nil {
			serverAck = &d
		}
	}
	expected := 0
	for _, s := range results.sent {
		if s.OK {
			expected += len(conversation.expect(s.Citizen, s.Seq))
		}
	}
	complete := r.drain(ctx, expected)
	stopSampling()
	stopMachine()

	replies := r.g.take()
	verdict := Check(results.sent, replies, conversation.expect)
	rep := r.report(results, replies, verdict, conversation, samples.wait())
	rep.Machine = machine.wait()
	rep.ServerAck = serverAck
	rep.Behind = !complete && ctx.Err() == nil
	if ctx.Err() != nil {
		rep.Interrupted = true
		return rep, ctx.Err()
	}
	return rep, nil
}

func newRun(o Options) *run {
	var b [4]byte
	_, _ = rand.Read(b[:])
	n := int(b[0])<<8 | int(b[1])
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
		MaxIdleConns:        o.Connections * 2,
		MaxIdleConnsPerHost: o.Connections,
		MaxConnsPerHost:     o.Connections + 8,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	r := &run{
		o:      o,
		g:      o.Graph,
		client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		prefix: fmt.Sprintf("919%03d", n%1000),
		runID:  hex.EncodeToString(b[:]),
		total:  o.total(),
	}
	r.posts = (r.total + o.Batch - 1) / o.Batch
	r.postRate = o.Rate / float64(o.Batch)
	if o.Connections > o.Citizens {
		r.o.Connections = o.Citizens
	}
	return r
}

// waID is a citizen's WhatsApp number: 91 and ten digits, the last six the
// citizen's index.
func (r *run) waID(citizen int) string {
	return r.prefix + fmt.Sprintf("%06d", citizen)
}

// route maps a reply's recipient back to the citizen.
func (r *run) route(to string) (int, bool) {
	if len(to) != len(r.prefix)+6 || to[:len(r.prefix)] != r.prefix {
		return 0, false
	}
	n, err := strconv.Atoi(to[len(r.prefix):])
	return n, err == nil
}

func (r *run) log(format string, args ...any) {
	if r.o.Log != nil {
		fmt.Fprintf(r.o.Log, format+"\n", args...)
	}
}

// citizenNames are the profile names the citizens have on WhatsApp.
var citizenNames = []string{"Meera", "राजेश कुमार", "Priya S", "সুমন দাস", "Arjun", "ଅନିତା", "Lakshmi", "सुनीता पाटील",
	"Mohammed Irfan", "கார்த்திக்", "Fatima", "Ravi", "ज्योति", "Anil Kumar", "Deepa 🌸", "Sanjay"}

// post delivers one webhook body, re-delivering it when it is not
// acknowledged, and reports whether and when it was. failed counts each
// unacknowledged attempt by its status code (or "transport").
func (r *run) post(ctx context.Context, target string, body []byte, failed map[string]int) (time.Duration, bool) {
	url := target + "/api/v1/integration/whatsapp/" + r.o.Integration + "/callback"
	sig := whatsapp.Sign(body, r.o.AppSecret)
	for attempt := 0; attempt <= r.o.Redeliveries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return 0, false
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			failed["request"]++
			return 0, false
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(whatsapp.SignatureHeader, sig)
		res, err := r.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return 0, false
			}
			failed["transport"]++
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			return r.g.since(), true
		}
		failed[strconv.Itoa(res.StatusCode)]++
	}
	return 0, false
}

// conversation is what the probe learned: the replies (by signature) to
// each message of the script. With Options.Spread, citizen n first says the
// cycle's last message n mod (cycle length) extra times after the opening
// (it keeps them where the cycle begins, as the probe checks), so that the
// citizens go round the cycle out of step with each other.
type conversation struct {
	opening int
	cycle   int
	groups  [][]string
	texts   []string
	latency time.Duration
	// spread is set with Options.Spread; pause and paused are the extra
	// message and its replies.
	spread bool
	pause  string
	paused []string
}

// at is what a citizen says as their seq-th message and the signatures of
// the replies it gets.
func (c *conversation) at(citizen, seq int) (string, []string) {
	if seq < c.opening {
		return c.texts[seq], c.groups[seq]
	}
	extra := 0
	if c.spread {
		extra = citizen % c.cycle
	}
	if seq < c.opening+extra {
		return c.pause, c.paused
	}
	i := c.opening + (seq-c.opening-extra)%c.cycle
	return c.texts[i], c.groups[i]
}

// expect returns the signatures of the replies to a citizen's seq-th
// message.
func (c *conversation) expect(citizen, seq int) []string {
	_, replies := c.at(citizen, seq)
	return replies
}

// text is what a citizen says as their seq-th message.
func (c *conversation) text(citizen, seq int) string {
	text, _ := c.at(citizen, seq)
	return text
}

func (c *conversation) replies() int {
	n := 0
	for _, g := range c.groups {
		n += len(g)
	}
	return n
}

// probeSettle is how long the probe waits after a reply for another one
// at least; it also waits five times the latency of the message's first
// reply.
const probeSettle = 150 * time.Millisecond

// probe has one citizen say the opening and the cycle twice, waiting for
// each answer, and checks that the second cycle was answered like the
// first (else the script does not come back to where it started, and
// citizens' replies could not be predicted). With Options.Spread it then
// learns the message that spreads the citizens (see learnPause).
func (r *run) probe(ctx context.Context) (*conversation, error) {
	o := &r.o
	c := &conversation{opening: len(o.Opening), cycle: len(o.Cycle)}
	script := append(append(append([]string(nil), o.Opening...), o.Cycle...), o.Cycle...)
	groups, latencies, err := r.say(ctx, probeCitizen, script)
	if err != nil {
		return nil, err
	}
	first := groups[len(o.Opening) : len(o.Opening)+len(o.Cycle)]
	second := groups[len(o.Opening)+len(o.Cycle):]
	for i := range first {
		if fmt.Sprint(first[i]) != fmt.Sprint(second[i]) {
			return nil, fmt.Errorf("loadtest: probe: the script does not cycle: %q was answered %q the first time and %q the second",
				o.Cycle[i], first[i], second[i])
		}
	}
	c.groups = groups[:len(o.Opening)+len(o.Cycle)]
	c.texts = script[:len(c.groups)]
	c.latency = median(latencies)
	if o.Spread {
		if err := r.learnPause(ctx, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// learnPause has a second probe citizen say the cycle's last message twice
// after the opening, then the cycle, and checks that both were answered
// alike and the cycle as the first probe's: then that message keeps a
// citizen where the cycle begins, and Options.Spread can use it.
func (r *run) learnPause(ctx context.Context, c *conversation) error {
	o := &r.o
	pause := o.Cycle[len(o.Cycle)-1]
	script := append(append(append([]string(nil), o.Opening...), pause, pause), o.Cycle...)
	groups, _, err := r.say(ctx, probeCitizen-1, script)
	if err != nil {
		return err
	}
	first, second := groups[c.opening], groups[c.opening+1]
	same := fmt.Sprint(first) == fmt.Sprint(second)
	for i := range o.Cycle {
		same = same && fmt.Sprint(groups[c.opening+2+i]) == fmt.Sprint(c.groups[c.opening+i])
	}
	if !same {
		return fmt.Errorf("loadtest: probe: spreading the citizens needs the cycle's last message (%q) to leave a citizen where the cycle begins, and it does not", pause)
	}
	c.spread, c.pause, c.paused = true, pause, first
	return nil
}

// say has citizen say script, one message at a time, waiting for each
// answer; it returns each message's replies and the latency of the first.
func (r *run) say(ctx context.Context, citizen int, script []string) ([][]string, []time.Duration, error) {
	o := &r.o
	var groups [][]string
	var latencies []time.Duration
	failed := map[string]int{}
	for seq, text := range script {
		sent := r.g.since()
		body := appendWebhook(nil, o.PhoneNumberID, []inbound{{waID: r.waID(citizen), name: "Probe Citizen",
			wamid: r.wamid(citizen, seq), ts: time.Now().Unix(), text: text}})
		if _, ok := r.post(ctx, o.Targets[seq%len(o.Targets)], body, failed); !ok {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, fmt.Errorf("loadtest: probe: %s did not acknowledge a webhook (answers: %v): is the integration id %q and its app secret right?",
				o.Targets[seq%len(o.Targets)], failed, o.Integration)
		}
		replies, err := r.awaitProbe(ctx, citizen, sent)
		if err != nil {
			return nil, nil, err
		}
		if len(replies) == 0 {
			return nil, nil, fmt.Errorf("loadtest: probe: no reply to %q within %v: is the target's graph base URL %s?", text, probeWait, r.g.URL())
		}
		latencies = append(latencies, replies[0].Start-sent)
		group := make([]string, len(replies))
		for i, rep := range replies {
			group[i] = rep.Signature
		}
		groups = append(groups, group)
	}
	return groups, latencies, nil
}

// probeWait bounds the wait for the first answer to a probe message.
const probeWait = 10 * time.Second

// awaitProbe collects the replies to one probe message: it waits for the
// first, then until none has come for probeSettle.
func (r *run) awaitProbe(ctx context.Context, citizen int, sent time.Duration) ([]Reply, error) {
	var got []Reply
	deadline := time.Now().Add(probeWait)
	quietSince := time.Now()
	settle := probeSettle
	for {
		if more := r.g.take(); len(more) > 0 {
			for _, m := range more {
				if m.Citizen != citizen {
					return nil, fmt.Errorf("loadtest: probe: a reply to citizen %d, who has not written yet", m.Citizen)
				}
			}
			if len(got) == 0 {
				settle = probeSettle + 5*(more[0].Start-sent)
			}
			got = append(got, more...)
			quietSince = time.Now()
		}
		switch {
		case len(got) > 0 && time.Since(quietSince) >= settle:
			return got, nil
		case len(got) == 0 && time.Now().After(deadline):
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-r.g.arrived:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (r *run) wamid(citizen, seq int) string {
	return fmt.Sprintf("wamid.LOAD%s%06d%06d", r.runID, citizen, seq)
}

// offered is what the connections did.
type offered struct {
	sent   []Sent
	ack    []time.Duration
	lag    []time.Duration
	failed map[string]int
	posts  int
}

// offerDelay is how long after offer is called the first post is due.
const offerDelay = 20 * time.Millisecond

// offer runs the connections until every message was offered (or ctx
// ended). Connection j sends posts j, j+N, j+2N… of the schedule (post i is
// due at i/postRate), each carrying the next message of its own citizens
// j, j+N, j+2N…, in turn.
func (r *run) offer(ctx context.Context) *offered {
	n := r.o.Connections
	r.start = r.g.since() + offerDelay
	parts := make([]*offered, n)
	var wg sync.WaitGroup
	for j := range n {
		wg.Add(1)
		go func() { defer wg.Done(); parts[j] = r.connection(ctx, j) }()
	}
	wg.Wait()
	all := &offered{failed: map[string]int{}}
	for _, p := range parts {
		all.sent = append(all.sent, p.sent...)
		all.ack = append(all.ack, p.ack...)
		all.lag = append(all.lag, p.lag...)
		all.posts += p.posts
		for k, v := range p.failed {
			all.failed[k] += v
		}
	}
	return all
}

// citizenState is what a connection remembers of one of its citizens.
type citizenState struct {
	seq int
	ts  int64
}

func (r *run) connection(ctx context.Context, j int) *offered {
	n := r.o.Connections
	out := &offered{failed: map[string]int{}}
	mine := (r.o.Citizens - j + n - 1) / n
	states := make([]citizenState, mine)
	cursor := 0
	var body []byte
	batch := make([]inbound, 0, r.o.Batch)
	sent := make([]Sent, 0, r.o.Batch)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for p := 0; ; p++ {
		slot := j + n*p
		if slot >= r.posts || ctx.Err() != nil {
			return out
		}
		due := r.start + time.Duration(float64(slot)*float64(time.Second)/r.postRate)
		if wait := due - r.g.since(); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return out
			case <-timer.C:
			}
		}
		batch, sent = batch[:0], sent[:0]
		now := time.Now().Unix()
		for k := slot * r.o.Batch; k < min((slot+1)*r.o.Batch, r.total); k++ {
			local := cursor % mine
			cursor++
			st := &states[local]
			citizen := j + n*local
			st.ts = max(st.ts, now)
			batch = append(batch, inbound{waID: r.waID(citizen), name: citizenNames[citizen%len(citizenNames)],
				wamid: r.wamid(citizen, st.seq), ts: st.ts, text: r.conv.text(citizen, st.seq)})
			sent = append(sent, Sent{Citizen: citizen, Seq: st.seq, Due: due})
			st.seq++
		}
		body = appendWebhook(body[:0], r.o.PhoneNumberID, batch)
		posted := r.g.since()
		out.lag = append(out.lag, posted-due)
		r.posted.Add(int64(len(sent)))
		acked, ok := r.post(ctx, r.o.Targets[(j+p)%len(r.o.Targets)], body, out.failed)
		out.posts++
		for i := range sent {
			sent[i].Posted = posted
			if ok {
				sent[i].Acked, sent[i].OK = acked, true
				out.ack = append(out.ack, acked-due)
			}
		}
		if ok {
			r.acked.Add(int64(len(sent)))
		}
		out.sent = append(out.sent, sent...)
	}
}

// drain waits until the expected number of replies has come (and a moment
// more, for any duplicate), or Drain has passed; it reports whether they
// all came.
func (r *run) drain(ctx context.Context, expected int) bool {
	deadline := time.Now().Add(r.o.Drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if r.g.count() >= expected {
			time.Sleep(300 * time.Millisecond)
			return true
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// progress logs a line every five seconds while the run offers.
func (r *run) progress(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			el := (r.g.since() - r.start).Seconds()
			r.log("%5.0fs: %d offered, %d acknowledged, %d replies", math.Round(el), r.posted.Load(), r.acked.Load(), r.g.count())
		}
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return percentiles(ds).P50
}
