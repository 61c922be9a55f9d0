package loadtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
)

// Graph is the fake WhatsApp Cloud API a load run listens on: the target's
// graph base URL must point at it, so that the run sees every reply. It is a
// graphsim.Server (which validates each send against Meta's rules and
// answers a wamid) behind a thin recorder that notes, for each accepted send,
// who it was for, when it arrived and when it was answered, and a short
// signature of its content. The fake's own log of full bodies is cleared
// every second, so a long run does not fill memory with them.
type Graph struct {
	fake  *graphsim.Server
	srv   *http.Server
	url   string
	epoch time.Time
	stop  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup

	mu       sync.Mutex
	replies  []Reply
	sigs     map[string]string
	rejected map[int]int
	reads    int
	stray    int
	arrived  chan struct{}
	route    func(to string) (citizen int, ok bool)
}

// GraphOptions configure StartGraph.
type GraphOptions struct {
	// Listen is the address to listen on; "" means a free port on
	// 127.0.0.1. Only loopback addresses are accepted.
	Listen string
	// AccessToken, when set, is the only bearer token accepted.
	AccessToken string
	// PhoneNumberID, when set, is the only business number sends may use.
	PhoneNumberID string
	// CallbackURL and AppSecret, when set, make the fake post signed status
	// webhooks (sent, delivered, read) for every reply, as Meta does.
	CallbackURL string
	AppSecret   string
	// StatusDelay is waited before each status webhook of a reply (so the
	// last comes three delays after the send) [0].
	StatusDelay time.Duration
}

// StartGraph starts the fake Graph API. Close it when done.
func StartGraph(opts GraphOptions) (*Graph, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if err := loopbackAddr(opts.Listen); err != nil {
		return nil, fmt.Errorf("loadtest: graph listen address: %w", err)
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("loadtest: graph listen: %w", err)
	}
	g := &Graph{
		fake: graphsim.New(graphsim.Options{AccessToken: opts.AccessToken, PhoneNumberID: opts.PhoneNumberID,
			CallbackURL: opts.CallbackURL, AppSecret: opts.AppSecret, StatusDelay: opts.StatusDelay}),
		url:      "http://" + ln.Addr().String(),
		epoch:    time.Now(),
		stop:     make(chan struct{}),
		sigs:     map[string]string{},
		rejected: map[int]int{},
		arrived:  make(chan struct{}, 1),
	}
	g.srv = &http.Server{Handler: http.HandlerFunc(g.serve), ReadHeaderTimeout: 5 * time.Second}
	g.wg.Add(2)
	go func() { defer g.wg.Done(); _ = g.srv.Serve(ln) }()
	go func() { defer g.wg.Done(); g.forgetBodies() }()
	return g, nil
}

// URL is the base URL to configure as the target's graph base URL.
func (g *Graph) URL() string { return g.url }

// WaitStatuses waits until the fake has posted every status webhook it
// scheduled, or timeout passes; it reports whether it has.
func (g *Graph) WaitStatuses(timeout time.Duration) bool { return g.fake.WaitStatuses(timeout) }

// Close stops the fake.
func (g *Graph) Close() error {
	var err error
	g.once.Do(func() {
		close(g.stop)
		err = g.fake.Close()
		if e := g.srv.Close(); err == nil {
			err = e
		}
		g.wg.Wait()
	})
	return err
}

// since is the time on the run's clock: nanoseconds since the graph started.
func (g *Graph) since() time.Duration { return time.Since(g.epoch) }

// forgetBodies clears the fake's own records every second: the recorder
// keeps what a run needs.
func (g *Graph) forgetBodies() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
			g.fake.Reset()
		}
	}
}

// sendBody is what the recorder reads of a POST /messages body.
type sendBody struct {
	To          string                 `json:"to"`
	Recipient   string                 `json:"recipient"`
	Type        string                 `json:"type"`
	Status      string                 `json:"status"`
	Text        *struct{ Body string } `json:"text"`
	Interactive *struct {
		Type string                 `json:"type"`
		Body *struct{ Text string } `json:"body"`
	} `json:"interactive"`
}

