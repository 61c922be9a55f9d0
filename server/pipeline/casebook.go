package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/adapters/store"
)

// Casebook keeps the cases built-in operations lodge, in the store and
// inside the worker's step: a case exists only if the step that lodged it
// commits, and a citizen sees only the cases lodged from their own number.
type Casebook struct {
	store *store.Store
	// Department names the department that owns an integration, whose
	// outgoing webhook is told of a citizen's reopening (nil: none is).
	Department func(integration string) string
	// TimeZone is the zone of an integration's department, whose calendar
	// days a deadline ends on (nil: UTC).
	TimeZone func(integration string) *time.Location
}

// Zone is the time zone of the step's department: a deadline of "5 days"
// ends at the close of the fifth day there.
func (b *Casebook) Zone(ctx context.Context) *time.Location {
	if w := store.WorkFrom(ctx); w != nil && b.TimeZone != nil {
		if z := b.TimeZone(w.Contact.Integration); z != nil {
			return z
		}
	}
	return time.UTC
}

// Casebook returns the pipeline's casebook, for services.Deployment.
func (p *Pipeline) Casebook() *Casebook { return &Casebook{store: p.store} }

var _ services.Casebook = (*Casebook)(nil)

// Lodge records a case in the step of ctx.
func (b *Casebook) Lodge(ctx context.Context, c services.NewCase) (string, error) {
	w := store.WorkFrom(ctx)
	if w == nil {
		return "", errors.New("a case is lodged only inside a worker step")
	}
	return w.AddGrievance(ctx, store.Grievance{Kind: c.Kind, Series: c.Series, Title: c.Title, Category: c.Category,
		Description: c.Description, PinCode: c.PinCode, Location: c.Location, Attachments: c.Attachments, Fields: c.Fields,
		Status: string(casework.Lodged), Due: c.Due})
}

// Find returns a case of the step's integration, if the step's citizen
// lodged it.
func (b *Casebook) Find(ctx context.Context, reference string) (services.Case, error) {
	w := store.WorkFrom(ctx)
	if w == nil {
		return services.Case{}, errors.New("a case is looked up only inside a worker step")
	}
	g, err := b.store.GrievanceByReference(ctx, w.Contact.Integration, reference)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return services.Case{}, services.ErrNotFound
	case err != nil:
		return services.Case{}, err
	case g.ContactID != w.Contact.ID:
		return services.Case{}, services.ErrNotYours
	}
	status, err := casework.ParseStatus(g.Status)
	if err != nil {
		status = casework.Lodged
	}
	updated := g.Updated
	if !g.Resolved.IsZero() && (status == casework.Resolved || status == casework.Closed) {
		updated = g.Resolved // what the citizen is told, and the reopen period, count from the resolution
	}
	return services.Case{Reference: g.Reference, Kind: g.Kind, Title: g.Title, Category: g.Category,
		Status: status, Due: g.Due, Updated: updated, Note: g.Note}, nil
}

// Reopen reopens a resolved grievance of the step's citizen, within the
// period after its resolution (counted from its last update for cases
// resolved before that time was kept), with a new deadline, and the
// citizen's reason in its history.
func (b *Casebook) Reopen(ctx context.Context, reference, reason string, within time.Duration, policy casework.Policy) error {
	if _, err := b.Find(ctx, reference); err != nil {
		return err
	}
	w := store.WorkFrom(ctx)
	now := time.Now()
	ev := store.CaseEvent{Actor: "citizen", Action: "move", Remark: reason}
	if b.Department != nil {
		ev.Department = b.Department(w.Contact.Integration)
	}
	_, _, err := b.store.UpdateCase(ctx, w.Contact.Integration, reference, ev, func(g *store.Grievance) error {
		status, _ := casework.ParseStatus(g.Status)
		resolved := g.Resolved
		if resolved.IsZero() {
			resolved = g.Updated
		}
		switch {
		case g.ContactID != w.Contact.ID:
			return services.ErrNotYours
		case status != casework.Resolved:
			return services.ErrNotResolved
		case !casework.CanReopen(status, resolved, now, within):
			return services.ErrTooLate
		}
		g.Status, g.Due = string(casework.Reopened), policy.Due(g.Category, now.In(b.Zone(ctx)))
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return services.ErrNotResolved
	}
	return err
}
