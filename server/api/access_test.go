package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/internal/testdb"
)

// storeAPI is the API over a fresh store of dialect, with the store's keys
// and audit log.
func storeAPI(t *testing.T, dialect string) (*store.Store, http.Handler) {
	t.Helper()
	st, err := store.Open(context.Background(), testdb.URL(t, dialect), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := New(Options{Store: st, Keys: StoreKeys{Store: st}, Audit: StoreAudit{Store: st},
		Departments: map[string]Department{"health": {ID: "health", Integrations: []string{"h"}}, "police": {ID: "police"}},
		CursorKey:   []byte("0123456789abcdef0123456789abcdef")})
	r := mux.NewRouter()
	sub := a.subrouter(r)
	a.mountRoutes(sub)
	// A route that changes something, as the other parts of the API do.
	a.route(sub, http.MethodPost, "/change", RoleAgent, func(w http.ResponseWriter, r *http.Request) {
		a.audit(r, "thing.change", "thing/1", map[string]string{"v": "old"}, map[string]string{"v": "new"})
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	return st, r
}

func TestStoreKeysAndAudit(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			st, h := storeAPI(t, dialect)
			ctx := context.Background()
			mk := func(dept, role string) (store.APIKey, string) {
				k, secret, err := st.CreateAPIKey(ctx, dept, role, "desk "+role)
				if err != nil {
					t.Fatal(err)
				}
				return k, secret
			}
			adminRow, admin := mk("health", "admin")
			_, agent := mk("health", "agent")
			revokedRow, revoked := mk("health", "admin")
			_, police := mk("police", "admin")
			if _, err := st.RevokeAPIKey(ctx, revokedRow.ID); err != nil {
				t.Fatal(err)
			}

			rec := do(h, "GET", "/api/v1/me", admin, "")
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"department":"health"`) || !strings.Contains(rec.Body.String(), `"role":"admin"`) {
				t.Fatalf("me: %d %s", rec.Code, rec.Body)
			}
			for i := 0; i < 3; i++ {
				if rec := do(h, "POST", "/api/v1/change", agent, ""); rec.Code != 200 {
					t.Fatalf("change: %d %s", rec.Code, rec.Body)
				}
			}
			do(h, "POST", "/api/v1/change", police, "")

			cases := []struct {
				name, path, key string
				status          int
				want            string
			}{
				{"revoked", "/api/v1/me", revoked, 401, "not known or was revoked"},
				{"made up", "/api/v1/me", "sk_12345678_nothing", 401, "not known"},
				{"agent reads audit", "/api/v1/audit", agent, 403, "needs the admin role"},
				{"bad limit", "/api/v1/audit?limit=0", admin, 400, `"field":"limit"`},
				{"bad cursor", "/api/v1/audit?cursor=abc", admin, 400, `"field":"cursor"`},
			}
			for _, c := range cases {
				if rec := do(h, "GET", c.path, c.key, ""); rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
					t.Errorf("%s: %d %s, want %d with %q", c.name, rec.Code, rec.Body, c.status, c.want)
				}
			}

			type page struct {
				Items []struct {
					ID     int64           `json:"id"`
					Actor  string          `json:"actor"`
					KeyID  string          `json:"key_id"`
					Action string          `json:"action"`
					Before json.RawMessage `json:"before"`
					After  json.RawMessage `json:"after"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			var p1, p2 page
			rec = do(h, "GET", "/api/v1/audit?limit=2", admin, "")
			if err := json.Unmarshal(rec.Body.Bytes(), &p1); err != nil || rec.Code != 200 || len(p1.Items) != 2 || p1.NextCursor == "" {
				t.Fatalf("audit page 1: %d %s", rec.Code, rec.Body)
			}
			it := p1.Items[0]
			if it.ID != 3 || it.Action != "thing.change" || it.Actor != "desk agent (key "+strings.Split(agent, "_")[1]+")" ||
				string(it.Before) != `{"v":"old"}` || string(it.After) != `{"v":"new"}` || it.KeyID == adminRow.ID {
				t.Errorf("the newest entry: %+v", it)
			}
			rec = do(h, "GET", "/api/v1/audit?limit=2&cursor="+p1.NextCursor, admin, "")
			if err := json.Unmarshal(rec.Body.Bytes(), &p2); err != nil || len(p2.Items) != 1 || p2.Items[0].ID != 1 || p2.NextCursor != "" {
				t.Fatalf("audit page 2: %d %s", rec.Code, rec.Body)
			}
			// Police's admin sees only police's entry.
			rec = do(h, "GET", "/api/v1/audit", police, "")
			if !strings.Contains(rec.Body.String(), `"id":4`) || strings.Contains(rec.Body.String(), `"id":3`) {
				t.Errorf("police's audit log: %s", rec.Body)
			}
			if b, n, err := st.VerifyAudit(ctx); b != nil || n != 4 || err != nil {
				t.Errorf("verify: %v %d %v", b, n, err)
			}
		})
	}
}

