package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A fault makes an endpoint misbehave the way department systems do, so that
// connectors and flows can be shown (and tested) handling it. Faults come
// from --fault flags and POST /_sample/faults (matched by path prefix), from
// an X-Sample-Fault header, or from a _fault query parameter; all three take
// the same spec: "mode=slow,delay=20s" or just "slow", plus "path=/api/…"
// and "times=N" for the rules.
type fault struct {
	Path   string        `json:"path,omitempty"`
	Mode   string        `json:"mode"`
	Delay  time.Duration `json:"-"`
	Status int           `json:"status,omitempty"`
	Size   int           `json:"size,omitempty"`
	Times  int           `json:"times,omitempty"` // 0: every matching request
	Used   int           `json:"used"`
	Spec   string        `json:"spec"`
}

// The modes, with what each answers.
var faultModes = map[string]string{
	"slow":  "waits (delay, 15s by default) and then answers normally",
	"error": "answers a JSON error with status (500 by default)",
	"html":  "answers an HTML maintenance page, status 200 unless status is set",
	"huge":  "answers a valid JSON body of size bytes (8 MiB by default)",
	"shape": "answers 200 with JSON of the wrong shape (an array where an object belongs)",
	"drop":  "closes the connection without answering",
}

const (
	defaultDelay = 15 * time.Second
	maxDelay     = 5 * time.Minute
	defaultSize  = 8 << 20
	maxSize      = 256 << 20
)

// parseFault reads a fault spec.
func parseFault(spec string) (*fault, error) {
	f := &fault{Spec: spec}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			k, v = "mode", part
		}
		var err error
		switch k {
		case "mode":
			f.Mode = v
		case "path":
			if !strings.HasPrefix(v, "/") {
				return nil, fmt.Errorf("departments: fault %q: path must start with /", spec)
			}
			f.Path = v
		case "delay":
			f.Delay, err = time.ParseDuration(v)
			if err == nil && (f.Delay < 0 || f.Delay > maxDelay) {
				err = fmt.Errorf("between 0 and %s", maxDelay)
			}
		case "status":
			f.Status, err = strconv.Atoi(v)
			if err == nil && (f.Status < 200 || f.Status > 599) {
				err = fmt.Errorf("between 200 and 599")
			}
		case "size":
			f.Size, err = strconv.Atoi(v)
			if err == nil && (f.Size < 1 || f.Size > maxSize) {
				err = fmt.Errorf("between 1 and %d", maxSize)
			}
		case "times":
			f.Times, err = strconv.Atoi(v)
			if err == nil && f.Times < 1 {
				err = fmt.Errorf("at least 1")
			}
		default:
			return nil, fmt.Errorf("departments: fault %q: unknown key %q (mode, path, delay, status, size, times)", spec, k)
		}
		if err != nil {
			return nil, fmt.Errorf("departments: fault %q: %s=%s: %v", spec, k, v, err)
		}
	}
	if _, ok := faultModes[f.Mode]; !ok {
		return nil, fmt.Errorf("departments: fault %q: mode must be one of slow, error, html, huge, shape, drop", spec)
	}
	if f.Delay == 0 && f.Mode == "slow" {
		f.Delay = defaultDelay
	}
	return f, nil
}

// faultSet holds the rules: faults matched by path prefix.
type faultSet struct {
	mu    sync.Mutex
	rules []*fault
}

// take returns the first rule matching the path that has uses left, and
// counts the use.
func (fs *faultSet) take(path string) *fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.rules {
		if strings.HasPrefix(path, f.Path) && (f.Times == 0 || f.Used < f.Times) {
			f.Used++
			c := *f
			return &c
		}
	}
	return nil
}

func (fs *faultSet) add(f *fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = append(fs.rules, f)
}

func (fs *faultSet) list() []fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]fault, len(fs.rules))
	for i, f := range fs.rules {
		out[i] = *f
	}
	return out
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = nil
}

