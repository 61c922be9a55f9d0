package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server/api"
)

const (
	// sessionCookie holds the session's id.
	sessionCookie = "samvad_console"
	// preCookie ties the sign-in form to the browser that asked for it.
	preCookie = "samvad_signin"
	// csrfField is the forms' CSRF token field.
	csrfField = "csrf"
)

// session is a signed-in request's session.
type session struct {
	id        string // the cookie's value
	principal api.Principal
}

// sessionKey carries the session in a request's context.
type sessionKey struct{}

// sessionFrom returns the request's session (signedIn put it there).
func sessionFrom(ctx context.Context) session {
	s, _ := ctx.Value(sessionKey{}).(session)
	return s
}

// randomID is 32 random bytes, hex.
func randomID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// hashID is what the store keeps of a session id.
func hashID(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

// session reads the request's session cookie and finds its session.
func (c *Console) session(r *http.Request) (session, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || len(ck.Value) != 64 {
		return session{}, false
	}
	cs, err := c.opts.Sessions.ConsoleSessionByHash(r.Context(), hashID(ck.Value))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.log.Error("console: reading a session failed", "err", err)
		}
		return session{}, false
	}
	role, err := api.ParseRole(cs.Role)
	if err != nil {
		return session{}, false
	}
	return session{id: ck.Value, principal: api.Principal{KeyID: cs.UserID, Actor: cs.Actor, Role: role, Department: cs.Department}}, true
}

// signedIn admits requests of a signed-in session, acting for its
// principal, and checks the CSRF token of every POST; anyone else is sent
// to the sign-in page.
func (c *Console) signedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.session(r)
		if !ok {
			if r.Method != http.MethodGet {
				http.Error(w, "401 sign in first", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !c.validCSRF(r, s) {
			http.Error(w, "403 this form has expired or did not come from the console; reload the page and try again", http.StatusForbidden)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		ctx := api.WithPrincipal(context.WithValue(r.Context(), sessionKey{}, s), s.principal)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// csrfToken is the CSRF token of a session's forms.
func (c *Console) csrfToken(s session) string {
	return hex.EncodeToString(c.mac("csrf", s.id))
}

// validCSRF checks a POST's CSRF token against its session's.
func (c *Console) validCSRF(r *http.Request, s session) bool {
	got := r.PostFormValue(csrfField)
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	want := c.csrfToken(s)
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// secure tells whether cookies must be Secure for r.
func (c *Console) secure(r *http.Request) bool {
	return c.opts.SecureCookies || r.TLS != nil
}

// setCookie sets an HttpOnly, SameSite=Strict cookie for the whole site;
// maxAge < 0 deletes it.
func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: c.secure(r), SameSite: http.SameSiteStrictMode})
}

// safeNext is where to go after signing in: a console path, never another
// site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/"
	}
	return next
}
