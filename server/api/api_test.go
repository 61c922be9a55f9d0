package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
)

func testAPI(t *testing.T) (*API, http.Handler) {
	t.Helper()
	a := New(Options{
		Keys: StaticKeys{
			"k-admin":  {KeyID: "1", Actor: "asha", Role: RoleAdmin, Department: "health"},
			"k-viewer": {KeyID: "2", Actor: "vik", Role: RoleViewer, Department: "health"},
		},
		Departments: map[string]Department{"health": {ID: "health", Name: "Health", TimeZone: time.UTC, Integrations: []string{"b", "a"}}},
		CursorKey:   []byte("0123456789abcdef0123456789abcdef"),
	})
	r := mux.NewRouter()
	sub := a.subrouter(r)
	a.mountRoutes(sub)
	a.route(sub, http.MethodPost, "/echo", RoleAgent, func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Text string `json:"text"`
		}
		if a.decode(w, r, &body) {
			writeJSON(w, http.StatusOK, body)
		}
	})
	return a, r
}

func do(h http.Handler, method, path, key, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	_, h := testAPI(t)
	cases := []struct {
		name, method, path, key, body string
		status                        int
		want                          string
	}{
		{"no key", "GET", "/api/v1/me", "", "", 401, "API key is required"},
		{"wrong key", "GET", "/api/v1/me", "nope", "", 401, "not known or was revoked"},
		{"me", "GET", "/api/v1/me", "k-viewer", "", 200, `"integrations":["b","a"]`},
		{"role too low", "POST", "/api/v1/echo", "k-viewer", `{"text":"x"}`, 403, "needs the agent role"},
		{"unknown field", "POST", "/api/v1/echo", "k-admin", `{"txt":"x"}`, 400, `"field":"txt"`},
		{"wrong type", "POST", "/api/v1/echo", "k-admin", `{"text":1}`, 400, `"field":"text"`},
		{"empty", "POST", "/api/v1/echo", "k-admin", ``, 400, "body is empty"},
		{"two values", "POST", "/api/v1/echo", "k-admin", `{"text":"a"}{}`, 400, "more than one JSON value"},
		{"ok", "POST", "/api/v1/echo", "k-admin", `{"text":"a"}`, 200, `{"text":"a"}`},
		{"no such endpoint", "GET", "/api/v1/nothing", "k-admin", "", 404, "no such endpoint"},
	}
	for _, c := range cases {
		rec := do(h, c.method, c.path, c.key, c.body)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, rec.Code, rec.Body.String(), c.status, c.want)
		}
	}
}

func TestCursorsRefuseTampering(t *testing.T) {
	t.Parallel()
	a, _ := testAPI(t)
	type pos struct {
		At int64  `json:"at"`
		ID string `json:"id"`
	}
	c := a.cursors.make(pos{At: 42, ID: "x"})
	var got pos
	if err := a.cursors.read(c, &got); err != nil || got != (pos{42, "x"}) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	tampered := []byte(c)
	tampered[len(tampered)-2] ^= 1
	if err := a.cursors.read(string(tampered), &got); err != errBadCursor {
		t.Errorf("a tampered cursor read as %+v, %v", got, err)
	}
	other := cursors{key: []byte("another key of the right length!")}
	if err := other.read(c, &got); err != errBadCursor {
		t.Errorf("another server's cursor was accepted: %v", err)
	}
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	for _, r := range []Role{RoleViewer, RoleAgent, RoleSupervisor, RoleAdmin} {
		if got, err := ParseRole(r.String()); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r, got, err)
		}
	}
	if _, err := ParseRole("root"); err == nil || !strings.Contains(err.Error(), `not "root"`) {
		t.Errorf("ParseRole(root) = %v", err)
	}
}
