package api

import (
	"context"
	"net/http"
)

// Change is one change made through the API, for the audit log.
type Change struct {
	// Actor, KeyID and Department say who made it (from the principal).
	Actor      string
	KeyID      string
	Department string
	// Action names what was done ("conversation.reply", "case.move").
	Action string
	// Target is what it was done to ("conversation/<id>", "case/<ref>").
	Target string
	// Before and After are the target's state around the change (nil when
	// it did not exist before or after); they are stored as JSON.
	Before, After any
}

// Auditor records changes in an append-only log.
type Auditor interface {
	Record(ctx context.Context, c Change) error
}

// audit records a change made by r's principal. A change that cannot be
// recorded is logged as an error: it has been made, and the caller's
// answer must say so.
func (a *API) audit(r *http.Request, action, target string, before, after any) {
	a.auditAs(r.Context(), PrincipalFrom(r.Context()), action, target, before, after)
}

// auditAs records a change made by p (for the exported methods that take
// a principal rather than a request).
func (a *API) auditAs(ctx context.Context, p Principal, action, target string, before, after any) {
	if a.opts.Audit == nil {
		return
	}
	c := Change{Actor: p.Actor, KeyID: p.KeyID, Department: p.Department, Action: action, Target: target, Before: before, After: after}
	if err := a.opts.Audit.Record(context.WithoutCancel(ctx), c); err != nil {
		a.log.Error("api: a change was made but could not be written to the audit log", "action", action, "target", target, "err", err)
	}
}
