package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/samvad/samvad/examples/departments/pdf"
)

func TestStatesAndDistricts(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	states := list(t, s.get(t, "/api/v2/admin/location/states").json(t), "states")
	if len(states) < 3 {
		t.Fatalf("%d states, want at least 3", len(states))
	}
	names := []string{}
	for _, st := range states {
		names = append(names, st["state_name"].(string))
	}
	if strings.Join(names, ",") != "Maharashtra,Odisha,Tamil Nadu,West Bengal" {
		t.Errorf("states %v, want them sorted by name", names)
	}
	ds := list(t, s.get(t, "/api/v2/admin/location/districts/26").json(t), "districts")
	if len(ds) != 3 || ds[0]["district_name"] != "Khordha" || ds[0]["district_id"] != 446.0 {
		t.Errorf("Odisha's districts: %v", ds)
	}
	wantError(t, s.get(t, "/api/v2/admin/location/districts/odisha"), http.StatusBadRequest, "BAD_INPUT", "state_id")
	wantError(t, s.get(t, "/api/v2/admin/location/districts/99"), http.StatusNotFound, "NOT_FOUND", "state_id")
}

func TestFindByPinAnswersCoWinSessions(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	sessions := list(t, s.get(t, "/api/v2/appointment/sessions/public/findByPin?pincode=400052&date=14-05-2026").json(t), "sessions")
	if len(sessions) != 1 {
		t.Fatalf("%d sessions at 400052, want the one centre's: %v", len(sessions), sessions)
	}
	ses := sessions[0]
	for k, want := range map[string]any{
		"center_id": 700101.0, "name": "Municipal Dispensary Khar Danda", "district_name": "Mumbai", "state_name": "Maharashtra",
		"block_name": "H/West", "pincode": 400052.0, "fee_type": "Free", "fee": "0", "date": "14-05-2026",
		"min_age_limit": 18.0, "vaccine": "COVISHIELD", "from": "09:00:00", "to": "17:00:00",
	} {
		if ses[k] != want {
			t.Errorf("%s = %v, want %v", k, ses[k], want)
		}
	}
	slots, _ := ses["slots"].([]any)
	if len(slots) != 4 || slots[0] != "09:00AM-11:00AM" || slots[3] != "03:00PM-05:00PM" {
		t.Errorf("slots %v", slots)
	}
	if ses["available_capacity"] != ses["available_capacity_dose1"].(float64)+ses["available_capacity_dose2"].(float64) {
		t.Errorf("capacity %v is not dose1 + dose2", ses)
	}
	if id, _ := ses["session_id"].(string); len(id) != 36 || id[14] != '4' {
		t.Errorf("session_id %q is not a UUID", id)
	}
	// Outside the published week there is nothing; a day of the week on
	// which the centre is closed (Sunday 17 May) neither.
	for _, date := range []string{"13-05-2026", "21-05-2026", "17-05-2026"} {
		got := list(t, s.get(t, "/api/v2/appointment/sessions/public/findByPin?pincode=400052&date="+date).json(t), "sessions")
		if len(got) != 0 {
			t.Errorf("%s: %d sessions, want none", date, len(got))
		}
	}
	wantError(t, s.get(t, "/api/v2/appointment/sessions/public/findByPin?pincode=40005&date=14-05-2026"), 400, "BAD_INPUT", "pincode")
	wantError(t, s.get(t, "/api/v2/appointment/sessions/public/findByPin?pincode=400052&date=2026-05-14"), 400, "BAD_INPUT", "date")
	wantError(t, s.get(t, "/api/v2/appointment/sessions/public/findByPin?pincode=400052"), 400, "BAD_INPUT", "date")
}

func TestFindByDistrictKeepsToTheDistrict(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	all := list(t, s.get(t, "/api/v2/appointment/sessions/public/findByDistrict?district_id=571&date=15-05-2026").json(t), "sessions")
	if len(all) != 5 {
		t.Fatalf("%d sessions in Chennai on a Friday, want all 5 centres", len(all))
	}
	full := 0
	for _, ses := range all {
		if ses["district_name"] != "Chennai" {
			t.Errorf("a session of %v in Chennai's list", ses["district_name"])
		}
		if ses["available_capacity"] == 0.0 {
			full++
		}
		if ses["fee_type"] == "Paid" && ses["fee"] == "0" {
			t.Errorf("a paid session with no fee: %v", ses)
		}
	}
	open := list(t, s.get(t, "/api/v2/appointment/sessions/public/findByDistrict?district_id=571&date=15-05-2026&available_only=true").json(t), "sessions")
	if len(open) != len(all)-full {
		t.Errorf("available_only left %d of %d sessions with %d full", len(open), len(all), full)
	}
	none := list(t, s.get(t, "/api/v2/appointment/sessions/public/findByDistrict?district_id=1&date=15-05-2026").json(t), "sessions")
	if len(none) != 0 {
		t.Errorf("an unknown district has sessions: %v", none)
	}
	wantError(t, s.get(t, "/api/v2/appointment/sessions/public/findByDistrict?district_id=chennai&date=15-05-2026"), 400, "BAD_INPUT", "district_id")
}

