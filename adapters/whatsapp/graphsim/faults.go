package graphsim

import (
	"fmt"
	"net/http"
	"time"
)

// Fault is an injected misbehaviour of a send.
//
// A fault answers with an error when HTTPStatus, Code or RawBody is set; the
// HTTP status defaults to the one Meta documents for the code (400 for
// throttling codes such as 130429 and 131056, 500/503 for server errors, 401
// for token errors). A fault with only Latency delays a normal answer. Hang
// never answers: the request waits until the client gives up (or the server
// closes), as a stuck upstream would.
type Fault struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Message    string
	Details    string
	// RawBody replaces the Graph error body (an HTML page from a proxy).
	RawBody string
	Latency time.Duration
	Hang    bool
}

type faultState struct {
	next     []Fault
	fraction float64
	frac     Fault
	latency  time.Duration
}

// FailNext makes the next n sends meet f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults.next = append(s.faults.next, f)
	}
}

// FailFraction makes each later send meet f with probability p (0 turns it
// off). FailNext faults are served first.
func (s *Server) FailFraction(p float64, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.fraction, s.faults.frac = p, f
}

// SetLatency delays every answer to a send by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.latency = d
}

// ClearFaults removes every injected fault and the latency.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultState{}
}

func (s *Server) pickFault() (Fault, time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	latency := s.faults.latency
	if len(s.faults.next) > 0 {
		f := s.faults.next[0]
		s.faults.next = s.faults.next[1:]
		return f, latency, true
	}
	if s.faults.fraction > 0 && s.rng.Float64() < s.faults.fraction {
		return s.faults.frac, latency, true
	}
	return Fault{}, latency, false
}

// applyFault delays, hangs or answers an error as injected; it reports
// whether the send should go on normally.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request) bool {
	f, latency, ok := s.pickFault()
	if wait := latency + f.Latency; wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		case <-s.ctx.Done():
			return false
		}
	}
	if !ok {
		return true
	}
	if f.Hang {
		select {
		case <-r.Context().Done():
		case <-s.ctx.Done():
		}
		return false
	}
	if f.HTTPStatus == 0 && f.Code == 0 && f.RawBody == "" {
		return true // latency only
	}
	status := f.HTTPStatus
	if status == 0 {
		status = defaultStatus(f.Code)
	}
	if f.RawBody != "" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.RawBody))
		return false
	}
	msg := f.Message
	if msg == "" {
		msg = fmt.Sprintf("(#%d) %s", f.Code, codeTitle(f.Code))
	}
	details := f.Details
	if details == "" {
		details = codeTitle(f.Code)
	}
	writeError(w, &Error{HTTPStatus: status, Code: f.Code, Subcode: f.Subcode, Message: msg, Details: details})
	return false
}

func defaultStatus(code int) int {
	switch code {
	case 0, 190:
		return 401
	case 2, 133004:
		return 503
	case 131000, 131016, 131057, 131045:
		return 500
	case 10, 368, 131031, 130497:
		return 403
	case 132001:
		return 404
	}
	return 400
}

func codeTitle(code int) string {
	if t, ok := titles[code]; ok {
		return t
	}
	return "Error"
}

var titles = map[int]string{
	0:      "AuthException",
	1:      "API Unknown",
	2:      "API Service",
	4:      "API Too Many Calls",
	100:    "Invalid parameter",
	190:    "Access token has expired",
	80007:  "Rate limit issues",
	130429: "Rate limit hit",
	131000: "Something went wrong",
	131016: "Service unavailable",
	131026: "Message undeliverable",
	131047: "Re-engagement message",
	131048: "Spam rate limit hit",
	131049: "This message was not delivered to maintain healthy ecosystem engagement.",
	131053: "Media upload error",
	131056: "(Business Account, Consumer Account) pair rate limit hit",
	131057: "Account in maintenance mode",
	133004: "Server temporarily unavailable",
}
