package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/server/api"
)

// Grievances and service requests: the list with its filters, one case
// with its history and remarks, and the forms that move, assign and remark
// on it. As in the inbox, reads and changes go through the staff API as
// the signed-in officer.

// mountCases registers the cases' pages.
func (c *Console) mountCases(r *mux.Router) {
	r.HandleFunc("/cases", c.cases).Methods(http.MethodGet)
	r.HandleFunc("/cases/{reference}", c.caseDetail).Methods(http.MethodGet)
	r.HandleFunc("/cases/{reference}/{action:move|assign|remarks}", c.caseAction).Methods(http.MethodPost)
}

// caseFilters are the list's query parameters the API takes.
var caseFilters = []string{"kind", "status", "category", "assigned", "overdue", "cursor"}

// casesView is the list of cases.
type casesView struct {
	Filter  map[string]string
	Page    api.CasePage
	Problem string
	Next    string
}

// cases lists the department's cases, filtered.
func (c *Console) cases(w http.ResponseWriter, r *http.Request) {
	v := casesView{Filter: map[string]string{}}
	q := url.Values{}
	for _, k := range caseFilters {
		if x := strings.TrimSpace(r.URL.Query().Get(k)); x != "" {
			q.Set(k, x)
			v.Filter[k] = x
		}
	}
	res, err := c.callAPI(r.Context(), http.MethodGet, "/cases?"+q.Encode(), nil, &v.Page)
	if err != nil {
		c.fail(w, r, "the cases", err)
		return
	}
	if !res.ok() {
		v.Problem = problemText(res)
		c.render(w, r, res.Status, "cases", "cases", v)
		return
	}
	if v.Page.NextCursor != "" {
		q.Set("cursor", v.Page.NextCursor)
		v.Next = Prefix + "/cases?" + q.Encode()
	}
	c.render(w, r, http.StatusOK, "cases", "cases", v)
}

// caseView is one case's page.
type caseView struct {
	Case          api.CaseDetail
	Done, Problem string
	// Notified says whether the citizen was told of the change just made
	// (queued, opted_out or failed).
	Notified string
}

// caseDetail shows a case.
func (c *Console) caseDetail(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := caseView{Done: q.Get("done")}
	switch n := q.Get("notified"); n {
	case "queued", "opted_out", "failed":
		v.Notified = n
	}
	c.showCase(w, r, http.StatusOK, v)
}

// showCase draws a case's page.
func (c *Console) showCase(w http.ResponseWriter, r *http.Request, status int, v caseView) {
	res, err := c.callAPI(r.Context(), http.MethodGet, "/cases/"+url.PathEscape(mux.Vars(r)["reference"]), nil, &v.Case)
	switch {
	case err != nil:
		c.fail(w, r, "a case", err)
		return
	case res.Status == http.StatusNotFound:
		c.notFound(w, r)
		return
	case res.Status == http.StatusForbidden:
		c.forbidden(w, r, api.RoleViewer)
		return
	case !res.ok():
		c.fail(w, r, "a case", errors.New(problemText(res)))
		return
	}
	c.render(w, r, status, "case", "cases", v)
}

// caseAction sends a move, an assignment or a remark to the API.
func (c *Console) caseAction(w http.ResponseWriter, r *http.Request) {
	ref, action := mux.Vars(r)["reference"], mux.Vars(r)["action"]
	var body any
	switch action {
	case "move":
		body = map[string]string{"to": r.PostFormValue("to"), "remark": r.PostFormValue("remark")}
	case "assign":
		officer := strings.TrimSpace(r.PostFormValue("officer"))
		if officer == "" {
			officer = api.PrincipalFrom(r.Context()).Actor
		}
		body = map[string]string{"officer": officer}
	default:
		body = map[string]string{"text": r.PostFormValue("text")}
	}
	var d api.CaseDetail
	res, err := c.callAPI(r.Context(), http.MethodPost, "/cases/"+url.PathEscape(ref)+"/"+action, body, &d)
	if err != nil {
		c.fail(w, r, "a case's "+action, err)
		return
	}
	if !res.ok() {
		if res.Status == http.StatusNotFound {
			c.notFound(w, r)
			return
		}
		c.showCase(w, r, res.Status, caseView{Problem: problemText(res)})
		return
	}
	done := action
	if d.Notified != "" {
		done += "&notified=" + url.QueryEscape(d.Notified)
	}
	http.Redirect(w, r, Prefix+"/cases/"+url.PathEscape(ref)+"?done="+done, http.StatusSeeOther)
}
