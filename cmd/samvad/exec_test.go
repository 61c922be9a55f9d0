package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary act as samvad itself: loadgen --exec
// starts os.Executable() serve …, which in a test is this binary. (Not a
// SAMVAD_ variable: loadgen keeps those from the servers it starts.)
const childEnv = "SAMVADCMD_TEST_AS_SAMVAD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// loadgen --exec runs the server as a process of its own and reads the
// server's own acknowledgement times from its /metrics.
func TestLoadgenExec(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	t.Setenv(childEnv, "1")
	code, out, errOut := runCmd(t, "", "loadgen", "--exec", "--rate", "40", "--count", "40", "--citizens", "10",
		"--flows", "../../flows", "--locales", "../../locales", "--sample", "0")
	if code != 0 {
		t.Fatalf("loadgen --exec exited %d:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"invariants: OK: 40 of 40 messages", "webhook ack as the server timed it", "n 40\n", "server processes"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the report lacks %q:\n%s", want, out)
		}
	}
}

// A server that refuses its configuration stops at once, and loadgen says
// so then, with the server's own message, instead of waiting for it.
func TestLoadgenExecReportsAServerThatCannotStart(t *testing.T) {
	t.Setenv(childEnv, "1")
	code, _, errOut := runCmd(t, "", "loadgen", "--exec", "--step-batch", "300", "--count", "10",
		"--flows", "../../flows", "--locales", "../../locales", "--sample", "0")
	if code != 1 || !strings.Contains(errOut, "step_batch: 300 is not between 1 and 256") || !strings.Contains(errOut, "stopped before it was ready") {
		t.Fatalf("a server that cannot start: exit %d:\n%s", code, errOut)
	}
}

// samvad serve (as make run starts it) ends its welcome with the
// simulator's address, says nothing more on stdout, answers /healthz with
// its version, and stops cleanly on SIGTERM.
func TestServeEndsItsWelcomeWithTheSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "samvad.yaml")
	body := "listen: 127.0.0.1:0\ndatabase_url: sqlite:" + filepath.Join(dir, "s.db") + "\nflows: ../../flows\nlocales: ../../locales\nlog_level: warn\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "serve", "--config", cfg)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdout := &syncWriter{w: &bytes.Buffer{}}
	cmd.Stdout = stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	out := ""
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out, "/simulator"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no simulator address within 30s:\n%s", out)
		}
		out = stdout.String()
	}
	base := regexp.MustCompile(`is running on (http://\S+)`).FindStringSubmatch(out)
	if base == nil {
		t.Fatalf("no address in:\n%s", out)
	}
	res, err := http.Get(base[1] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	health, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.HasPrefix(string(health), "ok ") || !strings.Contains(out, "Samvad "+strings.Fields(string(health))[1]) {
		t.Errorf("/healthz answered %q; the welcome says:\n%s", health, out)
	}
	checkPrintedKey(t, out, base[1], dir)
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve did not stop cleanly: %v", err)
	}
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; last != "Chat as a citizen (type \"hi\" or \"नमस्ते\"): "+base[1]+"/simulator" {
		t.Fatalf("the last line is %q, want the simulator's address:\n%s", last, strings.Join(lines, "\n"))
	}
}

// checkPrintedKey checks that the welcome's admin key answers /api/v1/me
// for the simulator's department, and that its files are private.
func checkPrintedKey(t *testing.T, out, base, dir string) {
	t.Helper()
	m := regexp.MustCompile(`API key \(admin, simulator\): (sk_\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "curl -s -H 'Authorization: Bearer "+m[1]+"' "+base+"/api/v1/me") ||
		!strings.Contains(out, "Console login: admin / ") {
		t.Fatalf("no admin key, curl line or login in:\n%s", out)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(me), `"department":"simulator"`) || !strings.Contains(string(me), `"role":"admin"`) {
		t.Errorf("/api/v1/me with the printed key: %d %s", res.StatusCode, me)
	}
	for _, f := range []string{"admin.key", "admin.password"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v", f, st, err)
		}
	}
}

// syncWriter is a buffer a child process writes while the test reads it.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
