package main

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// seedFiles are the sample departments' records, one CSV file per kind, read
// once at start. seed/fair_price_shops.csv is a copy of
// flows/tables/fair_price_shops.csv (a test keeps the two the same), because
// an embedded file must live under this directory.
//
//go:embed seed/*.csv
var seedFiles embed.FS

// ist is India Standard Time. A fixed zone keeps the server free of the
// system's time-zone database.
var ist = time.FixedZone("IST", 5*3600+1800)

type state struct {
	ID        int
	Name      string
	Code      string
	Districts []*district
}

type district struct {
	ID       int
	Name     string
	State    *state
	CardCode string
}

// centre is a vaccination centre; its sessions are made from it day by day.
type centre struct {
	ID       int
	District *district
	Name     string
	Address  string
	Block    string
	Pincode  string
	Lat      float64
	Long     float64
	From     string // opening time, HH:MM
	To       string
	FeeType  string // Free or Paid
	Vaccines []string
	MinAge   int
	Capacity int // doses a day, before the day's own variation
	ClosedOn string
}

type hospital struct {
	ID         string
	District   *district
	Name       string
	Type       string
	Address    string
	Pincode    string
	Phone      string
	Lat        float64
	Long       float64
	General    int
	Oxygen     int
	ICU        int
	Ventilator int
}

type shop struct {
	ID, Name, Dealer, Address, Pincode, District, State, Hours string
	Lat, Long                                                  float64
}

type rationCard struct {
	Number        string
	District      *district
	Holder        string
	Category      string
	Members       int
	Shop          *shop
	Status        string
	StatusReason  string
	LastMonthsAgo int
	IssuedOn      string
}

type property struct {
	ID          string
	District    *district
	Corporation string
	Zone        string
	Ward        string
	Owner       string
	Address     string
	Pincode     string
	Usage       string
	AreaSqft    int
	HalfYearTax int // property tax of one half-year, before cesses
	Arrears     int // half-years before the current one left unpaid
	CurrentPaid bool
	PaidHalves  int // half-years paid before the arrears, each with a receipt
}

type beneficiary struct {
	RefID     string
	Name      string
	BirthYear int
	Gender    string
	IDType    string
	IDLast4   string
	Centre    *centre
	Vaccine   string
	Dose1     time.Time // zero when not given
	Dose2     time.Time
}

// world is everything the seed files describe, indexed for the handlers. It
// does not change once loaded; what requests change lives in the server.
type world struct {
	states        []*state
	statesByID    map[int]*state
	districts     map[int]*district
	centres       []*centre
	hospitals     []*hospital
	shops         map[string]*shop
	cards         map[string]*rationCard // by normalised card number
	properties    []*property
	propertyByKey map[string]*property // by normalised property id
	beneficiaries map[string]*beneficiary
}

