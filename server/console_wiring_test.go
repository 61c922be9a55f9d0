package server

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server/api"
)

// metricsKeys are API keys for the /metrics tests.
var metricsKeys = api.StaticKeys{
	"admin-key":  {KeyID: "k1", Actor: "ops", Role: api.RoleAdmin, Department: simulatorDepartment},
	"viewer-key": {KeyID: "k2", Actor: "clerk", Role: api.RoleViewer, Department: simulatorDepartment},
}

// readMetrics reads srv's /metrics with an admin's key.
func readMetrics(t testing.TB, srv *Server) string {
	t.Helper()
	_, key, err := srv.store.CreateAPIKey(context.Background(), simulatorDepartment, "admin", "metrics test")
	if err != nil {
		t.Fatal(err)
	}
	rec := get(srv, "/metrics", "Authorization", "Bearer "+key)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics as an admin: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// get sends a GET with headers (name, value pairs) to srv's handler.
func get(srv *Server, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec
}

func TestMetricsNeedAnAdmin(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	t.Cleanup(func() { srv.store.Close() })
	srv.keys = metricsKeys
	for _, c := range []struct {
		header []string
		want   int
	}{
		{nil, http.StatusUnauthorized},
		{[]string{"Authorization", "Bearer nobody"}, http.StatusUnauthorized},
		{[]string{"Authorization", "Bearer viewer-key"}, http.StatusForbidden},
		{[]string{"Authorization", "Bearer admin-key"}, http.StatusOK},
	} {
		rec := get(srv, "/metrics", c.header...)
		if rec.Code != c.want {
			t.Errorf("GET /metrics %v: %d, want %d", c.header, rec.Code, c.want)
		}
		if c.want != http.StatusOK && strings.Contains(rec.Body.String(), "samvad_") {
			t.Errorf("GET /metrics %v shows metrics to someone not allowed", c.header)
		}
	}
}

func TestRootRevealsNothing(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	t.Cleanup(func() { srv.store.Close() })
	rec := get(srv, "/")
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/console/" || strings.Contains(rec.Body.String(), simulatorID) {
		t.Fatalf("GET / = %d → %q:\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	rec = get(srv, "/console/")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/console/login") {
		t.Fatalf("GET /console/ signed out = %d → %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestMetricsListenServesThemAlone(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(c *Config) { c.MetricsListen = "127.0.0.1:0" })
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	srv.keys = metricsKeys
	if rec := get(srv, "/metrics", "Authorization", "Bearer admin-key"); rec.Code != http.StatusNotFound {
		t.Fatalf("/metrics on the main address with metrics_listen: %d, want 404", rec.Code)
	}
	res, err := http.Get("http://" + srv.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "samvad_build_info") {
		t.Fatalf("GET metrics_listen/metrics: %d\n%.300s", res.StatusCode, body)
	}
	res, err = http.Get("http://" + srv.MetricsAddr() + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("the metrics address serves /console/: %d", res.StatusCode)
	}
}

func TestMetricsListenAndPublicConflict(t *testing.T) {
	t.Parallel()
	cfg := SandboxConfig("..", t.TempDir())
	cfg.MetricsListen, cfg.MetricsPublic = "127.0.0.1:0", true
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "metrics_listen and metrics_public") {
		t.Fatalf("both set: %v", err)
	}
}

func TestConsoleSignsInTheStoresUsers(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	t.Cleanup(func() { srv.store.Close() })
	web := httptest.NewServer(srv.Handler())
	t.Cleanup(web.Close)
	newUser(t, srv, "asha", "Asha K", simulatorDepartment, "agent")
	client := &http.Client{}
	client.Jar, _ = cookiejar.New(nil)
	if status, _ := signIn(t, client, web.URL, "asha", "not the password"); status != http.StatusUnauthorized {
		t.Fatalf("a wrong password: %d, want 401", status)
	}
	status, body := signIn(t, client, web.URL, "asha", userPassword)
	if status != http.StatusOK || !strings.Contains(body, "Asha K") || !strings.Contains(body, "agent") {
		t.Fatalf("signed in, the dashboard: %d\n%s", status, body)
	}
	// An agent's session does not read /metrics.
	if status, _ := fetch(t, client, web.URL+"/metrics"); status != http.StatusForbidden {
		t.Fatalf("/metrics with an agent's session: %d, want 403", status)
	}
}

func TestConsoleCasesKeepRolesAndDepartments(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, func(c *Config) { c.DatabaseURL = testdb.URL(t, dialect) })
			t.Cleanup(func() { srv.store.Close() })
			consoleCasesKeepRolesAndDepartments(t, srv)
		})
	}
}

