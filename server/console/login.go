package console

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/samvad/samvad/adapters/store"
)

// Failed sign-ins allowed per address and per login within loginWindow.
const (
	loginTries  = 5
	loginWindow = 15 * time.Minute
)

// loginView is what the sign-in page shows.
type loginView struct {
	Token, Next, Login, Problem string
}

// loginPage shows the sign-in form, or sends a signed-in user on.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := c.session(r); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.showLogin(w, r, http.StatusOK, loginView{Next: next})
}

// showLogin draws the sign-in form with a fresh token tied to a cookie of
// this browser (so that another site cannot sign a browser in).
func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	pre := randomID()
	c.setCookie(w, r, preCookie, pre, int(time.Hour/time.Second))
	v.Token = hex.EncodeToString(c.mac("signin", pre))
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, status, "login", "", v)
}

// login checks the form's login and password, and starts a session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	login := strings.TrimSpace(r.PostFormValue("login"))
	password := r.PostFormValue("password")
	v := loginView{Next: safeNext(r.PostFormValue("next")), Login: login}
	if !c.validSignInToken(r) {
		v.Problem = "login.expired"
		c.showLogin(w, r, http.StatusForbidden, v)
		return
	}
	if login == "" || password == "" {
		v.Problem = "login.missing"
		c.showLogin(w, r, http.StatusBadRequest, v)
		return
	}
	keys := []string{"ip " + clientIP(r), "login " + strings.ToLower(login)}
	if !c.limiter.allow(keys...) {
		v.Problem = "login.too_many"
		c.showLogin(w, r, http.StatusTooManyRequests, v)
		return
	}
	p, err := c.opts.Users.Verify(r.Context(), login, password)
	switch {
	case errors.Is(err, ErrWrongPassword):
		c.limiter.fail(keys...)
		c.log.Info("console: a sign-in failed", "ip", clientIP(r))
		v.Problem = "login.wrong"
		c.showLogin(w, r, http.StatusUnauthorized, v)
		return
	case err != nil:
		c.log.Error("console: checking a password failed", "err", err)
		v.Problem = "login.unavailable"
		c.showLogin(w, r, http.StatusServiceUnavailable, v)
		return
	}
	id := randomID()
	now := c.now()
	cs := store.ConsoleSession{IDHash: hashID(id), UserID: p.KeyID, Actor: p.Actor, Role: p.Role.String(),
		Department: p.Department, Created: now, Expires: now.Add(c.opts.SessionTTL)}
	if err := c.opts.Sessions.CreateConsoleSession(r.Context(), cs); err != nil {
		c.log.Error("console: storing a session failed", "err", err)
		v.Problem = "login.unavailable"
		c.showLogin(w, r, http.StatusServiceUnavailable, v)
		return
	}
	c.limiter.forget("login " + strings.ToLower(login))
	c.setCookie(w, r, preCookie, "", -1)
	c.setCookie(w, r, sessionCookie, id, int(c.opts.SessionTTL/time.Second))
	c.log.Info("console: signed in", "actor", p.Actor, "department", p.Department, "role", p.Role.String())
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// validSignInToken checks the sign-in form's token against this browser's
// cookie.
func (c *Console) validSignInToken(r *http.Request) bool {
	ck, err := r.Cookie(preCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	want := hex.EncodeToString(c.mac("signin", ck.Value))
	got := r.PostFormValue(csrfField)
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// logout ends the session.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r.Context())
	if err := c.opts.Sessions.DeleteConsoleSession(r.Context(), hashID(s.id)); err != nil {
		c.log.Error("console: ending a session failed", "err", err)
		http.Error(w, "503 signing out failed; try again", http.StatusServiceUnavailable)
		return
	}
	c.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// clientIP is the address the request came from (the proxy's, behind one).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter counts failures per key within a window.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, fails: map[string][]time.Time{}}
}

// allow tells whether every key has fewer than max recent failures.
func (l *limiter) allow(keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if len(l.recent(k)) >= l.max {
			return false
		}
	}
	return true
}

// fail records a failure under every key.
func (l *limiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 100000 {
		l.sweep()
	}
	for _, k := range keys {
		l.fails[k] = append(l.recent(k), l.now())
	}
}

// forget clears a key's failures (a login that succeeded).
func (l *limiter) forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// recent is a key's failures within the window (the caller holds mu).
func (l *limiter) recent(k string) []time.Time {
	cut := l.now().Add(-l.window)
	ts := l.fails[k]
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	if i == len(ts) {
		delete(l.fails, k)
		return nil
	}
	ts = ts[i:]
	l.fails[k] = ts
	return ts
}

// sweep drops keys with no recent failure (the caller holds mu).
func (l *limiter) sweep() {
	for k := range l.fails {
		l.recent(k)
	}
}