// loadWorld reads the seed files. Dates in them are counted back from today.
func loadWorld(fsys fs.FS, today time.Time) (*world, error) {
	w := &world{
		statesByID: map[int]*state{}, districts: map[int]*district{}, shops: map[string]*shop{},
		cards: map[string]*rationCard{}, propertyByKey: map[string]*property{}, beneficiaries: map[string]*beneficiary{},
	}
	steps := []struct {
		file string
		row  func(*record)
	}{
		{"districts.csv", w.addDistrict},
		{"centres.csv", w.addCentre},
		{"hospitals.csv", w.addHospital},
		{"fair_price_shops.csv", w.addShop},
		{"ration_cards.csv", w.addCard},
		{"properties.csv", w.addProperty},
		{"beneficiaries.csv", func(r *record) { w.addBeneficiary(r, today) }},
	}
	for _, s := range steps {
		if err := eachRecord(fsys, "seed/"+s.file, s.row); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (w *world) addDistrict(r *record) {
	id := r.int("state_id")
	st := w.statesByID[id]
	if st == nil {
		st = &state{ID: id, Name: r.str("state_name"), Code: r.str("state_code")}
		w.statesByID[id] = st
		w.states = append(w.states, st)
	}
	d := &district{ID: r.int("district_id"), Name: r.str("district_name"), State: st, CardCode: r.str("card_code")}
	if w.districts[d.ID] != nil {
		r.fail("district_id", "district %d appears twice", d.ID)
	}
	w.districts[d.ID] = d
	st.Districts = append(st.Districts, d)
}

func (w *world) addCentre(r *record) {
	c := &centre{
		ID: r.int("center_id"), District: r.district(w, "district_id"), Name: r.str("name"), Address: r.str("address"),
		Block: r.str("block_name"), Pincode: r.pincode("pincode"), Lat: r.float("lat"), Long: r.float("long"),
		From: r.clock("from"), To: r.clock("to"), FeeType: r.oneOf("fee_type", "Free", "Paid"),
		Vaccines: strings.Split(r.str("vaccines"), "|"), MinAge: r.int("min_age_limit"), Capacity: r.int("daily_capacity"),
		ClosedOn: r.optional("closed_on"),
	}
	for _, v := range c.Vaccines {
		if _, ok := vaccineFacts[v]; !ok {
			r.fail("vaccines", "unknown vaccine %q", v)
		}
	}
	if c.ClosedOn != "" {
		if _, ok := weekdays[c.ClosedOn]; !ok {
			r.fail("closed_on", "%q is not a weekday like Sun", c.ClosedOn)
		}
	}
	w.centres = append(w.centres, c)
}

func (w *world) addHospital(r *record) {
	w.hospitals = append(w.hospitals, &hospital{
		ID: r.str("hospital_id"), District: r.district(w, "district_id"), Name: r.str("name"),
		Type: r.oneOf("type", "Government", "Private"), Address: r.str("address"), Pincode: r.pincode("pincode"),
		Phone: r.str("phone"), Lat: r.float("lat"), Long: r.float("long"), General: r.int("general_beds"),
		Oxygen: r.int("oxygen_beds"), ICU: r.int("icu_beds"), Ventilator: r.int("ventilator_beds"),
	})
}

func (w *world) addShop(r *record) {
	s := &shop{
		ID: r.str("shop_id"), Name: r.str("name"), Dealer: r.str("dealer"), Address: r.str("address"),
		Pincode: r.pincode("pincode"), District: r.str("district"), State: r.str("state"),
		Lat: r.float("latitude"), Long: r.float("longitude"), Hours: r.str("hours"),
	}
	w.shops[s.ID] = s
}

func (w *world) addCard(r *record) {
	c := &rationCard{
		Number: r.str("card_number"), District: r.district(w, "district_id"), Holder: r.str("holder_name"),
		Category: r.oneOf("category", "AAY", "PHH", "NPHH"), Members: r.int("members"),
		Status: r.oneOf("status", "active", "suspended"), StatusReason: r.optional("status_reason"),
		LastMonthsAgo: r.int("last_distribution_months_ago"), IssuedOn: r.date("issued_on"),
	}
	if c.Shop = w.shops[r.str("shop_id")]; c.Shop == nil {
		r.fail("shop_id", "no fair-price shop %q", r.str("shop_id"))
	}
	w.cards[normalID(c.Number)] = c
}

func (w *world) addProperty(r *record) {
	p := &property{
		ID: r.str("property_id"), District: r.district(w, "district_id"), Corporation: r.str("corporation"),
		Zone: r.str("zone"), Ward: r.str("ward"), Owner: r.str("owner_name"), Address: r.str("address"),
		Pincode: r.pincode("pincode"), Usage: r.oneOf("usage", "Residential", "Commercial"), AreaSqft: r.int("area_sqft"),
		HalfYearTax: r.int("half_year_tax"), Arrears: r.int("arrears_halves"), CurrentPaid: r.bool("current_paid"),
		PaidHalves: r.int("paid_halves"),
	}
	if _, ok := cities[p.District.Name]; r.err == nil && !ok {
		r.fail("district_id", "no property-tax rules for %s", p.District.Name)
	}
	w.properties = append(w.properties, p)
	w.propertyByKey[normalID(p.ID)] = p
}

func (w *world) addBeneficiary(r *record, today time.Time) {
	b := &beneficiary{
		RefID: r.str("beneficiary_reference_id"), Name: r.str("name"), BirthYear: r.int("birth_year"),
		Gender: r.oneOf("gender", "Female", "Male", "Other"), IDType: r.str("id_type"), IDLast4: r.str("id_last4"),
		Vaccine: r.str("vaccine"),
	}
	id := r.int("center_id")
	for _, c := range w.centres {
		if c.ID == id {
			b.Centre = c
		}
	}
	if b.Centre == nil && r.err == nil {
		r.fail("center_id", "no centre %d", id)
	}
	if n := r.optional("dose1_days_ago"); n != "" {
		b.Dose1 = today.AddDate(0, 0, -r.int("dose1_days_ago"))
	}
	if n := r.optional("dose2_days_ago"); n != "" {
		b.Dose2 = today.AddDate(0, 0, -r.int("dose2_days_ago"))
	}
	w.beneficiaries[b.RefID] = b
}

// record is one row of a seed file being read; the first problem found in it
// is kept with the file, line and column name.
type record struct {
	file string
	line int
	cols map[string]int
	row  []string
	err  error
}

func (r *record) fail(col, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("departments: %s:%d: %s: %s", r.file, r.line, col, fmt.Sprintf(format, args...))
	}
}

func (r *record) optional(col string) string {
	i, ok := r.cols[col]
	if !ok {
		r.fail(col, "no such column")
		return ""
	}
	return strings.TrimSpace(r.row[i])
}

func (r *record) str(col string) string {
	s := r.optional(col)
	if s == "" {
		r.fail(col, "empty")
	}
	return s
}

func (r *record) int(col string) int {
	n, err := strconv.Atoi(r.str(col))
	if err != nil {
		r.fail(col, "not a whole number")
	}
	return n
}

func (r *record) float(col string) float64 {
	f, err := strconv.ParseFloat(r.str(col), 64)
	if err != nil {
		r.fail(col, "not a number")
	}
	return f
}

func (r *record) bool(col string) bool {
	b, err := strconv.ParseBool(r.str(col))
	if err != nil {
		r.fail(col, "not true or false")
	}
	return b
}

func (r *record) oneOf(col string, allowed ...string) string {
	s := r.str(col)
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	r.fail(col, "%q is not one of %s", s, strings.Join(allowed, ", "))
	return s
}

func (r *record) pincode(col string) string {
	s := r.str(col)
	if !validPincode(s) {
		r.fail(col, "%q is not a 6-digit PIN code", s)
	}
	return s
}

func (r *record) clock(col string) string {
	s := r.str(col)
	if _, err := time.Parse("15:04", s); err != nil {
		r.fail(col, "%q is not a time like 09:30", s)
	}
	return s
}

func (r *record) date(col string) string {
	s := r.str(col)
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		r.fail(col, "%q is not a date like 2024-01-31", s)
	}
	return s
}

