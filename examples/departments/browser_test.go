package main

// The shipped flows against these sample APIs, clicked through in a real
// browser: the sample department APIs run in process, a complete Samvad
// server (simulator, workers, renderer, fake Graph API) has its connectors
// pointed at them, and headless Chromium drives the simulator page as a
// citizen would. Without Chromium the tests are skipped, unless CI=true,
// where they fail (internal/browsertest).

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/internal/browsertest"
	"github.com/samvad/samvad/internal/servertest"
	samvad "github.com/samvad/samvad/server"
)

// startDepartments serves the sample APIs on the clock's own day, since the
// Samvad server under test reads the wall clock too.
func startDepartments(t *testing.T) *httptest.Server {
	t.Helper()
	srv, err := newServer(Config{Now: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

// startSamvad runs a complete Samvad server whose connectors all point at
// the sample APIs, and returns its base URL.
func startSamvad(t *testing.T, departments string) string {
	t.Helper()
	srv := servertest.New(t, func(cfg *samvad.Config) {
		cfg.Connectors = map[string]services.Connection{}
		for _, name := range []string{"cowin", "health", "pds", "property_tax"} {
			cfg.Connectors[name] = services.Connection{BaseURL: departments}
		}
		cfg.AllowUnconnected = false
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv.URL()
}

// pinWithSessions finds a PIN code with open sessions on the day the flow
// calls "tomorrow" (the day after the Samvad server's today), so that the
// test does not hang on a centre that happens to be full or closed.
func pinWithSessions(t *testing.T, departments string) string {
	t.Helper()
	day := time.Now().AddDate(0, 0, 1).Format("02-01-2006")
	for _, pin := range []string{"400052", "400051", "400050", "411011", "700026", "751001", "600004"} {
		resp, err := http.Get(departments + "/api/v2/appointment/sessions/public/findByPin?available_only=true&pincode=" + pin + "&date=" + day)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Sessions []struct {
				Name string `json:"name"`
			} `json:"sessions"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(body.Sessions) > 0 {
			return pin
		}
	}
	t.Fatalf("no PIN code of the sample data has open sessions on %s", day)
	return ""
}

// bookingRE reads the booking number and the beneficiary reference id,
// each on a line of its own (the bubble's time and status follow them).
var bookingRE = regexp.MustCompile(`(?ms)Your booking number is:\n(CW-[0-9A-Z]{4}-[0-9A-Z]{4})$.*^(\d{14})$`)

func TestBrowserVaccinationBookingAndCertificate(t *testing.T) {
	chromium := browsertest.FindChromium(t)
	departments := startDepartments(t)
	pin := pinWithSessions(t, departments.URL)
	base := startSamvad(t, departments.URL)
	p := browsertest.Open(t, browsertest.Start(t, chromium), base)

	p.Say("hi")
	p.AnswerLanguageIfAsked("English")
	p.WaitBot("Namaste! This is the City Citizen Services desk.")
	if rows := p.OpenList(); !slices.Contains(rows, "Vaccination") {
		p.Fail("the main menu's rows are %q, want Vaccination among them", rows)
	}
	p.PickRow("Vaccination")
	p.WaitBot("Vaccination: what would you like to do?")
	p.Tap("Book by PIN code")
	p.WaitBot("Send the 6-digit PIN code")
	p.Say(pin)
	p.WaitBot("For which day?")
	p.Tap("Tomorrow")
	p.WaitBot("Centres with open slots on")
	rows := p.OpenList()
	// Each row: the centre, and under it vaccine · age · fee · places left.
	desc := browsertest.Eval[string](p, `document.querySelector('#sheet .row-desc').textContent`)
	if !regexp.MustCompile(`^[A-Z]+ · \d+\+ · ₹\d+ · \d+$`).MatchString(desc) {
		p.Fail("the first centre's row reads %q, want vaccine · age+ · ₹fee · places left", desc)
	}
	p.PickRow(rows[0])
	slot := p.WaitBot("Which time suits you?")
	if !strings.Contains(slot, "places left on") {
		p.Fail("the centre's details %q do not say the places left", slot)
	}
	if slots := p.OpenList(); len(slots) > 0 {
		p.PickRow(slots[0])
	}
	p.WaitBot("Who is the vaccine for?")
	p.Say("Asha Patil")
	p.WaitBot("In which year was Asha Patil born?")
	p.Say("1958") // old enough for every session
	p.WaitBot("last 4 digits")
	p.Say("4821")
	confirm := p.WaitBot("Please check:")
	if !strings.Contains(confirm, "Asha Patil, born 1958, photo ID ending 4821") {
		p.Fail("the read-back %q does not repeat the citizen's details", confirm)
	}
	p.Tap("Book")
	done := p.WaitBot("Booked. Your booking number is:")
	m := bookingRE.FindStringSubmatch(done)
	if m == nil {
		p.Fail("the booking message %q does not give the booking number and the reference id on lines of their own", done)
	}
	beneficiary := m[2]

	// The person just booked has had no dose: no certificate yet.
	p.Say("vaccination certificate")
	p.WaitBot("Send the 14-digit beneficiary reference ID")
	p.Say(beneficiary)
	p.WaitBot("No dose is recorded yet for this reference ID")

	// A vaccinated beneficiary of the sample data gets the PDF.
	p.Say("vaccination certificate")
	p.WaitBot("Send the 14-digit beneficiary reference ID")
	p.Say("41237856092314")
	p.WaitBot("Vaccination certificate of Aarti Deshmukh")
	doc := browsertest.Eval[map[string]string](p, `(() => {
		const card = [...document.querySelectorAll('#chat .msg.bot .media.document')].pop();
		if (!card) return {};
		const a = card.querySelector('a.file-name');
		return {name: a ? a.textContent : '', href: a ? a.href : '', type: card.querySelector('.file-type').textContent};
	})()`)
	if doc["name"] != "vaccination-certificate-2314.pdf" || doc["type"] != "PDF" ||
		!strings.HasPrefix(doc["href"], departments.URL+"/api/v2/registration/certificate/public/download?") {
		p.Fail("the certificate shows as %v, want a PDF document vaccination-certificate-2314.pdf linked to the sample API", doc)
	}
	resp, err := http.Get(doc["href"])
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("the certificate's link answered %d %.40q (%v), want a PDF", resp.StatusCode, pdf, err)
	}
	p.NoAlert()
	p.KeepScreenshot("vaccination_certificate")
}

// TestBrowserOfficeLookup looks up the office serving a PIN code: the ward
// or block office, its address and hours, and its officials, as the
// offices and officials tables hold them.
func TestBrowserOfficeLookup(t *testing.T) {
	src, l := engine.ReadSources(filepath.Join("..", "..", "flows"), filepath.Join("..", "..", "locales"))
	lib, more := engine.LoadSources(src, engine.LoadOptions{})
	if l = append(l, more...); l.HasErrors() {
		t.Fatal(l.Err())
	}
	if lib.Flow("office") == nil {
		t.Skip("the office flow (flows/office.yaml) is not on this branch yet; this test runs once it is merged")
	}
	chromium := browsertest.FindChromium(t)
	const pin = "400052"
	var office map[string]string
	for _, r := range readTable(t, "offices.csv", []string{"pincode", "area", "office_id", "office_name", "office_type", "address",
		"hours", "phone", "latitude", "longitude", "district", "state"}) {
		if r["pincode"] == pin {
			office = r
		}
	}
	var official string
	for _, r := range readTable(t, "officials.csv", []string{"office_id", "name", "role", "phone"}) {
		if r["office_id"] == office["office_id"] && official == "" {
			official = r["name"]
		}
	}
	if office == nil || official == "" {
		t.Fatalf("the tables have no office (%v) or official (%q) for PIN %s", office, official, pin)
	}
	departments := startDepartments(t)
	base := startSamvad(t, departments.URL)
	p := browsertest.Open(t, browsertest.Start(t, chromium), base)

	p.Say("hi")
	p.AnswerLanguageIfAsked("English")
	p.WaitBot("Namaste! This is the City Citizen Services desk.")
	p.OpenList()
	// The office row by its id, whatever its title.
	p.Click(`//dialog[@id="sheet"]//button[contains(@class,"row") and substring(@data-id, string-length(@data-id) - 6) = "~office"]`)
	p.WaitBot("PIN code")
	p.Say(pin)
	for _, want := range []string{office["office_name"], office["address"], office["hours"], official} {
		p.WaitBot(want)
	}
	p.NoAlert()
	p.KeepScreenshot("office_lookup")
}
