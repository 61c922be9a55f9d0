package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/adapters/store"
)

// Cases: grievances and service requests through their life. A case moves
// by the table of casework (MayMove), each change and its history row in
// one transaction, and every change of status is told to the citizen
// through Options.Notifier.

// CaseNotifier tells a citizen that their case changed.
type CaseNotifier interface {
	// NotifyCase queues the notice for the citizen; ErrOptedOut when the
	// citizen asked for no messages (nothing is sent).
	NotifyCase(ctx context.Context, n CaseNotice) error
}

// ErrOptedOut is a notifier's answer for a citizen who opted out.
var ErrOptedOut = errors.New("api: the citizen opted out of messages")

// CaseNotice is what a citizen is told about their case.
type CaseNotice struct {
	Integration string
	ContactID   string
	Reference   string
	Kind        string
	Title       string
	// Status is the case's status now.
	Status casework.Status
	// Remark is the office's remark to the citizen ("" for none).
	Remark string
	// Escalated is true when the case went up a level: Level names the
	// office it went to, Due is its new deadline.
	Escalated bool
	Level     string
	Due       time.Time
}

// CaseEntry is a case as the API lists it.
type CaseEntry struct {
	Reference   string     `json:"reference"`
	Integration string     `json:"integration"`
	Kind        string     `json:"kind"`
	Title       string     `json:"title,omitempty"`
	Category    string     `json:"category,omitempty"`
	Status      string     `json:"status"`
	AssignedTo  string     `json:"assigned_to,omitempty"`
	Level       int        `json:"level"`
	LevelName   string     `json:"level_name,omitempty"`
	Citizen     string     `json:"citizen"`
	Due         *time.Time `json:"due,omitempty"`
	Overdue     bool       `json:"overdue"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
	Resolved    *time.Time `json:"resolved,omitempty"`
}

// CaseDetail is one case with what was done to it.
type CaseDetail struct {
	CaseEntry
	Description string         `json:"description,omitempty"`
	PinCode     string         `json:"pin_code,omitempty"`
	Fields      map[string]any `json:"fields,omitempty"`
	// Note is the last remark the citizen was told.
	Note string `json:"note,omitempty"`
	// Moves are the statuses the principal may move the case to.
	Moves   []string         `json:"moves"`
	History []CaseHistoryRow `json:"history"`
	Remarks []CaseHistoryRow `json:"remarks"`
	// Notified says whether the citizen was told of this change: "queued",
	// "opted_out", "failed", or empty when the change told nothing.
	Notified string `json:"notified,omitempty"`
}

// CaseHistoryRow is one change of a case.
type CaseHistoryRow struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	From   string    `json:"from,omitempty"`
	To     string    `json:"to,omitempty"`
	Remark string    `json:"remark,omitempty"`
}

// CaseQuery selects cases to list.
type CaseQuery struct {
	Kind, Status, Category, Assigned string
	Overdue                          bool
	Cursor                           string
	Limit                            int
}

// CasePage is a page of cases; NextCursor continues it ("" at the end).
type CasePage struct {
	Cases      []CaseEntry `json:"cases"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// caseCursor is the position of the last case of a page.
type caseCursor struct {
	Created int64  `json:"c"`
	Ref     string `json:"r"`
}

// caseProblem is an error answer of the cases' methods: its status, and the
// field at fault with the reason.
type caseProblem struct {
	status        int
	field, reason string
}

func (e *caseProblem) Error() string { return "api: " + e.field + ": " + e.reason }

func problem(status int, field, format string, args ...any) error {
	return &caseProblem{status: status, field: field, reason: fmt.Sprintf(format, args...)}
}

// mountCases registers the cases' routes.
func (a *API) mountCases(r *mux.Router) {
	a.route(r, http.MethodGet, "/cases", RoleViewer, a.listCases)
	a.route(r, http.MethodGet, "/cases/{reference}", RoleViewer, a.getCase)
	a.route(r, http.MethodPost, "/cases/{reference}/move", RoleAgent, a.moveCase)
	a.route(r, http.MethodPost, "/cases/{reference}/assign", RoleAgent, a.assignCase)
	a.route(r, http.MethodPost, "/cases/{reference}/remarks", RoleAgent, a.remarkCase)
}

func (a *API) listCases(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := CaseQuery{Kind: v.Get("kind"), Status: v.Get("status"), Category: v.Get("category"), Assigned: v.Get("assigned"), Cursor: v.Get("cursor")}
	if s := v.Get("overdue"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			writeError(w, http.StatusBadRequest, "overdue", "must be true or false, not "+strconvQuote(s))
			return
		}
		q.Overdue = b
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			writeError(w, http.StatusBadRequest, "limit", "must be a whole number from 1 to 200")
			return
		}
		q.Limit = n
	}
	page, err := a.Cases(r.Context(), PrincipalFrom(r.Context()), q)
	a.answerCase(w, page, err)
}

