package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/internal/testdb"
)

// accessConfig writes a configuration over a fresh database of dialect
// with departments health and police.
func accessConfig(t *testing.T, dialect string) (cfg, url string) {
	t.Helper()
	url = testdb.URL(t, dialect)
	cfg = filepath.Join(t.TempDir(), "samvad.yaml")
	body := "database_url: '" + url + "'\ndepartments: [{id: health}, {id: police}]\nintegrations: [{id: city, phone_number_id: '1', department: health}]\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, url
}

func TestKeysCommands(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			cfg, url := accessConfig(t, dialect)
			code, out, errOut := runCmd(t, "", "keys", "create", "--config", cfg, "--department", "health", "--role", "agent", "--name", "front desk")
			if code != 0 || !strings.HasPrefix(out, "sk_") || !strings.Contains(errOut, "shown only now") {
				t.Fatalf("create: %d %q %q", code, out, errOut)
			}
			secret := strings.TrimSpace(out)

			st, err := store.Open(context.Background(), url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			k, err := st.AuthenticateKey(context.Background(), secret)
			if err != nil || k.Role != "agent" || k.Department != "health" || k.Name != "front desk" {
				t.Fatalf("the printed key: %+v, %v", k, err)
			}

			code, out, _ = runCmd(t, "", "keys", "list", "--config", cfg)
			if code != 0 || !strings.Contains(out, k.ID) || !strings.Contains(out, "sk_"+k.Prefix+"_…") || strings.Contains(out, secret) {
				t.Fatalf("list: %d\n%s", code, out)
			}
			if code, out, _ = runCmd(t, "", "keys", "list", "--config", cfg, "--department", "police"); code != 0 || strings.Contains(out, k.ID) {
				t.Errorf("police's keys: %d\n%s", code, out)
			}
			if code, out, _ = runCmd(t, "", "keys", "revoke", "--config", cfg, k.ID); code != 0 || !strings.Contains(out, "revoked") {
				t.Fatalf("revoke: %d %s", code, out)
			}
			if _, err := st.AuthenticateKey(context.Background(), secret); err == nil {
				t.Error("the revoked key still works")
			}

			bad := []struct {
				args []string
				code int
				want string
			}{
				{[]string{"keys", "create", "--config", cfg, "--department", "health"}, 2, "needs --department and --role"},
				{[]string{"keys", "create", "--config", cfg, "--department", "helth", "--role", "admin"}, 2, `"helth" is not a department`},
				{[]string{"keys", "create", "--config", cfg, "--department", "health", "--role", "root"}, 1, `role "root"`},
				{[]string{"keys", "revoke", "--config", cfg, "key_none"}, 1, "not found"},
				{[]string{"keys", "revoke", "--config", cfg}, 2, "one key id"},
				{[]string{"keys", "rotate"}, 2, "unknown subcommand"},
				{[]string{"keys"}, 2, "Usage"},
			}
			for _, c := range bad {
				code, _, errOut := runCmd(t, "", c.args...)
				if code != c.code || !strings.Contains(errOut, c.want) {
					t.Errorf("%v: %d %q, want %d with %q", c.args, code, errOut, c.code, c.want)
				}
			}

			// Each change is in the audit log, by the CLI's user.
			es, err := st.AuditLog(context.Background(), "health", 0, 10)
			if err != nil || len(es) != 2 || es[0].Action != "key.revoke" || es[1].Action != "key.create" || !strings.HasPrefix(es[0].Actor, "cli:") {
				t.Fatalf("audit: %+v, %v", es, err)
			}
			if strings.Contains(string(es[1].After), secret[12:]) {
				t.Error("the audit log holds the secret")
			}
			if code, out, _ := runCmd(t, "", "audit", "verify", "--config", cfg); code != 0 || !strings.Contains(out, "OK: 2 rows") {
				t.Errorf("verify: %d %s", code, out)
			}
		})
	}
}

func TestUsersCommands(t *testing.T) {
	cfg, url := accessConfig(t, "sqlite")
	const pw = "a good long password\n"
	code, out, errOut := runCmd(t, pw, "users", "create", "--config", cfg, "--department", "police", "--role", "viewer", "--login", "ravi", "--name", "Ravi")
	if code != 0 || !strings.Contains(out, `sign in as "ravi"`) {
		t.Fatalf("create: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "short\n", "users", "create", "--config", cfg, "--department", "police", "--role", "viewer", "--login", "x"); code != 1 || !strings.Contains(errOut, "at least 12") {
		t.Errorf("a weak password: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "", "users", "create", "--config", cfg, "--department", "police", "--role", "viewer", "--login", "y"); code != 1 || !strings.Contains(errOut, "no password") {
		t.Errorf("no password: %d %s", code, errOut)
	}
	st, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.VerifyPassword(context.Background(), "ravi", strings.TrimSpace(pw)); err != nil {
		t.Fatalf("the account does not sign in: %v", err)
	}
	if code, out, _ := runCmd(t, "", "users", "list", "--config", cfg); code != 0 || !strings.Contains(out, "ravi") || strings.Contains(out, "argon2") {
		t.Errorf("list: %d %s", code, out)
	}
	if code, out, _ := runCmd(t, "", "users", "disable", "--config", cfg, "ravi"); code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("disable: %d %s", code, out)
	}
	if _, err := st.VerifyPassword(context.Background(), "ravi", strings.TrimSpace(pw)); err == nil {
		t.Error("a disabled account signs in")
	}
	if code, _, errOut := runCmd(t, "too short\n", "users", "password", "--config", cfg, "ravi"); code != 1 || !strings.Contains(errOut, "at least 12") {
		t.Errorf("a weak new password: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "x\n", "users", "password", "--config", cfg, "nobody"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("no such user: %d %s", code, errOut)
	}
	if code, out, errOut := runCmd(t, "a new long password\n", "users", "password", "--config", cfg, "ravi"); code != 0 || !strings.Contains(out, "may sign in") {
		t.Fatalf("password: %d %s %s", code, out, errOut)
	}
	if _, err := st.VerifyPassword(context.Background(), "ravi", "a new long password"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if es, _ := st.AuditLog(context.Background(), "police", 0, 10); len(es) != 3 || es[0].Action != "user.password" || es[1].Action != "user.disable" {
		t.Errorf("audit: %+v", es)
	}
}

// A row edited in the database: audit verify names it and exits 1.
func TestAuditVerifyFindsAnEdit(t *testing.T) {
	cfg, url := accessConfig(t, "sqlite")
	for i := 0; i < 3; i++ {
		if code, _, errOut := runCmd(t, "", "keys", "create", "--config", cfg, "--department", "health", "--role", "viewer"); code != 0 {
			t.Fatal(errOut)
		}
	}
	st, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AppendAudit(context.Background(), store.AuditEntry{Actor: "x", Action: "y"}); err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(url, "sqlite:")
	edit(t, db, "UPDATE audit_log SET actor = 'someone else' WHERE id = 2")
	code, out, _ := runCmd(t, "", "audit", "verify", "--config", cfg)
	if code != 1 || !strings.Contains(out, "BROKEN at row 2") || !strings.Contains(out, "edited") {
		t.Fatalf("verify: %d %s", code, out)
	}
}

// edit runs SQL on a SQLite file, as someone with the database would.
func edit(t *testing.T, path, q string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}