func TestCalendarGroupsAWeekByCentre(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	centres := list(t, s.get(t, "/api/v2/appointment/sessions/public/calendarByDistrict?district_id=446&date=14-05-2026").json(t), "centers")
	if len(centres) != 4 {
		t.Fatalf("%d centres in Khordha, want 4", len(centres))
	}
	for _, c := range centres {
		sessions := list(t, c, "sessions")
		want := 7
		if c["center_id"] == 700502.0 || c["center_id"] == 700503.0 || c["center_id"] == 700504.0 {
			want = 6 // closed one day a week
		}
		if len(sessions) != want {
			t.Errorf("centre %v: %d sessions in the week, want %d", c["center_id"], len(sessions), want)
		}
		if fees, paid := c["vaccine_fees"], c["fee_type"] == "Paid"; (fees != nil) != paid {
			t.Errorf("centre %v (%v) vaccine_fees %v", c["center_id"], c["fee_type"], fees)
		}
	}
	byPin := list(t, s.get(t, "/api/v2/appointment/sessions/public/calendarByPin?pincode=751012&date=16-05-2026").json(t), "centers")
	if len(byPin) != 1 || len(list(t, byPin[0], "sessions")) != 4 {
		t.Errorf("calendar from the 16th holds the rest of the week, 4 days: %v", byPin)
	}
}

func TestSessionsAreTheSameOnEveryRun(t *testing.T) {
	t.Parallel()
	a, b := newTestServer(t), newTestServer(t)
	url := "/api/v2/appointment/sessions/public/findByDistrict?district_id=725&date=18-05-2026"
	if ra, rb := a.get(t, url), b.get(t, url); !bytes.Equal(ra.body, rb.body) {
		t.Fatalf("two servers on the same day disagree:\n%s\n%s", ra.body, rb.body)
	}
}

// findSession finds the session of a district on a day with the fewest
// first-dose places between least and most.
func findSession(t *testing.T, s *testServer, district, date string, least, most float64) map[string]any {
	t.Helper()
	sessions := list(t, s.get(t, "/api/v2/appointment/sessions/public/findByDistrict?district_id="+district+"&date="+date).json(t), "sessions")
	var best map[string]any
	for _, ses := range sessions {
		n := ses["available_capacity_dose1"].(float64)
		if n >= least && n <= most && (best == nil || n < best["available_capacity_dose1"].(float64)) {
			best = ses
		}
	}
	if best == nil {
		t.Fatalf("no session in %s on %s with %v to %v first doses", district, date, least, most)
	}
	return best
}

func booking(session, slot string, extra string) string {
	return fmt.Sprintf(`{"session_id":%q,"slot":%q,"name":"Asha Patil","birth_year":1990,"id_last4":"4821"%s}`, session, slot, extra)
}

