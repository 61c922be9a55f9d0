package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
	"github.com/samvad/samvad/internal/servertest"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server"
)

const (
	sampleSecret  = "test_app_secret_FICTIONAL"
	samplePhoneID = "200000000000002"
	sampleCitizen = "15555550101"
	sampleToken   = "e2e-access-token"
	samplesDir    = "../adapters/whatsapp/testdata"
)

// e2e is a running server with an integration for the sample payloads'
// business number, sending to a fake Graph API on 127.0.0.1.
type e2e struct {
	t    *testing.T
	fake *graphsim.Server
	url  string
}

func startE2E(t *testing.T, dialect string, tune ...func(*server.Integration)) *e2e {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	fake := graphsim.New(graphsim.Options{AccessToken: sampleToken, PhoneNumberID: samplePhoneID,
		CallbackURL: "http://" + addr + "/api/v1/integration/whatsapp/city/callback", AppSecret: sampleSecret,
		StatusDelay: 20 * time.Millisecond})
	graphURL, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	fake.AddMedia("1000000000000002", graphsim.MediaFile{MimeType: "image/jpeg", Data: []byte("\xff\xd8\xff fake jpeg")})
	fake.AddMedia("1000000000000003", graphsim.MediaFile{MimeType: "audio/ogg; codecs=opus", Data: []byte("OggS fake voice note")})
	fake.AddMedia("1000000000000004", graphsim.MediaFile{MimeType: "application/pdf", Data: []byte("%PDF-1.4 fake")})
	dbURL := testdb.URL(t, dialect)
	srv := servertest.New(t, func(c *server.Config) {
		off := false
		c.Simulator = &off
		c.Listen, c.DatabaseURL = addr, dbURL
		// The samples were sent in January 2026; answer them as if it were then.
		epoch, started := time.Unix(1767261600, 0), time.Now()
		c.Clock = func() time.Time { return epoch.Add(time.Since(started)) }
		c.SecretKey = server.Secret(strings.Repeat("ab", 32))
		c.Graph.BaseURL = graphURL
		c.Integrations = []server.Integration{{ID: "city", PhoneNumberID: samplePhoneID, VerifyToken: "verify-me",
			AppSecret: sampleSecret, AccessToken: sampleToken, Attachments: true}}
		for _, f := range tune {
			f(&c.Integrations[0])
		}
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &e2e{t: t, fake: fake, url: srv.URL()}
}

// post sends a webhook body with the given signature and returns the status.
func (e *e2e) post(body []byte, signature string) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/api/v1/integration/whatsapp/city/callback", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(whatsapp.SignatureHeader, signature)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// replies counts the messages the fake Graph API accepted for a citizen.
func (e *e2e) replies(citizen string) []graphsim.Message {
	var out []graphsim.Message
	for _, m := range e.fake.Messages() {
		if m.To == "+"+citizen {
			out = append(out, m)
		}
	}
	return out
}

// waitReplies waits until the citizen has more than n replies and no more
// arrive for a moment; it returns the new ones.
func (e *e2e) waitReplies(citizen string, n int) []graphsim.Message {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if got := e.replies(citizen); len(got) > n {
			time.Sleep(150 * time.Millisecond)
			return e.replies(citizen)[n:]
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("no reply to %s after %d", citizen, n)
	return nil
}

// quiet checks that the citizen gets no further reply.
func (e *e2e) quiet(citizen string, n int, what string) {
	e.t.Helper()
	time.Sleep(700 * time.Millisecond)
	if got := e.replies(citizen); len(got) != n {
		e.t.Fatalf("%s: the bot answered %d more messages: %+v", what, len(got)-n, got[n:])
	}
}

// say posts a signed text message from a citizen, sent at the given time.
func (e *e2e) say(citizen, text string, at time.Time) {
	e.t.Helper()
	body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"100000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":%q},"contacts":[{"profile":{"name":"Ana"},"wa_id":%q}],"messages":[{"from":%q,"id":"wamid.E2E%d","timestamp":"%d","type":"text","text":{"body":%q}}]}}]}]}`,
		samplePhoneID, citizen, citizen, at.UnixNano(), at.Unix(), text)
	if code := e.post([]byte(body), whatsapp.Sign([]byte(body), sampleSecret)); code != http.StatusOK {
		e.t.Fatalf("posting %q: status %d", text, code)
	}
}

// sampleTime reads the timestamp of a sample's first message.
func sampleTime(t *testing.T, body []byte) time.Time {
	var env struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Messages []struct {
						Timestamp string `json:"timestamp"`
					} `json:"messages"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	sec, err := strconv.ParseInt(env.Entry[0].Changes[0].Value.Messages[0].Timestamp, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(sec, 0)
}