func (a *API) getCase(w http.ResponseWriter, r *http.Request) {
	d, err := a.Case(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["reference"])
	a.answerCase(w, d, err)
}

func (a *API) moveCase(w http.ResponseWriter, r *http.Request) {
	var body struct {
		To     string `json:"to"`
		Remark string `json:"remark"`
	}
	if !a.decode(w, r, &body) {
		return
	}
	d, err := a.MoveCase(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["reference"], body.To, body.Remark)
	a.answerCase(w, d, err)
}

func (a *API) assignCase(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Officer string `json:"officer"`
	}
	if !a.decode(w, r, &body) {
		return
	}
	d, err := a.AssignCase(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["reference"], body.Officer)
	a.answerCase(w, d, err)
}

func (a *API) remarkCase(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Text string `json:"text"`
	}
	if !a.decode(w, r, &body) {
		return
	}
	d, err := a.AddCaseRemark(r.Context(), PrincipalFrom(r.Context()), mux.Vars(r)["reference"], body.Text)
	a.answerCase(w, d, err)
}

// answerCase answers v, or err as its problem.
func (a *API) answerCase(w http.ResponseWriter, v any, err error) {
	var p *caseProblem
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, v)
	case errors.As(err, &p):
		writeError(w, p.status, p.field, p.reason)
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "", "the case changed while this was being done; read it again and retry")
	default:
		a.writeFieldError(w, err)
	}
}

// Cases lists the cases of p's department that q selects, newest first.
func (a *API) Cases(ctx context.Context, p Principal, q CaseQuery) (CasePage, error) {
	f := store.CaseFilter{Integrations: a.integrationsOf(p), Kind: q.Kind, Category: q.Category, Assigned: q.Assigned,
		Overdue: q.Overdue, Now: a.now(), OpenStatuses: casework.OpenStored(), Limit: q.Limit}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if q.Status != "" {
		st, err := casework.ParseStatus(q.Status)
		if err != nil || q.Status == "open" || q.Status == "registered" {
			return CasePage{}, problem(http.StatusBadRequest, "status", "must be one of %s", statusNames(casework.Statuses))
		}
		f.Statuses = casework.StoredAs(st)
	}
	for name, v := range map[string]string{"kind": q.Kind, "category": q.Category, "assigned": q.Assigned} {
		if len(v) > 256 {
			return CasePage{}, problem(http.StatusBadRequest, name, "is longer than 256 bytes")
		}
	}
	if q.Cursor != "" {
		var c caseCursor
		if err := a.cursors.read(q.Cursor, &c); err != nil || c.Ref == "" {
			return CasePage{}, problem(http.StatusBadRequest, "cursor", "%s", strings.TrimPrefix(errBadCursor.Error(), "api: "))
		}
		f.AfterCreated, f.AfterReference = time.UnixMicro(c.Created).UTC(), c.Ref
	}
	limit := f.Limit
	f.Limit++ // one more tells whether a next page exists
	gs, err := a.opts.Store.CaseList(ctx, f)
	if err != nil {
		return CasePage{}, err
	}
	page := CasePage{Cases: []CaseEntry{}}
	for i, g := range gs {
		if i == limit {
			last := gs[i-1]
			page.NextCursor = a.cursors.make(caseCursor{Created: last.Created.UnixMicro(), Ref: last.Reference})
			break
		}
		page.Cases = append(page.Cases, a.caseEntry(g))
	}
	return page, nil
}

// Case returns a case of p's department with its history.
func (a *API) Case(ctx context.Context, p Principal, reference string) (CaseDetail, error) {
	g, err := a.findCase(ctx, p, reference)
	if err != nil {
		return CaseDetail{}, err
	}
	return a.caseDetail(ctx, p, g)
}

// MoveCase moves a case of p's department to status to, with a remark
// that the citizen is told with the change.
func (a *API) MoveCase(ctx context.Context, p Principal, reference, to, remark string) (CaseDetail, error) {
	if strings.TrimSpace(to) == "" {
		return CaseDetail{}, problem(http.StatusBadRequest, "to", "is required: the status to move the case to")
	}
	target, err := casework.ParseStatus(to)
	if err != nil || to == "open" || to == "registered" {
		return CaseDetail{}, problem(http.StatusBadRequest, "to", "must be one of %s", statusNames(casework.Statuses))
	}
	if err := checkRemark("remark", remark, false); err != nil {
		return CaseDetail{}, err
	}
	g, err := a.findCase(ctx, p, reference)
	if err != nil {
		return CaseDetail{}, err
	}
	now := a.now()
	ev := store.CaseEvent{Actor: p.Actor, Action: "move", Remark: strings.TrimSpace(remark), Department: p.Department}
	before, after, err := a.opts.Store.UpdateCase(ctx, g.Integration, g.Reference, ev, func(c *store.Grievance) error {
		from := statusOf(*c)
		if err := checkMove(from, target, moverOf(p)); err != nil {
			return err
		}
		c.Status = string(target)
		if ev.Remark != "" {
			c.Note = ev.Remark
		}
		switch target {
		case casework.Resolved:
			c.Resolved = now
		case casework.Reopened:
			c.Due = a.policyOf(c.Kind).Due(c.Category, now.In(a.zoneOf(p)))
		}
		return nil
	})
	if err != nil {
		return CaseDetail{}, err
	}
	a.auditAs(ctx, p, "case.move", "case/"+g.Reference, a.caseEntry(before), a.caseEntry(after))
	d, err := a.caseDetail(ctx, p, after)
	d.Notified = a.notify(ctx, CaseNotice{Status: target, Remark: ev.Remark}, after)
	return d, err
}

