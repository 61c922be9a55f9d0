package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/samvad/samvad/engine"
)

// Grievance is a complaint or service request lodged by a citizen, tracked by
// its reference (the docket number the citizen is given).
type Grievance struct {
	Integration string
	// Reference is unique within the integration. CreateGrievance and
	// Work.AddGrievance generate it (Options.GrievanceReference).
	Reference   string
	ContactID   string
	Category    string
	Description string
	PinCode     string
	Location    *engine.Location
	Attachments []engine.Attachment
	// Status is the caller's vocabulary ("open", "in_progress", "resolved",
	// …); empty means "open".
	Status  string
	Due     time.Time
	Created time.Time
	Updated time.Time
}

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

const maxReferenceTries = 8

func (s *Store) checkGrievance(g *Grievance, now time.Time) error {
	if err := validIntegration(g.Integration); err != nil {
		return err
	}
	if len(g.Description) > 8192 {
		return invalidf("grievance description is %d bytes, more than 8,192", len(g.Description))
	}
	if l := g.Location; l != nil && !(l.Latitude >= -90 && l.Latitude <= 90 && l.Longitude >= -180 && l.Longitude <= 180) {
		return invalidf("grievance location %v,%v is not a point on Earth", l.Latitude, l.Longitude)
	}
	if g.Status == "" {
		g.Status = "open"
	}
	g.Status = trimTo(g.Status, 64)
	g.Category = trimTo(g.Category, 128)
	g.PinCode = trimTo(g.PinCode, 16)
	g.Created, g.Updated = now, now
	return nil
}

// CreateGrievance stores a grievance under a newly generated reference and
// returns the reference. A reference already taken is replaced by a fresh
// one. Inside a step, use Work.AddGrievance instead, so the grievance exists
// only if the step commits.
func (s *Store) CreateGrievance(ctx context.Context, g Grievance) (string, error) {
	now := s.now().UTC()
	if err := s.checkGrievance(&g, now); err != nil {
		return "", fmt.Errorf("store: create grievance: %w", err)
	}
	for range maxReferenceTries {
		g.Reference = trimTo(s.opts.GrievanceReference(now), 64)
		if g.Reference == "" {
			return "", fmt.Errorf("store: create grievance: %w: the reference generator returned an empty reference", ErrInvalid)
		}
		if s.heldReferences.held(g.Integration, g.Reference) {
			continue // a step in flight has drawn it
		}
		q := s.sql()
		s.insertGrievanceRows(q, []Grievance{g})
		q.raw(" ON CONFLICT (integration_id, reference) DO NOTHING RETURNING reference").end()
		ok, err := s.exists(ctx, q)
		if err != nil {
			return "", fmt.Errorf("store: create grievance: %w", err)
		}
		if ok {
			return g.Reference, nil
		}
	}
	return "", fmt.Errorf("store: create grievance: %w: %d generated references were all taken", ErrConflict, maxReferenceTries)
}

// AddGrievance lodges a grievance as part of the running step: it gets its
// reference now (to tell the citizen), and is stored with the step's outcome
// — if the step rolls back, it never existed. The reference comes from a
// pool checked against the table ahead of time (see referencePool), so the
// step does not wait on a query of its own, and it is never given to two
// steps of this process in flight at once. Integration and ContactID
// default to the step's contact. Callable from a service connector through
// WorkFrom(ctx).
func (w *Work) AddGrievance(ctx context.Context, g Grievance) (string, error) {
	if w.step == nil || w.store == nil {
		return "", fmt.Errorf("store: add grievance: not in a step")
	}
	w.step.mu.Lock()
	defer w.step.mu.Unlock()
	if w.step.done {
		return "", fmt.Errorf("store: add grievance: the step is over")
	}
	s := w.store
	if g.Integration == "" {
		g.Integration = w.Contact.Integration
	}
	if g.ContactID == "" {
		g.ContactID = w.Contact.ID
	}
	now := s.now().UTC()
	if err := s.checkGrievance(&g, now); err != nil {
		return "", fmt.Errorf("store: add grievance: %w", err)
	}
	ref, err := s.referencePool.take(ctx, s, g.Integration, now)
	if err != nil {
		return "", fmt.Errorf("store: add grievance: %w", err)
	}
	g.Reference = ref
	w.step.grievances = append(w.step.grievances, g)
	return ref, nil
}

// insertGrievances appends the statement that stores gs.
func (s *Store) insertGrievances(q *sqlText, gs []Grievance) {
	s.insertGrievanceRows(q, gs)
	q.end()
}

func (s *Store) insertGrievanceRows(q *sqlText, gs []Grievance) {
	q.raw("INSERT INTO grievances (integration_id, reference, contact_id, category, description, pin_code, ",
		"latitude, longitude, location_name, location_address, attachments, status, due_at, created_at, updated_at) VALUES ")
	for i, g := range gs {
		if i > 0 {
			q.raw(", ")
		}
		q.raw("(").str(g.Integration).raw(", ").str(g.Reference).raw(", ").str(g.ContactID).raw(", ").str(g.Category).raw(", ").
			str(g.Description).raw(", ").str(g.PinCode).raw(", ")
		if l := g.Location; l != nil {
			q.float(l.Latitude).raw(", ").float(l.Longitude).raw(", ").str(trimTo(l.Name, 512)).raw(", ").str(trimTo(l.Address, 1024)).raw(", ")
		} else {
			q.null("double precision").raw(", ").null("double precision").raw(", '', '', ")
		}
		var attachments []byte
		if len(g.Attachments) > 0 {
			attachments, _ = json.Marshal(g.Attachments)
		}
		q.bytes(attachments).raw(", ").str(g.Status).raw(", ").time(g.Due).raw(", ").time(g.Created).raw(", ").time(g.Updated).raw(")")
	}
}

