package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		k, secret, err := e.s.CreateAPIKey(ctx, "health", "agent", "front desk")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "sk_"+k.Prefix+"_") || len(secret) < 40 {
			t.Fatalf("key %q does not look like sk_%s_<secret>", secret, k.Prefix)
		}
		got, err := e.s.AuthenticateKey(ctx, secret)
		if err != nil || got.ID != k.ID || got.Role != "agent" || got.Department != "health" || !got.LastUsed.Equal(e.clock.Now()) {
			t.Fatalf("authenticate: %+v, %v", got, err)
		}
		for _, bad := range []string{"", "sk_", secret[:len(secret)-1] + "x", "sk_" + k.Prefix + "_", "sk_00000000_" + secret[12:], "Bearer " + secret} {
			if _, err := e.s.AuthenticateKey(ctx, bad); !errors.Is(err, ErrNotFound) {
				t.Errorf("key %q: %v, want ErrNotFound", bad, err)
			}
		}
		// The last use is written at most once a minute.
		e.clock.Advance(30 * time.Second)
		if got, _ := e.s.AuthenticateKey(ctx, secret); !got.LastUsed.Equal(e.clock.Now().Add(-30 * time.Second)) {
			t.Errorf("last use moved within the minute: %v", got.LastUsed)
		}
		e.clock.Advance(time.Minute)
		if _, err := e.s.AuthenticateKey(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.s.APIKeyByID(ctx, k.ID); !got.LastUsed.Equal(e.clock.Now()) {
			t.Errorf("last use %v, want %v", got.LastUsed, e.clock.Now())
		}

		if _, _, err := e.s.CreateAPIKey(ctx, "health", "root", "x"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `role "root"`) {
			t.Errorf("a bad role: %v", err)
		}
		if _, _, err := e.s.CreateAPIKey(ctx, "", "admin", "x"); !errors.Is(err, ErrInvalid) {
			t.Errorf("no department: %v", err)
		}
		other, _, err := e.s.CreateAPIKey(ctx, "police", "admin", "")
		if err != nil {
			t.Fatal(err)
		}
		if ks, err := e.s.APIKeys(ctx, "health"); err != nil || len(ks) != 1 || ks[0].ID != k.ID {
			t.Errorf("health's keys: %+v, %v", ks, err)
		}
		if ks, err := e.s.APIKeys(ctx, ""); err != nil || len(ks) != 2 || ks[1].ID != other.ID {
			t.Errorf("all keys: %+v, %v", ks, err)
		}

		before, err := e.s.RevokeAPIKey(ctx, k.ID)
		if err != nil || !before.Revoked.IsZero() {
			t.Fatalf("revoke: %+v, %v", before, err)
		}
		if _, err := e.s.AuthenticateKey(ctx, secret); !errors.Is(err, ErrNotFound) {
			t.Errorf("a revoked key: %v", err)
		}
		if again, err := e.s.RevokeAPIKey(ctx, k.ID); err != nil || again.Revoked.IsZero() {
			t.Errorf("revoking again: %+v, %v", again, err)
		}
		if _, err := e.s.RevokeAPIKey(ctx, "key_nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoking no key: %v", err)
		}
	})
}

func TestUsers(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const pw = "correct horse battery"
		u, err := e.s.CreateUser(ctx, User{Department: "health", Role: "supervisor", Login: "asha", Name: "Asha K"}, pw)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := e.s.VerifyPassword(ctx, "asha", pw); err != nil || got.ID != u.ID || got.Role != "supervisor" {
			t.Fatalf("verify: %+v, %v", got, err)
		}
		for _, c := range [][2]string{{"asha", pw + "!"}, {"asha", ""}, {"nobody", pw}} {
			if _, err := e.s.VerifyPassword(ctx, c[0], c[1]); !errors.Is(err, ErrWrongPassword) {
				t.Errorf("verify %q: %v, want ErrWrongPassword", c[0], err)
			}
		}
		bad := []struct {
			u    User
			pw   string
			want string
		}{
			{User{Department: "health", Role: "agent", Login: "short"}, "elevenchars", "at least 12"},
			{User{Department: "health", Role: "agent", Login: "asha"}, pw, "taken"},
			{User{Department: "health", Role: "agent", Login: "Asha Two"}, pw, "lowercase"},
			{User{Department: "health", Role: "boss", Login: "b"}, pw, "role"},
		}
		for _, c := range bad {
			if _, err := e.s.CreateUser(ctx, c.u, c.pw); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("create %+v: %v, want %q", c.u, err, c.want)
			}
		}
		if got, err := e.s.UserByLogin(ctx, "asha"); err != nil || got.Name != "Asha K" {
			t.Errorf("by login: %+v, %v", got, err)
		}
		if _, err := e.s.UserByLogin(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("by login, nobody: %v", err)
		}
		if us, err := e.s.Users(ctx, "health"); err != nil || len(us) != 1 {
			t.Errorf("users: %+v, %v", us, err)
		}
		if us, err := e.s.Users(ctx, "police"); err != nil || len(us) != 0 {
			t.Errorf("police's users: %+v, %v", us, err)
		}
		if _, err := e.s.DisableUser(ctx, "asha"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.VerifyPassword(ctx, "asha", pw); !errors.Is(err, ErrWrongPassword) {
			t.Errorf("a disabled user signed in: %v", err)
		}
		if _, err := e.s.DisableUser(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("disable nobody: %v", err)
		}
		// A new password enables the account again; the old one no longer works.
		if err := e.s.SetPassword(ctx, "asha", "another good password"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.VerifyPassword(ctx, "asha", "another good password"); err != nil {
			t.Errorf("the new password: %v", err)
		}
		if _, err := e.s.VerifyPassword(ctx, "asha", pw); !errors.Is(err, ErrWrongPassword) {
			t.Errorf("the old password: %v", err)
		}
		if err := e.s.SetPassword(ctx, "asha", "short"); !errors.Is(err, ErrInvalid) {
			t.Errorf("a short password: %v", err)
		}
		if err := e.s.SetPassword(ctx, "nobody", "another good password"); !errors.Is(err, ErrNotFound) {
			t.Errorf("no such user: %v", err)
		}
	})
}

