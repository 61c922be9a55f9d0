// Package table serves a department's data tables: a CSV file of offices,
// fair-price shops or helplines, looked up by a key column (a PIN code),
// filtered by columns, or searched for the rows nearest a point (a shared
// location). A table is read once into memory, with an index on its key
// and a k-d tree over its coordinates, and read again when its file
// changes, without a restart.
package table

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/samvad/samvad/engine/script"
)

// Spec says how to read a table's file.
type Spec struct {
	// Name names the table in errors.
	Name string
	// Path is the CSV file: UTF-8, a header row, one row per record.
	Path string
	// Key is the column Lookup searches ("" when the table has none).
	Key string
	// Latitude and Longitude are the columns Nearest uses, in decimal
	// degrees ("" when the table has no coordinates).
	Latitude, Longitude string
	// Numbers are columns read as numbers (the coordinates always are).
	Numbers []string
}

// Table is one loaded table. It is never changed after Load, so any
// number of goroutines may read it.
type Table struct {
	spec    Spec
	columns []string
	rows    []map[string]any
	byKey   map[string][]int
	tree    *kdTree
}

// Columns are the table's columns, in the file's order.
func (t *Table) Columns() []string { return t.columns }

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Load reads a table. Errors say which file, line and column is wrong.
func Load(spec Spec) (*Table, error) {
	f, err := os.Open(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", spec.Name, err)
	}
	defer f.Close()
	return Read(spec, f)
}

// Read reads a table from r (Load reads spec.Path).
func Read(spec Spec, r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0 // every row as long as the header
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("table %s: %s: reading the header: %w", spec.Name, spec.Path, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	t := &Table{spec: spec, columns: header, byKey: map[string][]int{}}
	if err := t.checkColumns(); err != nil {
		return nil, err
	}
	numbers := map[string]bool{spec.Latitude: spec.Latitude != "", spec.Longitude: spec.Longitude != ""}
	for _, c := range spec.Numbers {
		numbers[c] = true
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("table %s: %s: %w", spec.Name, spec.Path, err)
		}
		line, _ := cr.FieldPos(0)
		row, err := t.row(rec, numbers, line)
		if err != nil {
			return nil, err
		}
		t.rows = append(t.rows, row)
		if spec.Key != "" {
			k := normalize(row[spec.Key].(string))
			t.byKey[k] = append(t.byKey[k], len(t.rows)-1)
		}
	}
	if spec.Latitude != "" {
		t.tree = newKDTree(t.rows, spec.Latitude, spec.Longitude)
	}
	return t, nil
}

// checkColumns makes sure the columns the spec names are in the header.
func (t *Table) checkColumns() error {
	have := map[string]bool{}
	for _, c := range t.columns {
		if have[c] {
			return fmt.Errorf("table %s: %s: column %q appears twice in the header", t.spec.Name, t.spec.Path, c)
		}
		have[c] = true
	}
	var missing []string
	for _, c := range append([]string{t.spec.Key, t.spec.Latitude, t.spec.Longitude}, t.spec.Numbers...) {
		if c != "" && !have[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("table %s: %s: the header has no column %s (it has %s)", t.spec.Name, t.spec.Path,
			strings.Join(quoted(missing), ", "), strings.Join(t.columns, ", "))
	}
	return nil
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// row turns one record into a row, reading the number columns.
func (t *Table) row(rec []string, numbers map[string]bool, line int) (map[string]any, error) {
	row := make(map[string]any, len(rec))
	for i, c := range t.columns {
		v := strings.TrimSpace(rec[i])
		if !numbers[c] {
			row[c] = v
			continue
		}
		if v == "" && c != t.spec.Latitude && c != t.spec.Longitude {
			row[c] = nil
			continue
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(script.ASCIIDigits(v), ",", ""), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, fmt.Errorf("table %s: %s:%d: column %q holds %q, not a number", t.spec.Name, t.spec.Path, line, c, v)
		}
		row[c] = n
	}
	if t.spec.Latitude != "" {
		lat, lng := row[t.spec.Latitude].(float64), row[t.spec.Longitude].(float64)
		if lat < -90 || lat > 90 || lng < -180 || lng > 180 {
			return nil, fmt.Errorf("table %s: %s:%d: %v, %v is not a point on Earth", t.spec.Name, t.spec.Path, line, lat, lng)
		}
	}
	return row, nil
}

// normalize is how keys and filter values compare: trimmed, digits of any
// script as ASCII, case folded.
func normalize(s string) string {
	return strings.ToLower(script.ASCIIDigits(strings.TrimSpace(s)))
}

// copyRow returns a row the caller may change.
func copyRow(r map[string]any) map[string]any {
	c := make(map[string]any, len(r)+1)
	for k, v := range r {
		c[k] = v
	}
	return c
}

// Lookup returns the rows whose key column equals key (compared as
// normalize does), in the file's order, at most limit (0: all).
func (t *Table) Lookup(key string, limit int) []map[string]any {
	idx := t.byKey[normalize(key)]
	if limit > 0 && len(idx) > limit {
		idx = idx[:limit]
	}
	out := make([]map[string]any, len(idx))
	for i, j := range idx {
		out[i] = copyRow(t.rows[j])
	}
	return out
}

// Filter returns the rows whose columns equal every value of match (as
// normalize compares them), in the file's order, at most limit (0: all).
func (t *Table) Filter(match map[string]string, limit int) []map[string]any {
	want := make(map[string]string, len(match))
	for c, v := range match {
		want[c] = normalize(v)
	}
	var out []map[string]any
	for _, r := range t.rows {
		ok := true
		for c, v := range want {
			if normalize(fmt.Sprint(r[c])) != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, copyRow(r))
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out
}

// Nearest returns the n rows nearest to a point, nearest first, each with a
// "distance_km" column (great-circle distance, rounded to 0.1 km); rows
// farther than withinKm are left out when withinKm > 0. A table without
// coordinates returns none.
func (t *Table) Nearest(lat, lng float64, n int, withinKm float64) []map[string]any {
	if t.tree == nil || n <= 0 {
		return nil
	}
	found := t.tree.nearest(unitVector(lat, lng), n)
	out := make([]map[string]any, 0, len(found))
	for _, f := range found {
		km := chordToKm(math.Sqrt(f.dist2))
		if withinKm > 0 && km > withinKm {
			break
		}
		r := copyRow(t.rows[f.row])
		r["distance_km"] = math.Round(km*10) / 10
		out = append(out, r)
	}
	return out
}

// Keys returns the distinct keys, sorted (for tools and tests).
func (t *Table) Keys() []string {
	keys := make([]string, 0, len(t.byKey))
	for k := range t.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
