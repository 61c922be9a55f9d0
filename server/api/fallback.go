package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
)

// The fallback review: what the knowledge base or the model told citizens
// when the flows had no answer, and the questions nothing answered, for an
// officer to mark right or wrong or to add to the knowledge base.

func (a *API) mountFallback(r *mux.Router) {
	a.route(r, http.MethodGet, "/fallback", RoleViewer, a.listFallback)
	a.route(r, http.MethodPost, "/fallback/{id}/review", RoleAgent, a.reviewFallback)
}

// FallbackItem is one fallback event as the API shows it.
type FallbackItem struct {
	ID          string           `json:"id"`
	Integration string           `json:"integration"`
	Citizen     string           `json:"citizen"`
	Kind        string           `json:"kind"`
	Flow        string           `json:"flow,omitempty"`
	Node        string           `json:"node,omitempty"`
	Record      json.RawMessage  `json:"record"`
	At          time.Time        `json:"at"`
	Review      *FallbackVerdict `json:"review,omitempty"`
}

// FallbackVerdict is the review of a fallback event.
type FallbackVerdict struct {
	Verdict  string    `json:"verdict"`
	Note     string    `json:"note,omitempty"`
	Reviewer string    `json:"reviewer"`
	At       time.Time `json:"at"`
}

// FallbackPage is a page of fallback events, newest first.
type FallbackPage struct {
	Items      []FallbackItem `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// ListFallback lists the fallback events of p's department.
func (a *API) ListFallback(r *http.Request, p Principal) (FallbackPage, error) {
	q := store.FallbackQuery{Integrations: a.integrationsOf(p)}
	v := r.URL.Query()
	if k := v.Get("kind"); k != "" {
		kind := "fallback_" + k
		if !contains(store.FallbackKinds, kind) {
			return FallbackPage{}, badField("kind", "must be used, missed or failed, not %q", k)
		}
		q.Kinds = []string{kind}
	}
	switch v.Get("unreviewed") {
	case "", "false":
	case "true":
		q.Unreviewed = true
	default:
		return FallbackPage{}, badField("unreviewed", "must be true or false")
	}
	limit, err := pageLimit(v.Get("limit"))
	if err != nil {
		return FallbackPage{}, err
	}
	q.Limit = limit
	if c := v.Get("cursor"); c != "" {
		if a.cursors.read(c, &q.Before) != nil {
			return FallbackPage{}, badField("cursor", "%s", strings.TrimPrefix(errBadCursor.Error(), "api: "))
		}
	}
	events, err := a.opts.Store.FallbackEvents(r.Context(), q)
	if err != nil {
		return FallbackPage{}, err
	}
	page := FallbackPage{Items: make([]FallbackItem, len(events))}
	for i, e := range events {
		page.Items[i] = fallbackItem(e)
	}
	if len(events) == limit {
		last := events[len(events)-1]
		page.NextCursor = a.cursors.make(store.FallbackPosition{At: last.At, ID: last.ID})
	}
	return page, nil
}

func (a *API) listFallback(w http.ResponseWriter, r *http.Request) {
	page, err := a.ListFallback(r, PrincipalFrom(r.Context()))
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// fallbackReviewRequest is the body of a review.
type fallbackReviewRequest struct {
	Verdict string `json:"verdict"`
	Note    string `json:"note"`
}

func (a *API) reviewFallback(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, "", "no such fallback event")
		return
	}
	var req fallbackReviewRequest
	if !a.decode(w, r, &req) {
		return
	}
	if !contains(store.FallbackVerdicts, req.Verdict) {
		writeError(w, http.StatusBadRequest, "verdict", "must be right, wrong or add")
		return
	}
	if len(req.Note) > 2000 {
		writeError(w, http.StatusBadRequest, "note", "is longer than 2,000 bytes")
		return
	}
	before, err := a.opts.Store.FallbackEvent(r.Context(), a.integrationsOf(p), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "", "no such fallback event")
		return
	} else if err != nil {
		a.writeFieldError(w, err)
		return
	}
	err = a.opts.Store.ReviewFallback(r.Context(), store.FallbackReview{IntegrationID: before.IntegrationID, EventID: id,
		Verdict: req.Verdict, Note: req.Note, Reviewer: p.Actor})
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	after, err := a.opts.Store.FallbackEvent(r.Context(), a.integrationsOf(p), id)
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	a.audit(r, "fallback.review", "fallback/"+strconv.FormatInt(id, 10), fallbackItem(before).Review, fallbackItem(after).Review)
	writeJSON(w, http.StatusOK, fallbackItem(after))
}

func fallbackItem(e store.FallbackEvent) FallbackItem {
	it := FallbackItem{ID: strconv.FormatInt(e.ID, 10), Integration: e.IntegrationID, Citizen: maskContact(e.ContactID),
		Kind: strings.TrimPrefix(e.Kind, "fallback_"), Flow: e.Flow, Node: e.Node, At: e.At}
	if json.Valid([]byte(e.Detail)) {
		it.Record = json.RawMessage(e.Detail)
	} else {
		it.Record, _ = json.Marshal(e.Detail)
	}
	if e.Verdict != "" {
		it.Review = &FallbackVerdict{Verdict: e.Verdict, Note: e.Note, Reviewer: e.Reviewer, At: e.ReviewedAt}
	}
	return it
}

// maskContact shows a contact (integration/number) as its last four
// digits: enough for an officer to tell citizens apart, not to call them.
func maskContact(contactID string) string {
	_, key, _ := strings.Cut(contactID, "/")
	if len(key) <= 4 {
		return "••••"
	}
	return "••••" + key[len(key)-4:]
}

// pageLimit reads a page size: 1 to 200, 50 when absent.
func pageLimit(s string) (int, error) {
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 200 {
		return 0, badField("limit", "must be a number from 1 to 200")
	}
	return n, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