func TestBookingTakesPlacesUntilNoneAreLeft(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	// The session with the fewest first-dose places of the week.
	var smallest *session
	for _, x := range s.vax.sessions {
		if x.Dose1 > 0 && x.MinAge == 18 && (smallest == nil || x.Dose1 < smallest.Dose1) {
			smallest = x
		}
	}
	district, date := fmt.Sprint(smallest.Centre.District.ID), smallest.Date.Format(coWinDate)
	ses := findSession(t, s, district, date, float64(smallest.Dose1), float64(smallest.Dose1))
	id, slot := ses["session_id"].(string), ses["slots"].([]any)[0].(string)
	places := int(ses["available_capacity_dose1"].(float64))
	refs := map[string]bool{}
	for i := range places {
		r := s.do(t, "POST", "/api/v2/appointment/schedule", booking(id, slot, ""))
		if r.status != http.StatusOK {
			t.Fatalf("booking %d of %d: %d %s", i+1, places, r.status, r.body)
		}
		m := r.json(t)
		if m["remaining_capacity"] != float64(places-i-1) {
			t.Errorf("after booking %d, remaining %v, want %d", i+1, m["remaining_capacity"], places-i-1)
		}
		ref, _ := m["beneficiary_reference_id"].(string)
		conf, _ := m["appointment_confirmation_no"].(string)
		if len(ref) != 14 || !allDigits(ref) || refs[ref] || !strings.HasPrefix(conf, "CW-") || strings.ContainsAny(conf, "01IO") {
			t.Errorf("booking %d: reference %q, confirmation %q", i+1, ref, conf)
		}
		refs[ref] = true
	}
	var again map[string]any
	for _, x := range list(t, s.get(t, "/api/v2/appointment/sessions/public/findByDistrict?district_id="+district+"&date="+date).json(t), "sessions") {
		if x["session_id"] == id {
			again = x
		}
	}
	if again["available_capacity_dose1"] != 0.0 || again["available_capacity"] != ses["available_capacity_dose2"] {
		t.Errorf("after %d bookings the session shows %v", places, again)
	}
	wantError(t, s.do(t, "POST", "/api/v2/appointment/schedule", booking(id, slot, "")), http.StatusConflict, "NO_CAPACITY", "session_id")
	// Second doses have their own places.
	if r := s.do(t, "POST", "/api/v2/appointment/schedule", booking(id, slot, `,"dose":2`)); r.status != http.StatusOK {
		t.Errorf("a second dose in a session with second-dose places: %d %s", r.status, r.body)
	}
}

func TestBookingRefusesBadInput(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	ses := findSession(t, s, "571", "15-05-2026", 5, 1000)
	id, slot := ses["session_id"].(string), ses["slots"].([]any)[0].(string)
	for _, c := range []struct{ body, field string }{
		{`not json`, "body"},
		{`[1,2]`, "body"},
		{`{"slot":"` + slot + `","name":"Asha Patil","birth_year":1990,"id_last4":"4821"}`, "session_id"},
		{booking(id, "", ""), "slot"},
		{booking(id, "07:00AM-08:00AM", ""), "slot"},
		{`{"session_id":"` + id + `","slot":"` + slot + `","name":"12345","birth_year":1990,"id_last4":"4821"}`, "name"},
		{`{"session_id":"` + id + `","slot":"` + slot + `","name":"Asha Patil","birth_year":1890,"id_last4":"4821"}`, "birth_year"},
		{`{"session_id":"` + id + `","slot":"` + slot + `","name":"Asha Patil","birth_year":"nineteen","id_last4":"4821"}`, "birth_year"},
		{`{"session_id":"` + id + `","slot":"` + slot + `","name":"Asha Patil","birth_year":1990,"id_last4":"48"}`, "id_last4"},
		{booking(id, slot, `,"dose":3`), "dose"},
		{booking(id, slot, `,"id_type":"Library card"`), "id_type"},
		{booking(id, slot, `,"gender":"F"`), "gender"},
		{booking(id, slot, `,"beneficiaries":["1"]`), "beneficiaries"},
	} {
		wantError(t, s.do(t, "POST", "/api/v2/appointment/schedule", c.body), http.StatusBadRequest, "BAD_INPUT", c.field)
	}
	// A whole identity number is refused and never repeated back.
	full := `{"session_id":"` + id + `","slot":"` + slot + `","name":"Asha Patil","birth_year":1990,"id_last4":"234567894821"}`
	r := s.do(t, "POST", "/api/v2/appointment/schedule", full)
	wantError(t, r, http.StatusBadRequest, "BAD_INPUT", "id_last4")
	if bytes.Contains(r.body, []byte("234567894821")) {
		t.Errorf("the answer repeats the identity number: %s", r.body)
	}
	wantError(t, s.do(t, "POST", "/api/v2/appointment/schedule", booking("0b5c6b2e-0000-4000-8000-000000000000", slot, "")),
		http.StatusNotFound, "SESSION_NOT_FOUND", "session_id")
	// Numbers sent as text are read: connectors often send every argument so.
	if r := s.do(t, "POST", "/api/v2/appointment/schedule", `{"session_id":"`+id+`","slot":"`+slot+`","name":"Asha Patil","birth_year":"1990","id_last4":"4821","dose":"1"}`); r.status != http.StatusOK {
		t.Errorf("numbers as text: %d %s", r.status, r.body)
	}
}