// faultAdmin is the one place faults are never injected: a demo must always
// be able to turn them off.
const faultAdmin = "/_sample/faults"

// injectFault serves the request through next, unless a fault applies.
func (s *server) injectFault(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if r.URL.Path == faultAdmin {
		next.ServeHTTP(w, r)
		return
	}
	f, err := s.faultFor(r)
	if err != nil {
		badInput(w, "X-Sample-Fault", "%v", err)
		return
	}
	if f == nil {
		next.ServeHTTP(w, r)
		return
	}
	noteOf(r).fault = f.Mode
	switch f.Mode {
	case "slow":
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
			next.ServeHTTP(w, r)
		case <-r.Context().Done(): // the caller gave up: nothing to answer
		}
	case "error":
		writeError(w, statusOr(f.Status, http.StatusInternalServerError), "INTERNAL_ERROR", "", "sample fault: the department system failed")
	case "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(statusOr(f.Status, http.StatusOK))
		_, _ = io.WriteString(w, maintenancePage)
	case "huge":
		writeHuge(w, statusOr(f.Status, http.StatusOK), sizeOr(f.Size))
	case "shape":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(statusOr(f.Status, http.StatusOK))
		_, _ = io.WriteString(w, `[{"message":"sample fault: this answer has the wrong shape","data":"n/a","count":"many"}]`+"\n")
	case "drop":
		panic(http.ErrAbortHandler) // net/http closes the connection without an answer
	}
}

// faultFor finds the fault a request asks for (header, then query) or a rule
// gives it.
func (s *server) faultFor(r *http.Request) (*fault, error) {
	if spec := r.Header.Get("X-Sample-Fault"); spec != "" {
		return parseFault(spec)
	}
	if spec := r.URL.Query().Get("_fault"); spec != "" {
		return parseFault(spec)
	}
	return s.faults.take(r.URL.Path), nil
}

func statusOr(status, def int) int {
	if status == 0 {
		return def
	}
	return status
}

func sizeOr(size int) int {
	if size == 0 {
		return defaultSize
	}
	return size
}

// writeHuge streams a valid JSON object of exactly size bytes (at least
// the 13 of an empty one): {"items":["xxx…",…]} padded with spaces.
func writeHuge(w http.ResponseWriter, status, size int) {
	const head, tail = `{"items":[`, "]}\n"
	item := `"` + strings.Repeat("x", 1022) + `"` // 1024 bytes
	size = max(size, len(head)+len(tail))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(size))
	w.WriteHeader(status)
	room := size - len(head) - len(tail)
	_, _ = io.WriteString(w, head)
	for sep := ""; room >= len(sep)+len(item); sep = "," {
		if _, err := io.WriteString(w, sep+item); err != nil {
			return // the caller stopped reading
		}
		room -= len(sep) + len(item)
	}
	_, _ = io.WriteString(w, strings.Repeat(" ", room)+tail)
}

const maintenancePage = `<!doctype html>
<html><head><title>Service Unavailable</title></head>
<body><h1>Scheduled maintenance</h1>
<p>The portal is being upgraded and will be back shortly. Please try again after some time.</p>
</body></html>
`

// faultRoutes serve the rules: list, add one, clear all.
func (s *server) faultRoutes() {
	s.mux.HandleFunc("GET "+faultAdmin, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"faults": s.faults.list(), "modes": faultModes})
	})
	s.mux.HandleFunc("POST "+faultAdmin, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 4096))
		if err != nil {
			badInput(w, "body", "cannot read the body: %v", err)
			return
		}
		f, err := parseFault(strings.TrimSpace(string(body)))
		if err != nil {
			badInput(w, "body", "%v", err)
			return
		}
		s.faults.add(f)
		writeJSON(w, http.StatusCreated, f)
	})
	s.mux.HandleFunc("DELETE "+faultAdmin, func(w http.ResponseWriter, r *http.Request) {
		s.faults.clear()
		w.WriteHeader(http.StatusNoContent)
	})
}
