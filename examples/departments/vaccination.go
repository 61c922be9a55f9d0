package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// The vaccination API follows the shape of Co-WIN's public v2 API: the same
// paths, parameters (dates as DD-MM-YYYY) and field names. Booking, which
// Co-WIN kept behind an OTP login, takes the beneficiary's details in the
// request instead, and answers with a booking reference and a beneficiary
// reference id.

// sessionDays is how many days of sessions are published, from today.
const sessionDays = 7

// coWinDate is Co-WIN's date layout.
const coWinDate = "02-01-2006"

type vaccineFact struct {
	Fee   string // what a paid centre charges, in rupees
	Kind  string
	Maker string
}

var vaccineFacts = map[string]vaccineFact{
	"COVISHIELD": {Fee: "780", Kind: "COVID-19 vaccine, non-replicating viral vector", Maker: "Serum Institute of India Pvt. Ltd."},
	"COVAXIN":    {Fee: "1410", Kind: "Whole virion inactivated coronavirus vaccine", Maker: "Bharat Biotech International Ltd."},
}

// session is one day of vaccination at a centre.
type session struct {
	ID      string
	Centre  *centre
	Date    time.Time
	Vaccine string
	MinAge  int
	Dose1   int // places published for first doses
	Dose2   int
	Slots   []string
}

type appointment struct {
	ConfirmationNo string
	ID             string
	Session        *session
	Slot           string
	Dose           int
	Beneficiary    *beneficiary
}

// vaccinations holds the week's sessions and what has been booked on them.
type vaccinations struct {
	world    *world
	today    time.Time
	sessions []*session
	byID     map[string]*session

	mu           sync.Mutex
	booked       map[string]*[2]int // session id → first and second doses booked
	people       map[string]*beneficiary
	appointments map[string][]*appointment // by beneficiary reference id
	made         int
}

func newVaccinations(w *world, today time.Time) *vaccinations {
	v := &vaccinations{world: w, today: today, byID: map[string]*session{}, booked: map[string]*[2]int{},
		people: map[string]*beneficiary{}, appointments: map[string][]*appointment{}}
	for d := range sessionDays {
		date := today.AddDate(0, 0, d)
		for _, c := range w.centres {
			if c.ClosedOn != "" && weekdays[c.ClosedOn] == date.Weekday() {
				continue
			}
			s := makeSession(c, date)
			v.sessions = append(v.sessions, s)
			v.byID[s.ID] = s
		}
	}
	return v
}

// makeSession derives a centre's session of a day from the two alone, so the
// same day gives the same session (and id) on every run.
func makeSession(c *centre, date time.Time) *session {
	sum := sha256.Sum256(fmt.Appendf(nil, "session|%d|%s", c.ID, date.Format(time.DateOnly)))
	h := binary.BigEndian.Uint64(sum[16:])
	capacity := 0
	if h%7 != 3 { // about one session in seven is fully booked
		capacity = c.Capacity * int(35+h/7%66) / 100
	}
	dayNo := int(date.Unix() / 86400)
	return &session{
		ID: uuidFrom(sum), Centre: c, Date: date, Vaccine: c.Vaccines[dayNo%len(c.Vaccines)],
		MinAge: c.MinAge, Dose1: capacity * 3 / 5, Dose2: capacity - capacity*3/5, Slots: slotsOf(c),
	}
}

// slotsOf cuts a centre's opening hours into two-hour slots written as
// Co-WIN wrote them: "09:00AM-11:00AM".
func slotsOf(c *centre) []string {
	from, _ := time.Parse("15:04", c.From)
	to, _ := time.Parse("15:04", c.To)
	var slots []string
	for t := from; t.Before(to); t = t.Add(2 * time.Hour) {
		end := t.Add(2 * time.Hour)
		if end.After(to) {
			end = to
		}
		slots = append(slots, t.Format("03:04PM")+"-"+end.Format("03:04PM"))
	}
	return slots
}