// AssignCase assigns a case of p's department to an officer; a lodged or
// reopened case becomes assigned (and the citizen is told). Only a
// supervisor reassigns a case assigned to someone else.
func (a *API) AssignCase(ctx context.Context, p Principal, reference, officer string) (CaseDetail, error) {
	officer = strings.TrimSpace(officer)
	if officer == "" {
		return CaseDetail{}, problem(http.StatusBadRequest, "officer", "is required: the name of the officer to assign")
	}
	if len(officer) > 256 || !utf8.ValidString(officer) {
		return CaseDetail{}, problem(http.StatusBadRequest, "officer", "must be valid text of at most 256 bytes")
	}
	g, err := a.findCase(ctx, p, reference)
	if err != nil {
		return CaseDetail{}, err
	}
	ev := store.CaseEvent{Actor: p.Actor, Action: "assign", Remark: "assigned to " + officer, Department: p.Department}
	before, after, err := a.opts.Store.UpdateCase(ctx, g.Integration, g.Reference, ev, func(c *store.Grievance) error {
		from := statusOf(*c)
		if !from.Open() {
			return problem(http.StatusConflict, "", "the case is %s: only an open case is assigned", from)
		}
		if c.AssignedTo != "" && c.AssignedTo != officer && p.Role < RoleSupervisor {
			return problem(http.StatusForbidden, "officer", "the case is assigned to %s; reassigning it needs the supervisor role", c.AssignedTo)
		}
		c.AssignedTo = officer
		if from == casework.Lodged || from == casework.Reopened {
			c.Status = string(casework.Assigned)
		}
		return nil
	})
	if err != nil {
		return CaseDetail{}, err
	}
	a.auditAs(ctx, p, "case.assign", "case/"+g.Reference, a.caseEntry(before), a.caseEntry(after))
	d, err := a.caseDetail(ctx, p, after)
	if before.Status != after.Status {
		d.Notified = a.notify(ctx, CaseNotice{Status: statusOf(after)}, after)
	}
	return d, err
}

// AddCaseRemark adds a staff remark to a case of p's department. A remark
// alone changes nothing else and is not sent to the citizen.
func (a *API) AddCaseRemark(ctx context.Context, p Principal, reference, text string) (CaseDetail, error) {
	if err := checkRemark("text", text, true); err != nil {
		return CaseDetail{}, err
	}
	g, err := a.findCase(ctx, p, reference)
	if err != nil {
		return CaseDetail{}, err
	}
	ev := store.CaseEvent{Actor: p.Actor, Action: "remark", Remark: strings.TrimSpace(text), Department: p.Department}
	before, after, err := a.opts.Store.UpdateCase(ctx, g.Integration, g.Reference, ev, func(*store.Grievance) error { return nil })
	if err != nil {
		return CaseDetail{}, err
	}
	a.auditAs(ctx, p, "case.remark", "case/"+g.Reference, a.caseEntry(before), map[string]any{"remark": ev.Remark})
	return a.caseDetail(ctx, p, after)
}

// checkRemark refuses a remark that is empty (when required), too long or
// not text.
func checkRemark(field, s string, required bool) error {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return problem(http.StatusBadRequest, field, "is required")
	case len(s) > 2048:
		return problem(http.StatusBadRequest, field, "is %d bytes, more than 2,048", len(s))
	case !utf8.ValidString(s):
		return problem(http.StatusBadRequest, field, "is not valid UTF-8 text")
	}
	return nil
}

// checkMove refuses a move the table forbids: 403 when only a supervisor
// may make it, else 400 naming the moves there are.
func checkMove(from, to casework.Status, by casework.Mover) error {
	if casework.MayMove(from, to, by) {
		return nil
	}
	if by < casework.BySupervisor && casework.MayMove(from, to, casework.BySupervisor) {
		return problem(http.StatusForbidden, "to", "moving a case that is %s to %s needs the supervisor role", from, to)
	}
	allowed := casework.Allowed(from, by)
	if len(allowed) == 0 {
		return problem(http.StatusBadRequest, "to", "a case that is %s cannot be moved to %s: it moves no further", from, to)
	}
	return problem(http.StatusBadRequest, "to", "a case that is %s cannot be moved to %s; it may move to %s", from, to, statusNames(allowed))
}

