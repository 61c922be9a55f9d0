package server

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server/api"
	"github.com/samvad/samvad/server/console"
)

// consoleData answers the console's pages from the store, the loaded flows
// and the integrations, within the principal's department.
type consoleData struct{ s *Server }

// ownIntegrations are the integrations of p's department, by id.
func (d consoleData) ownIntegrations(p api.Principal) []*integration {
	var out []*integration
	for _, in := range d.s.integrations {
		if in.cfg.Department == p.Department {
			out = append(out, in)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cfg.ID < out[j].cfg.ID })
	return out
}

// own returns the integration of that id when it is p's department's.
func (d consoleData) own(p api.Principal, id string) (*integration, error) {
	if in := d.s.integrations[id]; in != nil && in.cfg.Department == p.Department {
		return in, nil
	}
	return nil, console.ErrNotFound
}

// Dashboard is the department's figures of the last 30 days, from the
// staff API's reports.
func (d consoleData) Dashboard(ctx context.Context, p api.Principal) (console.Dashboard, error) {
	var out console.Dashboard
	msgs, err := d.s.api.RunReport(ctx, p, "messages", nil)
	if err != nil {
		return out, err
	}
	days, _ := msgs.Rows.([]store.DayMessages)
	for _, r := range days {
		day, _ := time.Parse(time.DateOnly, r.Day)
		out.Days = append(out.Days, console.Day{Day: day, In: int(r.In), Out: int(r.Out)})
	}
	if out.Funnel, err = d.funnel(ctx, p); err != nil {
		return out, err
	}
	cases, err := d.s.api.RunReport(ctx, p, "cases", nil)
	if err != nil {
		return out, err
	}
	rows, _ := cases.Rows.([]store.CaseRow)
	byStatus, byDistrict := map[string]int{}, map[string]int{}
	for _, r := range rows {
		byStatus[r.Status] += int(r.Cases)
		byDistrict[r.District] += int(r.Cases)
	}
	out.ByStatus, out.ByDistrict = counts(byStatus), counts(byDistrict)
	return out, nil
}

// funnel is the funnel of the flow started most in the last 30 days.
func (d consoleData) funnel(ctx context.Context, p api.Principal) (console.Funnel, error) {
	flows, err := d.s.api.RunReport(ctx, p, "flows", nil)
	if err != nil {
		return console.Funnel{}, err
	}
	rows, _ := flows.Rows.([]store.FlowRow)
	if len(rows) == 0 {
		return console.Funnel{}, nil
	}
	top := rows[0].Flow
	fun, err := d.s.api.RunReport(ctx, p, "funnel", url.Values{"service": {top}})
	if err != nil {
		return console.Funnel{}, err
	}
	nodes, _ := fun.Rows.([]store.FunnelRow)
	out := console.Funnel{Flow: top, Steps: []console.Count{{Label: "start", N: int(rows[0].Started)}}}
	for _, n := range nodes {
		if n.Flow == top && n.Node != "" {
			out.Steps = append(out.Steps, console.Count{Label: n.Node, N: int(n.Entered)})
		}
	}
	if len(out.Steps) > 12 {
		out.Steps = out.Steps[:12]
	}
	out.Steps = append(out.Steps, console.Count{Label: "completed", N: int(rows[0].Completed)})
	return out, nil
}

// counts sorts a tally, largest first.
func counts(m map[string]int) []console.Count {
	out := make([]console.Count, 0, len(m))
	for k, n := range m {
		if k == "" {
			k = "–"
		}
		out = append(out, console.Count{Label: k, N: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Label < out[j].Label
	})
	return out
}

// Flows are the loaded flows with their archived versions, language
// coverage and lint warnings.
func (d consoleData) Flows(ctx context.Context, _ api.Principal) ([]console.Flow, error) {
	proj := d.s.project.Load()
	versions, err := d.s.store.FlowVersions(ctx, 5)
	if err != nil {
		return nil, err
	}
	titles := map[string]string{}
	for _, f := range proj.lib.Summaries("en") {
		titles[f.ID] = f.Title
	}
	var out []console.Flow
	for _, f := range proj.lib.Flows() {
		cf := console.Flow{ID: f.ID, File: f.File, Version: f.Version, Title: titles[f.ID]}
		for _, v := range versions[f.ID] {
			cf.Versions = append(cf.Versions, console.Version{Version: v.Version, First: v.FirstSeen})
		}
		for _, l := range proj.lib.Languages {
			cov := console.Coverage{Code: l.Code, Offered: f.Offers(l.Code)}
			for _, w := range proj.warnings {
				if w.Pos.File == f.File && w.Code == "missing-translation" && strings.Contains(w.Message, " "+l.Code+" ") {
					cov.Missing++
				}
			}
			cf.Languages = append(cf.Languages, cov)
		}
		for _, w := range proj.warnings {
			if w.Pos.File == f.File {
				cf.Problems = append(cf.Problems, fmt.Sprintf("%s: %s (%s)", w.Pos, w.Message, w.Code))
			}
		}
		out = append(out, cf)
	}
	return out, nil
}

// Integrations are the department's integrations with their status.
func (d consoleData) Integrations(ctx context.Context, p api.Principal) ([]console.Integration, error) {
	var out []console.Integration
	for _, in := range d.ownIntegrations(p) {
		ci := console.Integration{ID: in.cfg.ID, Name: in.cfg.Name, PhoneNumberID: in.cfg.PhoneNumberID, Status: "idle"}
		if ci.Name == "" {
			ci.Name = in.cfg.ID
		}
		last, err := d.s.store.LastActivity(ctx, in.cfg.ID)
		if err != nil {
			return nil, err
		}
		ci.LastActivity = last
		switch {
		case in.run.Client.AccessToken == "":
			ci.Status = "no_token"
		case !last.IsZero() && d.s.now().Sub(last) < 24*time.Hour:
			ci.Status = "active"
		}
		out = append(out, ci)
	}
	return out, nil
}

// TestConnection asks the Graph API about the integration's number.
func (d consoleData) TestConnection(ctx context.Context, p api.Principal, id string) (string, error) {
	in, err := d.own(p, id)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	pn, err := in.run.Client.PhoneNumber(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s (%s), quality %s", pn.DisplayPhoneNumber, pn.VerifiedName, pn.QualityRating), nil
}

// EventLog is the integration's newest events.
func (d consoleData) EventLog(ctx context.Context, p api.Principal, id string) ([]console.Event, error) {
	if _, err := d.own(p, id); err != nil {
		return nil, err
	}
	rows, err := d.s.store.EventLog(ctx, id, 50)
	if err != nil {
		return nil, err
	}
	out := make([]console.Event, 0, len(rows))
	for _, r := range rows {
		out = append(out, console.Event{At: r.At, Level: r.Level, Kind: r.Kind, Message: r.Message})
	}
	return out, nil
}

// the store keeps the console's sessions.
var _ console.Sessions = (*store.Store)(nil)
