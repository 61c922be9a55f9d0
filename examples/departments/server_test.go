package main

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func TestUnknownEndpointsAnswerJSON(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	wantError(t, s.get(t, "/api/v3/nothing"), http.StatusNotFound, "NOT_FOUND", "")
	if r := s.get(t, "/healthz"); r.status != http.StatusOK || r.json(t)["status"] != "ok" {
		t.Errorf("healthz: %d %s", r.status, r.body)
	}
}

func withKey(c *Config) { c.APIKey = "s3cret-key" }

func TestTheAPIKeyIsRequiredWhenSet(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, withKey)
	r := s.get(t, card)
	wantError(t, r, http.StatusUnauthorized, "UNAUTHORIZED", "")
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	if strings.Contains(string(r.body), "s3cret") {
		t.Error("the refusal shows the key")
	}
	for _, h := range []string{"Authorization: Bearer s3cret-key", "X-API-Key: s3cret-key"} {
		if r := s.get(t, card, h); r.status != http.StatusOK {
			t.Errorf("%s: %d", h, r.status)
		}
	}
	for _, h := range []string{"Authorization: Bearer wrong", "X-API-Key: s3cret-ke", "Authorization: Basic czNjcmV0LWtleQ=="} {
		if r := s.get(t, card, h); r.status != http.StatusUnauthorized {
			t.Errorf("%s: %d", h, r.status)
		}
	}
	if r := s.get(t, "/healthz"); r.status != http.StatusOK {
		t.Errorf("healthz needs no key: %d", r.status)
	}
	// Faults wait behind the key.
	if r := s.get(t, card, "X-Sample-Fault: error"); r.status != http.StatusUnauthorized {
		t.Errorf("a fault without the key: %d", r.status)
	}
}

func TestSignedLinksOpenWithoutTheKey(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, withKey)
	key := "X-API-Key: s3cret-key"
	dues := s.get(t, "/api/property-tax/v1/properties/13-173-01156-000/dues", key).json(t)
	link, _ := dues["payment_url"].(string)
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("sig") == "" || u.Query().Get("exp") == "" {
		t.Fatalf("payment_url %q is not signed", link)
	}
	page := s.get(t, u.RequestURI())
	if page.status != http.StatusOK || !strings.Contains(string(page.body), `action="`+strings.ReplaceAll(u.RequestURI(), "&", "&amp;")+`"`) {
		t.Fatalf("the signed pay page: %d %s", page.status, page.body)
	}
	// Tampered: another property under the same signature.
	other := strings.Replace(u.RequestURI(), "13-173-01156-000", "09-123-04521-000", 1)
	if r := s.get(t, other); r.status != http.StatusUnauthorized {
		t.Errorf("a signature moved to another property: %d", r.status)
	}
	if r := s.do(t, "POST", u.RequestURI(), "", "Accept: application/json"); r.status != http.StatusOK {
		t.Fatalf("paying through the signed link: %d %s", r.status, r.body)
	} else if receipt, _ := r.json(t)["receipt_url"].(string); receipt == "" {
		t.Error("no receipt_url")
	} else {
		ru, _ := url.Parse(receipt)
		if doc := s.get(t, ru.RequestURI()); doc.status != http.StatusOK || doc.header.Get("Content-Type") != "application/pdf" {
			t.Errorf("the signed receipt link: %d", doc.status)
		}
		if r := s.get(t, ru.Path); r.status != http.StatusUnauthorized {
			t.Errorf("the receipt without its signature: %d", r.status)
		}
	}
	// A day later the links have expired.
	s.clock.set(testNow.Add(linkTTL + time.Minute))
	if r := s.get(t, u.RequestURI()); r.status != http.StatusUnauthorized {
		t.Errorf("an expired link: %d", r.status)
	}
}

func TestTheCertificateLinkIsSigned(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, withKey)
	b := s.get(t, "/api/v2/registration/beneficiaries/52318476905521", "Authorization: Bearer s3cret-key").json(t)
	u, _ := url.Parse(b["certificate_url"].(string))
	if r := s.get(t, u.RequestURI()); r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("the signed certificate link: %d %s", r.status, r.body)
	}
}

func TestTheLogHasOneMaskedLinePerRequest(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.get(t, card)
	s.get(t, "/api/v2/registration/beneficiaries/41237856092314")
	s.get(t, "/api/v2/appointment/sessions/public/findByPin?pincode=400052&date=14-05-2026")
	s.get(t, "/api/pds/v1/ration-cards/MH-12-9999-999")
	lines := strings.Split(strings.TrimSpace(s.log.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d log lines for 4 requests:\n%s", len(lines), s.log)
	}
	for i, want := range []string{
		"method=GET path=/api/pds/v1/ration-cards/**-**-****-556 status=200 duration=",
		"path=/api/v2/registration/beneficiaries/**********2314 status=200",
		"path=/api/v2/appointment/sessions/public/findByPin status=200",
		"path=/api/pds/v1/ration-cards/**-**-****-999 status=404",
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d %q lacks %q", i+1, lines[i], want)
		}
	}
	for _, secret := range []string{"3344", "41237856092314", "400052", "pincode"} {
		if strings.Contains(s.log.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, s.log)
		}
	}
}

func TestRedactPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/api/v2/admin/location/districts/26":               "/api/v2/admin/location/districts/26",
		"/api/property-tax/v1/properties/HW0207088100/dues": "/api/property-tax/v1/properties/********8100/dues",
		"/api/pds/v1/ration-cards/WB 01 4471 360":           "/api/pds/v1/ration-cards/** ** **** 360",
		"/pay/property-tax/10-133-02301-001":                "/pay/property-tax/**-***-*****-001",
		"/api/v2/appointment/sessions/public/findByPin":     "/api/v2/appointment/sessions/public/findByPin",
	} {
		if got := redactPath(in); got != want {
			t.Errorf("redactPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOnlyLoopbackAddressesAreAllowed(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:8090": true, "127.0.0.1:0": true, "[::1]:8090": true, "localhost:8090": true, "127.1.2.3:80": true,
		":8090": false, "0.0.0.0:8090": false, "[::]:8090": false, "192.168.1.10:8090": false, "example.com:80": false,
		"127.0.0.1": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v", addr, err)
		}
	}
}

func TestRunRefusesBadFlagsBeforeListening(t *testing.T) {
	t.Parallel()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--listen", "0.0.0.0:8090"}, "only a loopback address"},
		{[]string{"--listen", "127.0.0.1:0", "--today", "14-05-2026"}, "--today"},
		{[]string{"--listen", "127.0.0.1:0", "--fault", "mode=explode"}, "mode must be"},
	} {
		if err := run(c.args, devnull); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("run %v: %v, want it to say %q", c.args, err, c.says)
		}
	}
}
