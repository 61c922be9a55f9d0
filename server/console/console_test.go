package console

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server/api"
)

// fakeUsers knows one password per login.
type fakeUsers map[string]struct {
	password string
	p        api.Principal
}

func (f fakeUsers) Verify(_ context.Context, login, password string) (api.Principal, error) {
	u, ok := f[login]
	if login == "broken" {
		return api.Principal{}, errors.New("the user table is unreachable")
	}
	if !ok || u.password != password {
		return api.Principal{}, ErrWrongPassword
	}
	return u.p, nil
}

// memSessions keeps sessions in memory.
type memSessions struct {
	mu sync.Mutex
	m  map[string]store.ConsoleSession
}

func (s *memSessions) CreateConsoleSession(_ context.Context, cs store.ConsoleSession) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[cs.IDHash] = cs
	return nil
}

func (s *memSessions) ConsoleSessionByHash(_ context.Context, h string) (store.ConsoleSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.m[h]
	if !ok {
		return cs, store.ErrNotFound
	}
	return cs, nil
}

func (s *memSessions) DeleteConsoleSession(_ context.Context, h string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, h)
	return nil
}

// fakeData answers the pages with fixed figures; the event log carries a
// citizen's text with markup.
type fakeData struct{}

func (fakeData) Dashboard(_ context.Context, p api.Principal) (Dashboard, error) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	return Dashboard{Days: []Day{{Day: day, In: 3, Out: 5}, {Day: day.AddDate(0, 0, 1), In: 7, Out: 9}},
		Funnel:   Funnel{Flow: "grievance", Steps: []Count{{"start", 10}, {"category", 6}, {"done", 3}}},
		ByStatus: []Count{{"open", 4}, {"resolved", 2}}, ByDistrict: []Count{{"Mumbai Suburban", 5}}}, nil
}

func (fakeData) Flows(context.Context, api.Principal) ([]Flow, error) {
	return []Flow{{ID: "grievance", File: "flows/grievance.yaml", Version: "abc123", Languages: []Coverage{{"en", true, 0}, {"hi", true, 2}},
		Problems: []string{"flows/grievance.yaml:3:1: something"}}}, nil
}

func (fakeData) Integrations(_ context.Context, p api.Principal) ([]Integration, error) {
	if p.Department != "city" {
		return nil, nil
	}
	return []Integration{{ID: "city", Name: "City desk", PhoneNumberID: "1065", Status: "active"}}, nil
}

func (fakeData) TestConnection(_ context.Context, p api.Principal, id string) (string, error) {
	if p.Department != "city" || id != "city" {
		return "", ErrNotFound
	}
	return "+91 98000 00000 (City desk)", nil
}

func (fakeData) EventLog(_ context.Context, p api.Principal, id string) ([]Event, error) {
	return []Event{{Level: "warn", Kind: "message", Message: "<script>alert(1)</script>"}}, nil
}

// client is a browser: cookies, no redirects followed.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newConsole(t *testing.T) (*client, *Console) {
	t.Helper()
	users := fakeUsers{
		"asha": {"correct horse", api.Principal{KeyID: "u1", Actor: "Asha", Role: api.RoleAgent, Department: "city"}},
		"ravi": {"battery staple", api.Principal{KeyID: "u2", Actor: "Ravi", Role: api.RoleViewer, Department: "water"}},
	}
	c, err := New(Options{Users: users, Sessions: &memSessions{m: map[string]store.ConsoleSession{}}, Data: fakeData{},
		Key: []byte("0123456789abcdef0123"), Simulator: "/simulator"})
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	c.Mount(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return newClient(t, srv.URL), c
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values, header ...string) (int, http.Header, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

var tokenRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// token reads a page's CSRF token.
func (c *client) token(page string) string {
	c.t.Helper()
	_, _, body := c.do("GET", page, nil)
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s:\n%s", page, body)
	}
	return m[1]
}