// uuidFrom formats 16 bytes of a hash as a version-4 UUID.
func uuidFrom(sum [32]byte) string {
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// left is what remains of a session's first and second doses.
func (v *vaccinations) left(s *session) (int, int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	b := v.booked[s.ID]
	if b == nil {
		return s.Dose1, s.Dose2
	}
	return s.Dose1 - b[0], s.Dose2 - b[1]
}

func (s *server) vaccinationRoutes() {
	s.mux.HandleFunc("GET /api/v2/admin/location/states", s.states)
	s.mux.HandleFunc("GET /api/v2/admin/location/districts/{state_id}", s.districts)
	s.mux.HandleFunc("GET /api/v2/appointment/sessions/public/findByPin", s.findSessions(byPin))
	s.mux.HandleFunc("GET /api/v2/appointment/sessions/public/findByDistrict", s.findSessions(byDistrict))
	s.mux.HandleFunc("GET /api/v2/appointment/sessions/public/calendarByPin", s.calendar(byPin))
	s.mux.HandleFunc("GET /api/v2/appointment/sessions/public/calendarByDistrict", s.calendar(byDistrict))
	s.mux.HandleFunc("POST /api/v2/appointment/schedule", s.schedule)
	s.mux.HandleFunc("GET /api/v2/registration/beneficiaries/{beneficiary_reference_id}", s.beneficiaryStatus)
	s.mux.HandleFunc("GET /api/v2/registration/certificate/public/download", s.certificate)
}

func (s *server) states(w http.ResponseWriter, r *http.Request) {
	type stateJSON struct {
		ID   int    `json:"state_id"`
		Name string `json:"state_name"`
	}
	out := []stateJSON{}
	for _, st := range s.world.states {
		out = append(out, stateJSON{st.ID, st.Name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, map[string]any{"states": out, "ttl": 24})
}

func (s *server) districts(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("state_id"))
	if err != nil {
		badInput(w, "state_id", "state_id must be a number, like 21")
		return
	}
	st := s.world.statesByID[id]
	if st == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "state_id", "no state %d", id)
		return
	}
	type districtJSON struct {
		ID   int    `json:"district_id"`
		Name string `json:"district_name"`
	}
	out := []districtJSON{}
	for _, d := range st.Districts {
		out = append(out, districtJSON{d.ID, d.Name})
	}
	writeJSON(w, http.StatusOK, map[string]any{"districts": out, "ttl": 24})
}

// where picks sessions by PIN code or by district; it reads its parameter
// from the query and reports a bad one by name.
type where func(w http.ResponseWriter, q url.Values) (func(*centre) bool, bool)

func byPin(w http.ResponseWriter, q url.Values) (func(*centre) bool, bool) {
	pin := strings.TrimSpace(q.Get("pincode"))
	if !validPincode(pin) {
		badInput(w, "pincode", "pincode must be a 6-digit PIN code, like 400051")
		return nil, false
	}
	return func(c *centre) bool { return c.Pincode == pin }, true
}

func byDistrict(w http.ResponseWriter, q url.Values) (func(*centre) bool, bool) {
	id, err := strconv.Atoi(strings.TrimSpace(q.Get("district_id")))
	if err != nil {
		badInput(w, "district_id", "district_id must be a number, like 395")
		return nil, false
	}
	return func(c *centre) bool { return c.District.ID == id }, true
}

// queryDate reads the date parameter, DD-MM-YYYY.
func queryDate(w http.ResponseWriter, q url.Values) (time.Time, bool) {
	d, err := time.ParseInLocation(coWinDate, strings.TrimSpace(q.Get("date")), ist)
	if err != nil {
		badInput(w, "date", "date must be a day written DD-MM-YYYY, like 14-05-2026")
		return time.Time{}, false
	}
	return d, true
}

// sessionJSON is a session as Co-WIN's findByPin and findByDistrict gave it.
type sessionJSON struct {
	CenterID               int      `json:"center_id"`
	Name                   string   `json:"name"`
	Address                string   `json:"address"`
	StateName              string   `json:"state_name"`
	DistrictName           string   `json:"district_name"`
	BlockName              string   `json:"block_name"`
	Pincode                int      `json:"pincode"`
	Lat                    float64  `json:"lat"`
	Long                   float64  `json:"long"`
	From                   string   `json:"from"`
	To                     string   `json:"to"`
	FeeType                string   `json:"fee_type"`
	Fee                    string   `json:"fee"`
	SessionID              string   `json:"session_id"`
	Date                   string   `json:"date"`
	AvailableCapacity      int      `json:"available_capacity"`
	AvailableCapacityDose1 int      `json:"available_capacity_dose1"`
	AvailableCapacityDose2 int      `json:"available_capacity_dose2"`
	MinAgeLimit            int      `json:"min_age_limit"`
	Vaccine                string   `json:"vaccine"`
	Slots                  []string `json:"slots"`
}

