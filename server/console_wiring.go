package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server/api"
	"github.com/samvad/samvad/server/console"
)

// newConsole builds the web console over the store and the staff API's
// principals.
func (s *Server) newConsole() (*console.Console, error) {
	sim := ""
	if s.sim != nil {
		sim = "/simulator"
	}
	return console.New(console.Options{Users: consoleUsers{s}, Sessions: s.store, Data: consoleData{s}, API: s.api,
		Media: os.DirFS(s.cfg.MediaDir),
		Key:   derivedKey(s.secret, "console"), SecureCookies: strings.HasPrefix(s.cfg.PublicURL, "https://"),
		Simulator: sim, Zone: s.departmentZones(), Clock: s.now, Log: s.log})
}

// consoleUsers checks the console's sign-ins against the users of the
// store.
type consoleUsers struct{ s *Server }

// Verify checks a login and a password.
func (u consoleUsers) Verify(ctx context.Context, login, password string) (api.Principal, error) {
	user, err := u.s.store.VerifyPassword(ctx, login, password)
	if errors.Is(err, store.ErrWrongPassword) {
		return api.Principal{}, console.ErrWrongPassword
	}
	if err != nil {
		return api.Principal{}, err
	}
	role, err := api.ParseRole(user.Role)
	if err != nil {
		return api.Principal{}, fmt.Errorf("user %s: %w", user.Login, err)
	}
	actor := user.Name
	if actor == "" {
		actor = user.Login
	}
	return api.Principal{KeyID: "user:" + user.ID, Actor: actor, Role: role, Department: user.Department}, nil
}

// index sends visitors to the console, which asks them to sign in: the
// root reveals nothing about the integrations.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, console.Prefix+"/", http.StatusFound)
}

// metricsGuard serves /metrics on the main address only to an admin: an
// admin's API key (Authorization: Bearer) or console session. With
// metrics_listen set, /metrics is served there alone; with metrics_public,
// to anyone (load runs on a private machine).
func (s *Server) metricsGuard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case s.cfg.MetricsListen != "":
			http.NotFound(w, r)
			return
		case s.cfg.MetricsPublic:
			h.ServeHTTP(w, r)
			return
		}
		p, ok := s.console.Principal(r)
		if !ok {
			p, ok = s.metricsKey(w, r)
			if !ok {
				return
			}
		}
		if p.Role < api.RoleAdmin {
			http.Error(w, "403 /metrics needs the admin role", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// metricsKey finds the principal of a request's bearer key, answering 401
// or 503 itself when there is none.
func (s *Server) metricsKey(w http.ResponseWriter, r *http.Request) (api.Principal, bool) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || s.keys == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="samvad"`)
		http.Error(w, "401 /metrics needs an admin's API key (Authorization: Bearer <key>), or metrics_listen in the configuration", http.StatusUnauthorized)
		return api.Principal{}, false
	}
	p, err := s.keys.Authenticate(r.Context(), strings.TrimSpace(key))
	switch {
	case errors.Is(err, api.ErrUnknownKey):
		w.Header().Set("WWW-Authenticate", `Bearer realm="samvad", error="invalid_token"`)
		http.Error(w, "401 the API key is not known or was revoked", http.StatusUnauthorized)
		return api.Principal{}, false
	case err != nil:
		s.log.Error("checking a key for /metrics failed", "err", err)
		http.Error(w, "503 the key could not be checked; try again", http.StatusServiceUnavailable)
		return api.Principal{}, false
	}
	return p, true
}

// departmentZones returns the time zone of each department (UTC for one
// that names none that loads).
func (s *Server) departmentZones() func(string) *time.Location {
	zones := map[string]*time.Location{}
	for _, d := range s.cfg.Departments {
		if z, err := time.LoadLocation(d.TimeZone); err == nil {
			zones[d.ID] = z
		}
	}
	return func(department string) *time.Location {
		if z := zones[department]; z != nil {
			return z
		}
		return time.UTC
	}
}
