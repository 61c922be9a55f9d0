package services

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/adapters/services/table"
	"github.com/samvad/samvad/engine/guard"
)

// tableSpec is how a table operation searches its table.
type tableSpec struct {
	name     string
	node     *yaml.Node
	lookup   *namedExpr
	filter   []namedExpr
	lat, lng *namedExpr
	limit    int
	withinKm float64
	source   *table.Source
}

// defaultTableLimit is how many rows a filter or nearest search returns
// when the operation does not say: about what one WhatsApp list shows.
const defaultTableLimit = 10

func (d *decoder) tableSpec(f map[string]*yaml.Node, what string) *tableSpec {
	s := &tableSpec{node: f["table"], limit: defaultTableLimit}
	s.name, _ = d.scalar(f["table"], what+": table")
	ways := 0
	if n := f["lookup"]; n != nil {
		ways++
		if src, ok := d.scalar(n, what+": lookup"); ok {
			s.lookup = &namedExpr{name: "lookup", src: src, node: n}
		}
		s.limit = 0
	}
	if n := f["filter"]; n != nil {
		ways++
		s.filter = d.namedExprsAny(n, what+": filter")
	}
	if n := f["nearest"]; n != nil {
		ways++
		near := d.fields(n, what+": nearest", "latitude", "longitude")
		for k, dst := range map[string]**namedExpr{"latitude": &s.lat, "longitude": &s.lng} {
			src, ok := d.scalar(near[k], what+": nearest: "+k)
			if !ok {
				d.errorf(n, "bad-nearest", "%s: nearest needs latitude: and longitude: (expressions, such as args.place.latitude)", what)
				continue
			}
			*dst = &namedExpr{name: k, src: src, node: near[k]}
		}
	}
	if ways != 1 {
		d.errorf(f["table"], "table-search", "%s: say how to search table %s with one of lookup:, filter: or nearest:", what, s.name)
	}
	if n := f["limit"]; n != nil {
		v, _ := d.scalar(n, what+": limit")
		if k, err := strconv.Atoi(v); err != nil || k < 1 || k > 100 {
			d.errorf(n, "bad-limit", "%s: limit %q must be a whole number from 1 to 100", what, v)
		} else {
			s.limit = k
		}
	}
	if n := f["within_km"]; n != nil {
		v, _ := d.scalar(n, what+": within_km")
		if k, err := strconv.ParseFloat(v, 64); err != nil || k <= 0 || s.lat == nil {
			d.errorf(n, "bad-within", "%s: within_km %q must be a distance in km, with nearest:", what, v)
		} else {
			s.withinKm = k
		}
	}
	return s
}

// compileSearch compiles a table operation's search expressions.
func (d *decoder) compileSearch(op *operation) {
	s := op.table
	env := op.requestEnv()
	for _, e := range []*namedExpr{s.lookup, s.lat, s.lng} {
		if e != nil {
			d.compile(e, env, guard.AnyResult)
		}
	}
	for i := range s.filter {
		d.compile(&s.filter[i], env, guard.AnyResult)
	}
}

// callTable runs a table operation. Its result holds rows, row (the first
// row, or nil) and count, or the declared fields; with no row the outcome
// is not_found unless a declared outcome says otherwise.
func (op *operation) callTable(args map[string]any) (map[string]any, error) {
	s := op.table
	t := s.source.Table()
	env := argEnv(args)
	var rows []map[string]any
	switch {
	case s.lookup != nil:
		v, err := s.lookup.prog.Run(env)
		if err != nil {
			return nil, fmt.Errorf("lookup: %v", err)
		}
		rows = t.Lookup(textOf(v), s.limit)
	case s.lat != nil:
		lat, err1 := s.lat.prog.Run(env)
		lng, err2 := s.lng.prog.Run(env)
		la, ok1 := lat.(float64)
		lo, ok2 := lng.(float64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			return nil, fmt.Errorf("nearest: the latitude and longitude are not numbers (%v, %v)", lat, lng)
		}
		rows = t.Nearest(la, lo, s.limit, s.withinKm)
	default:
		match := make(map[string]string, len(s.filter))
		for _, f := range s.filter {
			v, err := f.prog.Run(env)
			if err != nil {
				return nil, fmt.Errorf("filter %s: %v", f.name, err)
			}
			match[f.name] = textOf(v)
		}
		rows = t.Filter(match, s.limit)
	}
	list := make([]any, len(rows))
	var first any
	for i, r := range rows {
		list[i] = r
	}
	if len(rows) > 0 {
		first = rows[0]
	}
	renv := map[string]any{"args": args, "rows": list, "row": first, "count": len(rows)}
	outcome, err := op.outcome(renv)
	if err != nil {
		return nil, err
	}
	if outcome == "ok" && len(rows) == 0 {
		outcome = "not_found"
	}
	if outcome != "ok" {
		return map[string]any{"outcome": outcome, "count": 0.0, "rows": []any{}}, nil
	}
	if len(op.result) == 0 {
		return map[string]any{"rows": list, "row": first, "count": float64(len(rows)), "outcome": "ok"}, nil
	}
	return op.mapResult(renv, nil)
}