func (s *server) sessionJSON(ses *session) sessionJSON {
	c := ses.Centre
	d1, d2 := s.vax.left(ses)
	pin, _ := strconv.Atoi(c.Pincode)
	return sessionJSON{
		CenterID: c.ID, Name: c.Name, Address: c.Address, StateName: c.District.State.Name, DistrictName: c.District.Name,
		BlockName: c.Block, Pincode: pin, Lat: c.Lat, Long: c.Long, From: c.From + ":00", To: c.To + ":00",
		FeeType: c.FeeType, Fee: feeOf(c, ses.Vaccine), SessionID: ses.ID, Date: ses.Date.Format(coWinDate),
		AvailableCapacity: d1 + d2, AvailableCapacityDose1: d1, AvailableCapacityDose2: d2,
		MinAgeLimit: ses.MinAge, Vaccine: ses.Vaccine, Slots: ses.Slots,
	}
}

func feeOf(c *centre, vaccine string) string {
	if c.FeeType == "Free" {
		return "0"
	}
	return vaccineFacts[vaccine].Fee
}

// findSessions answers findByPin and findByDistrict: the sessions of one
// day. available_only=true (not in Co-WIN) leaves out the full ones.
func (s *server) findSessions(pick where) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		match, ok := pick(w, q)
		if !ok {
			return
		}
		date, ok := queryDate(w, q)
		if !ok {
			return
		}
		out := []sessionJSON{}
		for _, ses := range s.vax.sessions {
			if ses.Date.Equal(date) && match(ses.Centre) {
				j := s.sessionJSON(ses)
				if q.Get("available_only") == "true" && j.AvailableCapacity == 0 {
					continue
				}
				out = append(out, j)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
	}
}

// calendar answers calendarByPin and calendarByDistrict: the centres with
// their sessions of the seven days from the date.
func (s *server) calendar(pick where) http.HandlerFunc {
	type calendarSession struct {
		SessionID              string   `json:"session_id"`
		Date                   string   `json:"date"`
		AvailableCapacity      int      `json:"available_capacity"`
		AvailableCapacityDose1 int      `json:"available_capacity_dose1"`
		AvailableCapacityDose2 int      `json:"available_capacity_dose2"`
		MinAgeLimit            int      `json:"min_age_limit"`
		Vaccine                string   `json:"vaccine"`
		Slots                  []string `json:"slots"`
	}
	type vaccineFee struct {
		Vaccine string `json:"vaccine"`
		Fee     string `json:"fee"`
	}
	type calendarCentre struct {
		CenterID     int               `json:"center_id"`
		Name         string            `json:"name"`
		Address      string            `json:"address"`
		StateName    string            `json:"state_name"`
		DistrictName string            `json:"district_name"`
		BlockName    string            `json:"block_name"`
		Pincode      int               `json:"pincode"`
		Lat          float64           `json:"lat"`
		Long         float64           `json:"long"`
		From         string            `json:"from"`
		To           string            `json:"to"`
		FeeType      string            `json:"fee_type"`
		Sessions     []calendarSession `json:"sessions"`
		VaccineFees  []vaccineFee      `json:"vaccine_fees,omitempty"`
	}
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		match, ok := pick(w, q)
		if !ok {
			return
		}
		from, ok := queryDate(w, q)
		if !ok {
			return
		}
		until := from.AddDate(0, 0, sessionDays)
		out := []*calendarCentre{}
		byCentre := map[int]*calendarCentre{}
		for _, ses := range s.vax.sessions {
			if ses.Date.Before(from) || !ses.Date.Before(until) || !match(ses.Centre) {
				continue
			}
			j := s.sessionJSON(ses)
			cc := byCentre[j.CenterID]
			if cc == nil {
				cc = &calendarCentre{CenterID: j.CenterID, Name: j.Name, Address: j.Address, StateName: j.StateName,
					DistrictName: j.DistrictName, BlockName: j.BlockName, Pincode: j.Pincode, Lat: j.Lat, Long: j.Long,
					From: j.From, To: j.To, FeeType: j.FeeType}
				byCentre[j.CenterID] = cc
				out = append(out, cc)
			}
			cc.Sessions = append(cc.Sessions, calendarSession{j.SessionID, j.Date, j.AvailableCapacity,
				j.AvailableCapacityDose1, j.AvailableCapacityDose2, j.MinAgeLimit, j.Vaccine, j.Slots})
			listed := false
			for _, f := range cc.VaccineFees {
				listed = listed || f.Vaccine == j.Vaccine
			}
			if j.FeeType == "Paid" && !listed {
				cc.VaccineFees = append(cc.VaccineFees, vaccineFee{j.Vaccine, j.Fee})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].CenterID < out[j].CenterID })
		writeJSON(w, http.StatusOK, map[string]any{"centers": out})
	}
}

