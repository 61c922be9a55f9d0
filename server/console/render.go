package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/samvad/samvad/server/api"
)

//go:embed templates static locales
var files embed.FS

// pages are the parsed templates, one set per page.
type pages struct {
	byName map[string]*template.Template
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"join":     strings.Join,
	"mediaURL": mediaURL,
	"isImage":  isImage,
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
}

// parsePages parses every page with the layout.
func parsePages() (*pages, error) {
	if _, err := loadBundle(); err != nil {
		return nil, fmt.Errorf("console: messages: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "part_") {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/part_*.html", n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", n, err)
		}
		p.byName[base] = t
	}
	return p, nil
}

// view is what every page's template gets.
type view struct {
	L         lang
	Languages []langChoice
	Principal api.Principal
	SignedIn  bool
	CSRF      string
	Nav       string
	Simulator string
	// Staff says the inbox and the cases are served.
	Staff bool
	// CanAct says the principal may change things (an agent or above):
	// a viewer's pages show no forms.
	CanAct bool
	Path   string
	Data   any
	// zone is the signed-in department's time zone.
	zone *time.Location
}

// When is a time as the department reads it: in its zone, to the minute.
func (v view) When(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	if v.zone != nil {
		t = t.In(v.zone)
	}
	return t.Format("2006-01-02 15:04")
}

// langChoice is one entry of the language selector.
type langChoice struct{ Code, Name string }

// render draws a page; nav names the menu entry it belongs to.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page, nav string, data any) {
	t := c.pages.byName[page]
	if t == nil {
		c.log.Error("console: no such page template", "page", page)
		http.Error(w, "500 the page is missing from this build", http.StatusInternalServerError)
		return
	}
	v := view{L: pickLanguage(r), Nav: nav, Simulator: c.opts.Simulator, Staff: c.opts.API != nil, Path: r.URL.RequestURI(), Data: data}
	for _, t := range languages {
		v.Languages = append(v.Languages, langChoice{Code: t.String(), Name: languageNames[t.String()]})
	}
	if s, ok := r.Context().Value(sessionKey{}).(session); ok {
		v.SignedIn, v.Principal, v.CSRF = true, s.principal, c.csrfToken(s)
		v.CanAct = s.principal.Role >= api.RoleAgent
		if c.opts.Zone != nil {
			v.zone = c.opts.Zone(s.principal.Department)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		c.log.Error("console: drawing a page failed", "page", page, "err", err)
		http.Error(w, "500 the page could not be drawn; it has been logged", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// fail shows an error page for a failure on our side, logging its cause.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	c.log.Error("console: "+what+" failed", "err", err)
	c.render(w, r, http.StatusInternalServerError, "error", "", errorView{Message: "error.internal"})
}

// errorView is what the error page shows: a message id.
type errorView struct{ Message string }
