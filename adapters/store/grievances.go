package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/samvad/samvad/adapters/store/internal/driver"
	"github.com/samvad/samvad/engine"
)

// Grievance is a case lodged by a citizen — a complaint, or a service
// request such as an application for a ration card — tracked by its
// reference (the number the citizen is given).
type Grievance struct {
	Integration string
	// Reference is unique: CreateGrievance and Work.AddGrievance make it
	// from Series and a serial the store draws (Options.CaseReference).
	Reference string
	// Kind is "grievance" (the default) or a service request's kind
	// (ration_card…); Series prefixes its reference (default GRV); Title
	// names it for the citizen.
	Kind, Series, Title string
	ContactID           string
	Category            string
	Description         string
	PinCode             string
	Location            *engine.Location
	Attachments         []engine.Attachment
	// Fields are the values a service request was made with.
	Fields map[string]any
	// Status is the caller's vocabulary ("lodged", "in_progress",
	// "resolved", …); empty means "open".
	Status string
	// Note is the officer's remark to the citizen.
	Note    string
	Due     time.Time
	Created time.Time
	Updated time.Time
	// Serial is the number the reference was made from.
	Serial uint64
	// AssignedTo names the officer working the case ("" for none).
	AssignedTo string
	// Level is how many times the case has been escalated.
	Level int
	// Resolved is when the case was last resolved (zero if never).
	Resolved time.Time
}

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
	if g.Kind == "" {
		g.Kind = "grievance"
	}
	if g.Series == "" {
		g.Series = "GRV"
	}
	g.Status = trimTo(g.Status, 64)
	g.Kind, g.Title, g.Note = trimTo(g.Kind, 64), trimTo(g.Title, 256), trimTo(g.Note, 2048)
	g.Category = trimTo(g.Category, 128)
	g.PinCode = trimTo(g.PinCode, 16)
	g.Created, g.Updated = now, now
	return nil
}

// CreateGrievance stores a case under a newly made reference and returns
// the reference. Inside a step, use Work.AddGrievance instead, so the case
// exists only if the step commits.
func (s *Store) CreateGrievance(ctx context.Context, g Grievance) (string, error) {
	now := s.now().UTC()
	if err := s.checkGrievance(&g, now); err != nil {
		return "", fmt.Errorf("store: create grievance: %w", err)
	}
	if err := s.number(ctx, &g, now); err != nil {
		return "", fmt.Errorf("store: create grievance: %w", err)
	}
	m, err := grievanceModelOf(g)
	if err != nil {
		return "", fmt.Errorf("store: create grievance: %w", err)
	}
	err = s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(m).Exec(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: create grievance: %w", err)
	}
	return g.Reference, nil
}

// AddGrievance lodges a case as part of the running step: it gets its
// reference now (to tell the citizen), and is stored with the step's outcome
// — if the step rolls back, it never existed. Its serial comes from a pool
// drawn ahead (see serialPool), so the step does not wait on a query of its
// own. Integration and ContactID default to the step's contact. Callable
// from a service connector through WorkFrom(ctx).
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
	if _, err := grievanceRow(g); err != nil {
		return "", fmt.Errorf("store: add grievance: %w", err)
	}
	if err := s.number(ctx, &g, now); err != nil {
		return "", fmt.Errorf("store: add grievance: %w", err)
	}
	w.step.grievances = append(w.step.grievances, g)
	return g.Reference, nil
}

// number gives a case its serial and its reference.
func (s *Store) number(ctx context.Context, g *Grievance, now time.Time) error {
	serial, err := s.serials.take(ctx, s)
	if err != nil {
		return err
	}
	g.Serial = serial
	g.Reference = trimTo(s.opts.CaseReference(g.Series, now.Year(), serial), 64)
	if g.Reference == "" {
		return fmt.Errorf("%w: the reference writer returned an empty reference", ErrInvalid)
	}
	return nil
}

