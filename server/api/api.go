package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp/templates"
)

// Options are what the API needs from the server that wires it.
type Options struct {
	// Store is the database.
	Store *store.Store
	// Keys tells who a request's key belongs to.
	Keys Authenticator
	// Departments maps each department's id to what the API needs of it.
	Departments map[string]Department
	// CursorKey signs pagination cursors (at least 16 bytes).
	CursorKey []byte
	// Audit records changes made through the API. Nil records nothing
	// (tests of handlers that change nothing).
	Audit Auditor
	// Notifier tells citizens of changes to their cases (nil: nobody is
	// told).
	Notifier CaseNotifier
	// CasePolicy returns the service levels of a kind of case (grievance,
	// ration_card…); nil or a policy without levels gives
	// casework.DefaultPolicy.
	CasePolicy func(kind string) casework.Policy
	// Clock tells the time (default time.Now).
	Clock func() time.Time
	// Log is where the API logs (default slog.Default()).
	Log *slog.Logger
	// Templates returns the approved WhatsApp templates loaded now (they
	// change on a reload); nil serves an empty list.
	Templates func() *templates.Registry
	// FlowExists tells whether a flow of that id is loaded now (for a
	// handback to a named flow). Nil: any name is taken.
	FlowExists func(id string) bool
	// Districts maps PIN codes, or their first three digits, to district
	// names for the cases report (see store.Reports).
	Districts map[string]string
	// Staff queues what agents send citizens (the pipeline). Nil: the
	// inbox's actions that message a citizen answer 503.
	Staff StaffQueue
	// PollInterval is how often the live event stream looks for news
	// (default a second).
	PollInterval time.Duration
}

// Department is one department as the API sees it: the integrations it
// owns and the zone its days are counted in.
type Department struct {
	ID           string
	Name         string
	TimeZone     *time.Location
	Integrations []string
	// Queues are the names of the department's handoff queues; a transfer
	// must name one. None: any name is taken.
	Queues []string
}

// API is the staff API. Make one with New and serve it with Mount.
type API struct {
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	cursors cursors
	// streams ends the live event streams (CloseStreams).
	streams streamStop
}

// New makes the API.
func New(opts Options) *API {
	a := &API{opts: opts, now: opts.Clock, log: opts.Log, cursors: cursors{key: opts.CursorKey}}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	return a
}

// Prefix is where the API is served.
const Prefix = "/api/v1"

// Mount serves the API on r under Prefix. Every route requires a key (or
// a console session that set the principal).
func (a *API) Mount(r *mux.Router) {
	a.mountRoutes(a.subrouter(r))
}

// mountRoutes registers every part of the API: each part's routes are in
// its own file.
func (a *API) mountRoutes(r *mux.Router) {
	a.route(r, http.MethodGet, "/me", RoleViewer, a.me)
	a.mountAccess(r)
	a.mountTemplates(r)
	a.mountWebhooks(r)
	a.mountFallback(r)
	a.mountReports(r)
	a.mountCases(r)
	a.mountInbox(r)
}

// subrouter is the authenticated router under Prefix, whose unknown paths
// and methods answer JSON problems.
func (a *API) subrouter(r *mux.Router) *mux.Router {
	sub := r.PathPrefix(Prefix).Subrouter()
	sub.Use(a.authenticate)
	sub.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	sub.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, "", r.Method+" is not allowed on "+r.URL.Path)
	})
	return sub
}

// route registers h for method and path, for principals of role at least.
func (a *API) route(r *mux.Router, method, path string, role Role, h http.HandlerFunc) {
	r.Handle(path, a.require(role, h)).Methods(method)
}

// me answers who the key belongs to.
func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	d := a.opts.Departments[p.Department]
	writeJSON(w, http.StatusOK, map[string]any{"actor": p.Actor, "role": p.Role.String(),
		"department": p.Department, "department_name": d.Name, "integrations": d.Integrations})
}

// integrationsOf lists the integrations of p's department, sorted.
func (a *API) integrationsOf(p Principal) []string {
	ids := append([]string(nil), a.opts.Departments[p.Department].Integrations...)
	sort.Strings(ids)
	return ids
}