func (c *client) signIn(login, password string) (int, http.Header, string) {
	c.t.Helper()
	return c.do("POST", "/console/login", url.Values{"csrf": {c.token("/console/login")}, "login": {login}, "password": {password}, "next": {"/console/flows"}})
}

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	c, _ := newConsole(t)
	status, h, _ := c.do("GET", "/console/", nil)
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/console/login") {
		t.Fatalf("signed out, the dashboard answers %d → %q", status, h.Get("Location"))
	}
	status, _, body := c.signIn("asha", "wrong")
	if status != http.StatusUnauthorized || !strings.Contains(body, "The login or the password is wrong.") {
		t.Fatalf("a wrong password: %d\n%s", status, body)
	}
	status, h, _ = c.signIn("asha", "correct horse")
	if status != http.StatusSeeOther || h.Get("Location") != "/console/flows" {
		t.Fatalf("signing in: %d → %q", status, h.Get("Location"))
	}
	ck := h.Values("Set-Cookie")
	var session string
	for _, v := range ck {
		if strings.HasPrefix(v, sessionCookie+"=") {
			session = v
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(session, want) {
			t.Errorf("the session cookie %q lacks %s", session, want)
		}
	}
	if strings.Contains(session, "Secure") {
		t.Errorf("the session cookie is Secure on plain HTTP: %q", session)
	}
	status, _, body = c.do("GET", "/console/", nil)
	if status != http.StatusOK || !strings.Contains(body, "Asha") || !strings.Contains(body, "<svg") {
		t.Fatalf("the dashboard: %d\n%s", status, body)
	}
	// Signing out needs the form's token.
	if status, _, _ := c.do("POST", "/console/logout", url.Values{"csrf": {"00"}}); status != http.StatusForbidden {
		t.Fatalf("signing out without the token: %d, want 403", status)
	}
	if status, _, _ := c.do("POST", "/console/logout", url.Values{"csrf": {c.token("/console/")}}); status != http.StatusSeeOther {
		t.Fatalf("signing out: %d", status)
	}
	if status, _, _ := c.do("GET", "/console/", nil); status != http.StatusSeeOther {
		t.Fatalf("after signing out the dashboard answers %d", status)
	}
}

func TestSignInNeedsTheFormsToken(t *testing.T) {
	t.Parallel()
	c, _ := newConsole(t)
	status, _, body := c.do("POST", "/console/login", url.Values{"login": {"asha"}, "password": {"correct horse"}})
	if status != http.StatusForbidden || !strings.Contains(body, "expired") {
		t.Fatalf("a sign-in without the form's token: %d\n%s", status, body)
	}
	// A token of another browser does not do either.
	other := newClient(t, c.base)
	status, _, _ = c.do("POST", "/console/login", url.Values{"csrf": {other.token("/console/login")}, "login": {"asha"}, "password": {"correct horse"}})
	if status != http.StatusForbidden {
		t.Fatalf("a sign-in with another browser's token: %d, want 403", status)
	}
	if status, _, _ := c.signIn("broken", "x"); status != http.StatusServiceUnavailable {
		t.Fatalf("a sign-in the users cannot check: %d, want 503", status)
	}
	if status, _, _ := c.signIn("", ""); status != http.StatusBadRequest {
		t.Fatalf("an empty sign-in: %d, want 400", status)
	}
}

