package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server/api"
)

// Prefix is where the console is served.
const Prefix = "/console"

// Users checks a login and a password.
type Users interface {
	// Verify returns the principal of the user, ErrWrongPassword when the
	// login or the password is wrong (or the account is disabled), or
	// another error when the check could not be made.
	Verify(ctx context.Context, login, password string) (api.Principal, error)
}

// ErrWrongPassword is Verify's answer to a login or password that is wrong.
var ErrWrongPassword = errors.New("console: wrong login or password")

// Sessions keeps console sessions (*store.Store is one).
type Sessions interface {
	CreateConsoleSession(ctx context.Context, cs store.ConsoleSession) error
	ConsoleSessionByHash(ctx context.Context, idHash string) (store.ConsoleSession, error)
	DeleteConsoleSession(ctx context.Context, idHash string) error
}

// Options are what the console needs from the server that wires it.
type Options struct {
	Users    Users
	Sessions Sessions
	// Data is where the pages' contents come from.
	Data Data
	// API is the staff API: the inbox and the cases are read through its
	// methods, and every change is sent to it as the signed-in principal.
	API *api.API
	// Media holds the files citizens sent, under <integration>/ (nil: none
	// are shown).
	Media fs.FS
	// Key signs CSRF tokens (at least 16 bytes, secret).
	Key []byte
	// SecureCookies marks cookies Secure even on plain HTTP requests (the
	// public URL is https: TLS ends at a proxy in front).
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts (default 12 hours).
	SessionTTL time.Duration
	// Zone is a department's time zone, which the pages show times in
	// (nil: UTC).
	Zone func(department string) *time.Location
	// Simulator, when not empty, is the simulator page's path.
	Simulator string
	Clock     func() time.Time
	Log       *slog.Logger
}

// Console is the web console. Make one with New and serve it with Mount.
type Console struct {
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	pages   *pages
	limiter *limiter

	apiOnce   sync.Once
	apiRouter http.Handler
}

// New makes the console.
func New(opts Options) (*Console, error) {
	if len(opts.Key) < 16 {
		return nil, errors.New("console: the CSRF key must be at least 16 bytes")
	}
	if opts.Users == nil || opts.Sessions == nil || opts.Data == nil {
		return nil, errors.New("console: Users, Sessions and Data are required")
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	c := &Console{opts: opts, now: opts.Clock, log: opts.Log}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.limiter = newLimiter(loginTries, loginWindow, c.now)
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	c.pages = p
	return c, nil
}

// Mount serves the console on r under Prefix.
func (c *Console) Mount(r *mux.Router) {
	static, _ := fs.Sub(files, "static")
	r.Handle(Prefix, http.RedirectHandler(Prefix+"/", http.StatusFound))
	sub := r.PathPrefix(Prefix).Subrouter()
	sub.Use(securityHeaders)
	sub.PathPrefix("/static/").Handler(http.StripPrefix(Prefix+"/static/", cacheStatic(http.FileServer(http.FS(static)))))
	sub.HandleFunc("/login", c.loginPage).Methods(http.MethodGet)
	sub.HandleFunc("/login", c.login).Methods(http.MethodPost)
	sub.HandleFunc("/language", c.setLanguage).Methods(http.MethodGet)
	in := sub.NewRoute().Subrouter()
	in.Use(c.signedIn)
	in.HandleFunc("/logout", c.logout).Methods(http.MethodPost)
	c.mountPages(in)
	sub.NotFoundHandler = securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "404 page not found", http.StatusNotFound)
	}))
}

// Principal returns who the request's console session signed in, if any
// (the server lets an admin's session read /metrics).
func (c *Console) Principal(r *http.Request) (api.Principal, bool) {
	s, ok := c.session(r)
	if !ok {
		return api.Principal{}, false
	}
	return s.principal, true
}

// mac is the HMAC of parts under the console's key, for one purpose.
func (c *Console) mac(purpose string, parts ...string) []byte {
	m := hmac.New(sha256.New, c.opts.Key)
	m.Write([]byte("samvad console " + purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// securityHeaders sends what every console answer carries: a strict
// Content-Security-Policy (our own scripts, styles and images only; no
// inline script; no framing), no MIME sniffing, no referrer to elsewhere.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// cacheStatic lets browsers keep the console's static files for an hour.
func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}