// idTypes are the photo identities a beneficiary may give the last digits of.
var idTypes = []string{"Aadhaar", "PAN", "Voter ID", "Driving Licence", "Passport", "Ration Card"}

// bookingRequest is what schedule reads, after checking each field.
type bookingRequest struct {
	SessionID string
	Slot      string
	Dose      int
	Name      string
	BirthYear int
	IDType    string
	IDLast4   string
	Gender    string
}

// readBooking reads and checks a booking; on a problem it answers 400 naming
// the field and returns false.
func (s *server) readBooking(w http.ResponseWriter, r *http.Request) (bookingRequest, bool) {
	var b bookingRequest
	obj, ok := readObject(w, r, "session_id", "slot", "dose", "name", "birth_year", "id_type", "id_last4", "gender")
	if !ok {
		return b, false
	}
	f := fields{w: w, obj: obj}
	b.SessionID = f.text("session_id", true)
	b.Slot = f.text("slot", true)
	b.Name = strings.Join(strings.Fields(f.text("name", true)), " ")
	b.BirthYear = f.number("birth_year", true)
	b.IDLast4 = f.text("id_last4", true)
	b.IDType = f.text("id_type", false)
	b.Gender = f.text("gender", false)
	b.Dose = f.number("dose", false)
	if f.failed {
		return b, false
	}
	switch {
	case !validName(b.Name):
		badInput(w, "name", "name must be the beneficiary's name as on the photo identity, in letters")
	case b.BirthYear < 1900 || b.BirthYear > s.today.Year():
		badInput(w, "birth_year", "birth_year must be a year between 1900 and %d", s.today.Year())
	case !allDigits(b.IDLast4) || len(b.IDLast4) > 4:
		badInput(w, "id_last4", "id_last4 must be only the last 4 digits of the identity number, never the whole number")
	case len(b.IDLast4) != 4:
		badInput(w, "id_last4", "id_last4 must be 4 digits")
	case b.Dose != 0 && b.Dose != 1 && b.Dose != 2:
		badInput(w, "dose", "dose must be 1 or 2")
	case b.IDType != "" && !contains(idTypes, b.IDType):
		badInput(w, "id_type", "id_type must be one of %s", strings.Join(idTypes, ", "))
	case b.Gender != "" && !contains([]string{"Female", "Male", "Other"}, b.Gender):
		badInput(w, "gender", "gender must be Female, Male or Other")
	default:
		if b.Dose == 0 {
			b.Dose = 1
		}
		if b.IDType == "" {
			b.IDType = "Aadhaar"
		}
		return b, true
	}
	return b, false
}

