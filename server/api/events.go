package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/samvad/samvad/adapters/store"
)

// The live event stream: GET /events answers server-sent events of what
// happens in the department's conversations (a handoff, a citizen's
// message to people, an agent's reply, a change made through the API). It
// polls the store, so it sees what every process writes.

// streamStop is closed when the server shuts down, ending every stream:
// an open stream would otherwise hold up the shutdown until its deadline.
type streamStop struct {
	once sync.Once
	ch   chan struct{}
	mu   sync.Mutex
}

// done is the channel that closes at shutdown.
func (s *streamStop) done() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// CloseStreams ends the live event streams; the server calls it when it
// starts shutting down (http.Server.RegisterOnShutdown). Clients reconnect
// to another process with the last event's id.
func (a *API) CloseStreams() {
	ch := a.streams.done()
	a.streams.once.Do(func() { close(ch) })
}

// LiveEvent is one event of the stream.
type LiveEvent struct {
	// Kind is the conversation event's (handoff, handoff_message,
	// staff_reply, …) or "changed" for a change made through the API.
	Kind         string    `json:"kind"`
	Conversation string    `json:"conversation"`
	At           time.Time `json:"at"`
}

// eventsPosition is where a stream stands: the time it has seen up to.
type eventsPosition struct {
	Since int64 `json:"t"`
}

// lateCommits is how far back each poll looks again: a transaction may
// commit a moment after the time it wrote.
const lateCommits = 3 * time.Second

// keepAlive is how often an idle stream sends a comment, so that proxies
// keep it open.
const keepAlive = 15 * time.Second

func (a *API) streamEvents(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	since := a.now()
	resume := r.URL.Query().Get("cursor")
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		resume = id
	}
	if resume != "" {
		var pos eventsPosition
		if a.cursors.read(resume, &pos) != nil {
			writeError(w, http.StatusBadRequest, "cursor", strings.TrimPrefix(errBadCursor.Error(), "api: "))
			return
		}
		since = time.UnixMicro(pos.Since)
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "", "this server cannot stream")
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the stream outlives the server's write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	flusher.Flush()
	a.pollEvents(w, r, flusher, p, since)
}

// pollEvents sends what happened since, every PollInterval, until the
// client goes away.
func (a *API) pollEvents(w http.ResponseWriter, r *http.Request, flusher http.Flusher, p Principal, since time.Time) {
	interval := a.opts.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	seen := map[string]time.Time{}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	lastWrite := time.Now()
	for {
		acts, err := a.opts.Store.ActivitySince(r.Context(), a.integrationsOf(p), since.Add(-lateCommits))
		if err != nil {
			if r.Context().Err() != nil {
				return
			}
			a.log.Warn("api: the event stream could not read the store", "err", err)
		}
		sent := false
		for _, act := range acts {
			key := act.Kind + "|" + act.ContactID + "|" + strconv.Itoa(act.Seq) + "|" + strconv.FormatInt(act.ID, 10) + "|" + strconv.FormatInt(act.At.UnixMicro(), 10)
			if _, dup := seen[key]; dup {
				continue
			}
			seen[key] = act.At
			if act.At.After(since) {
				since = act.At
			}
			a.writeEvent(w, act, since)
			sent = true
		}
		forget(seen, since.Add(-2*lateCommits))
		if !sent && time.Since(lastWrite) > keepAlive {
			fmt.Fprint(w, ": keep-alive\n\n")
			sent = true
		}
		if sent {
			flusher.Flush()
			lastWrite = time.Now()
		}
		select {
		case <-r.Context().Done():
			return
		case <-a.streams.done():
			return
		case <-tick.C:
		}
	}
}

// writeEvent writes one event; its id resumes the stream after it.
func (a *API) writeEvent(w http.ResponseWriter, act store.Activity, since time.Time) {
	integration, key, _ := strings.Cut(act.ContactID, "/")
	id := conversationID(store.Conversation{ConversationRef: act.ConversationRef, Integration: integration, Key: key})
	data, _ := json.Marshal(LiveEvent{Kind: act.Kind, Conversation: id, At: act.At})
	fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", a.cursors.make(eventsPosition{Since: since.UnixMicro()}), act.Kind, data)
}

// forget drops what was seen before a time no poll looks at any more.
func forget(seen map[string]time.Time, before time.Time) {
	for k, at := range seen {
		if at.Before(before) {
			delete(seen, k)
		}
	}
}
