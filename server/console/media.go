package console

import (
	"net/http"
	"path"
	"strings"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/server/api"
)

// imageTypes are the attachments shown in the page; any other file is
// offered as a download, never rendered by the browser.
var imageTypes = map[string]string{".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".gif": "image/gif"}

// media serves a file a citizen sent, to the department of its
// integration only.
func (c *Console) media(w http.ResponseWriter, r *http.Request) {
	integration, name := mux.Vars(r)["integration"], mux.Vars(r)["name"]
	if c.opts.Media == nil || name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || !c.owns(r, integration) {
		c.notFound(w, r)
		return
	}
	file := integration + "/" + name
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	if ct, ok := imageTypes[strings.ToLower(path.Ext(name))]; ok {
		w.Header().Set("Content-Type", ct)
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`"`)
	}
	http.ServeFileFS(w, r, c.opts.Media, file)
}

// owns tells whether the signed-in department has the integration.
func (c *Console) owns(r *http.Request, integration string) bool {
	ins, err := c.opts.Data.Integrations(r.Context(), api.PrincipalFrom(r.Context()))
	if err != nil {
		c.log.Error("console: listing integrations failed", "err", err)
		return false
	}
	for _, in := range ins {
		if in.ID == integration {
			return true
		}
	}
	return false
}

// mediaURL is the console's address of an attachment kept as file (as
// the inbox names it: <integration>/<name>), or "" when it has none.
func mediaURL(file string) string {
	integration, name, ok := strings.Cut(file, "/")
	if !ok || integration == "" || name == "" || strings.Contains(name, "/") {
		return ""
	}
	return Prefix + "/media/" + integration + "/" + name
}

// isImage tells whether an attachment is shown as an image.
func isImage(file string) bool {
	_, ok := imageTypes[strings.ToLower(path.Ext(file))]
	return ok
}
