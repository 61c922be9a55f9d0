package table

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const offices = `pincode,office,district,latitude,longitude,staff
400051,H/East Ward,Mumbai,19.0596,72.8406,40
400050,H/West Ward,Mumbai,19.0544,72.8295,35
400051,H/East Ward annexe,Mumbai,19.0610,72.8420,
751001,Bhubaneswar Zone 1,Khordha,20.2700,85.8400,22
600001,Chennai Zone 5,Chennai,13.0900,80.2800,31
`

func offSpec() Spec {
	return Spec{Name: "offices", Path: "offices.csv", Key: "pincode", Latitude: "latitude", Longitude: "longitude", Numbers: []string{"staff"}}
}

func TestLookupAndFilter(t *testing.T) {
	t.Parallel()
	tb, err := Read(offSpec(), strings.NewReader(offices))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 5 {
		t.Fatalf("%d rows", tb.Len())
	}
	got := tb.Lookup("४०००५१", 0) // typed in Devanagari digits
	if len(got) != 2 || got[0]["office"] != "H/East Ward" || got[1]["office"] != "H/East Ward annexe" {
		t.Fatalf("lookup 400051: %v", got)
	}
	if got[0]["staff"] != 40.0 || got[1]["staff"] != nil {
		t.Fatalf("numbers: %v, %v", got[0]["staff"], got[1]["staff"])
	}
	got[0]["office"] = "changed by the caller"
	if again := tb.Lookup("400051", 1); len(again) != 1 || again[0]["office"] != "H/East Ward" {
		t.Fatalf("a caller changed the table: %v", again)
	}
	if got := tb.Lookup("999999", 0); len(got) != 0 {
		t.Fatalf("lookup of an unknown key: %v", got)
	}
	if got := tb.Filter(map[string]string{"district": "MUMBAI"}, 0); len(got) != 3 {
		t.Fatalf("filter: %v", got)
	}
	if got := tb.Filter(map[string]string{"district": "mumbai", "pincode": "400050"}, 0); len(got) != 1 || got[0]["office"] != "H/West Ward" {
		t.Fatalf("filter by two columns: %v", got)
	}
}

func TestBadFilesSayWhere(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"pincode,office\n400051,x\n":                                         `no column "latitude"`,
		offices + "400052,Bad,Mumbai,19.1,seventy-two,1\n":                   `offices.csv:7: column "longitude" holds "seventy-two"`,
		offices + "400052,Bad,Mumbai,119.1,72.8,1\n":                         "is not a point on Earth",
		"pincode,pincode,latitude,longitude,staff\n":                         `column "pincode" appears twice`,
		"pincode,office,district,latitude,longitude,staff\n400051,too,few\n": "wrong number of fields",
	}
	for content, want := range cases {
		if _, err := Read(offSpec(), strings.NewReader(content)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", content, err, want)
		}
	}
}

// Nearest agrees with a scan of every row by the haversine formula.
func TestNearestAgreesWithAScan(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("id,latitude,longitude\n")
	type pt struct{ lat, lng float64 }
	var pts []pt
	for i := range 3000 {
		p := pt{8 + rng.Float64()*29, 68 + rng.Float64()*29} // India's box
		if i%10 == 0 {
			p = pt{rng.Float64()*180 - 90, rng.Float64()*360 - 180} // and the rest of the world
		}
		pts = append(pts, p)
		fmt.Fprintf(&b, "%d,%.6f,%.6f\n", i, p.lat, p.lng)
	}
	tb, err := Read(Spec{Name: "pts", Latitude: "latitude", Longitude: "longitude"}, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for range 300 {
		lat, lng := rng.Float64()*180-90, rng.Float64()*360-180
		got := tb.Nearest(lat, lng, 5, 0)
		if len(got) != 5 {
			t.Fatalf("near %v,%v: %d rows", lat, lng, len(got))
		}
		d := make([]float64, len(pts))
		idx := make([]int, len(pts))
		for i, p := range pts {
			d[i], idx[i] = haversine(lat, lng, p.lat, p.lng), i
		}
		for k := 0; k < 5; k++ { // selection of the five nearest
			for j := k + 1; j < len(idx); j++ {
				if d[idx[j]] < d[idx[k]] {
					idx[j], idx[k] = idx[k], idx[j]
				}
			}
			want := fmt.Sprint(idx[k])
			if got[k]["id"] != want && math.Abs(d[idx[k]]-got[k]["distance_km"].(float64)) > 0.1 {
				t.Fatalf("near %v,%v: %d-th is %v at %v km, want %s at %.1f km", lat, lng, k, got[k]["id"], got[k]["distance_km"], want, d[idx[k]])
			}
		}
	}
	if got := tb.Nearest(19.07, 72.87, 3, 0.001); len(got) != 0 {
		t.Fatalf("within 1 m of Mumbai: %v", got)
	}
}

func haversine(lat1, lng1, lat2, lng2 float64) float64 {
	r := math.Pi / 180
	dφ, dλ := (lat2-lat1)*r, (lng2-lng1)*r
	a := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(lat1*r)*math.Cos(lat2*r)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(a))
}

// A changed file is read again without a restart; a broken one leaves the
// last good table in service and says why.
func TestSourceFollowsItsFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "offices.csv")
	if err := os.WriteFile(path, []byte(offices), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := offSpec()
	spec.Path = path
	src, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	src.now = func() time.Time { return clock }
	write := func(content string, age time.Duration) {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := time.Now().Add(age)
		_ = os.Chtimes(path, mt, mt)
		clock = clock.Add(CheckEvery)
	}
	write(offices+"110001,New Delhi,New Delhi,28.63,77.22,50\n", time.Minute)
	if got := src.Table().Lookup("110001", 0); len(got) != 1 {
		t.Fatalf("the new row is not served: %v", got)
	}
	write("pincode\n", 2*time.Minute)
	if tb := src.Table(); tb.Len() != 6 || src.Err() == nil {
		t.Fatalf("a broken file replaced the table (%d rows, err %v)", tb.Len(), src.Err())
	}
	write(offices, 3*time.Minute)
	if tb := src.Table(); tb.Len() != 5 || src.Err() != nil {
		t.Fatalf("the mended file is not served (%d rows, err %v)", tb.Len(), src.Err())
	}
}

// BenchmarkNearest looks up the 3 rows nearest to random points in India
// among 20,000 rows with coordinates.
//
//	go test ./adapters/services/table -run '^$' -bench Nearest -cpu 1
func BenchmarkNearest(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	var sb strings.Builder
	sb.WriteString("id,latitude,longitude\n")
	for i := range 20000 {
		fmt.Fprintf(&sb, "%d,%.6f,%.6f\n", i, 8+rng.Float64()*29, 68+rng.Float64()*29)
	}
	tb, err := Read(Spec{Name: "shops", Latitude: "latitude", Longitude: "longitude"}, strings.NewReader(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got := tb.Nearest(8+rng.Float64()*29, 68+rng.Float64()*29, 3, 0); len(got) != 3 {
			b.Fatal(len(got))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