// consoleCasesKeepRolesAndDepartments signs in users of two departments
// and roles and works a case through the console.
func consoleCasesKeepRolesAndDepartments(t *testing.T, srv *Server) {
	web := httptest.NewServer(srv.Handler())
	t.Cleanup(web.Close)
	ctx := context.Background()
	ref, err := srv.store.CreateGrievance(ctx, store.Grievance{Integration: simulatorID, ContactID: "c1", Category: "roads",
		Description: "<b>pothole</b>", Status: "lodged"})
	if err != nil {
		t.Fatal(err)
	}
	as := func(login, dept, role string) *http.Client {
		newUser(t, srv, login, login, dept, role)
		c := &http.Client{}
		c.Jar, _ = cookiejar.New(nil)
		if status, body := signIn(t, c, web.URL, login, userPassword); status != http.StatusOK {
			t.Fatalf("%s signing in: %d\n%s", login, status, body)
		}
		return c
	}
	agent, viewer, other := as("agent1", simulatorDepartment, "agent"), as("viewer1", simulatorDepartment, "viewer"), as("water1", "water", "admin")
	if status, body := fetch(t, agent, web.URL+"/console/cases"); status != http.StatusOK || !strings.Contains(body, ref) {
		t.Fatalf("the agent's case list: %d\n%s", status, body)
	}
	status, body := fetch(t, agent, web.URL+"/console/cases/"+ref)
	if status != http.StatusOK || !strings.Contains(body, "&lt;b&gt;pothole&lt;/b&gt;") {
		t.Fatalf("the case's page: %d, the description not escaped?\n%s", status, body)
	}
	if status, body := fetch(t, other, web.URL+"/console/cases"); status != http.StatusOK || strings.Contains(body, ref) {
		t.Fatalf("another department's list: %d, shows %s", status, ref)
	}
	if status, _ := fetch(t, other, web.URL+"/console/cases/"+ref); status != http.StatusNotFound {
		t.Fatalf("another department's case: %d, want 404", status)
	}
	move := func(c *http.Client) (int, string) {
		_, page := fetch(t, c, web.URL+"/console/cases/"+ref)
		m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no form token on the case's page:\n%s", page)
		}
		res, err := c.PostForm(web.URL+"/console/cases/"+ref+"/move", url.Values{"csrf": {m[1]}, "to": {"in_progress"}, "remark": {"on it"}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if _, page := fetch(t, viewer, web.URL+"/console/cases/"+ref); strings.Contains(page, `id="move-form"`) {
		t.Fatal("a viewer's case page offers to move the case")
	}
	if status, _ := move(viewer); status != http.StatusForbidden {
		t.Fatalf("a viewer moving a case: %d, want 403", status)
	}
	if status, body := move(agent); status != http.StatusOK || !strings.Contains(body, `id="done"`) {
		t.Fatalf("the agent moving the case: %d\n%s", status, body)
	}
	if g, err := srv.store.GrievanceByReference(ctx, simulatorID, ref); err != nil || g.Status != "in_progress" {
		t.Fatalf("the case after the move: %+v %v", g, err)
	}
}

// userPassword is the password of the tests' console users.
const userPassword = "a long enough password"

// newUser makes a console account.
func newUser(t *testing.T, srv *Server, login, name, dept, role string) {
	t.Helper()
	if _, err := srv.store.CreateUser(context.Background(), store.User{Department: dept, Role: role, Login: login, Name: name}, userPassword); err != nil {
		t.Fatal(err)
	}
}

// signIn signs client in at base and returns the page it lands on.
func signIn(t *testing.T, client *http.Client, base, login, password string) (int, string) {
	t.Helper()
	_, page := fetch(t, client, base+"/console/login")
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no token on the sign-in page:\n%s", page)
	}
	res, err := client.PostForm(base+"/console/login", url.Values{"csrf": {m[1]}, "login": {login}, "password": {password}, "next": {"/console/"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// fetch GETs url with client.
func fetch(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}