func validName(s string) bool {
	letters := 0
	for _, c := range s {
		switch {
		case unicode.IsLetter(c) || unicode.Is(unicode.Mn, c) || unicode.Is(unicode.Mc, c):
			letters++
		case c == ' ' || c == '.' || c == '\'' || c == '-':
		default:
			return false
		}
	}
	return letters >= 2 && len([]rune(s)) <= 100
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// schedule books a slot: 400 for bad input, 404 for an unknown session, 409
// when the beneficiary is too young for it or no place is left for the dose.
func (s *server) schedule(w http.ResponseWriter, r *http.Request) {
	b, ok := s.readBooking(w, r)
	if !ok {
		return
	}
	ses := s.vax.byID[b.SessionID]
	if ses == nil {
		writeError(w, http.StatusNotFound, "SESSION_NOT_FOUND", "session_id", "no session %q in the published week; find sessions again", b.SessionID)
		return
	}
	if !contains(ses.Slots, b.Slot) {
		badInput(w, "slot", "slot must be one of the session's slots: %s", strings.Join(ses.Slots, ", "))
		return
	}
	if age := ses.Date.Year() - b.BirthYear; age < ses.MinAge {
		writeError(w, http.StatusConflict, "AGE_NOT_ELIGIBLE", "birth_year", "this session is for ages %d and above", ses.MinAge)
		return
	}
	a, ok := s.vax.book(ses, b)
	if !ok {
		writeError(w, http.StatusConflict, "NO_CAPACITY", "session_id", "no places left for dose %d in this session; choose another", b.Dose)
		return
	}
	d1, d2 := s.vax.left(ses)
	remaining := d1
	if b.Dose == 2 {
		remaining = d2
	}
	c := ses.Centre
	pin, _ := strconv.Atoi(c.Pincode)
	writeJSON(w, http.StatusOK, map[string]any{
		"appointment_confirmation_no": a.ConfirmationNo,
		"appointment_id":              a.ID,
		"beneficiary_reference_id":    a.Beneficiary.RefID,
		"name":                        a.Beneficiary.Name,
		"dose":                        a.Dose,
		"session_id":                  ses.ID,
		"date":                        ses.Date.Format(coWinDate),
		"slot":                        a.Slot,
		"vaccine":                     ses.Vaccine,
		"center_id":                   c.ID,
		"center_name":                 c.Name,
		"address":                     c.Address,
		"district_name":               c.District.Name,
		"pincode":                     pin,
		"fee_type":                    c.FeeType,
		"fee":                         feeOf(c, ses.Vaccine),
		"remaining_capacity":          remaining,
	})
}

// book takes a place of the dose in the session, registering the
// beneficiary; false when none is left.
func (v *vaccinations) book(ses *session, b bookingRequest) (*appointment, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	taken := v.booked[ses.ID]
	if taken == nil {
		taken = &[2]int{}
		v.booked[ses.ID] = taken
	}
	published := [2]int{ses.Dose1, ses.Dose2}
	if taken[b.Dose-1] >= published[b.Dose-1] {
		return nil, false
	}
	taken[b.Dose-1]++
	v.made++
	person := &beneficiary{RefID: v.newRefID(), Name: b.Name, BirthYear: b.BirthYear, Gender: b.Gender,
		IDType: b.IDType, IDLast4: b.IDLast4, Centre: ses.Centre, Vaccine: ses.Vaccine}
	v.people[person.RefID] = person
	sum := sha256.Sum256(fmt.Appendf(nil, "appointment|%s|%d", ses.ID, v.made))
	a := &appointment{ConfirmationNo: readableRef("CW", sum), ID: uuidFrom(sum), Session: ses, Slot: b.Slot, Dose: b.Dose, Beneficiary: person}
	v.appointments[person.RefID] = append(v.appointments[person.RefID], a)
	return a, true
}

// newRefID makes a 14-digit beneficiary reference id no one has. The caller
// holds the lock.
func (v *vaccinations) newRefID() string {
	for i := 0; ; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "beneficiary|%d|%d", v.made, i))
		id := fmt.Sprintf("%d%013d", 1+sum[0]%9, binary.BigEndian.Uint64(sum[8:])%1e13)
		if v.world.beneficiaries[id] == nil && v.people[id] == nil {
			return id
		}
	}
}

// readableRef makes a reference that survives being read aloud: no 0/O or
// 1/I, in two groups of four, like CW-7K4M-9P2X.
func readableRef(prefix string, sum [32]byte) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	var b strings.Builder
	b.WriteString(prefix + "-")
	for i := range 8 {
		if i == 4 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[sum[i]%32])
	}
	return b.String()
}

