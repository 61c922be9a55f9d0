package services

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/engine"
)

// Casebook keeps the cases that built-in operations lodge and look up:
// grievances and service requests. The server gives one backed by its
// store, which lodges a case inside the step that asked for it, so that the
// case exists only if the step commits.
type Casebook interface {
	// Lodge records a new case and returns its reference.
	Lodge(ctx context.Context, c NewCase) (string, error)
	// Find returns the case of a reference, for the citizen of the step
	// (ctx); ErrNotFound when there is none, ErrNotYours when it was
	// lodged from another number.
	Find(ctx context.Context, reference string) (Case, error)
	// Reopen reopens a resolved case of the step's citizen, with the
	// citizen's reason, when it was resolved less than within ago, and
	// gives it a new deadline by policy; ErrNotResolved or ErrTooLate
	// otherwise (and the errors of Find).
	Reopen(ctx context.Context, reference, reason string, within time.Duration, policy casework.Policy) error
}

// zoned is a Casebook that knows the time zone of the step's department.
type zoned interface {
	Zone(ctx context.Context) *time.Location
}

// Errors a Casebook returns.
var (
	// ErrNoCasebook is returned by a built-in operation run where nothing
	// keeps cases (samvad call, outside the service).
	ErrNoCasebook = errors.New("built-in operations need the service's store")
	ErrNotFound   = errors.New("services: no case has that reference")
	ErrNotYours   = errors.New("services: the case was lodged from another number")
	// ErrNotResolved: only a resolved case can be reopened.
	ErrNotResolved = errors.New("services: the case is not resolved")
	// ErrTooLate: the case was resolved longer ago than it may be reopened.
	ErrTooLate = errors.New("services: the case was resolved too long ago to reopen")
)

// NewCase is a case to lodge.
type NewCase struct {
	// Kind is "grievance", or the kind of a service request (ration_card…).
	Kind string
	// Series is the prefix of its reference (GRV, RCA…).
	Series      string
	Title       string
	Category    string
	Description string
	PinCode     string
	Location    *engine.Location
	Attachments []engine.Attachment
	// Fields are the values a service request was made with.
	Fields map[string]any
	Due    time.Time
}

// Case is a case as the citizen may see it.
type Case struct {
	Reference, Kind, Title, Category string
	Status                           casework.Status
	Due, Updated                     time.Time
	// Note is the officer's remark to the citizen, if any.
	Note string
}

// The built-in operations.
const (
	builtinGrievanceLodge  = "grievance.lodge"
	builtinGrievanceStatus = "grievance.status"
	builtinRequestSubmit   = "request.submit"
	builtinRequestStatus   = "request.status"
	builtinGrievanceReopen = "grievance.reopen"
)

// DefaultReopenDays is how long after its resolution a citizen may reopen a
// case, unless the declaration says (request: {reopen_days: N}).
const DefaultReopenDays = 15

// builtinSpec is a built-in operation and the case settings it lodges with.
type builtinSpec struct {
	name       string
	kind       string
	series     string
	title      string
	policy     casework.Policy
	reopenDays int
}

func (d *decoder) builtinSpec(f map[string]*yaml.Node, what string) *builtinSpec {
	s := &builtinSpec{policy: casework.DefaultPolicy, reopenDays: DefaultReopenDays}
	s.name, _ = d.scalar(f["builtin"], what+": builtin")
	switch s.name {
	case builtinGrievanceLodge, builtinGrievanceStatus, builtinGrievanceReopen:
		s.kind, s.series, s.title = "grievance", "GRV", "Grievance"
	case builtinRequestSubmit, builtinRequestStatus:
	default:
		d.errorf(f["builtin"], "unknown-builtin", "%s: builtin %q is not one of %s, %s, %s, %s, %s", what, s.name,
			builtinGrievanceLodge, builtinGrievanceStatus, builtinGrievanceReopen, builtinRequestSubmit, builtinRequestStatus)
		return s
	}
	c := d.fields(f["request"], what+": request", "kind", "series", "title", "days", "days_by_category", "reopen_days")
	if v, ok := d.scalar(c["kind"], what+": request: kind"); ok {
		s.kind = v
	}
	if v, ok := d.scalar(c["series"], what+": request: series"); ok {
		s.series = v
	}
	if v, ok := d.scalar(c["title"], what+": request: title"); ok {
		s.title = v
	}
	if n := c["days"]; n != nil {
		v, _ := d.scalar(n, what+": request: days")
		if k, err := strconv.Atoi(v); err != nil || k < 1 || k > 365 {
			d.errorf(n, "bad-days", "%s: days %q must be a whole number from 1 to 365", what, v)
		} else {
			s.policy.Default = k
		}
	}
	if n := c["reopen_days"]; n != nil {
		v, _ := d.scalar(n, what+": request: reopen_days")
		if k, err := strconv.Atoi(v); err != nil || k < 1 || k > 365 {
			d.errorf(n, "bad-days", "%s: reopen_days %q must be a whole number from 1 to 365", what, v)
		} else {
			s.reopenDays = k
		}
	}
	for _, kv := range d.pairs(c["days_by_category"], what+": request: days_by_category") {
		k, err := strconv.Atoi(kv[1].Value)
		if err != nil || k < 1 || k > 365 {
			d.errorf(kv[1], "bad-days", "%s: days for %s must be a whole number from 1 to 365", what, kv[0].Value)
			continue
		}
		if s.policy.Days == nil {
			s.policy.Days = map[string]int{}
		}
		s.policy.Days[kv[0].Value] = k
	}
	if s.name == builtinRequestSubmit && (s.kind == "" || s.series == "") {
		d.errorf(f["builtin"], "request-kind", "%s: a service request needs request: {kind: ration_card, series: RCA} (its kind, and the prefix of its references)", what)
	}
	if s.series != "" && !casework.ValidSeries(s.series) {
		d.errorf(c["series"], "bad-series", "%s: series %q must be 2 to 6 capital letters, such as RCA", what, s.series)
	}
	return s
}

