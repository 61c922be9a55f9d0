package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is what a sample department server is started with.
type Config struct {
	// Today is the day sessions, dues and distributions are counted from.
	Today time.Time
	// Now tells the time of day for timestamps (payments, bed updates,
	// signed links). Tests fix it.
	Now func() time.Time
	// APIKey, when set, is required of every API call as "Authorization:
	// Bearer KEY" or "X-API-Key: KEY". Links the server hands out for a
	// citizen's browser (payment page, PDFs) carry a signature instead.
	APIKey string
	// Faults are injected into the requests whose path they match.
	Faults []*fault
	// Log receives one line per request.
	Log *slog.Logger
}

// server answers the sample department APIs. Seeded records are read-only;
// bookings and payments are kept in memory and lost at exit.
type server struct {
	cfg    Config
	today  time.Time
	world  *world
	mux    *http.ServeMux
	faults *faultSet
	log    *slog.Logger

	vax *vaccinations
	tax *taxLedger
}

// newServer loads the seed data and sets up the routes.
func newServer(cfg Config) (*server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Today.IsZero() {
		cfg.Today = cfg.Now()
	}
	today := dayOf(cfg.Today)
	w, err := loadWorld(seedFiles, today)
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, today: today, world: w, mux: http.NewServeMux(), faults: &faultSet{rules: cfg.Faults}, log: cfg.Log}
	s.vax = newVaccinations(w, today)
	s.tax = newTaxLedger(w, today)
	s.routes()
	return s, nil
}

func (s *server) routes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.vaccinationRoutes()
	s.rationRoutes()
	s.propertyTaxRoutes()
	s.bedRoutes()
	s.faultRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "", "no endpoint %s %s; see examples/departments/README.md", r.Method, r.URL.Path)
	})
}

// ServeHTTP logs the request, checks the API key, injects any fault asked
// for and serves the endpoint.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.logRequest(w, r, func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sample departments"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "", "send the API key as Authorization: Bearer KEY or X-API-Key: KEY")
			return
		}
		s.injectFault(w, r, s.mux)
	})
}

// requestNote is what the handlers tell the request log beyond the status.
type requestNote struct{ fault string }

type noteKey struct{}

func noteOf(r *http.Request) *requestNote {
	n, _ := r.Context().Value(noteKey{}).(*requestNote)
	if n == nil {
		n = &requestNote{}
	}
	return n
}

// logRequest writes one line per request: method, path, status, duration,
// and the fault injected if any. The path is logged with identity numbers
// masked and without its query, which carries PIN codes and reference ids.
func (s *server) logRequest(w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	start := time.Now()
	note := &requestNote{}
	r = r.WithContext(context.WithValue(r.Context(), noteKey{}, note))
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		attrs := []any{"method", r.Method, "path", redactPath(r.URL.Path), "status", rec.status, "duration", time.Since(start).Round(time.Microsecond)}
		if note.fault != "" {
			attrs = append(attrs, "fault", note.fault)
		}
		if p := recover(); p != nil {
			s.log.Info("request", append(attrs, "aborted", true)...)
			panic(p) // http.ErrAbortHandler and real panics alike go on to net/http
		}
		s.log.Info("request", attrs...)
	}()
	next(rec, r)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection underneath.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// redactPath masks every path segment that holds five digits or more (card,
// property and beneficiary numbers) down to its last four characters.
func redactPath(p string) string {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		digits := 0
		for _, c := range seg {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		if digits >= 5 {
			segs[i] = mask(seg)
		}
	}
	return strings.Join(segs, "/")
}

// mask replaces the letters and digits of s, all but the last four
// characters, with "*"; separators stay so the shape is still visible.
func mask(s string) string {
	rs := []rune(s)
	for i := 0; i < len(rs)-4; i++ {
		if rs[i] != '-' && rs[i] != ' ' {
			rs[i] = '*'
		}
	}
	return string(rs)
}

// authorized says whether the request may go on: always when no key is set;
// otherwise with the key, for the health check, or with a valid signature on
// a link this server made.
func (s *server) authorized(r *http.Request) bool {
	key := s.cfg.APIKey
	if key == "" || r.URL.Path == "/healthz" {
		return true
	}
	given := r.Header.Get("X-API-Key")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		given = strings.TrimSpace(bearer)
	}
	if given != "" {
		return subtle.ConstantTimeCompare([]byte(given), []byte(key)) == 1
	}
	q := r.URL.Query()
	sig, exp := q.Get("sig"), q.Get("exp")
	if sig == "" || exp == "" {
		return false
	}
	until, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || s.cfg.Now().Unix() > until {
		return false
	}
	q.Del("sig")
	return hmac.Equal([]byte(sig), []byte(s.signature(r.URL.Path, q)))
}

// signature is the HMAC of a link's path and query under the API key.
func (s *server) signature(path string, q url.Values) string {
	m := hmac.New(sha256.New, []byte(s.cfg.APIKey))
	m.Write([]byte(path + "?" + q.Encode()))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// linkTTL is how long a signed link stays good.
const linkTTL = 24 * time.Hour

// link makes an absolute URL on this server, for a citizen's browser or
// WhatsApp to open. With an API key set it is signed and expires.
func (s *server) link(r *http.Request, path string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	if s.cfg.APIKey != "" {
		q.Set("exp", strconv.FormatInt(s.cfg.Now().Add(linkTTL).Unix(), 10))
		q.Set("sig", s.signature(path, q))
	}
	u := url.URL{Scheme: "http", Host: r.Host, Path: path, RawQuery: q.Encode()}
	return u.String()
}

// apiError is the body of every error answer, in the shape Co-WIN used
// (errorCode, error), with the offending input field when there is one.
type apiError struct {
	Code    string `json:"errorCode"`
	Message string `json:"error"`
	Field   string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, field, format string, args ...any) {
	writeJSON(w, status, apiError{Code: code, Message: fmt.Sprintf(format, args...), Field: field})
}

// badInput answers 400 naming the field that is wrong.
func badInput(w http.ResponseWriter, field, format string, args ...any) {
	writeError(w, http.StatusBadRequest, "BAD_INPUT", field, format, args...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writePDF(w http.ResponseWriter, filename string, doc []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", filename))
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	_, _ = w.Write(doc)
}