// serve records each send and hands it to the fake.
func (g *Graph) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/messages") {
		g.fake.Handler().ServeHTTP(w, r)
		return
	}
	start := g.since()
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	r.Body.Close()
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var sb sendBody
	_ = json.Unmarshal(body, &sb)
	cw := &codeWriter{ResponseWriter: w, code: http.StatusOK}
	g.fake.Handler().ServeHTTP(cw, r)
	if sb.Status == "read" {
		g.mu.Lock()
		g.reads++
		g.mu.Unlock()
		return
	}
	g.record(sb, body, start, g.since(), cw.code)
}

// record notes one send the fake answered.
func (g *Graph) record(sb sendBody, body []byte, start, end time.Duration, code int) {
	to := strings.TrimPrefix(sb.To, "+")
	if to == "" {
		to = sb.Recipient
	}
	sig := signature(&sb)
	h := fnv.New64a()
	_, _ = h.Write(body)
	g.mu.Lock()
	defer g.mu.Unlock()
	if code != http.StatusOK {
		g.rejected[code]++
		return
	}
	citizen, ok := -1, false
	if g.route != nil {
		citizen, ok = g.route(to)
	}
	if !ok {
		g.stray++
		return
	}
	if s, ok := g.sigs[sig]; ok {
		sig = s
	} else {
		g.sigs[sig] = sig
	}
	g.replies = append(g.replies, Reply{Citizen: citizen, Start: start, End: end, Signature: sig, Hash: h.Sum64()})
	select {
	case g.arrived <- struct{}{}:
	default:
	}
}

// signature is a short description of a reply that is the same for every
// citizen at the same point of the same conversation: its type and the
// first words of its text, each word holding a digit (a grievance
// reference, a date) written as "#".
func signature(sb *sendBody) string {
	var text string
	switch {
	case sb.Text != nil:
		text = sb.Text.Body
	case sb.Interactive != nil && sb.Interactive.Body != nil:
		text = sb.Interactive.Body.Text
	}
	kind := sb.Type
	if sb.Interactive != nil {
		kind += "/" + sb.Interactive.Type
	}
	words := strings.Fields(text)
	var b strings.Builder
	b.WriteString(kind)
	b.WriteString(":")
	n := 0
	for _, w := range words {
		if n >= signatureRunes {
			b.WriteString(" …")
			break
		}
		if strings.ContainsAny(w, "0123456789") {
			w = "#"
		}
		b.WriteByte(' ')
		b.WriteString(w)
		n += utf8.RuneCountInString(w) + 1
	}
	return b.String()
}

const signatureRunes = 40

// take returns the replies recorded since the last take.
func (g *Graph) take() []Reply {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.replies
	g.replies = nil
	return out
}

// count is the number of replies recorded and not yet taken.
func (g *Graph) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.replies)
}

// setRoute sets how a recipient number maps to a citizen of the run; sends
// to other numbers are counted as stray.
func (g *Graph) setRoute(route func(to string) (int, bool)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.route = route
	g.replies = nil
	g.stray, g.reads = 0, 0
	clear(g.rejected)
}

// counters returns the sends refused by status code, the stray sends and the
// mark-read requests seen since setRoute.
func (g *Graph) counters() (rejected map[int]int, stray, reads int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rejected = make(map[int]int, len(g.rejected))
	for k, v := range g.rejected {
		rejected[k] = v
	}
	return rejected, g.stray, g.reads
}

// codeWriter remembers the status code a handler answered.
type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// loopbackAddr accepts host:port addresses on the loopback interface only.
func loopbackAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if _, err := strconv.Atoi(port); err != nil {
		return fmt.Errorf("%q: the port is not a number", addr)
	}
	if !isLoopbackHost(host) {
		return fmt.Errorf("%q is not on 127.0.0.1: load runs stay on this machine", addr)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var errNotLoopback = errors.New("load runs stay on this machine: the target must be on 127.0.0.1")
