package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bed availability is what district control rooms published during the
// pandemic: for each hospital, its general, oxygen-supported, ICU and
// ventilator beds, how many are free, and when the figures were last updated.
// The free counts are made from the hospital and the hour, so they change
// through the day and are the same for everyone asking in the same hour.

var bedTypes = []string{"general", "oxygen", "icu", "ventilator"}

type bedCount struct{ total, free int }

// freeBeds are a hospital's beds at a time, and when they were last updated.
func freeBeds(h *hospital, now time.Time) (map[string]bedCount, time.Time) {
	hour := now.Truncate(time.Hour)
	sum := sha256.Sum256(fmt.Appendf(nil, "beds|%s|%d", h.ID, hour.Unix()))
	out := map[string]bedCount{}
	for i, kind := range bedTypes {
		total := []int{h.General, h.Oxygen, h.ICU, h.Ventilator}[i]
		r := int(sum[i])
		free := 0
		if total > 0 && r%5 != 0 { // one time in five a kind of bed is full
			free = total * (r % 40) / 100
		}
		out[kind] = bedCount{total, free}
	}
	updated := hour.Add(-time.Duration(binary.BigEndian.Uint16(sum[8:])%90) * time.Minute)
	return out, updated
}

func (s *server) bedRoutes() {
	s.mux.HandleFunc("GET /api/health/v1/beds", s.beds)
}

// beds lists a district's hospitals (by district_id or district_name) with
// their beds. bed_type=oxygen (or general, icu, ventilator) keeps only the
// hospitals with such a bed free, most free first.
func (s *server) beds(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := s.findDistrict(w, q.Get("district_id"), q.Get("district_name"))
	if d == nil {
		return
	}
	kind := strings.ToLower(strings.TrimSpace(q.Get("bed_type")))
	if kind != "" && !contains(bedTypes, kind) {
		badInput(w, "bed_type", "bed_type must be one of %s", strings.Join(bedTypes, ", "))
		return
	}
	now := s.cfg.Now().In(ist)
	type row struct {
		json map[string]any
		free int
	}
	var rows []row
	totals := map[string]int{}
	for _, h := range s.world.hospitals {
		if h.District != d {
			continue
		}
		beds, updated := freeBeds(h, now)
		j := map[string]any{
			"hospital_id": h.ID, "name": h.Name, "type": h.Type, "address": h.Address, "pincode": h.Pincode,
			"phone": h.Phone, "lat": h.Lat, "long": h.Long, "updated_at": updated.Format(time.RFC3339),
		}
		for _, k := range bedTypes {
			j[k+"_total"], j[k+"_available"] = beds[k].total, beds[k].free
			totals[k+"_available"] += beds[k].free
		}
		if kind != "" && beds[kind].free == 0 {
			continue
		}
		rows = append(rows, row{j, beds[kind].free})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].free > rows[j].free })
	list := []map[string]any{}
	for _, r := range rows {
		list = append(list, r.json)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"district_id": d.ID, "district_name": d.Name, "state_name": d.State.Name,
		"as_of": now.Format(time.RFC3339), "hospitals": list, "totals": totals,
	})
}

// findDistrict finds a district by id, or else by name; on a problem it
// answers 400 or 404 and returns nil.
func (s *server) findDistrict(w http.ResponseWriter, id, name string) *district {
	id, name = strings.TrimSpace(id), strings.TrimSpace(name)
	switch {
	case id != "":
		n, err := strconv.Atoi(id)
		if err != nil {
			badInput(w, "district_id", "district_id must be a number, like 446")
			return nil
		}
		if d := s.world.districts[n]; d != nil {
			return d
		}
		writeError(w, http.StatusNotFound, "DISTRICT_NOT_FOUND", "district_id", "no district %d", n)
	case name != "":
		for _, d := range s.world.districts {
			if strings.EqualFold(d.Name, name) {
				return d
			}
		}
		writeError(w, http.StatusNotFound, "DISTRICT_NOT_FOUND", "district_name", "no district named %q", name)
	default:
		badInput(w, "district_id", "district_id (or district_name) is required")
	}
	return nil
}
