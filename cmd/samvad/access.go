package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/server"
)

// accessCmd is what the keys, users and audit commands share: the
// configuration, the open store, and where to write.
type accessCmd struct {
	name           string
	cfg            *server.Config
	st             *store.Store
	stdout, stderr io.Writer
}

// openAccess parses a keys/users/audit subcommand's flags and opens the
// store. When it returns nil the command ends with code.
func openAccess(name string, args []string, stdout, stderr io.Writer, define func(*flag.FlagSet)) (*accessCmd, *flag.FlagSet, int) {
	cfg, fs, code := loadConfigFlags(name, args, server.ForStore, stdout, stderr, define)
	if cfg == nil {
		return nil, nil, code
	}
	st, err := store.Open(context.Background(), cfg.DatabaseURL, store.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "samvad %s: %v\n", name, err)
		return nil, nil, 1
	}
	return &accessCmd{name: name, cfg: cfg, st: st, stdout: stdout, stderr: stderr}, fs, 0
}

// fail prints err and returns exit code 1.
func (c *accessCmd) fail(err error) int {
	fmt.Fprintf(c.stderr, "samvad %s: %v\n", c.name, err)
	return 1
}

// usageError prints a mistake in the command's arguments: exit code 2.
func (c *accessCmd) usageError(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "samvad %s: %s\n", c.name, fmt.Sprintf(format, args...))
	return 2
}

// checkDepartment refuses a department the configuration does not name.
func (c *accessCmd) checkDepartment(d string) error {
	var known []string
	for _, dep := range c.cfg.Departments {
		if dep.ID == d {
			return nil
		}
		known = append(known, dep.ID)
	}
	return fmt.Errorf("--department %q is not a department of the configuration (it has: %s)", d, strings.Join(known, ", "))
}

// audit records what the command changed, as "cli:<os user>".
func (c *accessCmd) audit(department, action, target string, before, after any) error {
	e := store.AuditEntry{Department: department, Actor: cliActor(), Action: action, Target: target}
	if before != nil {
		e.Before, _ = json.Marshal(before)
	}
	if after != nil {
		e.After, _ = json.Marshal(after)
	}
	if _, err := c.st.AppendAudit(context.Background(), e); err != nil {
		return fmt.Errorf("the change was made but not written to the audit log: %w", err)
	}
	return nil
}

// cliActor is who the audit log says ran a command: cli:<os user>.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli:uid" + fmt.Sprint(os.Getuid())
}

// subcommand splits "keys create …" into "create" and the rest.
func subcommand(name string, args []string, subs []string, stdout, stderr io.Writer) (string, []string, int, bool) {
	help := fmt.Sprintf("Usage:\n  samvad %s (%s) [options]\n\nRun \"samvad %s <subcommand> -h\" for its options.\n", name, strings.Join(subs, " | "), name)
	if len(args) == 0 {
		fmt.Fprint(stderr, help)
		return "", nil, 2, false
	}
	if args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, help)
		return "", nil, 0, false
	}
	for _, s := range subs {
		if args[0] == s {
			return s, args[1:], 0, true
		}
	}
	fmt.Fprintf(stderr, "samvad %s: unknown subcommand %q\n%s", name, args[0], help)
	return "", nil, 2, false
}

// keyView is a key as the CLI and the audit log show it: never its hash.
type keyView struct {
	ID         string `json:"id"`
	Department string `json:"department"`
	Role       string `json:"role"`
	Name       string `json:"name"`
	Prefix     string `json:"prefix"`
	Revoked    bool   `json:"revoked"`
}

func viewKey(k store.APIKey) keyView {
	return keyView{ID: k.ID, Department: k.Department, Role: k.Role, Name: k.Name, Prefix: k.Prefix, Revoked: !k.Revoked.IsZero()}
}