func signatures(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join(samplesDir, "SIGNATURES.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, sig, ok := strings.Cut(sc.Text(), " "); ok && strings.HasSuffix(name, ".json") {
			out[name] = sig
		}
	}
	return out
}

func sample(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEveryWebhookSample(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { testEveryWebhookSample(t, dialect) })
	}
}

func testEveryWebhookSample(t *testing.T, dialect string) {
	e := startE2E(t, dialect)
	sigs := signatures(t)
	if len(sigs) < 17 {
		t.Fatalf("only %d signatures read", len(sigs))
	}
	// Every citizen message gets an answer, in order, except a reaction.
	// Between two samples the citizen types 0, as the bot invites them to, so
	// that each sample reaches the main menu rather than an officer.
	n := 0
	for i, name := range []string{"01_text.json", "02_image_with_caption.json", "03_audio_voice_note.json", "04_document.json",
		"05_location.json", "06_interactive_button_reply.json", "07_interactive_list_reply.json",
		"08_template_quick_reply_button.json", "10_unsupported_with_errors.json", "16_text_context_reply.json",
		"18_interactive_nfm_reply_flow.json"} {
		body := sample(t, name)
		if i > 0 {
			e.say(sampleCitizen, "0", sampleTime(t, body).Add(-time.Second))
			n += len(e.waitReplies(sampleCitizen, n))
		}
		if code := e.post(body, sigs[name]); code != http.StatusOK {
			t.Fatalf("%s: status %d", name, code)
		}
		got := e.waitReplies(sampleCitizen, n)
		n += len(got)
		if strings.Contains(got[0].Text, "did not reach us") {
			t.Fatalf("%s: the file was not downloaded: %q", name, got[0].Text)
		}
		switch name {
		case "01_text.json":
			if !strings.Contains(got[0].Text, "Choose your language") {
				t.Fatalf("a new citizen writing in English letters should get the language menu, got %q", got[0].Text)
			}
		case "10_unsupported_with_errors.json":
			if !strings.Contains(got[0].Text, "I can only read text, photos, documents and locations") {
				t.Fatalf("an unsupported message should be answered politely, got %q", got[0].Text)
			}
		}
	}
	if code := e.post(sample(t, "09_reaction.json"), sigs["09_reaction.json"]); code != http.StatusOK {
		t.Fatalf("reaction: status %d", code)
	}
	e.quiet(sampleCitizen, n, "a reaction")

	// Meta re-delivers: no second answer.
	if code := e.post(sample(t, "01_text.json"), sigs["01_text.json"]); code != http.StatusOK {
		t.Fatalf("re-delivery: status %d", code)
	}
	e.quiet(sampleCitizen, n, "a re-delivered message")

	// Statuses and value-level errors are recorded, never answered.
	for _, name := range []string{"11_status_sent.json", "12_status_delivered.json", "13_status_read.json",
		"14_status_failed.json", "19_value_level_errors.json"} {
		if code := e.post(sample(t, name), sigs[name]); code != http.StatusOK {
			t.Fatalf("%s: status %d", name, code)
		}
	}
	e.quiet(sampleCitizen, n, "statuses")
	e.quiet("15555550102", 0, "a failed status for another citizen")

	if rejected := e.fake.RejectedSends(); len(rejected) > 0 {
		t.Fatalf("the fake Graph API refused %d of our messages, first: %v", len(rejected), rejected[0].Err)
	}
}

func TestWebhookRefusals(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { testWebhookRefusals(t, dialect) })
	}
}

