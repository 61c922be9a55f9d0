package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// referenceAlphabet has no 0/O or 1/I, so a reference survives being read
// aloud over the phone.
const referenceAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// defaultGrievanceReference makes references like GRV-26-7K3M-9Q: the year
// and six random characters (about a billion per year).
func defaultGrievanceReference(now time.Time) string {
	var r [6]byte
	_, _ = rand.Read(r[:])
	for i := range r {
		r[i] = referenceAlphabet[int(r[i])%len(referenceAlphabet)]
	}
	return fmt.Sprintf("GRV-%02d-%s-%s", now.Year()%100, r[:4], r[4:])
}

// referenceHolds are the references that steps in flight have drawn. The
// unique index only sees committed grievances: two steps running at once
// could otherwise draw the same reference, and the second commit would fail
// (a whole batch of steps on Postgres, retried one by one). It covers the
// steps of this process; across processes the index still decides.
type referenceHolds struct {
	mu   sync.Mutex
	refs map[[2]string]bool
}

// hold takes ref for integration; false when a step in flight has it.
func (h *referenceHolds) hold(integration, ref string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := [2]string{integration, ref}
	if h.refs[k] {
		return false
	}
	if h.refs == nil {
		h.refs = make(map[[2]string]bool)
	}
	h.refs[k] = true
	return true
}

func (h *referenceHolds) held(integration, ref string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.refs[[2]string{integration, ref}]
}

func (h *referenceHolds) release(integration, ref string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.refs, [2]string{integration, ref})
}

// referencePool hands steps grievance references that were drawn ahead and
// checked free against the table, many in one query: a step that lodges a
// grievance then waits on no query of its own. Under a wave of grievances
// (a campaign, a lockstep load run) the one-reference check per step was a
// round trip inside every such step's transaction, and a good part of the
// step's CPU on both sides.
//
// A pooled reference is held (referenceHolds) from the moment it is drawn,
// so no other step or CreateGrievance of this process draws it. The pool is
// kept small and young (referencePoolSize, referencePoolAge): the table is
// what another process checks, and a reference pooled here is not in it yet,
// so the longer one waits, the likelier another process lodges it first.
// The commit of the step holding it then fails; that step runs again at
// once with another reference, and the attempt does not count (the steps
// written with it are first retried one by one, to find it).
type referencePool struct {
	mu   sync.Mutex
	free map[string][]pooledReference // by integration
}

type pooledReference struct {
	ref     string
	checked time.Time
}

const (
	// referencePoolSize is how many references one refill draws and checks.
	referencePoolSize = 16
	// referencePoolAge is how long a checked reference stays in the pool.
	referencePoolAge = 10 * time.Second
)

// take returns a free reference for integration, held until the step that
// uses it ends, refilling the pool when it is empty. It gives up with
// ErrConflict after maxReferenceTries refills found every reference taken.
func (p *referencePool) take(ctx context.Context, s *Store, integration string, now time.Time) (string, error) {
	for range maxReferenceTries {
		if ref := p.pop(s, integration, now); ref != "" {
			return ref, nil
		}
		if err := p.refill(ctx, s, integration, now); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("%w: %d refills of generated references were all taken", ErrConflict, maxReferenceTries)
}

// pop takes the oldest reference pooled for integration that is still
// young enough to trust, letting go of those that are not; "" when none is
// left.
func (p *referencePool) pop(s *Store, integration string, now time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	rs := p.free[integration]
	for len(rs) > 0 {
		r := rs[0]
		rs = rs[1:]
		if now.Sub(r.checked) <= referencePoolAge && now.Year() == r.checked.Year() {
			p.free[integration] = rs
			return r.ref
		}
		s.heldReferences.release(integration, r.ref)
	}
	delete(p.free, integration)
	return ""
}

// refill draws referencePoolSize candidates, holds those no step of this
// process holds, and pools the ones the table does not have.
func (p *referencePool) refill(ctx context.Context, s *Store, integration string, now time.Time) error {
	var drawn []string
	for range referencePoolSize {
		ref := trimTo(s.opts.GrievanceReference(now), 64)
		if ref == "" {
			return fmt.Errorf("%w: the reference generator returned an empty reference", ErrInvalid)
		}
		if s.heldReferences.hold(integration, ref) {
			drawn = append(drawn, ref)
		}
	}
	taken, err := s.referencesTaken(ctx, integration, drawn)
	if err != nil {
		for _, ref := range drawn {
			s.heldReferences.release(integration, ref)
		}
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.free == nil {
		p.free = make(map[string][]pooledReference)
	}
	for _, ref := range drawn {
		if taken[ref] {
			s.heldReferences.release(integration, ref)
			continue
		}
		p.free[integration] = append(p.free[integration], pooledReference{ref: ref, checked: now})
	}
	return nil
}

// referencesTaken says which of refs the integration's grievances have.
func (s *Store) referencesTaken(ctx context.Context, integration string, refs []string) (map[string]bool, error) {
	taken := make(map[string]bool)
	if len(refs) == 0 {
		return taken, nil
	}
	var found []string
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Table("grievances").Column("reference").
			Where("integration_id = ?", integration).Where("reference IN (?)", bun.List(refs)).Scan(ctx, &found)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	for _, ref := range found {
		taken[ref] = true
	}
	return taken, nil
}
