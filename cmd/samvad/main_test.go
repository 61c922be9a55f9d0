package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/server"
)

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := dispatch(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLintShippedFlows(t *testing.T) {
	code, out, errOut := runCmd(t, "", "lint", "../../flows", "../../locales")
	if code != 0 {
		t.Fatalf("lint of the shipped flows exited %d:\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "0 errors") {
		t.Fatalf("lint output: %s", out)
	}
}

func TestLintBrokenFlowNamesFileLineColumn(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("flow: broken\nnodes:\n  a:\n    say: grievance.ask_category\n    next: bee\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCmd(t, "", "lint", "../../flows", "../../locales", broken)
	if code != 1 {
		t.Fatalf("lint of a broken flow exited %d", code)
	}
	if !strings.Contains(out, broken+":5:11: error: unknown node \"bee\"") {
		t.Fatalf("lint did not point at the mistake:\n%s", out)
	}
	code, out, _ = runCmd(t, "", "lint", "--json", "../../flows", "../../locales", broken)
	var problems []map[string]any
	if err := json.Unmarshal([]byte(out), &problems); err != nil || code != 1 || len(problems) == 0 {
		t.Fatalf("--json: code %d, %v, %s", code, err, out)
	}
	if pos := problems[0]["pos"].(map[string]any); pos["line"].(float64) != 5 || pos["col"].(float64) != 11 {
		t.Fatalf("--json position: %v", problems[0])
	}
}

// A template Meta would refuse is reported where it is.
func TestLintChecksTemplates(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "notice.yaml")
	tpl := "templates:\n  notice:\n    category: UTILITY\n    parameters: [{name: ward}]\n    en:\n      body: \"{{1}} has no water today.\"\n"
	if err := os.WriteFile(broken, []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCmd(t, "", "lint", "../../flows", "../../locales", broken)
	if code != 1 || !strings.Contains(out, broken+":6:13: error: template \"notice\" in en: the body begins or ends with a variable") {
		t.Fatalf("lint exited %d:\n%s", code, out)
	}
}

func TestTestCommandRunsTranscripts(t *testing.T) {
	code, out, errOut := runCmd(t, "", "test", "../../flows", "../../locales")
	if code != 0 || !strings.Contains(out, "0 failed") {
		t.Fatalf("samvad test exited %d:\n%s%s", code, out, errOut)
	}
}

func TestChatShowsMenuAndFollowsChoice(t *testing.T) {
	// The complaint is chosen by its label: its number moves as services
	// are added to the menu.
	code, out, errOut := runCmd(t, "hi\nlodge a complaint\n", "chat", "--flow", "main", "--lang", "en", "--flows", "../../flows", "--locales", "../../locales")
	if code != 0 {
		t.Fatalf("chat exited %d: %s", code, errOut)
	}
	for _, want := range []string{"Reply with a number", ". Lodge a complaint", "What is the complaint about?", "2. Roads & footpaths"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, errOut := runCmd(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("code %d: %s", code, errOut)
	}
}

func TestServeRefusesABadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "samvad.yaml")
	if err := os.WriteFile(path, []byte("workers: -3\nlog_level: loud\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd(t, "", "serve", "--config", path)
	if code != 2 || !strings.Contains(errOut, "workers: -3") || !strings.Contains(errOut, "log_level") {
		t.Fatalf("code %d: %s", code, errOut)
	}
}

func TestMigrateCreatesTheStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "samvad.yaml")
	db := filepath.Join(t.TempDir(), "s.db")
	if err := os.WriteFile(path, []byte("database_url: sqlite:"+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "", "migrate", "--config", path)
	if code != 0 || !strings.Contains(out, "sqlite store is up to date") {
		t.Fatalf("code %d: %s %s", code, out, errOut)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatal(err)
	}
}

func TestFakegraphRefusesBadFlags(t *testing.T) {
	for args, want := range map[string]string{
		"--listen 0.0.0.0:8090":              "loopback only",
		"--listen 10.1.2.3:8090":             "loopback only",
		"--listen nonsense":                  "--listen",
		"--callback http://127.0.0.1:1/x":    "--callback needs --app-secret",
		"--listen 127.0.0.1:0 --fail-rate 2": "--fail-rate 2 is not between 0 and 1",
	} {
		code, _, errOut := runCmd(t, "", append([]string{"fakegraph"}, strings.Fields(args)...)...)
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("fakegraph %s: exit %d, %q; want 2 and %q", args, code, errOut, want)
		}
	}
}

// Every command answers -h and --help with its usage on stdout and status
// 0, as does samvad itself.
func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	for name := range commands {
		for _, flag := range []string{"-h", "--help"} {
			code, out, errOut := runCmd(t, "", name, flag)
			if code != 0 || !strings.Contains(out, "Usage:\n  samvad "+name) && !strings.HasPrefix(out, "samvad "+name) || errOut != "" {
				t.Errorf("samvad %s %s: exit %d\nstdout: %s\nstderr: %s", name, flag, code, out, errOut)
			}
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {}} {
		if code, out, _ := runCmd(t, "", args...); code != 0 || !strings.Contains(out, "samvad send") || !strings.Contains(out, "samvad version") {
			t.Errorf("samvad %v: exit %d: %s", args, code, out)
		}
	}
	if code, out, _ := runCmd(t, "", "help", "parked"); code != 0 || !strings.Contains(out, "-requeue") {
		t.Errorf("samvad help parked: exit %d: %s", code, out)
	}
	// A mistake is still one.
	if code, _, errOut := runCmd(t, "", "serve", "--no-such-flag"); code != 2 || !strings.Contains(errOut, "flag provided but not defined") {
		t.Errorf("a bad flag: exit %d: %s", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errOut := runCmd(t, "", args...)
		if code != 0 || !strings.HasPrefix(out, "samvad ") || !strings.Contains(out, "go:     "+runtime.Version()) || !strings.Contains(out, "commit: ") {
			t.Errorf("samvad %v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	if code, _, errOut := runCmd(t, "", "version", "extra"); code != 2 || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Errorf("version extra: exit %d: %s", code, errOut)
	}
	var buf bytes.Buffer
	printBuild(&buf, server.Build{Version: "v1.2.3", Commit: "0123456789abcdef", Modified: true, GoVersion: "go1.26.8",
		CommitTime: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), Built: time.Date(2026, 1, 6, 9, 0, 0, 0, time.UTC)})
	want := "samvad v1.2.3\n  commit: 0123456789abcdef with uncommitted changes, committed 2026-01-05T10:00:00Z\n  built:  2026-01-06T09:00:00Z\n  go:     go1.26.8\n"
	if buf.String() != want {
		t.Errorf("printBuild:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// migrate needs the database, not the integrations' secrets.
func TestMigrateNeedsNoIntegrationSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "samvad.yaml")
	if err := os.WriteFile(path, []byte("database_url: sqlite:"+filepath.Join(dir, "s.db")+"\nintegrations: [{id: city, phone_number_id: '1'}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCmd(t, "", "migrate", "--config", path); code != 0 {
		t.Fatalf("migrate: exit %d %s %s", code, out, errOut)
	}
	// serve needs them all, and names them all at once.
	code, _, errOut := runCmd(t, "", "serve", "--config", path)
	if code != 2 || !strings.Contains(errOut, "access_token is required") || !strings.Contains(errOut, "app_secret is required") || !strings.Contains(errOut, "verify_token is required") {
		t.Fatalf("serve: exit %d %s", code, errOut)
	}
}
