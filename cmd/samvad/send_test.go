package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
	"github.com/samvad/samvad/internal/servertest"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server"
)

const (
	sendPhoneID   = "123456789012345"
	sendAppSecret = "send-test-app-secret"
	sendToken     = "send-test-access-token"
	sendCitizen   = "919812345678"
)

// sendTarget is a running server with the integration "city", whose Graph
// API is a graphsim on 127.0.0.1, and a configuration file for samvad send
// that names the server's store and the integration's app secret only.
type sendTarget struct {
	fake   *graphsim.Server
	config string
}

func startSendTarget(t *testing.T, dialect, appSecretInFile string) *sendTarget {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	fake := graphsim.New(graphsim.Options{AccessToken: sendToken, PhoneNumberID: sendPhoneID, AppSecret: sendAppSecret,
		CallbackURL: "http://" + addr + "/api/v1/integration/whatsapp/city/callback", StatusDelay: 10 * time.Millisecond})
	graphURL, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	dbURL := testdb.URL(t, dialect)
	srv := servertest.New(t, func(c *server.Config) {
		off := false
		c.Simulator, c.Listen, c.DatabaseURL, c.Graph.BaseURL = &off, addr, dbURL, graphURL
		c.SecretKey = server.Secret(strings.Repeat("cd", 32))
		c.Integrations = []server.Integration{{ID: "city", PhoneNumberID: sendPhoneID, VerifyToken: "v",
			AppSecret: sendAppSecret, AccessToken: sendToken, Languages: []string{"en", "hi"}}}
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	// No verify token, access token or secret key: send needs none of them.
	cfg := filepath.Join(t.TempDir(), "samvad.yaml")
	body := fmt.Sprintf("listen: %s\ndatabase_url: %q\nintegrations:\n  - id: city\n    phone_number_id: %q\n    app_secret: %s\n",
		addr, dbURL, sendPhoneID, appSecretInFile)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return &sendTarget{fake: fake, config: cfg}
}

// sentTo counts the messages the fake Graph API accepted for the citizen.
func (st *sendTarget) sentTo(citizen string) int {
	n := 0
	for _, m := range st.fake.Messages() {
		if m.To == "+"+citizen {
			n++
		}
	}
	return n
}

var grievanceRow = regexp.MustCompile(`\[(\S+~grievance)\] शिकायत दर्ज करें`)

func TestSendTalksToAConfiguredIntegration(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			target := startSendTarget(t, dialect, sendAppSecret)

			// A first message in Devanagari: the service answers in Hindi
			// with the main menu, a list whose row ids send prints.
			code, out, errOut := runCmd(t, "", "send", "--config", target.config, "--integration", "city", "--from", "+91 98123 45678", "नमस्ते")
			if code != 0 {
				t.Fatalf("send exited %d:\n%s%s", code, out, errOut)
			}
			for _, want := range []string{`→ "नमस्ते" to city`, "← reply 1 (interactive, ", "नंबर लिखकर जवाब दें", `list "चुनें" (--list ID):`} {
				if !strings.Contains(out, want) {
					t.Errorf("the output lacks %q:\n%s", want, out)
				}
			}
			if !regexp.MustCompile(`reply 1 \(interactive, (sent|delivered|read)\)`).MatchString(out) {
				t.Errorf("no delivery status in:\n%s", out)
			}
			row := grievanceRow.FindStringSubmatch(out)
			if row == nil {
				t.Fatalf("the grievance row is not listed:\n%s", out)
			}
			if n := target.sentTo(sendCitizen); n != 1 {
				t.Fatalf("the Graph API got %d messages for the citizen, want the menu", n)
			}

			// Choosing the row by its id, as a tap on the list would.
			code, out, errOut = runCmd(t, "", "send", "--config", target.config, "--from", sendCitizen, "--list", row[1])
			if code != 0 || !strings.Contains(out, `→ list "शिकायत दर्ज करें"`) || !strings.Contains(out, "शिकायत किस बारे में है?") {
				t.Fatalf("send --list exited %d:\n%s%s", code, out, errOut)
			}
			if strings.Contains(out, "नंबर लिखकर जवाब दें") {
				t.Errorf("the menu's reply was printed again as a reply to the choice:\n%s", out)
			}

			// A citizen who writes in Latin script first picks a language,
			// from buttons; tapping one sends its title and the reply that
			// offered it, as WhatsApp does.
			const other = "919811111111"
			code, out, errOut = runCmd(t, "", "send", "--config", target.config, "--from", other, "hi")
			button := regexp.MustCompile(`\[(\S+~hi)\] हिन्दी`).FindStringSubmatch(out)
			if code != 0 || !strings.Contains(out, "buttons (--button ID):") || button == nil {
				t.Fatalf("send hi exited %d:\n%s%s", code, out, errOut)
			}
			code, out, errOut = runCmd(t, "", "send", "--config", target.config, "--from", other, "--button", button[1])
			if code != 0 || !strings.Contains(out, `→ button "हिन्दी"`) || !strings.Contains(out, "नंबर लिखकर जवाब दें") {
				t.Fatalf("send --button exited %d:\n%s%s", code, out, errOut)
			}
		})
	}
}

func TestSendExplainsARefusedSignature(t *testing.T) {
	t.Parallel()
	target := startSendTarget(t, "sqlite", "not-the-servers-secret")
	code, out, errOut := runCmd(t, "", "send", "--config", target.config, "--from", sendCitizen, "hi")
	if code != 1 || !strings.Contains(errOut, "refused the signature (401)") || strings.Contains(errOut, "not-the-servers-secret") {
		t.Fatalf("send with the wrong app secret: exit %d\n%s%s", code, out, errOut)
	}
	if n := target.sentTo(sendCitizen); n != 0 {
		t.Fatalf("a refused webhook was answered %d times", n)
	}
}

func TestSendRefusesBadArguments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "samvad.yaml")
	body := "listen: 127.0.0.1:1\ndatabase_url: sqlite:" + filepath.Join(dir, "s.db") +
		"\nintegrations: [{id: city, phone_number_id: '1', app_secret: s}, {id: town, phone_number_id: '2', app_secret: s}]\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for args, want := range map[string]string{
		"--from 919812345678 hi":                                    "--integration is required: one of city, town",
		"--integration village --from 919812345678 hi":              `--integration "village" is not in the configuration`,
		"--integration city --from 98123 hi":                        "--from must be a WhatsApp number",
		"--integration city --from 919812345678":                    "say one thing",
		"--integration city --from 919812345678 --button b hi":      "say one thing",
		"--integration city --from 919812345678 --location 91,10":   "--location \"91,10\" must be LATITUDE,LONGITUDE",
		"--integration city --from 919812345678 --server ftp://x a": "must start with http://",
	} {
		code, _, errOut := runCmd(t, "", append([]string{"send", "--config", cfg}, strings.Fields(args)...)...)
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("send %s: exit %d, %q; want 2 and %q", args, code, errOut, want)
		}
	}
	// The store is read, never created: a wrong directory is an error.
	code, _, errOut := runCmd(t, "", "send", "--config", cfg, "--integration", "city", "--from", "919812345678", "hi")
	if code != 1 || !strings.Contains(errOut, "is not there") {
		t.Errorf("send without the service's store: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.db")); err == nil {
		t.Error("send created a store")
	}
}

func TestListenURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		":8080":          "http://127.0.0.1:8080",
		"[::]:9000":      "http://127.0.0.1:9000",
		"10.0.0.5:80":    "http://10.0.0.5:80",
		"127.0.0.1:0":    "",
	} {
		got, err := listenURL(addr)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("listenURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
}