func TestSignInIsRateLimited(t *testing.T) {
	t.Parallel()
	c, con := newConsole(t)
	clock := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	con.limiter.now = func() time.Time { return clock }
	for i := 0; i < loginTries; i++ {
		if status, _, _ := c.signIn("asha", "guess"); status != http.StatusUnauthorized {
			t.Fatalf("try %d: %d, want 401", i+1, status)
		}
	}
	status, _, body := c.signIn("asha", "correct horse")
	if status != http.StatusTooManyRequests || !strings.Contains(body, "Wait 15 minutes") {
		t.Fatalf("after %d failures the right password answers %d\n%s", loginTries, status, body)
	}
	// The same address cannot go on with another login either.
	if status, _, _ := c.signIn("ravi", "battery staple"); status != http.StatusTooManyRequests {
		t.Fatalf("another login from the same address: %d, want 429", status)
	}
	clock = clock.Add(loginWindow)
	if status, _, _ := c.signIn("asha", "correct horse"); status != http.StatusSeeOther {
		t.Fatalf("after the window the right password answers %d", status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	c, _ := newConsole(t)
	for _, path := range []string{"/console/login", "/console/static/console.css", "/console/nope"} {
		_, h, _ := c.do("GET", path, nil)
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: the CSP %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: the CSP allows inline code: %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
	_, _, page := c.do("GET", "/console/login", nil)
	if strings.Contains(page, "<script>") || regexp.MustCompile(`<script(?: [^>]*)?>[^<]`).MatchString(page) || strings.Contains(page, " style=") {
		t.Fatalf("the page has inline script or style:\n%s", page)
	}
}

func TestPagesInHindiAndTextEscaped(t *testing.T) {
	t.Parallel()
	c, _ := newConsole(t)
	c.signIn("asha", "correct horse")
	_, _, body := c.do("GET", "/console/integrations/city", nil, "Accept-Language", "hi-IN,hi;q=0.9,en;q=0.5")
	if !strings.Contains(body, "घटनाओं का लॉग") || !strings.Contains(body, `lang="hi"`) {
		t.Fatalf("Accept-Language hi does not give Hindi:\n%s", body)
	}
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("the event log's text is not escaped:\n%s", body)
	}
	// The selector's cookie wins over the browser.
	status, h, _ := c.do("GET", "/console/language?lang=en&next=/console/flows", nil)
	if status != http.StatusSeeOther || h.Get("Location") != "/console/flows" {
		t.Fatalf("picking English: %d → %q", status, h.Get("Location"))
	}
	_, _, body = c.do("GET", "/console/flows", nil, "Accept-Language", "hi")
	if !strings.Contains(body, "Loaded flows") || !strings.Contains(body, "hi −2") {
		t.Fatalf("the flows page in English:\n%s", body)
	}
	if status, h, _ := c.do("GET", "/console/language?lang=en&next=https://evil.example/", nil); status != http.StatusSeeOther || h.Get("Location") != "/console/" {
		t.Fatalf("an outside next: %d → %q", status, h.Get("Location"))
	}
	if status, _, _ := c.do("GET", "/console/language?lang=xx", nil); status != http.StatusBadRequest {
		t.Fatalf("an unknown language: %d", status)
	}
}

func TestIntegrationsAreScopedToTheDepartment(t *testing.T) {
	t.Parallel()
	c, _ := newConsole(t)
	c.signIn("asha", "correct horse")
	status, _, body := c.do("POST", "/console/integrations/city/test", url.Values{"csrf": {c.token("/console/integrations/city")}})
	if status != http.StatusOK || !strings.Contains(body, "The Graph API answered: &#43;91 98000 00000") {
		t.Fatalf("testing the connection: %d\n%s", status, body)
	}
	v := newClient(t, c.base)
	v.signIn("ravi", "battery staple")
	if status, _, _ := v.do("GET", "/console/integrations/city", nil); status != http.StatusNotFound {
		t.Fatalf("another department's integration: %d, want 404", status)
	}
	if status, _, _ := v.do("POST", "/console/integrations/city/test", url.Values{"csrf": {v.token("/console/integrations")}}); status != http.StatusForbidden {
		t.Fatalf("a viewer testing a connection: %d, want 403", status)
	}
}

func TestEveryMessageIsInBothLanguages(t *testing.T) {
	t.Parallel()
	keys := func(lang string) map[string]bool {
		b, err := files.ReadFile("locales/" + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, line := range strings.Split(string(b), "\n") {
			if k, _, ok := strings.Cut(line, ":"); ok && k != "" && !strings.HasPrefix(k, " ") {
				out[k] = true
			}
		}
		return out
	}
	en, hi := keys("en"), keys("hi")
	for k := range en {
		if !hi[k] {
			t.Errorf("%s is not in hi.yaml", k)
		}
	}
	for k := range hi {
		if !en[k] {
			t.Errorf("%s is in hi.yaml but not en.yaml", k)
		}
	}
}