func (r *record) district(w *world, col string) *district {
	d := w.districts[r.int(col)]
	if d == nil {
		r.fail(col, "no such district in districts.csv")
		return &district{State: &state{}}
	}
	return d
}

// eachRecord calls row for every data row of a CSV file with a header row.
func eachRecord(fsys fs.FS, name string, row func(*record)) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("departments: %w", err)
	}
	defer f.Close()
	rd := csv.NewReader(f)
	header, err := rd.Read()
	if err != nil {
		return fmt.Errorf("departments: %s: no header row: %w", name, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[h] = i
	}
	for {
		fields, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("departments: %s: %w", name, err)
		}
		line, _ := rd.FieldPos(0)
		r := &record{file: name, line: line, cols: cols, row: fields}
		row(r)
		if r.err != nil {
			return r.err
		}
	}
}

var weekdays = map[string]time.Weekday{
	"Sun": time.Sunday, "Mon": time.Monday, "Tue": time.Tuesday, "Wed": time.Wednesday,
	"Thu": time.Thursday, "Fri": time.Friday, "Sat": time.Saturday,
}

// validPincode says whether s is an Indian PIN code: six digits, the first
// not zero.
func validPincode(s string) bool {
	if len(s) != 6 || s[0] == '0' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// normalID folds an identifier as citizens type it (lower case, spaces,
// hyphens, slashes, dots) to the form it is looked up by.
func normalID(s string) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(s) {
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '/' || c == '.':
		default:
			return "" // not an identifier at all
		}
	}
	return b.String()
}

// dayOf is the calendar day of t in India, at midnight.
func dayOf(t time.Time) time.Time {
	t = t.In(ist)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, ist)
}