func TestPasswordHashFormat(t *testing.T) {
	t.Parallel()
	h := hashPassword("a long enough password")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q", h)
	}
	if h == hashPassword("a long enough password") {
		t.Error("two hashes of one password are the same: no salt")
	}
	if !checkPassword(h, "a long enough password") || checkPassword(h, "a long enough passworD") {
		t.Error("checkPassword is wrong")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", strings.Replace(h, "p=2", "p=0", 1), h[:len(h)-3] + "!!!"} {
		if checkPassword(bad, "a long enough password") {
			t.Errorf("a malformed hash %q matched", bad)
		}
	}
}

func TestAuditChain(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for i := range 5 {
			_, err := e.s.AppendAudit(ctx, AuditEntry{Department: []string{"health", "police"}[i%2], Actor: "asha", KeyID: "key_1",
				Action: "case.move", Target: fmt.Sprintf("case/GRV-%d", i), Before: json.RawMessage(`{"status":"open"}`),
				After: json.RawMessage(`{"status":"resolved"}`)})
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Second)
		}
		if b, n, err := e.s.VerifyAudit(ctx); b != nil || n != 5 || err != nil {
			t.Fatalf("a whole chain: %v, %d, %v", b, n, err)
		}
		es, err := e.s.AuditLog(ctx, "health", 0, 2)
		if err != nil || len(es) != 2 || es[0].ID != 5 || es[1].ID != 3 || string(es[0].Before) != `{"status":"open"}` {
			t.Fatalf("health's log: %+v, %v", es, err)
		}
		if es, _ := e.s.AuditLog(ctx, "health", 3, 10); len(es) != 1 || es[0].ID != 1 || !es[0].At.Equal(e.clock.Now().Add(-5*time.Second)) {
			t.Fatalf("health's log after 3: %+v", es)
		}
		if _, err := e.s.AppendAudit(ctx, AuditEntry{Actor: "a", Action: "x", After: json.RawMessage(`{`)}); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad JSON: %v", err)
		}

		e.exec(`UPDATE audit_log SET after = '{"status":"closed"}' WHERE id = 3`)
		if b, _, _ := e.s.VerifyAudit(ctx); b == nil || b.ID != 3 || !strings.Contains(b.Reason, "edited") {
			t.Fatalf("an edited row: %v", b)
		}
		e.exec(`UPDATE audit_log SET after = '{"status":"resolved"}' WHERE id = 3`)
		e.exec(`DELETE FROM audit_log WHERE id = 4`)
		if b, _, _ := e.s.VerifyAudit(ctx); b == nil || b.ID != 5 || !strings.Contains(b.Reason, "missing") {
			t.Fatalf("a deleted row: %v", b)
		}
		// Re-number the rest to hide the gap: the link breaks instead.
		e.exec(`UPDATE audit_log SET id = 4 WHERE id = 5`)
		if b, _, _ := e.s.VerifyAudit(ctx); b == nil || b.ID != 4 || !strings.Contains(b.Reason, "prev_hash") {
			t.Fatalf("a deleted row, renumbered: %v", b)
		}
		e.exec(`DELETE FROM audit_log WHERE id = 1`)
		if b, _, _ := e.s.VerifyAudit(ctx); b == nil || b.ID != 2 || !strings.Contains(b.Reason, "rows 1 to 1") {
			t.Fatalf("the first row deleted: %v", b)
		}
	})
}

// Appends from several writers at once form one chain.
func TestAuditConcurrentAppends(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		other := e.open(e.opts) // a second process
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := []*Store{e.s, other}[i%2]
				_, err := s.AppendAudit(ctx, AuditEntry{Department: "health", Actor: "a", Action: "x", Target: fmt.Sprint(i)})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if b, n, err := e.s.VerifyAudit(ctx); b != nil || n != 40 || err != nil {
			t.Fatalf("after concurrent appends: %v, %d, %v", b, n, err)
		}
	})
}
