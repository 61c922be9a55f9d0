package console

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/server/api"
)

// mountPages registers the signed-in pages.
func (c *Console) mountPages(r *mux.Router) {
	r.HandleFunc("/", c.dashboard).Methods(http.MethodGet)
	r.HandleFunc("/flows", c.flows).Methods(http.MethodGet)
	r.HandleFunc("/integrations", c.integrations).Methods(http.MethodGet)
	r.HandleFunc("/integrations/{id}", c.integration).Methods(http.MethodGet)
	r.HandleFunc("/integrations/{id}/test", c.testConnection).Methods(http.MethodPost)
	r.HandleFunc("/media/{integration}/{name}", c.media).Methods(http.MethodGet)
	if c.opts.API != nil {
		c.mountInbox(r)
		c.mountCases(r)
	}
}

// dashboardView is the dashboard's charts.
type dashboardView struct {
	Days                 lineChart
	Funnel               barChart
	FunnelFlow           string
	ByStatus, ByDistrict barChart
	Empty                bool
}

// dashboard draws the department's figures.
func (c *Console) dashboard(w http.ResponseWriter, r *http.Request) {
	p := api.PrincipalFrom(r.Context())
	d, err := c.opts.Data.Dashboard(r.Context(), p)
	if err != nil {
		c.fail(w, r, "the dashboard", err)
		return
	}
	starts := 0
	if len(d.Funnel.Steps) > 0 {
		starts = d.Funnel.Steps[0].N
	}
	v := dashboardView{Days: newLineChart(d.Days), Funnel: newBarChart(d.Funnel.Steps, starts), FunnelFlow: d.Funnel.Flow,
		ByStatus: newBarChart(d.ByStatus, 0), ByDistrict: newBarChart(d.ByDistrict, 0)}
	v.Empty = v.Days.Total == 0 && len(d.ByStatus) == 0
	c.render(w, r, http.StatusOK, "dashboard", "dashboard", v)
}

// flows lists the loaded flows.
func (c *Console) flows(w http.ResponseWriter, r *http.Request) {
	fl, err := c.opts.Data.Flows(r.Context(), api.PrincipalFrom(r.Context()))
	if err != nil {
		c.fail(w, r, "the flows page", err)
		return
	}
	c.render(w, r, http.StatusOK, "flows", "flows", fl)
}

// integrations lists the department's integrations.
func (c *Console) integrations(w http.ResponseWriter, r *http.Request) {
	ins, err := c.opts.Data.Integrations(r.Context(), api.PrincipalFrom(r.Context()))
	if err != nil {
		c.fail(w, r, "the integrations page", err)
		return
	}
	c.render(w, r, http.StatusOK, "integrations", "integrations", ins)
}

// integrationView is one integration's page.
type integrationView struct {
	Integration Integration
	Events      []Event
	// Test is what a connection test answered; TestFailed says it failed.
	Test       string
	TestFailed bool
}

// integration shows one integration with its event log.
func (c *Console) integration(w http.ResponseWriter, r *http.Request) {
	c.showIntegration(w, r, "", false)
}

// testConnection asks the Graph API about the integration's number.
func (c *Console) testConnection(w http.ResponseWriter, r *http.Request) {
	p := api.PrincipalFrom(r.Context())
	if p.Role < api.RoleAgent {
		c.forbidden(w, r, api.RoleAgent)
		return
	}
	said, err := c.opts.Data.TestConnection(r.Context(), p, mux.Vars(r)["id"])
	if errors.Is(err, ErrNotFound) {
		c.notFound(w, r)
		return
	}
	if err != nil {
		c.showIntegration(w, r, err.Error(), true)
		return
	}
	c.showIntegration(w, r, said, false)
}

// showIntegration draws an integration's page.
func (c *Console) showIntegration(w http.ResponseWriter, r *http.Request, test string, failed bool) {
	p := api.PrincipalFrom(r.Context())
	id := mux.Vars(r)["id"]
	ins, err := c.opts.Data.Integrations(r.Context(), p)
	if err != nil {
		c.fail(w, r, "the integration page", err)
		return
	}
	v := integrationView{Test: test, TestFailed: failed}
	found := false
	for _, in := range ins {
		if in.ID == id {
			v.Integration, found = in, true
		}
	}
	if !found {
		c.notFound(w, r)
		return
	}
	if v.Events, err = c.opts.Data.EventLog(r.Context(), p, id); err != nil {
		c.fail(w, r, "the event log", err)
		return
	}
	c.render(w, r, http.StatusOK, "integration", "integrations", v)
}

// notFound answers 404 for what the principal may not see or that is not.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusNotFound, "error", "", errorView{Message: "error.not_found"})
}

// forbidden answers 403 to a role too low for the action.
func (c *Console) forbidden(w http.ResponseWriter, r *http.Request, _ api.Role) {
	c.render(w, r, http.StatusForbidden, "error", "", errorView{Message: "error.forbidden"})
}
