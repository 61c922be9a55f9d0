package server

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// districtsFile maps PIN codes to districts for the cases report, in the
// flows' tables: a header row, then rows of a PIN (or its first three
// digits) and a district's name.
const districtsFile = "tables/pin_districts.csv"

// loadDistricts reads the flows' PIN → district table; none is an empty map.
func loadDistricts(flowsDir string) (map[string]string, error) {
	path := filepath.Join(flowsDir, districtsFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]string{}
	for i, r := range recs {
		if i == 0 || len(r) < 2 {
			continue
		}
		pin, name := strings.TrimSpace(r[0]), strings.TrimSpace(r[1])
		if len(pin) != 3 && len(pin) != 6 {
			return nil, fmt.Errorf("%s:%d: %q is neither a PIN nor its first three digits", path, i+1, pin)
		}
		out[pin] = name
	}
	return out, nil
}

// rollUpEvery is how often serve rolls closed days up for the reports.
const rollUpEvery = 15 * time.Minute

// reportZones groups the integrations by their department's time zone.
func (s *Server) reportZones() map[*time.Location][]string {
	byName := map[string]*time.Location{}
	out := map[*time.Location][]string{}
	for id, in := range s.integrations {
		name := s.cfg.department(in.cfg.Department).TimeZone
		if name == "" {
			name = defaultTimeZone
		}
		z := byName[name]
		if z == nil {
			var err error
			if z, err = time.LoadLocation(name); err != nil {
				continue // the configuration's check reported it
			}
			byName[name] = z
		}
		out[z] = append(out[z], id)
	}
	return out
}

// runRollUps rolls days up until ctx ends (see store.RunRollUps).
func (s *Server) runRollUps(ctx context.Context) {
	zones := s.reportZones()
	s.store.RunRollUps(ctx, rollUpEvery, func() map[*time.Location][]string { return zones }, func(err error) {
		s.log.Warn("reports: rolling days up failed; the next round tries again", "err", err)
	})
}