func TestBookingChecksTheAgeLimit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	var ses map[string]any
	for _, x := range list(t, s.get(t, "/api/v2/appointment/sessions/public/findByPin?pincode=400008&date=15-05-2026").json(t), "sessions") {
		ses = x
	}
	if ses == nil || ses["min_age_limit"] != 45.0 {
		t.Fatalf("the 45+ session of Nair Hospital: %v", ses)
	}
	id, slot := ses["session_id"].(string), ses["slots"].([]any)[0].(string)
	young := fmt.Sprintf(`{"session_id":%q,"slot":%q,"name":"Rohit Kale","birth_year":1990,"id_last4":"1111"}`, id, slot)
	wantError(t, s.do(t, "POST", "/api/v2/appointment/schedule", young), http.StatusConflict, "AGE_NOT_ELIGIBLE", "birth_year")
	old := strings.Replace(young, "1990", "1975", 1)
	if ses["available_capacity_dose1"].(float64) > 0 {
		if r := s.do(t, "POST", "/api/v2/appointment/schedule", old); r.status != http.StatusOK {
			t.Errorf("a 51-year-old in a 45+ session: %d %s", r.status, r.body)
		}
	}
}

func TestCertificatesAreRealPDFs(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, c := range []struct{ id, status, title string }{
		{"41237856092314", "Vaccinated", "(Certificate for COVID-19 Vaccination)"},
		{"74120398567210", "Partially Vaccinated", "(Provisional Certificate for COVID-19 Vaccination)"},
	} {
		b := s.get(t, "/api/v2/registration/beneficiaries/"+c.id).json(t)
		if b["vaccination_status"] != c.status || b["certificate_available"] != true || b["photo_id_number"] == nil {
			t.Fatalf("%s: %v", c.id, b)
		}
		if strings.Contains(fmt.Sprint(b), "XXXXXXXX") == false {
			t.Errorf("%s: the identity number is not masked: %v", c.id, b["photo_id_number"])
		}
		link, _ := b["certificate_url"].(string)
		path := strings.TrimPrefix(link, "http://127.0.0.1:8090")
		r := s.get(t, path)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("%s: certificate %d %s", c.id, r.status, r.header.Get("Content-Type"))
		}
		if err := pdf.Check(r.body); err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		for _, want := range []string{c.title, "(" + b["name"].(string) + ")", "(" + c.id + ")", "(SPECIMEN"} {
			if !bytes.Contains(r.body, []byte(want)) {
				t.Errorf("%s: the certificate lacks %s", c.id, want)
			}
		}
	}
	wantError(t, s.get(t, "/api/v2/registration/beneficiaries/12345678901234"), 404, "BENEFICIARY_NOT_FOUND", "beneficiary_reference_id")
	wantError(t, s.get(t, "/api/v2/registration/beneficiaries/1234"), 400, "BAD_INPUT", "beneficiary_reference_id")
	wantError(t, s.get(t, "/api/v2/registration/certificate/public/download?beneficiary_reference_id=12345678901234"), 404, "BENEFICIARY_NOT_FOUND", "beneficiary_reference_id")
	wantError(t, s.get(t, "/api/v2/registration/certificate/public/download"), 400, "BAD_INPUT", "beneficiary_reference_id")
}

func TestABookedBeneficiaryHasNoCertificateYet(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	ses := findSession(t, s, "725", "16-05-2026", 1, 1000)
	r := s.do(t, "POST", "/api/v2/appointment/schedule", booking(ses["session_id"].(string), ses["slots"].([]any)[1].(string), `,"gender":"Female"`))
	ref := r.json(t)["beneficiary_reference_id"].(string)
	b := s.get(t, "/api/v2/registration/beneficiaries/"+ref).json(t)
	appts := list(t, b, "appointments")
	if b["vaccination_status"] != "Not Vaccinated" || b["certificate_available"] != false || b["certificate_url"] != nil ||
		len(appts) != 1 || appts[0]["date"] != "16-05-2026" || appts[0]["session_id"] != ses["session_id"] {
		t.Fatalf("a booked beneficiary: %v", b)
	}
	cert := s.get(t, "/api/v2/registration/certificate/public/download?beneficiary_reference_id="+ref)
	wantError(t, cert, http.StatusConflict, "NOT_VACCINATED", "beneficiary_reference_id")
	if !bytes.Contains(cert.body, []byte("16-05-2026")) {
		t.Errorf("the refusal does not give the appointment's day: %s", cert.body)
	}
}
