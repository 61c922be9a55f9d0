package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samvad/samvad/adapters/whatsapp"
)

// notification is a text message to business number phoneID.
func notification(phoneID, wamid string) string {
	return `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
		`"messaging_product":"whatsapp","metadata":{"display_phone_number":"9100","phone_number_id":"` + phoneID + `"},` +
		`"contacts":[{"profile":{"name":"Asha"},"wa_id":"919800000001"}],` +
		`"messages":[{"from":"919800000001","id":"` + wamid + `","timestamp":"1700000000","type":"text","text":{"body":"hi"}}]}}]}]}`
}

// A POST to integration a's callback, signed with a's secret, that names
// integration b's number is dropped (200, a warning in a's event log),
// unless b shares a's app secret (one Meta app posting all its numbers to
// one callback).
func TestACallbackSpeaksOnlyForItsOwnApp(t *testing.T) {
	t.Parallel()
	off := false
	srv := newTestServer(t, func(c *Config) {
		c.Simulator = &off
		c.Integrations = []Integration{
			{ID: "a", PhoneNumberID: "111", AppSecret: "secret-a", AccessToken: "t", VerifyToken: "v", Department: "health"},
			{ID: "b", PhoneNumberID: "222", AppSecret: "secret-b", AccessToken: "t", VerifyToken: "v", Department: "police"},
			{ID: "c", PhoneNumberID: "333", AppSecret: "secret-a", AccessToken: "t", VerifyToken: "v", Department: "health"},
		}
	})
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	ctx := context.Background()
	post := func(phoneID, wamid string) int {
		body := notification(phoneID, wamid)
		req := httptest.NewRequest(http.MethodPost, callbackPath("a"), strings.NewReader(body))
		req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign([]byte(body), "secret-a"))
		rec := httptest.NewRecorder()
		srv.router.ServeHTTP(rec, req)
		return rec.Code
	}
	pending := func() int {
		n, _, _, err := srv.store.QueueDepths(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	if code := post("222", "wamid.B1"); code != http.StatusOK || pending() != 0 {
		t.Fatalf("b's number through a's callback: %d, %d stored; want 200 and nothing stored", code, pending())
	}
	logs, err := srv.store.EventLog(ctx, "a", 10)
	if err != nil || len(logs) != 1 || logs[0].Kind != "foreign_number" || !strings.Contains(logs[0].Message, "integration b") {
		t.Fatalf("a's event log: %+v, %v", logs, err)
	}
	if logs, _ := srv.store.EventLog(ctx, "b", 10); len(logs) != 0 {
		t.Errorf("b's event log: %+v", logs)
	}
	if code := post("333", "wamid.C1"); code != http.StatusOK || pending() != 1 {
		t.Errorf("c's number (same app secret): %d, %d stored; want it stored", code, pending())
	}
	if code := post("111", "wamid.A1"); code != http.StatusOK || pending() != 2 {
		t.Errorf("a's own number: %d, %d stored", code, pending())
	}
	if code := post("999", "wamid.X1"); code != http.StatusOK || pending() != 2 {
		t.Errorf("an unknown number: %d, %d stored", code, pending())
	}
}

func TestMediaHostsConfig(t *testing.T) {
	t.Parallel()
	cfg := SandboxConfig("..", t.TempDir())
	cfg.AllowUnconnected = true
	cfg.Graph.MediaHosts = []string{"lookaside.fbsbx.com", "*.fbcdn.net", "https://evil.example/x", "*."}
	cfg.ApplyDefaults()
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), `graph.media_hosts[2]: "https://evil.example/x" is not a host name`) ||
		!strings.Contains(err.Error(), "graph.media_hosts[3]") || strings.Contains(err.Error(), "media_hosts[1]") {
		t.Fatalf("validate: %v", err)
	}
}