// beneficiary finds a beneficiary by reference id, seeded or booked here.
func (v *vaccinations) beneficiary(id string) (*beneficiary, []*appointment) {
	if b := v.world.beneficiaries[id]; b != nil {
		return b, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.people[id], v.appointments[id]
}

// refIDParam reads a 14-digit beneficiary reference id, answering 400 if it
// is not one.
func refIDParam(w http.ResponseWriter, id string) (string, bool) {
	id = strings.TrimSpace(id)
	if len(id) != 14 || !allDigits(id) {
		badInput(w, "beneficiary_reference_id", "beneficiary_reference_id must be the 14-digit number given at registration")
		return "", false
	}
	return id, true
}

func vaccinationStatus(b *beneficiary) string {
	switch {
	case !b.Dose2.IsZero():
		return "Vaccinated"
	case !b.Dose1.IsZero():
		return "Partially Vaccinated"
	}
	return "Not Vaccinated"
}

func (s *server) beneficiaryStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := refIDParam(w, r.PathValue("beneficiary_reference_id"))
	if !ok {
		return
	}
	b, appts := s.vax.beneficiary(id)
	if b == nil {
		writeError(w, http.StatusNotFound, "BENEFICIARY_NOT_FOUND", "beneficiary_reference_id", "no beneficiary with this reference id")
		return
	}
	type appointmentJSON struct {
		ConfirmationNo string `json:"appointment_confirmation_no"`
		AppointmentID  string `json:"appointment_id"`
		SessionID      string `json:"session_id"`
		CenterID       int    `json:"center_id"`
		Name           string `json:"name"`
		DistrictName   string `json:"district_name"`
		Date           string `json:"date"`
		Slot           string `json:"slot"`
		Dose           int    `json:"dose"`
	}
	list := []appointmentJSON{}
	for _, a := range appts {
		c := a.Session.Centre
		list = append(list, appointmentJSON{a.ConfirmationNo, a.ID, a.Session.ID, c.ID, c.Name, c.District.Name,
			a.Session.Date.Format(coWinDate), a.Slot, a.Dose})
	}
	out := map[string]any{
		"beneficiary_reference_id": b.RefID,
		"name":                     b.Name,
		"birth_year":               strconv.Itoa(b.BirthYear),
		"gender":                   b.Gender,
		"photo_id_type":            b.IDType,
		"photo_id_number":          "XXXXXXXX" + b.IDLast4,
		"vaccination_status":       vaccinationStatus(b),
		"vaccine":                  b.Vaccine,
		"dose1_date":               coWinDay(b.Dose1),
		"dose2_date":               coWinDay(b.Dose2),
		"appointments":             list,
		"certificate_available":    !b.Dose1.IsZero(),
	}
	if !b.Dose1.IsZero() {
		out["certificate_url"] = s.link(r, "/api/v2/registration/certificate/public/download", url.Values{"beneficiary_reference_id": {b.RefID}})
	}
	writeJSON(w, http.StatusOK, out)
}

func coWinDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(coWinDate)
}

// certificate answers the vaccination certificate as a PDF: provisional
// after the first dose, final after the second; 409 before any dose.
func (s *server) certificate(w http.ResponseWriter, r *http.Request) {
	id, ok := refIDParam(w, r.URL.Query().Get("beneficiary_reference_id"))
	if !ok {
		return
	}
	b, appts := s.vax.beneficiary(id)
	if b == nil {
		writeError(w, http.StatusNotFound, "BENEFICIARY_NOT_FOUND", "beneficiary_reference_id", "no beneficiary with this reference id")
		return
	}
	if b.Dose1.IsZero() {
		msg := "no dose is recorded yet, so there is no certificate"
		if len(appts) > 0 {
			msg += "; the appointment is on " + appts[len(appts)-1].Session.Date.Format(coWinDate)
		}
		writeError(w, http.StatusConflict, "NOT_VACCINATED", "beneficiary_reference_id", "%s", msg)
		return
	}
	writePDF(w, "certificate-"+b.RefID[10:]+".pdf", s.certificatePDF(b))
}