const grievanceColumns = `integration_id, reference, contact_id, category, description, pin_code, latitude, longitude,
	location_name, location_address, attachments, status, due_at, created_at, updated_at`

func scanGrievance(rows *sql.Rows) (Grievance, error) {
	var g Grievance
	var lat, lon sql.NullFloat64
	var name, address string
	var attachments []byte
	var due, created, updated dbTime
	err := rows.Scan(&g.Integration, &g.Reference, &g.ContactID, &g.Category, &g.Description, &g.PinCode, &lat, &lon,
		&name, &address, &attachments, &g.Status, &due, &created, &updated)
	if err != nil {
		return g, err
	}
	if lat.Valid && lon.Valid {
		g.Location = &engine.Location{Latitude: lat.Float64, Longitude: lon.Float64, Name: name, Address: address}
	}
	if len(attachments) > 0 {
		if err := json.Unmarshal(attachments, &g.Attachments); err != nil {
			return g, fmt.Errorf("grievance %s: attachments: %w", g.Reference, err)
		}
	}
	g.Due, g.Created, g.Updated = due.T, created.T, updated.T
	return g, nil
}

// GrievanceByReference returns a grievance, or ErrNotFound.
func (s *Store) GrievanceByReference(ctx context.Context, integration, reference string) (Grievance, error) {
	gs, err := s.grievances(ctx, func(q *sqlText) {
		q.raw(" WHERE integration_id = ").str(integration).raw(" AND reference = ").str(reference)
	})
	if err != nil {
		return Grievance{}, err
	}
	if len(gs) == 0 {
		return Grievance{}, fmt.Errorf("store: grievance %s: %w", trimTo(reference, 80), ErrNotFound)
	}
	return gs[0], nil
}

// GrievancesOfContact returns a contact's grievances, newest first.
func (s *Store) GrievancesOfContact(ctx context.Context, contactID string) ([]Grievance, error) {
	return s.grievances(ctx, func(q *sqlText) {
		q.raw(" WHERE contact_id = ").str(contactID).raw(" ORDER BY created_at DESC, reference")
	})
}

func (s *Store) grievances(ctx context.Context, where func(*sqlText)) ([]Grievance, error) {
	var out []Grievance
	q := s.sql().raw("SELECT ", grievanceColumns, " FROM grievances")
	where(q)
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error {
		return scanEach(rows, func() error {
			g, err := scanGrievance(rows)
			out = append(out, g)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: grievances: %w", err)
	}
	return out, nil
}

// SetGrievanceStatus changes a grievance's status (and, when not zero, its
// due date).
func (s *Store) SetGrievanceStatus(ctx context.Context, integration, reference, status string, due time.Time) error {
	if status == "" {
		return fmt.Errorf("store: set grievance status: %w: empty status", ErrInvalid)
	}
	q := s.sql().raw("UPDATE grievances SET status = ").str(trimTo(status, 64)).raw(", updated_at = ").time(s.now().UTC())
	if !due.IsZero() {
		q.raw(", due_at = ").time(due)
	}
	q.raw(" WHERE integration_id = ").str(integration).raw(" AND reference = ").str(reference).raw(" RETURNING reference")
	ok, err := s.exists(ctx, q)
	if err != nil {
		return fmt.Errorf("store: set grievance status: %w", err)
	}
	if !ok {
		return fmt.Errorf("store: grievance %s: %w", trimTo(reference, 80), ErrNotFound)
	}
	return nil
}

// SaveFlowVersion stores a flow's source under its version (a hash of the
// source), so that sessions pinned to it can run on after the flow file
// changes. Saving the same version again is a no-op; saving different source
// under a version already stored is an error.
func (s *Store) SaveFlowVersion(ctx context.Context, flowID, version string, source []byte) error {
	if flowID == "" || version == "" || len(flowID) > 256 || len(version) > 256 {
		return fmt.Errorf("store: save flow version: %w: flow id and version must be 1 to 256 bytes", ErrInvalid)
	}
	if source == nil {
		source = []byte{}
	}
	q := s.sql().raw("INSERT INTO flow_versions (flow_id, version, source, first_seen) VALUES (").str(flowID).raw(", ").
		str(version).raw(", ").bytes(source).raw(", ").time(s.now().UTC()).
		raw(") ON CONFLICT (flow_id, version) DO NOTHING RETURNING flow_id")
	inserted, err := s.exists(ctx, q)
	if err != nil {
		return fmt.Errorf("store: save flow %s version %s: %w", flowID, version, err)
	}
	if inserted {
		return nil
	}
	stored, err := s.FlowVersionSource(ctx, flowID, version)
	if err != nil {
		return err
	}
	if !bytes.Equal(stored, source) {
		return fmt.Errorf("store: save flow %s version %s: %w: that version is already stored with different source", flowID, version, ErrConflict)
	}
	return nil
}

// FlowVersionSource returns the source stored for a flow version, or ErrNotFound.
func (s *Store) FlowVersionSource(ctx context.Context, flowID, version string) ([]byte, error) {
	var src []byte
	q := s.sql().raw("SELECT source FROM flow_versions WHERE flow_id = ").str(flowID).raw(" AND version = ").str(version)
	err := s.queryRows(ctx, q, func(rows *sql.Rows) error { return scanOne(rows, &src) })
	if err == errNoRows {
		return nil, fmt.Errorf("store: flow %s version %s: %w", trimTo(flowID, 80), trimTo(version, 80), ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: flow %s version %s: %w", trimTo(flowID, 80), trimTo(version, 80), err)
	}
	if src == nil {
		src = []byte{}
	}
	return src, nil
}