// The store's roles are the API's.
func TestStoreRolesAreTheAPIRoles(t *testing.T) {
	t.Parallel()
	if len(store.Roles) != int(RoleAdmin) {
		t.Errorf("the store knows %d roles, the API %d", len(store.Roles), RoleAdmin)
	}
	for _, r := range store.Roles {
		if _, err := ParseRole(r); err != nil {
			t.Error(err)
		}
	}
}

func TestKeysEndpoints(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			st, h := storeAPI(t, dialect)
			ctx := context.Background()
			_, admin, err := st.CreateAPIKey(ctx, "health", "admin", "asha")
			if err != nil {
				t.Fatal(err)
			}
			_, agent, _ := st.CreateAPIKey(ctx, "health", "agent", "")
			policeKey, police, _ := st.CreateAPIKey(ctx, "police", "admin", "")

			rec := do(h, "POST", "/api/v1/keys", admin, `{"role":"viewer","name":"dashboard"}`)
			var made struct {
				ID, Key, Role, Prefix string
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &made); rec.Code != 201 || err != nil || !strings.HasPrefix(made.Key, "sk_"+made.Prefix+"_") || made.Role != "viewer" {
				t.Fatalf("create: %d %s", rec.Code, rec.Body)
			}
			if rec := do(h, "GET", "/api/v1/me", made.Key, ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"role":"viewer"`) {
				t.Fatalf("the new key: %d %s", rec.Code, rec.Body)
			}
			rec = do(h, "GET", "/api/v1/keys", admin, "")
			if rec.Code != 200 || strings.Count(rec.Body.String(), `"id":`) != 3 || strings.Contains(rec.Body.String(), made.Key) ||
				strings.Contains(rec.Body.String(), policeKey.ID) || strings.Contains(rec.Body.String(), `"hash"`) {
				t.Fatalf("list: %d %s", rec.Code, rec.Body)
			}

			cases := []struct {
				name, method, path, key, body string
				status                        int
				want                          string
			}{
				{"agent lists", "GET", "/api/v1/keys", agent, "", 403, "admin role"},
				{"agent creates", "POST", "/api/v1/keys", agent, `{"role":"admin"}`, 403, "admin role"},
				{"bad role", "POST", "/api/v1/keys", admin, `{"role":"root"}`, 400, `"field":"role"`},
				{"unknown field", "POST", "/api/v1/keys", admin, `{"role":"agent","department":"police"}`, 400, `"field":"department"`},
				{"long name", "POST", "/api/v1/keys", admin, `{"role":"agent","name":"` + strings.Repeat("x", 201) + `"}`, 400, `"field":"name"`},
				{"another department's key", "POST", "/api/v1/keys/" + policeKey.ID + "/revoke", admin, "", 404, "no key"},
				{"no such key", "POST", "/api/v1/keys/key_nope/revoke", admin, "", 404, "no key"},
				{"revoke", "POST", "/api/v1/keys/" + made.ID + "/revoke", admin, "", 200, `"revoked_at":"`},
				{"revoke again", "POST", "/api/v1/keys/" + made.ID + "/revoke", admin, "", 200, `"revoked_at":"`},
				{"the revoked key", "GET", "/api/v1/me", made.Key, "", 401, "revoked"},
				{"police unharmed", "GET", "/api/v1/me", police, "", 200, `"department":"police"`},
			}
			for _, c := range cases {
				if rec := do(h, c.method, c.path, c.key, c.body); rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
					t.Errorf("%s: %d %s, want %d with %q", c.name, rec.Code, rec.Body, c.status, c.want)
				}
			}
			es, err := st.AuditLog(ctx, "health", 0, 10)
			if err != nil || len(es) != 2 || es[0].Action != "key.revoke" || es[1].Action != "key.create" ||
				strings.Contains(string(es[1].After), made.Key[12:]) || !strings.Contains(string(es[0].After), "revoked_at\":\"") {
				t.Errorf("audit: %+v, %v", es, err)
			}
		})
	}
}
