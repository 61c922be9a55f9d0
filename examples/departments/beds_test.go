package main

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

func TestBedsOfADistrict(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	byID := s.get(t, "/api/health/v1/beds?district_id=446")
	byName := s.get(t, "/api/health/v1/beds?district_name=khordha")
	if !bytes.Equal(byID.body, byName.body) {
		t.Errorf("by id and by name differ:\n%s\n%s", byID.body, byName.body)
	}
	d := byID.json(t)
	hospitals := list(t, d, "hospitals")
	if d["district_name"] != "Khordha" || d["state_name"] != "Odisha" || len(hospitals) != 3 {
		t.Fatalf("Khordha's beds: %v", d)
	}
	totals, _ := d["totals"].(map[string]any)
	sum := 0.0
	for _, h := range hospitals {
		for _, kind := range bedTypes {
			free, total := h[kind+"_available"].(float64), h[kind+"_total"].(float64)
			if free < 0 || free > total {
				t.Errorf("%v: %v of %v %s beds free", h["name"], free, total, kind)
			}
		}
		sum += h["oxygen_available"].(float64)
		updated, err := time.Parse(time.RFC3339, h["updated_at"].(string))
		if err != nil || updated.After(testNow) || testNow.Sub(updated) > 3*time.Hour {
			t.Errorf("%v updated at %v", h["name"], h["updated_at"])
		}
	}
	if totals["oxygen_available"] != sum {
		t.Errorf("oxygen total %v, hospitals add up to %v", totals["oxygen_available"], sum)
	}
}

func TestBedTypeKeepsHospitalsWithFreeBedsMostFirst(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, district := range []string{"395", "363", "725", "721", "446", "457", "463", "571", "565"} {
		all := list(t, s.get(t, "/api/health/v1/beds?district_id="+district).json(t), "hospitals")
		icu := list(t, s.get(t, "/api/health/v1/beds?district_id="+district+"&bed_type=ICU").json(t), "hospitals")
		free := 0
		for _, h := range all {
			if h["icu_available"].(float64) > 0 {
				free++
			}
		}
		if len(icu) != free {
			t.Errorf("district %s: %d hospitals with ICU beds free, the filter kept %d", district, free, len(icu))
		}
		for i := 1; i < len(icu); i++ {
			if icu[i]["icu_available"].(float64) > icu[i-1]["icu_available"].(float64) {
				t.Errorf("district %s: not most free first", district)
			}
		}
	}
}

func TestBedsChangeByTheHourOnly(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	url := "/api/health/v1/beds?district_id=571"
	a := list(t, s.get(t, url).json(t), "hospitals")
	s.clock.set(testNow.Add(20 * time.Minute))
	b := list(t, s.get(t, url).json(t), "hospitals")
	s.clock.set(testNow.Add(3 * time.Hour))
	c := list(t, s.get(t, url).json(t), "hospitals")
	same, changed := true, false
	for i := range a {
		for _, k := range bedTypes {
			same = same && a[i][k+"_available"] == b[i][k+"_available"]
			changed = changed || a[i][k+"_available"] != c[i][k+"_available"]
		}
	}
	if !same || !changed {
		t.Errorf("within the hour the same: %v; three hours later different: %v", same, changed)
	}
}

func TestBedsRefuseBadInput(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	wantError(t, s.get(t, "/api/health/v1/beds"), http.StatusBadRequest, "BAD_INPUT", "district_id")
	wantError(t, s.get(t, "/api/health/v1/beds?district_id=puri"), http.StatusBadRequest, "BAD_INPUT", "district_id")
	wantError(t, s.get(t, "/api/health/v1/beds?district_id=1"), http.StatusNotFound, "DISTRICT_NOT_FOUND", "district_id")
	wantError(t, s.get(t, "/api/health/v1/beds?district_name=Atlantis"), http.StatusNotFound, "DISTRICT_NOT_FOUND", "district_name")
	wantError(t, s.get(t, "/api/health/v1/beds?district_id=463&bed_type=cot"), http.StatusBadRequest, "BAD_INPUT", "bed_type")
}
