package main

import (
	"bytes"
	"encoding/csv"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

// The CSV tables in flows/tables/ are read by Samvad's table connector; the
// flows join them with these APIs by PIN code, district and shop, so they
// must agree with the seed data.

const tablesDir = "../../flows/tables"

// readTable reads a table, checking what every table must be: UTF-8 without
// a byte-order mark, the expected header, every row as wide as the header,
// no empty cell in a required column.
func readTable(t *testing.T, name string, header []string, optional ...string) []map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(tablesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) || !utf8.Valid(raw) {
		t.Fatalf("%s is not UTF-8 without a BOM", name)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !slices.Equal(rows[0], header) {
		t.Fatalf("%s: header %v, want %v", name, rows[0], header)
	}
	var out []map[string]string
	for i, row := range rows[1:] {
		m := map[string]string{}
		for j, col := range header {
			m[col] = row[j]
			if strings.TrimSpace(row[j]) == "" && !slices.Contains(optional, col) {
				t.Errorf("%s:%d: %s is empty", name, i+2, col)
			}
		}
		out = append(out, m)
	}
	if len(out) == 0 || len(out) > 500 {
		t.Errorf("%s has %d rows", name, len(out))
	}
	return out
}

func coordinate(t *testing.T, where string, lat, long string) (float64, float64) {
	t.Helper()
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(long, 64)
	if err1 != nil || err2 != nil || la < 6 || la > 37 || lo < 68 || lo > 98 {
		t.Errorf("%s: %s, %s is not a place in India", where, lat, long)
	}
	return la, lo
}

// km is the great-circle distance between two points.
func km(lat1, long1, lat2, long2 float64) float64 {
	rad := math.Pi / 180
	dlat, dlong := (lat2-lat1)*rad, (long2-long1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlong/2)*math.Sin(dlong/2)
	return 6371 * 2 * math.Asin(math.Sqrt(a))
}

type office struct {
	id, district, state string
	lat, long           float64
}

// offices reads offices.csv, checking each office reads the same on every
// row (one row per PIN code it serves), and returns them by PIN code.
func offices(t *testing.T, w *world) map[string]office {
	t.Helper()
	rows := readTable(t, "offices.csv", []string{"pincode", "area", "office_id", "office_name", "office_type", "address", "hours", "phone", "latitude", "longitude", "district", "state"})
	byPin := map[string]office{}
	seen := map[string]string{}
	for _, r := range rows {
		if !validPincode(r["pincode"]) {
			t.Errorf("offices.csv: %q is not a PIN code", r["pincode"])
		}
		if _, dup := byPin[r["pincode"]]; dup {
			t.Errorf("offices.csv: PIN %s twice", r["pincode"])
		}
		same := strings.Join([]string{r["office_name"], r["office_type"], r["address"], r["hours"], r["phone"], r["latitude"], r["longitude"], r["district"], r["state"]}, "|")
		if prev, ok := seen[r["office_id"]]; ok && prev != same {
			t.Errorf("offices.csv: office %s differs between its rows", r["office_id"])
		}
		seen[r["office_id"]] = same
		lat, long := coordinate(t, "offices.csv "+r["office_id"], r["latitude"], r["longitude"])
		byPin[r["pincode"]] = office{r["office_id"], r["district"], r["state"], lat, long}
		if districtNamed(w, r["district"], r["state"]) == nil {
			t.Errorf("offices.csv: %s, %s is not a district of the APIs", r["district"], r["state"])
		}
	}
	return byPin
}

func districtNamed(w *world, name, stateName string) *district {
	for _, d := range w.districts {
		if d.Name == name && d.State.Name == stateName {
			return d
		}
	}
	return nil
}

func TestTheShopTableIsTheSeedsCopy(t *testing.T) {
	t.Parallel()
	table, err := os.ReadFile(filepath.Join(tablesDir, "fair_price_shops.csv"))
	if err != nil {
		t.Fatal(err)
	}
	seed, err := seedFiles.ReadFile("seed/fair_price_shops.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(table, seed) {
		t.Fatal("flows/tables/fair_price_shops.csv and examples/departments/seed/fair_price_shops.csv differ: copy the table over the seed")
	}
}

func TestEveryPinOfTheAPIsHasItsOffice(t *testing.T) {
	t.Parallel()
	w, err := loadWorld(seedFiles, testToday)
	if err != nil {
		t.Fatal(err)
	}
	byPin := offices(t, w)
	// Each place must be served by an office of its own district, near it.
	check := func(what, pin, district string, lat, long float64) {
		o, ok := byPin[pin]
		switch {
		case !ok:
			t.Errorf("%s: PIN %s has no office in offices.csv", what, pin)
		case o.district != district:
			t.Errorf("%s: PIN %s is in %s, but its office %s is in %s", what, pin, district, o.id, o.district)
		case km(lat, long, o.lat, o.long) > 25:
			t.Errorf("%s: %.0f km from its office %s", what, km(lat, long, o.lat, o.long), o.id)
		}
	}
	for _, c := range w.centres {
		check("centre "+c.Name, c.Pincode, c.District.Name, c.Lat, c.Long)
	}
	for _, h := range w.hospitals {
		check("hospital "+h.Name, h.Pincode, h.District.Name, h.Lat, h.Long)
	}
	for _, s := range w.shops {
		check("shop "+s.ID, s.Pincode, s.District, s.Lat, s.Long)
	}
	for _, p := range w.properties {
		if o, ok := byPin[p.Pincode]; !ok || o.district != p.District.Name {
			t.Errorf("property %s: PIN %s has no office in %s", p.ID, p.Pincode, p.District.Name)
		}
	}
	// Enough offices for a nearest-office demo in every district.
	perDistrict := map[string]map[string]bool{}
	for _, o := range byPin {
		if perDistrict[o.district] == nil {
			perDistrict[o.district] = map[string]bool{}
		}
		perDistrict[o.district][o.id] = true
	}
	for _, d := range w.districts {
		if len(perDistrict[d.Name]) < 3 {
			t.Errorf("%s has %d offices, want at least 3", d.Name, len(perDistrict[d.Name]))
		}
	}
}

func TestEveryOfficeHasItsOfficials(t *testing.T) {
	t.Parallel()
	w, err := loadWorld(seedFiles, testToday)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, o := range offices(t, w) {
		ids[o.id] = true
	}
	staffed := map[string]int{}
	for _, r := range readTable(t, "officials.csv", []string{"office_id", "name", "role", "phone"}) {
		if !ids[r["office_id"]] {
			t.Errorf("officials.csv: no office %s", r["office_id"])
		}
		staffed[r["office_id"]]++
	}
	for id := range ids {
		if staffed[id] == 0 {
			t.Errorf("office %s has no officials", id)
		}
	}
}

func TestTheShopTable(t *testing.T) {
	t.Parallel()
	w, err := loadWorld(seedFiles, testToday)
	if err != nil {
		t.Fatal(err)
	}
	rows := readTable(t, "fair_price_shops.csv", []string{"shop_id", "name", "dealer", "address", "pincode", "district", "state", "latitude", "longitude", "hours"})
	perDistrict := map[string]int{}
	for _, r := range rows {
		coordinate(t, "shop "+r["shop_id"], r["latitude"], r["longitude"])
		if districtNamed(w, r["district"], r["state"]) == nil {
			t.Errorf("shop %s: %s, %s is not a district of the APIs", r["shop_id"], r["district"], r["state"])
		}
		perDistrict[r["district"]]++
	}
	for _, d := range w.districts {
		if perDistrict[d.Name] < 3 {
			t.Errorf("%s has %d fair-price shops, want at least 3 for a nearest-shop demo", d.Name, perDistrict[d.Name])
		}
	}
	if len(w.shops) != len(rows) {
		t.Errorf("%d shop rows, %d distinct ids", len(rows), len(w.shops))
	}
}

func TestEveryDistrictHasItsHelplines(t *testing.T) {
	t.Parallel()
	w, err := loadWorld(seedFiles, testToday)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range readTable(t, "helplines.csv", []string{"state", "district", "service", "number", "hours", "languages", "note"}) {
		if districtNamed(w, r["district"], r["state"]) == nil {
			t.Errorf("helplines.csv: %s, %s is not a district of the APIs", r["district"], r["state"])
		}
		if !allDigits(strings.ReplaceAll(r["number"], " ", "")) {
			t.Errorf("helplines.csv: %s %s: %q is not a number to dial", r["district"], r["service"], r["number"])
		}
		have[r["district"]+"/"+r["service"]] = true
	}
	for _, d := range w.districts {
		for _, svc := range []string{"emergency", "ambulance", "health", "women", "children", "disaster"} {
			if !have[d.Name+"/"+svc] {
				t.Errorf("helplines.csv: no %s helpline for %s", svc, d.Name)
			}
		}
	}
}

func TestTheSeedCoversThreeStates(t *testing.T) {
	t.Parallel()
	w, err := loadWorld(seedFiles, testToday)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.states) < 3 {
		t.Fatalf("%d states", len(w.states))
	}
	for _, st := range w.states {
		if len(st.Districts) < 2 {
			t.Errorf("%s has %d districts, want several", st.Name, len(st.Districts))
		}
		for _, d := range st.Districts {
			centres, hospitals, cards := 0, 0, 0
			for _, c := range w.centres {
				if c.District == d {
					centres++
				}
			}
			for _, h := range w.hospitals {
				if h.District == d {
					hospitals++
				}
			}
			for _, c := range w.cards {
				if c.District == d {
					cards++
				}
			}
			if centres < 2 || hospitals < 2 || cards < 2 {
				t.Errorf("%s: %d centres, %d hospitals, %d ration cards", d.Name, centres, hospitals, cards)
			}
		}
	}
}

func TestABrokenSeedIsReportedWithItsLine(t *testing.T) {
	t.Parallel()
	fsys := overlay{"seed/ration_cards.csv": "card_number,district_id,holder_name,category,members,shop_id,status,status_reason,last_distribution_months_ago,issued_on\n" +
		"MH-01-1111-111,395,Asha Patil,PHH,4,FPS-MUM-01,active,,0,2016-03-11\n" +
		"MH-01-2222-222,395,Ravi Patil,BPL,4,FPS-MUM-01,active,,0,2016-03-11\n"}
	_, err := loadWorld(fsys, testToday)
	if err == nil || !strings.Contains(err.Error(), "seed/ration_cards.csv:3: category") {
		t.Fatalf("a bad category: %v", err)
	}
}

// overlay is the embedded seed with some files replaced.
type overlay map[string]string

func (o overlay) Open(name string) (fs.File, error) {
	if s, ok := o[name]; ok {
		return fstest.MapFS{name: {Data: []byte(s)}}.Open(name)
	}
	return seedFiles.Open(name)
}
