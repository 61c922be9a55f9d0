package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
)

// StoreKeys is the Authenticator of a running server: the keys the store
// keeps (samvad keys create), checked against their SHA-256.
type StoreKeys struct{ Store *store.Store }

// Authenticate returns the principal of a stored, unrevoked key.
func (k StoreKeys) Authenticate(ctx context.Context, key string) (Principal, error) {
	row, err := k.Store.AuthenticateKey(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Principal{}, ErrUnknownKey
	case err != nil:
		return Principal{}, err
	}
	role, err := ParseRole(row.Role)
	if err != nil {
		return Principal{}, fmt.Errorf("api: key %s: %w", row.ID, err)
	}
	actor := "key:" + row.Prefix
	if row.Name != "" {
		actor = row.Name + " (key " + row.Prefix + ")"
	}
	return Principal{KeyID: row.ID, Actor: actor, Role: role, Department: row.Department}, nil
}

// StoreAudit is the Auditor of a running server: the store's hash-chained
// audit log.
type StoreAudit struct{ Store *store.Store }

// Record appends c to the audit log.
func (a StoreAudit) Record(ctx context.Context, c Change) error {
	e := store.AuditEntry{Department: c.Department, Actor: c.Actor, KeyID: c.KeyID, Action: c.Action, Target: c.Target}
	var err error
	if e.Before, err = auditJSON(c.Before); err != nil {
		return err
	}
	if e.After, err = auditJSON(c.After); err != nil {
		return err
	}
	_, err = a.Store.AppendAudit(ctx, e)
	return err
}

// auditJSON is v as JSON, nil for nil.
func auditJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("api: audit: the state of the target is not JSON: %w", err)
	}
	return b, nil
}

// mountAccess registers the routes of the audit log and of the
// department's keys.
func (a *API) mountAccess(r *mux.Router) {
	a.route(r, http.MethodGet, "/audit", RoleAdmin, a.listAudit)
	a.route(r, http.MethodGet, "/keys", RoleAdmin, a.listKeys)
	a.route(r, http.MethodPost, "/keys", RoleAdmin, a.createKey)
	a.route(r, http.MethodPost, "/keys/{id}/revoke", RoleAdmin, a.revokeKey)
}

// KeyItem is a key as the API shows it: never the secret, nor its hash.
type KeyItem struct {
	ID       string     `json:"id"`
	Role     string     `json:"role"`
	Name     string     `json:"name"`
	Prefix   string     `json:"prefix"`
	Created  time.Time  `json:"created_at"`
	LastUsed *time.Time `json:"last_used_at"`
	Revoked  *time.Time `json:"revoked_at"`
}

func keyItem(k store.APIKey) KeyItem {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return KeyItem{ID: k.ID, Role: k.Role, Name: k.Name, Prefix: k.Prefix, Created: k.Created, LastUsed: opt(k.LastUsed), Revoked: opt(k.Revoked)}
}

// listKeys answers the department's keys, revoked ones included.
func (a *API) listKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := a.opts.Store.APIKeys(r.Context(), PrincipalFrom(r.Context()).Department)
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	items := make([]KeyItem, len(ks))
	for i, k := range ks {
		items[i] = keyItem(k)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// createKey makes a key of the admin's department; the answer holds the
// key itself, which is never shown again.
func (a *API) createKey(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Role string `json:"role"`
		Name string `json:"name"`
	}
	if !a.decode(w, r, &body) {
		return
	}
	if _, err := ParseRole(body.Role); err != nil {
		writeError(w, http.StatusBadRequest, "role", "must be admin, supervisor, agent or viewer")
		return
	}
	if len(body.Name) > 200 {
		writeError(w, http.StatusBadRequest, "name", "must be at most 200 bytes")
		return
	}
	p := PrincipalFrom(r.Context())
	k, secret, err := a.opts.Store.CreateAPIKey(r.Context(), p.Department, body.Role, body.Name)
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	item := keyItem(k)
	a.audit(r, "key.create", "key/"+k.ID, nil, item)
	writeJSON(w, http.StatusCreated, struct {
		KeyItem
		Key string `json:"key"`
	}{item, secret})
}

// revokeKey revokes a key of the admin's department (another department's
// answers 404). Revoking a revoked key changes nothing.
func (a *API) revokeKey(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	id := mux.Vars(r)["id"]
	k, err := a.opts.Store.APIKeyByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && k.Department != p.Department {
		writeError(w, http.StatusNotFound, "", "no key "+strconvQuote(trimText(id, 40))+" in your department")
		return
	}
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	if k.Revoked.IsZero() {
		if k, err = a.opts.Store.RevokeAPIKey(r.Context(), id); err != nil {
			a.writeFieldError(w, err)
			return
		}
		after, err := a.opts.Store.APIKeyByID(r.Context(), id)
		if err != nil {
			after, after.Revoked = k, a.now()
		}
		a.audit(r, "key.revoke", "key/"+id, keyItem(k), keyItem(after))
		k = after
	}
	writeJSON(w, http.StatusOK, keyItem(k))
}

// auditItem is one entry of GET /audit.
type auditItem struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	KeyID    string          `json:"key_id,omitempty"`
	Action   string          `json:"action"`
	Target   string          `json:"target,omitempty"`
	Before   json.RawMessage `json:"before"`
	After    json.RawMessage `json:"after"`
	Hash     string          `json:"hash"`
	PrevHash string          `json:"prev_hash"`
}

// auditCursor is the position after a page of the audit log.
type auditCursor struct {
	Before int64 `json:"b"`
}

// listAudit answers the department's audit log, newest first.
func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	limit, err := pageLimit(r.URL.Query().Get("limit"))
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	var pos auditCursor
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		if err := a.cursors.read(cur, &pos); err != nil {
			writeError(w, http.StatusBadRequest, "cursor", err.Error())
			return
		}
	}
	es, err := a.opts.Store.AuditLog(r.Context(), p.Department, pos.Before, limit+1)
	if err != nil {
		a.writeFieldError(w, err)
		return
	}
	out := struct {
		Items      []auditItem `json:"items"`
		NextCursor string      `json:"next_cursor,omitempty"`
	}{Items: []auditItem{}}
	for i, e := range es {
		if i == limit {
			out.NextCursor = a.cursors.make(auditCursor{Before: es[i-1].ID})
			break
		}
		out.Items = append(out.Items, auditItem{ID: e.ID, At: e.At, Actor: e.Actor, KeyID: e.KeyID, Action: e.Action,
			Target: e.Target, Before: orNull(e.Before), After: orNull(e.After), Hash: e.Hash, PrevHash: e.PrevHash})
	}
	writeJSON(w, http.StatusOK, out)
}

func orNull(b json.RawMessage) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return b
}