// runKeys manages the staff API's keys.
func runKeys(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	sub, rest, code, ok := subcommand("keys", args, []string{"create", "list", "revoke"}, stdout, stderr)
	if !ok {
		return code
	}
	var dept, role, name string
	c, fs, code := openAccess("keys", rest, stdout, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&dept, "department", "", "the key's department (create), or only this department's keys (list)")
		if sub == "create" {
			fs.StringVar(&role, "role", "", "admin, supervisor, agent or viewer")
			fs.StringVar(&name, "name", "", "who or what the key is for")
		}
	})
	if c == nil {
		return code
	}
	defer c.st.Close()
	ctx := context.Background()
	switch sub {
	case "create":
		if dept == "" || role == "" || fs.NArg() > 0 {
			return c.usageError("create needs --department and --role (and no other arguments)")
		}
		if err := c.checkDepartment(dept); err != nil {
			return c.usageError("%v", err)
		}
		k, secret, err := c.st.CreateAPIKey(ctx, dept, role, name)
		if err != nil {
			return c.fail(err)
		}
		if err := c.audit(dept, "key.create", "key/"+k.ID, nil, viewKey(k)); err != nil {
			return c.fail(err)
		}
		fmt.Fprintf(stdout, "%s\n", secret)
		fmt.Fprintf(stderr, "key %s (%s, %s) made; the line above is the key: it is shown only now\n", k.ID, k.Role, k.Department)
		return 0
	case "list":
		if fs.NArg() > 0 {
			return c.usageError("list takes no arguments")
		}
		ks, err := c.st.APIKeys(ctx, dept)
		if err != nil {
			return c.fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tDEPARTMENT\tROLE\tKEY\tNAME\tCREATED\tLAST USED\tREVOKED")
		for _, k := range ks {
			fmt.Fprintf(tw, "%s\t%s\t%s\tsk_%s_…\t%s\t%s\t%s\t%s\n", k.ID, k.Department, k.Role, k.Prefix, k.Name,
				day(k.Created), day(k.LastUsed), day(k.Revoked))
		}
		_ = tw.Flush()
		return 0
	default: // revoke
		if fs.NArg() != 1 {
			return c.usageError("revoke needs one key id (samvad keys list shows them)")
		}
		before, err := c.st.RevokeAPIKey(ctx, fs.Arg(0))
		if err != nil {
			return c.fail(err)
		}
		if !before.Revoked.IsZero() {
			fmt.Fprintf(stdout, "key %s was already revoked\n", before.ID)
			return 0
		}
		after := viewKey(before)
		after.Revoked = true
		if err := c.audit(before.Department, "key.revoke", "key/"+before.ID, viewKey(before), after); err != nil {
			return c.fail(err)
		}
		fmt.Fprintf(stdout, "key %s (sk_%s_…) revoked\n", before.ID, before.Prefix)
		return 0
	}
}

// day is t as a date and time in UTC, or "-" when zero.
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// userView is an account as the CLI and the audit log show it.
type userView struct {
	ID         string `json:"id"`
	Department string `json:"department"`
	Role       string `json:"role"`
	Login      string `json:"login"`
	Name       string `json:"name"`
	Disabled   bool   `json:"disabled"`
}

func viewUser(u store.User) userView {
	return userView{ID: u.ID, Department: u.Department, Role: u.Role, Login: u.Login, Name: u.Name, Disabled: !u.Disabled.IsZero()}
}

