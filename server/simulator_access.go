package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/samvad/samvad/adapters/store"
)

// LocalAccess is what `make run` prints for trying the staff API and the
// console on this machine: an admin key and an admin login of the
// simulator's department, each kept in a file of the data directory.
type LocalAccess struct {
	Department      string
	Key, KeyFile    string
	Login, Password string
	PasswordFile    string
}

// simulatorLogin is the console account LocalAccess keeps.
const simulatorLogin = "admin"

// dataDir is where the service keeps its files: beside the SQLite
// database, or the parent of the media directory.
func (c *Config) dataDir() string {
	if !isPostgres(c.DatabaseURL) {
		return filepath.Dir(strings.TrimPrefix(c.DatabaseURL, "sqlite:"))
	}
	return filepath.Dir(c.MediaDir)
}

// SimulatorAccess returns a working admin key and console login for the
// simulator's department, when the simulator is on: the ones kept in
// data/admin.key and data/admin.password when they still work, otherwise
// new ones (written there, 0600, and to the audit log). ok is false when
// the simulator is off.
func (s *Server) SimulatorAccess(ctx context.Context) (acc LocalAccess, ok bool, err error) {
	if s.sim == nil {
		return LocalAccess{}, false, nil
	}
	dir := s.cfg.dataDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return LocalAccess{}, true, fmt.Errorf("the data directory: %w", err)
	}
	acc = LocalAccess{Department: simulatorDepartment, KeyFile: filepath.Join(dir, "admin.key"),
		Login: simulatorLogin, PasswordFile: filepath.Join(dir, "admin.password")}
	if acc.Key, err = s.localKey(ctx, acc.KeyFile); err != nil {
		return acc, true, err
	}
	if acc.Password, err = s.localPassword(ctx, acc.PasswordFile); err != nil {
		return acc, true, err
	}
	return acc, true, nil
}

// localKey is the admin key in path if it still works, else a new one.
func (s *Server) localKey(ctx context.Context, path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		key := strings.TrimSpace(string(b))
		k, err := s.store.AuthenticateKey(ctx, key)
		switch {
		case err == nil && k.Role == "admin" && k.Department == simulatorDepartment:
			return key, nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return "", err
		}
	}
	k, key, err := s.store.CreateAPIKey(ctx, simulatorDepartment, "admin", "make run")
	if err != nil {
		return "", err
	}
	if err := writeSecretFile(path, key); err != nil {
		return "", fmt.Errorf("writing the admin key: %w", err)
	}
	return key, s.auditLocal(ctx, "key.create", "key/"+k.ID, map[string]string{"id": k.ID, "role": k.Role, "prefix": k.Prefix, "name": k.Name})
}

// localPassword is the password in path if it signs in as admin, else a
// new one given to the admin account (made if missing).
func (s *Server) localPassword(ctx context.Context, path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		pw := strings.TrimSpace(string(b))
		if u, err := s.store.VerifyPassword(ctx, simulatorLogin, pw); err == nil && u.Department == simulatorDepartment {
			return pw, nil
		}
	}
	pw := randomHex(12)
	u, err := s.store.UserByLogin(ctx, simulatorLogin)
	switch {
	case errors.Is(err, store.ErrNotFound):
		u, err = s.store.CreateUser(ctx, store.User{Department: simulatorDepartment, Role: "admin", Login: simulatorLogin, Name: "Administrator"}, pw)
		if err != nil {
			return "", err
		}
		err = s.auditLocal(ctx, "user.create", "user/"+u.ID, map[string]string{"id": u.ID, "login": u.Login, "role": u.Role})
	case err != nil:
		return "", err
	case u.Department != simulatorDepartment:
		return "", fmt.Errorf("the login %q belongs to department %s; no console login is made for the simulator", simulatorLogin, u.Department)
	default:
		if err = s.store.SetPassword(ctx, simulatorLogin, pw); err == nil {
			err = s.auditLocal(ctx, "user.password", "user/"+u.ID, map[string]string{"id": u.ID, "login": u.Login})
		}
	}
	if err != nil {
		return "", err
	}
	if err := writeSecretFile(path, pw); err != nil {
		return "", fmt.Errorf("writing the admin password: %w", err)
	}
	return pw, nil
}

// auditLocal records a change the service made itself.
func (s *Server) auditLocal(ctx context.Context, action, target string, after any) error {
	b, _ := json.Marshal(after)
	_, err := s.store.AppendAudit(ctx, store.AuditEntry{Department: simulatorDepartment, Actor: "serve", Action: action, Target: target, After: b})
	return err
}

// writeSecretFile writes a secret to path, readable by its owner only
// (a file already there is replaced, whatever its mode was).
func writeSecretFile(path, secret string) error {
	_ = os.Remove(path)
	return os.WriteFile(path, []byte(secret+"\n"), 0o600)
}
