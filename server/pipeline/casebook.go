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
type Casebook struct{ store *store.Store }

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
	return services.Case{Reference: g.Reference, Kind: g.Kind, Title: g.Title, Category: g.Category,
		Status: status, Due: g.Due, Updated: g.Updated, Note: g.Note}, nil
}

// Reopen reopens a resolved grievance of the step's citizen. The time of
// resolution is the grievance's last update.
func (b *Casebook) Reopen(ctx context.Context, reference, reason string, within time.Duration) error {
	c, err := b.Find(ctx, reference)
	if err != nil {
		return err
	}
	if c.Status != casework.Resolved {
		return services.ErrNotResolved
	}
	if !casework.CanReopen(c.Status, c.Updated, time.Now(), within) {
		return services.ErrTooLate
	}
	w := store.WorkFrom(ctx)
	return b.store.SetGrievanceStatus(ctx, w.Contact.Integration, reference, string(casework.Reopened), time.Time{})
}
