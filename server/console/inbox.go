package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/server/api"
)

// The agent inbox: the department's conversations (kept current by
// console.js), one conversation's history with the reply box, and the
// actions on it. Reads go through the staff API's methods; actions are
// sent to the API as the signed-in agent (callAPI).

// mountInbox registers the inbox's pages.
func (c *Console) mountInbox(r *mux.Router) {
	r.HandleFunc("/inbox", c.inbox).Methods(http.MethodGet)
	r.HandleFunc("/inbox/{id}", c.conversation).Methods(http.MethodGet)
	r.HandleFunc("/inbox/{id}/{action:reply|template|assign|handback|close}", c.conversationAction).Methods(http.MethodPost)
}

// inboxStatuses are the list's filters, in the order the page shows them.
var inboxStatuses = []string{"handed_over", "active", "closed", "archived"}

// inboxView is the conversation list.
type inboxView struct {
	Status   string
	Statuses []string
	Page     api.ConversationPage
	Problem  string
	// Next is the address of the next page ("" at the end).
	Next string
}

// inbox lists the department's conversations.
func (c *Console) inbox(w http.ResponseWriter, r *http.Request) {
	v := inboxView{Statuses: inboxStatuses, Status: r.URL.Query().Get("status")}
	q := url.Values{}
	for _, k := range []string{"status", "queue", "assigned", "cursor"} {
		if x := r.URL.Query().Get(k); x != "" {
			q.Set(k, x)
		}
	}
	res, err := c.callAPI(r.Context(), http.MethodGet, "/conversations?"+q.Encode(), nil, &v.Page)
	if err != nil {
		c.fail(w, r, "the inbox", err)
		return
	}
	if !res.ok() {
		v.Problem = problemText(res)
		c.render(w, r, res.Status, "inbox", "inbox", v)
		return
	}
	if v.Page.NextCursor != "" {
		q.Set("cursor", v.Page.NextCursor)
		v.Next = Prefix + "/inbox?" + q.Encode()
	}
	c.render(w, r, http.StatusOK, "inbox", "inbox", v)
}

// conversationView is one conversation's page.
type conversationView struct {
	C         api.ConversationDetail
	Templates []templateChoice
	// Done names the action just done; Problem says why one failed.
	Done, Problem string
	// Draft is the reply that failed, to send again.
	Draft string
}

// templateChoice is an approved template in one language, for the reply
// box.
type templateChoice struct {
	Value, Label string
	Params       int
}

// conversation shows a conversation's history and the reply box.
func (c *Console) conversation(w http.ResponseWriter, r *http.Request) {
	c.showConversation(w, r, http.StatusOK, conversationView{Done: r.URL.Query().Get("done")})
}

// showConversation draws a conversation's page.
func (c *Console) showConversation(w http.ResponseWriter, r *http.Request, status int, v conversationView) {
	res, err := c.callAPI(r.Context(), http.MethodGet, "/conversations/"+url.PathEscape(mux.Vars(r)["id"]), nil, &v.C)
	switch {
	case err != nil:
		c.fail(w, r, "a conversation", err)
		return
	case res.Status == http.StatusNotFound:
		c.notFound(w, r)
		return
	case res.Status == http.StatusForbidden:
		c.forbidden(w, r, api.RoleViewer)
		return
	case !res.ok():
		c.fail(w, r, "a conversation", errors.New(problemText(res)))
		return
	}
	v.Templates = c.templateChoices(r)
	c.render(w, r, status, "conversation", "inbox", v)
}

// templateChoices lists the approved templates for the reply box (none
// when the API has no templates).
func (c *Console) templateChoices(r *http.Request) []templateChoice {
	var list struct {
		Templates []struct {
			Name       string   `json:"name"`
			Languages  []string `json:"languages"`
			Parameters []struct {
				Name string `json:"name"`
			} `json:"parameters"`
		} `json:"templates"`
	}
	res, err := c.callAPI(r.Context(), http.MethodGet, "/templates", nil, &list)
	if err != nil || !res.ok() {
		return nil
	}
	var out []templateChoice
	for _, t := range list.Templates {
		var names []string
		for _, p := range t.Parameters {
			names = append(names, p.Name)
		}
		for _, l := range t.Languages {
			label := t.Name + " (" + l + ")"
			if len(names) > 0 {
				label += ": " + strings.Join(names, ", ")
			}
			out = append(out, templateChoice{Value: t.Name + "|" + l, Label: label, Params: len(names)})
		}
	}
	return out
}

// conversationAction sends an action on a conversation to the API.
func (c *Console) conversationAction(w http.ResponseWriter, r *http.Request) {
	id, action := mux.Vars(r)["id"], mux.Vars(r)["action"]
	var body any
	switch action {
	case "reply":
		body = api.ReplyRequest{Text: r.PostFormValue("text")}
	case "template":
		name, lang, _ := strings.Cut(r.PostFormValue("template"), "|")
		body = api.TemplateRequest{Name: name, Language: lang, Params: params(r.PostFormValue("params"))}
	case "assign":
		agent := strings.TrimSpace(r.PostFormValue("agent"))
		if agent == "" {
			agent = api.PrincipalFrom(r.Context()).Actor
		}
		body = api.AssignRequest{Agent: agent}
	case "handback":
		body = api.HandbackRequest{Flow: strings.TrimSpace(r.PostFormValue("flow"))}
	default:
		body = struct{}{}
	}
	res, err := c.callAPI(r.Context(), http.MethodPost, "/conversations/"+url.PathEscape(id)+"/"+action, body, nil)
	if err != nil {
		c.fail(w, r, "a conversation's "+action, err)
		return
	}
	if !res.ok() {
		if res.Status == http.StatusNotFound {
			c.notFound(w, r)
			return
		}
		v := conversationView{Problem: problemText(res)}
		if action == "reply" {
			v.Draft = r.PostFormValue("text")
		}
		c.showConversation(w, r, res.Status, v)
		return
	}
	http.Redirect(w, r, Prefix+"/inbox/"+url.PathEscape(id)+"?done="+action, http.StatusSeeOther)
}

// params reads a template's values, one "name=value" a line.
func params(text string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if name, value, ok := strings.Cut(l, "="); ok && strings.TrimSpace(name) != "" {
			out[strings.TrimSpace(name)] = strings.TrimSpace(value)
		}
	}
	return out
}
