package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/server/api"
)

// The console changes nothing itself: a form's action is sent to the
// staff API in process, as the signed-in principal, so that the API's
// roles, department scope, checks, audit and answers are the console's.

// apiResult is the staff API's answer to a call.
type apiResult struct {
	Status int
	// Reason is the problem's reason (and Field its field) when the call
	// failed.
	Field, Reason string
	Body          []byte
}

// ok tells whether the call succeeded.
func (r apiResult) ok() bool { return r.Status/100 == 2 }

// apiHandler serves the staff API to the console's calls.
func (c *Console) apiHandler() http.Handler {
	c.apiOnce.Do(func() {
		r := mux.NewRouter()
		if c.opts.API != nil {
			c.opts.API.Mount(r)
		}
		c.apiRouter = r
	})
	return c.apiRouter
}

// callAPI sends method path (under /api/v1) with body as JSON, acting for
// the principal of ctx, and reads the answer into out when it succeeds.
func (c *Console) callAPI(ctx context.Context, method, path string, body, out any) (apiResult, error) {
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return apiResult{}, fmt.Errorf("console: encoding a call to %s: %w", path, err)
		}
	}
	req := httptest.NewRequest(method, api.Prefix+path, &buf).WithContext(api.WithPrincipal(ctx, api.PrincipalFrom(ctx)))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	c.apiHandler().ServeHTTP(rec, req)
	res := apiResult{Status: rec.Code, Body: rec.Body.Bytes()}
	if !res.ok() {
		var p api.Problem
		if json.Unmarshal(res.Body, &p) == nil {
			res.Field, res.Reason = p.Error.Field, p.Error.Reason
		}
		return res, nil
	}
	if out != nil {
		if err := json.Unmarshal(res.Body, out); err != nil {
			return res, fmt.Errorf("console: reading the answer of %s: %w", path, err)
		}
	}
	return res, nil
}

// problemText is what to tell the user of a call the API refused.
func problemText(res apiResult) string {
	switch {
	case res.Field != "" && res.Reason != "":
		return res.Field + ": " + res.Reason
	case res.Reason != "":
		return res.Reason
	}
	return http.StatusText(res.Status)
}