// builtinReturns are the fields each built-in's result holds, and its
// outcomes besides ok.
func (s *builtinSpec) signature() (returns, outcomes []string) {
	switch s.name {
	case builtinGrievanceLodge, builtinRequestSubmit:
		return []string{"reference", "days", "due"}, nil
	case builtinGrievanceReopen:
		return []string{"reference"}, []string{"not_found", "not_yours", "not_resolved", "too_late"}
	}
	return []string{"reference", "kind", "title", "category", "status", "due", "updated", "note", "reopenable"}, []string{"not_found", "not_yours"}
}

// callBuiltin runs a built-in operation against the casebook.
func (op *operation) callBuiltin(ctx context.Context, book Casebook, now time.Time, args map[string]any) (map[string]any, error) {
	if book == nil {
		return nil, ErrNoCasebook
	}
	s := op.builtin
	switch s.name {
	case builtinGrievanceLodge, builtinRequestSubmit:
		c := NewCase{Kind: s.kind, Series: s.series, Title: s.title, Category: str(args["category"]),
			Description: str(args["description"]), PinCode: str(args["pin"])}
		if z, ok := book.(zoned); ok {
			now = now.In(z.Zone(ctx)) // the deadline ends with a day of the department's calendar
		}
		c.Due = s.policy.Due(c.Category, now)
		if loc, ok := args["location"].(map[string]any); ok {
			c.Location = &engine.Location{Latitude: num(loc["latitude"]), Longitude: num(loc["longitude"]),
				Name: str(loc["name"]), Address: str(loc["address"])}
		}
		for _, k := range []string{"photo", "document", "attachment"} {
			if a, ok := args[k].(map[string]any); ok && (str(a["media_id"]) != "" || str(a["url"]) != "") {
				c.Attachments = append(c.Attachments, engine.Attachment{Kind: str(a["kind"]), MediaID: str(a["media_id"]),
					MimeType: str(a["mime_type"]), Filename: str(a["filename"]), URL: str(a["url"])})
			}
		}
		if s.name == builtinRequestSubmit {
			c.Fields = make(map[string]any, len(args))
			for k, v := range args {
				c.Fields[k] = v
			}
		}
		ref, err := book.Lodge(ctx, c)
		if err != nil {
			return nil, err
		}
		return map[string]any{"reference": ref, "days": float64(s.policy.DaysFor(c.Category)),
			"due": c.Due.Format("2006-01-02"), "outcome": "ok"}, nil
	}
	ref, ok := casework.Normalize(str(args["reference"]))
	if !ok {
		return map[string]any{"outcome": "not_found"}, nil
	}
	if s.name == builtinGrievanceReopen {
		err := book.Reopen(ctx, ref, str(args["reason"]), time.Duration(s.reopenDays)*24*time.Hour, s.policy)
		outcome := "ok"
		switch {
		case errors.Is(err, ErrNotFound):
			outcome = "not_found"
		case errors.Is(err, ErrNotYours):
			outcome = "not_yours"
		case errors.Is(err, ErrNotResolved):
			outcome = "not_resolved"
		case errors.Is(err, ErrTooLate):
			outcome = "too_late"
		case err != nil:
			return nil, err
		}
		return map[string]any{"outcome": outcome, "reference": ref}, nil
	}
	c, err := book.Find(ctx, ref)
	switch {
	case errors.Is(err, ErrNotFound):
		return map[string]any{"outcome": "not_found", "reference": ref}, nil
	case errors.Is(err, ErrNotYours):
		return map[string]any{"outcome": "not_yours", "reference": ref}, nil
	case err != nil:
		return nil, err
	}
	if c.Kind != s.kind && s.kind != "" {
		return map[string]any{"outcome": "not_found", "reference": ref}, nil
	}
	reopenable := casework.CanReopen(c.Status, c.Updated, now, time.Duration(s.reopenDays)*24*time.Hour)
	return map[string]any{"reference": c.Reference, "kind": c.Kind, "title": c.Title, "category": c.Category,
		"status": string(c.Status), "due": dateText(c.Due), "updated": dateText(c.Updated), "note": c.Note,
		"reopenable": reopenable, "outcome": "ok"}, nil
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}
