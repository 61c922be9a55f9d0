package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server"
)

// TestMain lets the test binary run as a `samvad serve` process, so that the
// crash test can kill -9 a real server and start another.
func TestMain(m *testing.M) {
	if cfgPath := os.Getenv("SAMVAD_TEST_SERVE"); cfgPath != "" {
		os.Exit(serveForTest(cfgPath))
	}
	os.Exit(m.Run())
}

func serveForTest(cfgPath string) int {
	cfg, err := server.LoadConfig(cfgPath, os.Environ())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	srv, err := server.New(context.Background(), cfg, server.NewLogger(os.Stderr, "text", "warn"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := srv.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// crashServer is a server child process.
type crashServer struct {
	cmd *exec.Cmd
}

func startChild(t *testing.T, cfgPath, addr string) *crashServer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SAMVAD_TEST_SERVE="+cfgPath)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return &crashServer{cmd: cmd}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatal("the server process did not become ready")
	return nil
}

func (c *crashServer) kill9() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
}

func TestExactlyOnceAcrossKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { testExactlyOnceAcrossKill9(t, dialect) })
	}
}

func testExactlyOnceAcrossKill9(t *testing.T, dialect string) {
	const citizens, perCitizen = 20, 10
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	fake := graphsim.New(graphsim.Options{AccessToken: sampleToken, PhoneNumberID: samplePhoneID})
	fake.SetLatency(2 * time.Millisecond)
	graphURL, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	dbURL := testdb.URL(t, dialect)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "samvad.yaml")
	cfg := fmt.Sprintf(`listen: %q
database_url: %q
secret_key: %s
flows: ../flows
locales: ../locales
media_dir: %q
simulator: false
workers: 4
graph: {base_url: %q, timeout: 2s}
allow_unconnected: true
integrations:
  - {id: city, phone_number_id: %q, verify_token: v, app_secret: %q, access_token: %q}
`, addr, dbURL, strings.Repeat("cd", 32), filepath.Join(dir, "media"), graphURL, samplePhoneID, sampleSecret, sampleToken)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	first := startChild(t, cfgPath, addr)
	// Every citizen types 0 ten times; each 0 gets exactly one reply.
	base := time.Now().Add(-time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for c := 0; c < citizens; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			citizen := fmt.Sprintf("9190000%05d", c)
			for i := 0; i < perCitizen; i++ {
				at := base.Add(time.Duration(i) * time.Second)
				body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":%q},"contacts":[{"profile":{"name":"C"},"wa_id":%q}],"messages":[{"from":%q,"id":"wamid.K9%s%02d","timestamp":"%d","type":"text","text":{"body":"0"}}]}}]}]}`,
					samplePhoneID, citizen, citizen, citizen, i, at.Unix())
				for attempt := 0; attempt < 50; attempt++ {
					req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/integration/whatsapp/city/callback", strings.NewReader(body))
					req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign([]byte(body), sampleSecret))
					res, err := http.DefaultClient.Do(req)
					if err == nil {
						res.Body.Close()
						if res.StatusCode == http.StatusOK {
							mu.Lock()
							acked++
							mu.Unlock()
							break
						}
					}
					time.Sleep(100 * time.Millisecond) // the server is down: Meta retries
				}
			}
		}(c)
	}
	// Kill the server while it works, then start another on the same database.
	if _, err := fake.WaitFor(30, 20*time.Second); err != nil {
		t.Fatalf("no replies before the crash: %v", err)
	}
	first.kill9()
	second := startChild(t, cfgPath, addr)
	defer second.kill9()
	wg.Wait()
	if acked != citizens*perCitizen {
		t.Fatalf("%d messages acknowledged, want %d", acked, citizens*perCitizen)
	}

	st, err := store.Open(context.Background(), dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(90 * time.Second)
	for {
		in, out, parked, err := st.QueueDepths(context.Background())
		if err == nil && in == 0 && out == 0 {
			if parked != 0 {
				t.Fatalf("%d messages were parked", parked)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queues did not drain: inbox %d, outbox %d (%v)", in, out, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	resent := 0
	for c := 0; c < citizens; c++ {
		citizen := fmt.Sprintf("9190000%05d", c)
		rows, err := st.ContactOutbox(context.Background(), store.ContactID("city", citizen))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != perCitizen {
			t.Errorf("citizen %d: %d replies queued for %d messages (each message must take effect exactly once)", c, len(rows), perCitizen)
		}
		got := 0
		for _, m := range fake.Messages() {
			if m.To == "+"+citizen {
				got++
			}
		}
		for _, r := range rows {
			if r.Status != "sent" && r.Status != "delivered" && r.Status != "read" {
				t.Errorf("citizen %d: a reply ended %s", c, r.Status)
			}
			if r.Claims > r.Attempts+1 {
				resent++ // claimed by the killed process: it may have gone out twice
			}
		}
		if got < perCitizen {
			t.Errorf("citizen %d: the Graph API received %d replies, want %d", c, got, perCitizen)
		}
	}
	total := len(fake.Messages())
	if dup := total - citizens*perCitizen; dup > resent {
		t.Fatalf("%d duplicate sends, but only %d replies were in flight when the process died", dup, resent)
	}
	t.Logf("%s: %d messages, %d replies, %d possibly re-sent after the crash", dialect, citizens*perCitizen, total, resent)
}