func testWebhookRefusals(t *testing.T, dialect string) {
	e := startE2E(t, dialect)
	body := bytes.Replace(sample(t, "01_text.json"), []byte("FAKEINTEXT"), []byte("FRESHTEXT0"), 1)
	body = bytes.Replace(body, []byte("15555550101"), []byte("15555550199"), -1)

	if code := e.post(body, whatsapp.Sign(body, "another secret")); code != http.StatusUnauthorized {
		t.Fatalf("a wrong signature: status %d, want 401", code)
	}
	if code := e.post(body, ""); code != http.StatusUnauthorized {
		t.Fatalf("no signature: status %d, want 401", code)
	}
	e.quiet("15555550199", 0, "a refused webhook")
	// Nothing was stored: the same message, correctly signed, is new.
	if code := e.post(body, whatsapp.Sign(body, sampleSecret)); code != http.StatusOK {
		t.Fatalf("the signed message: status %d", code)
	}
	e.waitReplies("15555550199", 0)

	// One unusable item (a message with no sender, a status with no
	// value) is set aside; the rest of the POST is stored and answered.
	mixed := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"100000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":%q},"messages":[{"id":"wamid.NOSENDER","timestamp":"1767261500","type":"text","text":{"body":"hi"}},{"from":"15555550198","id":"wamid.MIXED1","timestamp":"1767261500","type":"text","text":{"body":"hi"}}],"statuses":[{"id":"wamid.NOSTATUS","timestamp":"1767261500","recipient_id":"15555550198"}]}}]}]}`, samplePhoneID)
	if code := e.post([]byte(mixed), whatsapp.Sign([]byte(mixed), sampleSecret)); code != http.StatusOK {
		t.Fatalf("a POST with one unusable message among good ones: status %d, want 200", code)
	}
	if got := e.waitReplies("15555550198", 0); !strings.Contains(got[0].Text, "Choose your language") {
		t.Fatalf("the good message of a mixed POST got %q", got[0].Text)
	}

	bad := []byte(`{"object":"page","entry":[]}`)
	if code := e.post(bad, whatsapp.Sign(bad, sampleSecret)); code != http.StatusBadRequest {
		t.Fatalf("a body that is not a WhatsApp notification: status %d, want 400", code)
	}
	junk := []byte(`{"object":`)
	if code := e.post(junk, whatsapp.Sign(junk, sampleSecret)); code != http.StatusBadRequest {
		t.Fatalf("malformed JSON: status %d, want 400", code)
	}
	huge := bytes.Repeat([]byte(" "), 3<<20+1)
	if code := e.post(huge, whatsapp.Sign(huge, sampleSecret)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over 3 MB: status %d, want 413", code)
	}

	// Meta's subscription check.
	res, err := http.Get(e.url + "/api/v1/integration/whatsapp/city/callback?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || buf.String() != "1158201444" {
		t.Fatalf("verification: %d %q", res.StatusCode, buf.String())
	}
	res, err = http.Get(e.url + "/api/v1/integration/whatsapp/city/callback?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("a wrong verify token: %d, want 403", res.StatusCode)
	}
}

// A citizen who changes their number carries on where they were: WhatsApp's
// "user_changed_number" notice moves their contact, session and grievances
// to the new number before anything the new number sends is stepped.
func TestChangeOfNumberKeepsTheConversation(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { testChangeOfNumber(t, dialect) })
	}
}

func testChangeOfNumber(t *testing.T, dialect string) {
	e := startE2E(t, dialect)
	const oldNo, newNo = "919877700001", "919877700002"
	at := time.Unix(1767261600, 0).Add(-time.Minute)
	e.say(oldNo, "hi", at)
	if got := e.waitReplies(oldNo, 0); !strings.Contains(got[0].Text, "Choose your language") {
		t.Fatalf("first reply %q, want the language menu", got[0].Text)
	}
	n := len(e.replies(oldNo))
	e.say(oldNo, "1", at.Add(time.Second))
	if got := e.waitReplies(oldNo, n); !strings.Contains(got[len(got)-1].Text, "Namaste!") {
		t.Fatalf("after choosing English: %q, want the main menu", got[len(got)-1].Text)
	}

	notice := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"100000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":%q},"messages":[{"from":%q,"id":"wamid.E2ESYS1","timestamp":"%d","type":"system","system":{"body":"User A changed from %s to %s","wa_id":%q,"type":"user_changed_number"}}]}}]}]}`,
		samplePhoneID, oldNo, at.Add(2*time.Second).Unix(), oldNo, newNo, newNo)
	for range 2 { // Meta may deliver it twice
		if code := e.post([]byte(notice), whatsapp.Sign([]byte(notice), sampleSecret)); code != http.StatusOK {
			t.Fatalf("the change-of-number notice: status %d", code)
		}
	}
	e.quiet(newNo, 0, "a change-of-number notice")

	// A menu label: answered at the main menu it starts the complaint; a
	// new citizen would be asked for a language instead.
	e.say(newNo, "Lodge a complaint", at.Add(3*time.Second))
	got := e.waitReplies(newNo, 0)
	if !strings.Contains(got[0].Text, "What is the complaint about?") {
		t.Fatalf("the new number's first message got %q, want the complaint chosen at the main menu (the session carried over)", got[0].Text)
	}
}

// A file over the integration's max_media_bytes is not downloaded: the
// citizen is told it is too large, and is not answered as if it had come.
func TestAFileTooLargeIsSaidSo(t *testing.T) {
	e := startE2E(t, "sqlite", func(in *server.Integration) { in.MaxMediaBytes = 8 })
	body := sample(t, "02_image_with_caption.json")
	if code := e.post(body, signatures(t)["02_image_with_caption.json"]); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	got := e.waitReplies(sampleCitizen, 0)
	if !strings.Contains(got[0].Text, "that file is too large for us") {
		t.Fatalf("a photo over max_media_bytes got %q, want the too-large note", got[0].Text)
	}
	if n := e.fake.MediaDownloads(); n != 0 {
		t.Fatalf("%d downloads of a file known to be too large", n)
	}
}