// owns tells whether integration belongs to p's department.
func (a *API) owns(p Principal, integration string) bool {
	for _, id := range a.opts.Departments[p.Department].Integrations {
		if id == integration {
			return true
		}
	}
	return false
}

// zoneOf is the time zone of p's department (UTC when it has none).
func (a *API) zoneOf(p Principal) *time.Location {
	if z := a.opts.Departments[p.Department].TimeZone; z != nil {
		return z
	}
	return time.UTC
}

// Role is what a principal may do. Each role may do everything the roles
// below it may.
type Role int

// The roles, from the least to the most trusted.
const (
	RoleNone Role = iota
	// RoleViewer reads: conversations, cases, reports.
	RoleViewer
	// RoleAgent works conversations and cases: replies, assigns, moves.
	RoleAgent
	// RoleSupervisor also transfers between queues, reassigns and reopens.
	RoleSupervisor
	// RoleAdmin also manages keys, users and the department's settings.
	RoleAdmin
)

var roleNames = [...]string{"", "viewer", "agent", "supervisor", "admin"}

// String is the role's name.
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return ""
	}
	return roleNames[r]
}

// ParseRole reads a role's name.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if i > 0 && n == strings.ToLower(strings.TrimSpace(s)) {
			return Role(i), nil
		}
	}
	return RoleNone, errors.New("api: a role is admin, supervisor, agent or viewer, not " + strconvQuote(s))
}

func strconvQuote(s string) string { return "\"" + s + "\"" }

// Principal is who a request acts for.
type Principal struct {
	// KeyID is the id of the API key or the console session's user.
	KeyID string
	// Actor is the name the audit log and the citizen's history show.
	Actor string
	Role  Role
	// Department is the only department whose data the principal sees.
	Department string
}

type principalKey struct{}

// WithPrincipal returns ctx acting for p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns who ctx acts for (the zero Principal when none).
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// Authenticator tells who a key belongs to.
type Authenticator interface {
	// Authenticate returns the key's principal, or ErrUnknownKey.
	Authenticate(ctx context.Context, key string) (Principal, error)
}

// ErrUnknownKey is the answer to a key that is not known or was revoked.
var ErrUnknownKey = errors.New("api: unknown or revoked key")

// StaticKeys is an Authenticator over a fixed map of keys, for tests and
// embedded uses.
type StaticKeys map[string]Principal

// Authenticate returns the key's principal.
func (k StaticKeys) Authenticate(_ context.Context, key string) (Principal, error) {
	if p, ok := k[key]; ok {
		return p, nil
	}
	return Principal{}, ErrUnknownKey
}

// authenticate admits a request whose bearer key is known, acting for its
// principal; a request the console signed in arrives with its principal
// already set.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := PrincipalFrom(r.Context()); p.Role != RoleNone {
			next.ServeHTTP(w, r)
			return
		}
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(key) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="samvad"`)
			writeError(w, http.StatusUnauthorized, "", "an API key is required: Authorization: Bearer <key>")
			return
		}
		if a.opts.Keys == nil {
			writeError(w, http.StatusUnauthorized, "", "this server accepts no API keys")
			return
		}
		p, err := a.opts.Keys.Authenticate(r.Context(), strings.TrimSpace(key))
		switch {
		case errors.Is(err, ErrUnknownKey):
			w.Header().Set("WWW-Authenticate", `Bearer realm="samvad", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "", "the API key is not known or was revoked")
			return
		case err != nil:
			a.log.Error("api: checking a key failed", "err", err)
			writeError(w, http.StatusServiceUnavailable, "", "the key could not be checked; try again")
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// require admits principals of role at least.
func (a *API) require(role Role, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := PrincipalFrom(r.Context()); p.Role < role {
			writeError(w, http.StatusForbidden, "", "this needs the "+role.String()+" role; the key's role is "+p.Role.String())
			return
		}
		h.ServeHTTP(w, r)
	})
}