// runUsers manages the console's accounts.
func runUsers(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sub, rest, code, ok := subcommand("users", args, []string{"create", "list", "disable", "password"}, stdout, stderr)
	if !ok {
		return code
	}
	var dept, role, login, name string
	c, fs, code := openAccess("users", rest, stdout, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&dept, "department", "", "the account's department (create), or only this department's (list)")
		if sub == "create" {
			fs.StringVar(&role, "role", "", "admin, supervisor, agent or viewer")
			fs.StringVar(&login, "login", "", "the name to sign in with (lowercase letters, digits, . - _ @)")
			fs.StringVar(&name, "name", "", "the person's name, as the console shows it")
		}
	})
	if c == nil {
		return code
	}
	defer c.st.Close()
	ctx := context.Background()
	switch sub {
	case "create":
		if dept == "" || role == "" || login == "" || fs.NArg() > 0 {
			return c.usageError("create needs --department, --role and --login (and no other arguments)")
		}
		if err := c.checkDepartment(dept); err != nil {
			return c.usageError("%v", err)
		}
		password, err := readPassword(stdin, stderr)
		if err != nil {
			return c.fail(err)
		}
		u, err := c.st.CreateUser(ctx, store.User{Department: dept, Role: role, Login: login, Name: name}, password)
		if err != nil {
			return c.fail(err)
		}
		if err := c.audit(dept, "user.create", "user/"+u.ID, nil, viewUser(u)); err != nil {
			return c.fail(err)
		}
		fmt.Fprintf(stdout, "user %s (%s, %s) made: sign in as %q\n", u.ID, u.Role, u.Department, u.Login)
		return 0
	case "list":
		if fs.NArg() > 0 {
			return c.usageError("list takes no arguments")
		}
		us, err := c.st.Users(ctx, dept)
		if err != nil {
			return c.fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLOGIN\tDEPARTMENT\tROLE\tNAME\tCREATED\tDISABLED")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Login, u.Department, u.Role, u.Name, day(u.Created), day(u.Disabled))
		}
		_ = tw.Flush()
		return 0
	case "password":
		return c.resetPassword(fs, stdin)
	default: // disable
		if fs.NArg() != 1 {
			return c.usageError("disable needs one login or user id")
		}
		before, err := c.st.DisableUser(ctx, fs.Arg(0))
		if err != nil {
			return c.fail(err)
		}
		if !before.Disabled.IsZero() {
			fmt.Fprintf(stdout, "user %s was already disabled\n", before.Login)
			return 0
		}
		after := viewUser(before)
		after.Disabled = true
		if err := c.audit(before.Department, "user.disable", "user/"+before.ID, viewUser(before), after); err != nil {
			return c.fail(err)
		}
		fmt.Fprintf(stdout, "user %s disabled: they can no longer sign in\n", before.Login)
		return 0
	}
}

// resetPassword gives an account a new password (read as create reads
// it) and enables it again.
func (c *accessCmd) resetPassword(fs *flag.FlagSet, stdin io.Reader) int {
	if fs.NArg() != 1 {
		return c.usageError("password needs one login")
	}
	ctx := context.Background()
	u, err := c.st.UserByLogin(ctx, fs.Arg(0))
	if err != nil {
		return c.fail(err)
	}
	password, err := readPassword(stdin, c.stderr)
	if err != nil {
		return c.fail(err)
	}
	if err := c.st.SetPassword(ctx, u.Login, password); err != nil {
		return c.fail(err)
	}
	after := viewUser(u)
	after.Disabled = false
	if err := c.audit(u.Department, "user.password", "user/"+u.ID, viewUser(u), after); err != nil {
		return c.fail(err)
	}
	fmt.Fprintf(c.stdout, "user %s has a new password and may sign in\n", u.Login)
	return 0
}

// readPassword reads a new password: from a terminal, asked for twice;
// from a pipe, its first line.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	f, isFile := stdin.(*os.File)
	terminal := false
	if isFile {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			terminal = true
		}
	}
	in := bufio.NewReader(stdin)
	line := func() (string, error) {
		s, err := in.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && s != "") {
			return "", errors.New("no password given (type it, or pipe it on stdin)")
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	if !terminal {
		return line()
	}
	// On a terminal the password is read without echo (golang.org/x/term
	// switches the terminal's mode and back, on every platform).
	ask := func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return string(b), nil
	}
	p, err := ask(fmt.Sprintf("password (at least %d characters): ", store.MinPasswordLength))
	if err != nil {
		return "", err
	}
	again, err := ask("again: ")
	if err != nil {
		return "", err
	}
	if p != again {
		return "", errors.New("the two passwords differ")
	}
	return p, nil
}

// runAudit checks the audit log's hash chain.
func runAudit(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	sub, rest, code, ok := subcommand("audit", args, []string{"verify"}, stdout, stderr)
	if !ok || sub != "verify" {
		return code
	}
	c, fs, code := openAccess("audit", rest, stdout, stderr, nil)
	if c == nil {
		return code
	}
	defer c.st.Close()
	if fs.NArg() > 0 {
		return c.usageError("verify takes no arguments")
	}
	b, n, err := c.st.VerifyAudit(context.Background())
	switch {
	case err != nil:
		return c.fail(err)
	case b != nil:
		fmt.Fprintf(stdout, "BROKEN at %s (%d rows before it are whole)\n", b, n)
		return 1
	}
	fmt.Fprintf(stdout, "OK: %d rows, the chain is whole\n", n)
	return 0
}