// grievanceModelOf is g as a row.
func grievanceModelOf(g Grievance) (*grievanceModel, error) {
	r, err := grievanceRow(g)
	if err != nil {
		return nil, err
	}
	m := &grievanceModel{IntegrationID: r.Integration, Reference: cleanText(r.Reference), ContactID: cleanText(r.ContactID),
		Category: cleanText(r.Category), Description: cleanText(r.Description), PinCode: cleanText(r.PinCode),
		Attachments: r.Attachments, Status: cleanText(r.Status),
		DueAt: driver.At(r.Due), CreatedAt: driver.At(r.Created), UpdatedAt: driver.At(r.Updated),
		Kind: cleanText(r.Kind), Title: cleanText(r.Title), Fields: r.Fields, Note: cleanText(r.Note),
		Serial:     sql.NullInt64{Int64: int64(r.Serial), Valid: r.Serial > 0},
		AssignedTo: cleanText(trimTo(g.AssignedTo, 256)), Level: g.Level, ResolvedAt: driver.At(g.Resolved)}
	if r.HasLocation {
		m.Latitude = sql.NullFloat64{Float64: r.Latitude, Valid: true}
		m.Longitude = sql.NullFloat64{Float64: r.Longitude, Valid: true}
		m.LocationName, m.LocationAddress = cleanText(trimTo(r.LocationName, 512)), cleanText(trimTo(r.LocationAddress, 1024))
	}
	return m, nil
}

// grievance is the row as a Grievance.
func (m *grievanceModel) grievance() (Grievance, error) {
	g := Grievance{Integration: m.IntegrationID, Reference: m.Reference, ContactID: m.ContactID, Category: m.Category,
		Description: m.Description, PinCode: m.PinCode, Status: m.Status, Due: m.DueAt.T, Created: m.CreatedAt.T, Updated: m.UpdatedAt.T,
		Kind: m.Kind, Title: m.Title, Note: m.Note, Serial: uint64(max(m.Serial.Int64, 0)),
		AssignedTo: m.AssignedTo, Level: m.Level, Resolved: m.ResolvedAt.T}
	if g.Kind == "" {
		g.Kind = "grievance"
	}
	g.Series, _, _ = strings.Cut(g.Reference, "-")
	if len(m.Fields) > 0 {
		if err := json.Unmarshal(m.Fields, &g.Fields); err != nil {
			return g, fmt.Errorf("grievance %s: fields: %w", g.Reference, err)
		}
	}
	if m.Latitude.Valid && m.Longitude.Valid {
		g.Location = &engine.Location{Latitude: m.Latitude.Float64, Longitude: m.Longitude.Float64, Name: m.LocationName, Address: m.LocationAddress}
	}
	if len(m.Attachments) > 0 {
		if err := json.Unmarshal(m.Attachments, &g.Attachments); err != nil {
			return g, fmt.Errorf("grievance %s: attachments: %w", g.Reference, err)
		}
	}
	return g, nil
}

// GrievanceByReference returns a grievance, or ErrNotFound.
func (s *Store) GrievanceByReference(ctx context.Context, integration, reference string) (Grievance, error) {
	gs, err := s.grievances(ctx, func(q *bun.SelectQuery) {
		q.Where("integration_id = ?", integration).Where("reference = ?", reference)
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
	return s.grievances(ctx, func(q *bun.SelectQuery) {
		q.Where("contact_id = ?", contactID).OrderExpr("created_at DESC, reference")
	})
}

func (s *Store) grievances(ctx context.Context, where func(*bun.SelectQuery)) ([]Grievance, error) {
	var rows []grievanceModel
	err := s.read(ctx, func(db *bun.DB) error {
		q := db.NewSelect().Model(&rows)
		where(q)
		return q.Scan(ctx)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: grievances: %w", err)
	}
	var out []Grievance
	for i := range rows {
		g, err := rows[i].grievance()
		if err != nil {
			return nil, fmt.Errorf("store: grievances: %w", err)
		}
		out = append(out, g)
	}
	return out, nil
}

// SetGrievanceStatus changes a grievance's status (and, when not zero, its
// due date).
func (s *Store) SetGrievanceStatus(ctx context.Context, integration, reference, status string, due time.Time) error {
	if status == "" {
		return fmt.Errorf("store: set grievance status: %w: empty status", ErrInvalid)
	}
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Table("grievances").Set("status = ?", cleanText(trimTo(status, 64))).Set("updated_at = ?", driver.At(s.now().UTC()))
		if !due.IsZero() {
			q.Set("due_at = ?", driver.At(due))
		}
		res, err := q.Where("integration_id = ?", integration).Where("reference = ?", reference).Exec(ctx)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	ok := n > 0
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
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		m := &flowVersionModel{FlowID: cleanText(flowID), Version: cleanText(version), Source: source, FirstSeen: driver.At(s.now().UTC())}
		res, err := tx.NewInsert().Model(m).On("CONFLICT (flow_id, version) DO NOTHING").Exec(ctx)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	inserted := n > 0
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
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Table("flow_versions").Column("source").Where("flow_id = ?", flowID).Where("version = ?", version).Scan(ctx, &src)
	})
	if errors.Is(err, ErrNotFound) {
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