// findCase returns a case of p's department, or a 404.
func (a *API) findCase(ctx context.Context, p Principal, reference string) (store.Grievance, error) {
	ref, ok := casework.Normalize(reference)
	if !ok {
		ref = strings.ToUpper(strings.TrimSpace(reference))
	}
	notFound := problem(http.StatusNotFound, "", "no case %s in your department", strconvQuote(trimText(reference, 80)))
	if ref == "" || len(ref) > 64 {
		return store.Grievance{}, notFound
	}
	gs, err := a.opts.Store.CaseList(ctx, store.CaseFilter{Integrations: a.integrationsOf(p), Reference: ref, Limit: 1})
	if err != nil {
		return store.Grievance{}, err
	}
	if len(gs) == 0 || !a.owns(p, gs[0].Integration) {
		return store.Grievance{}, notFound
	}
	return gs[0], nil
}

// caseDetail is g with its history, as p sees it.
func (a *API) caseDetail(ctx context.Context, p Principal, g store.Grievance) (CaseDetail, error) {
	d := CaseDetail{CaseEntry: a.caseEntry(g), Description: g.Description, PinCode: g.PinCode, Fields: g.Fields, Note: g.Note,
		History: []CaseHistoryRow{}, Remarks: []CaseHistoryRow{}, Moves: []string{}}
	for _, st := range casework.Allowed(statusOf(g), moverOf(p)) {
		if p.Role >= RoleAgent {
			d.Moves = append(d.Moves, string(st))
		}
	}
	h, err := a.opts.Store.CaseHistory(ctx, g.Integration, g.Reference)
	if err != nil {
		return d, err
	}
	for _, e := range h {
		row := CaseHistoryRow{At: e.At, Actor: e.Actor, Action: e.Action, Remark: e.Remark}
		if e.From != e.To {
			row.From, row.To = e.From, e.To
		}
		d.History = append(d.History, row)
		if e.Remark != "" && e.Action != "assign" {
			d.Remarks = append(d.Remarks, row)
		}
	}
	return d, nil
}

// caseEntry is g as listed.
func (a *API) caseEntry(g store.Grievance) CaseEntry {
	e := CaseEntry{Reference: g.Reference, Integration: g.Integration, Kind: g.Kind, Title: g.Title, Category: g.Category,
		Status: string(statusOf(g)), AssignedTo: g.AssignedTo, Level: g.Level, Citizen: maskContact(g.ContactID),
		Created: g.Created, Updated: g.Updated}
	if g.Level > 0 {
		levels := a.policyOf(g.Kind).Levels
		e.LevelName = levels[min(g.Level, len(levels)-1)]
	}
	if !g.Due.IsZero() {
		due := g.Due
		e.Due = &due
		e.Overdue = statusOf(g).Open() && due.Before(a.now())
	}
	if !g.Resolved.IsZero() {
		r := g.Resolved
		e.Resolved = &r
	}
	return e
}

// notify tells the citizen of a change of their case, and says how it went.
func (a *API) notify(ctx context.Context, n CaseNotice, g store.Grievance) string {
	if a.opts.Notifier == nil {
		return ""
	}
	n.Integration, n.ContactID, n.Reference, n.Kind, n.Title = g.Integration, g.ContactID, g.Reference, g.Kind, g.Title
	err := a.opts.Notifier.NotifyCase(context.WithoutCancel(ctx), n)
	switch {
	case err == nil:
		return "queued"
	case errors.Is(err, ErrOptedOut):
		return "opted_out"
	}
	a.log.Error("api: the citizen could not be told of a change of their case", "reference", g.Reference, "err", err)
	return "failed"
}

// policyOf is the service levels of a kind of case.
func (a *API) policyOf(kind string) casework.Policy {
	if a.opts.CasePolicy != nil {
		if p := a.opts.CasePolicy(kind); len(p.Levels) > 0 {
			return p
		}
	}
	return casework.DefaultPolicy
}

// moverOf is who p is to the rules of moves.
func moverOf(p Principal) casework.Mover {
	if p.Role >= RoleSupervisor {
		return casework.BySupervisor
	}
	return casework.ByOfficer
}

// statusOf reads g's status; an unreadable one reads as lodged.
func statusOf(g store.Grievance) casework.Status {
	st, err := casework.ParseStatus(g.Status)
	if err != nil {
		return casework.Lodged
	}
	return st
}

func statusNames(sts []casework.Status) string {
	names := make([]string, len(sts))
	for i, st := range sts {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}

func trimText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
