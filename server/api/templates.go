package api

import (
	"errors"
	"net/http"
	"regexp"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/adapters/whatsapp/templates"
)

// mountTemplates serves the approved WhatsApp templates: the list, and a
// check that fills one without sending it. Templates belong to the
// deployment, so every department sees the same ones.
func (a *API) mountTemplates(r *mux.Router) {
	a.route(r, http.MethodGet, "/templates", RoleViewer, a.listTemplates)
	a.route(r, http.MethodPost, "/templates/check", RoleViewer, a.checkTemplate)
}

// templateView is one template as the API shows it.
type templateView struct {
	Name         string                            `json:"name"`
	Category     string                            `json:"category"`
	Description  string                            `json:"description,omitempty"`
	Parameters   []templates.Param                 `json:"parameters"`
	Buttons      []templates.Button                `json:"buttons,omitempty"`
	Languages    []string                          `json:"languages"`
	Translations map[string]*templates.Translation `json:"translations"`
}

var languageCodeRE = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)

// listTemplates answers every template, or with ?language= only those
// approved in that language, with only that translation.
func (a *API) listTemplates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "language" {
			writeError(w, http.StatusBadRequest, k, "is not a parameter of this request (it takes language)")
			return
		}
	}
	lang := q.Get("language")
	if lang != "" && !languageCodeRE.MatchString(lang) {
		writeError(w, http.StatusBadRequest, "language", "must be a language code such as hi or en_US")
		return
	}
	out := []templateView{}
	for _, t := range a.templates().List() {
		v := templateView{Name: t.Name, Category: t.Category, Description: t.Description,
			Parameters: t.Parameters, Buttons: t.Buttons, Languages: t.Languages(), Translations: t.Translations}
		if v.Parameters == nil {
			v.Parameters = []templates.Param{}
		}
		if lang != "" {
			tr, ok := t.Translation(lang)
			if !ok {
				continue
			}
			v.Translations = map[string]*templates.Translation{tr.Language: tr}
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": out})
}

// checkRequest asks for a template filled with values.
type checkRequest struct {
	Template string            `json:"template"`
	Language string            `json:"language"`
	Params   map[string]string `json:"params"`
}

// checkTemplate fills a template as a send would, without sending it: the
// preview the citizen would read, or a 400 naming the value at fault.
func (a *API) checkTemplate(w http.ResponseWriter, r *http.Request) {
	var req checkRequest
	if !a.decode(w, r, &req) {
		return
	}
	switch {
	case req.Template == "":
		writeError(w, http.StatusBadRequest, "template", "required")
		return
	case req.Language == "":
		writeError(w, http.StatusBadRequest, "language", "required")
		return
	}
	m, err := a.templates().Check(req.Template, req.Language, req.Params)
	var pe *templates.ParamError
	switch {
	case errors.As(err, &pe):
		writeError(w, http.StatusBadRequest, pe.Field, pe.Reason)
		return
	case err != nil:
		a.writeFieldError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Template string             `json:"template"`
		Language string             `json:"language"`
		Category string             `json:"category"`
		Preview  string             `json:"preview"`
		Message  *whatsapp.Template `json:"message"`
	}{m.Template, m.Language, m.Category, m.Preview, m.Outgoing.Template})
}

// templates is the registry loaded now (an empty one when none is).
func (a *API) templates() *templates.Registry {
	if a.opts.Templates != nil {
		if reg := a.opts.Templates(); reg != nil {
			return reg
		}
	}
	empty, _ := templates.Load(nil)
	return empty
}
