package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/argon2"

	"github.com/samvad/samvad/adapters/store/internal/driver"
)

// User is an account of the console: a person who signs in with a login
// and a password, acting for one department with one role.
type User struct {
	ID         string
	Department string
	Role       string
	Login      string
	Name       string
	Created    time.Time
	Disabled   time.Time
}

type userModel struct {
	bun.BaseModel `bun:"table:users"`

	ID           string      `bun:"id,pk"`
	Department   string      `bun:"department"`
	Role         string      `bun:"role"`
	Login        string      `bun:"login"`
	DisplayName  string      `bun:"display_name"`
	PasswordHash string      `bun:"password_hash"`
	CreatedAt    driver.Time `bun:"created_at"`
	DisabledAt   driver.Time `bun:"disabled_at"`
}

func (m *userModel) user() User {
	return User{ID: m.ID, Department: m.Department, Role: m.Role, Login: m.Login, Name: m.DisplayName,
		Created: m.CreatedAt.T, Disabled: m.DisabledAt.T}
}

// MinPasswordLength is the shortest password CreateUser accepts.
const MinPasswordLength = 12

// ErrWrongPassword is VerifyPassword's answer to an unknown login, a
// disabled user or a wrong password alike, so that the answer does not
// tell which logins exist.
var ErrWrongPassword = errors.New("store: wrong login or password")

// The argon2id parameters: 64 MiB of memory, 3 passes, 2 lanes, a 16-byte
// salt and a 32-byte hash — the second recommendation of RFC 9106 (§4),
// with the lanes cut to this service's two cores. About 0.1 s a sign-in.
// They are written into each hash, so raising them later leaves older
// hashes readable.
const (
	argonMemory  = 64 * 1024
	argonTime    = 3
	argonThreads = 2
	argonSaltLen = 16
	argonKeyLen  = 32
)

// hashPassword is password's argon2id hash in the PHC string form.
func hashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt)
	sum := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(sum))
}

// checkPassword tells whether password matches encoded, comparing in
// constant time.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, passes uint32
	var lanes uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &lanes); err != nil || lanes == 0 || passes == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, lanes, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the login is unknown, so that an
// unknown login takes as long to refuse as a wrong password.
var dummyHash = sync.OnceValue(func() string { return hashPassword("samvad: no such user") })

// checkLogin checks a login: 1 to 64 letters, digits, '.', '-', '_' or '@'.
func checkLogin(login string) error {
	if login == "" || len(login) > 64 {
		return invalidf("login %q must be 1 to 64 characters", trimTo(login, 80))
	}
	for _, r := range login {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_@", r)) {
			return invalidf("login %q may hold only lowercase letters, digits, '.', '-', '_' and '@'", trimTo(login, 80))
		}
	}
	return nil
}

// CreateUser makes an account. The password must be at least
// MinPasswordLength characters; only its argon2id hash is kept.
func (s *Store) CreateUser(ctx context.Context, u User, password string) (User, error) {
	u.Name = cleanText(strings.TrimSpace(u.Name))
	if err := checkAccount(u.Department, u.Role, u.Name); err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	if err := checkLogin(u.Login); err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	if n := utf8.RuneCountInString(password); n < MinPasswordLength {
		return User{}, fmt.Errorf("store: create user: %w", invalidf("the password is %d characters; at least %d are needed", n, MinPasswordLength))
	}
	m := &userModel{ID: "usr_" + randomText(6), Department: u.Department, Role: u.Role, Login: u.Login, DisplayName: u.Name,
		PasswordHash: hashPassword(password), CreatedAt: driver.At(s.now().UTC().Truncate(time.Microsecond))}
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*userModel)(nil)).Where("login = ?", u.Login).Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return invalidf("login %q is taken", u.Login)
		}
		_, err = tx.NewInsert().Model(m).Exec(ctx)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return m.user(), nil
}

// UserByLogin returns the account with login, or ErrNotFound.
func (s *Store) UserByLogin(ctx context.Context, login string) (User, error) {
	m, err := s.userRow(ctx, "login", login)
	if err != nil {
		return User{}, err
	}
	return m.user(), nil
}

func (s *Store) userRow(ctx context.Context, column, value string) (*userModel, error) {
	var m userModel
	err := s.read(ctx, func(db *bun.DB) error {
		return db.NewSelect().Model(&m).Where("? = ?", bun.Ident(column), value).Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("store: user %s: %w", trimTo(value, 64), err)
	}
	return &m, nil
}

// VerifyPassword returns the enabled account whose login and password
// these are, or ErrWrongPassword; it takes about as long whichever part
// was wrong.
func (s *Store) VerifyPassword(ctx context.Context, login, password string) (User, error) {
	m, err := s.userRow(ctx, "login", login)
	switch {
	case errors.Is(err, ErrNotFound):
		checkPassword(dummyHash(), password)
		return User{}, ErrWrongPassword
	case err != nil:
		return User{}, err
	}
	if !checkPassword(m.PasswordHash, password) || !m.DisabledAt.T.IsZero() {
		return User{}, ErrWrongPassword
	}
	return m.user(), nil
}

// Users lists the accounts of department (every department's when it is
// empty), by login.
func (s *Store) Users(ctx context.Context, department string) ([]User, error) {
	var ms []userModel
	err := s.read(ctx, func(db *bun.DB) error {
		q := db.NewSelect().Model(&ms).OrderExpr("login")
		if department != "" {
			q.Where("department = ?", department)
		}
		return q.Scan(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	us := make([]User, len(ms))
	for i := range ms {
		us[i] = ms[i].user()
	}
	return us, nil
}

// DisableUser stops an account (given by id or login) from signing in and
// returns it as it was before; ErrNotFound when there is none.
func (s *Store) DisableUser(ctx context.Context, idOrLogin string) (User, error) {
	var before userModel
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(&before).Where("id = ?", idOrLogin).WhereOr("login = ?", idOrLogin).Limit(1).Scan(ctx)
		if err != nil || !before.DisabledAt.T.IsZero() {
			return err
		}
		_, err = tx.NewUpdate().Model((*userModel)(nil)).Set("disabled_at = ?", driver.At(s.now().UTC())).
			Where("id = ?", before.ID).Exec(ctx)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("store: disable user %s: %w", trimTo(idOrLogin, 64), err)
	}
	return before.user(), nil
}

// SetPassword gives the account login a new password (at least
// MinPasswordLength characters) and enables it; ErrNotFound when there is
// no such account.
func (s *Store) SetPassword(ctx context.Context, login, password string) error {
	if n := utf8.RuneCountInString(password); n < MinPasswordLength {
		return fmt.Errorf("store: set password: %w", invalidf("the password is %d characters; at least %d are needed", n, MinPasswordLength))
	}
	hash := hashPassword(password)
	err := s.write(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*userModel)(nil)).Set("password_hash = ?", hash).Set("disabled_at = NULL").
			Where("login = ?", login).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set password of %s: %w", trimTo(login, 64), err)
	}
	return nil
}
