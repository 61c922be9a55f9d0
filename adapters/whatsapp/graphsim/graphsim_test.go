package graphsim_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
)

const token = "FAKE-TOKEN-for-graphsim-tests"

func start(t *testing.T, opts graphsim.Options) (*graphsim.Server, string) {
	t.Helper()
	if opts.AccessToken == "" {
		opts.AccessToken = token
	}
	s := graphsim.New(opts)
	base, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("not on loopback: %s", base)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, base
}

// post sends a raw body and returns the HTTP status and decoded answer.
func post(t *testing.T, url, tok, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer is not JSON: %s", b)
	}
	return resp.StatusCode, out
}

func errCode(out map[string]any) int {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return int(c)
}

func TestValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("ਖ", n) }
	env := func(typ, obj string) string {
		return `{"messaging_product":"whatsapp","to":"+15555550101","type":"` + typ + `","` + typ + `":` + obj + `}`
	}
	buttons := func(bs ...string) string {
		return env("interactive", `{"type":"button","body":{"text":"b"},"action":{"buttons":[`+strings.Join(bs, ",")+`]}}`)
	}
	btn := func(id, title string) string {
		return fmt.Sprintf(`{"type":"reply","reply":{"id":%q,"title":%q}}`, id, title)
	}
	rows := func(n, titleLen int) string {
		var r []string
		for i := range n {
			r = append(r, fmt.Sprintf(`{"id":"r%d","title":%q}`, i, long(titleLen)))
		}
		return env("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"Choose","sections":[{"rows":[`+strings.Join(r, ",")+`]}]}}`)
	}
	tests := []struct {
		name string
		body string
		code int // 0 = valid
	}{
		{"text", env("text", `{"body":"hello"}`), 0},
		{"text at limit", env("text", fmt.Sprintf(`{"body":%q}`, long(4096))), 0},
		{"text over limit", env("text", fmt.Sprintf(`{"body":%q}`, long(4097))), 100},
		{"text empty", env("text", `{"body":""}`), 100},
		{"preview not bool", env("text", `{"body":"x","preview_url":"yes"}`), 100},
		{"no messaging_product", `{"to":"+15555550101","type":"text","text":{"body":"x"}}`, 100},
		{"wrong messaging_product", `{"messaging_product":"sms","to":"+15555550101","type":"text","text":{"body":"x"}}`, 100},
		{"no recipient", `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`, 100},
		{"to without plus", `{"messaging_product":"whatsapp","to":"15555550101","type":"text","text":{"body":"x"}}`, 100},
		{"bsuid recipient", `{"messaging_product":"whatsapp","recipient":"US.1000000000000000001","type":"text","text":{"body":"x"}}`, 0},
		{"bad bsuid", `{"messaging_product":"whatsapp","recipient":"nope","type":"text","text":{"body":"x"}}`, 100},
		{"type object missing", `{"messaging_product":"whatsapp","to":"+15555550101","type":"image"}`, 100},
		{"unknown type", env("hologram", `{}`), 100},
		{"not json", `{"messaging_product":`, 100},
		{"opaque at limit", `{"messaging_product":"whatsapp","to":"+15555550101","biz_opaque_callback_data":"` + strings.Repeat("a", 512) + `","text":{"body":"x"}}`, 0},
		{"opaque over limit", `{"messaging_product":"whatsapp","to":"+15555550101","biz_opaque_callback_data":"` + strings.Repeat("a", 513) + `","text":{"body":"x"}}`, 100},
		{"context without id", `{"messaging_product":"whatsapp","to":"+15555550101","context":{},"type":"text","text":{"body":"x"}}`, 100},
		{"image link", env("image", `{"link":"https://example.org/a.png","caption":"c"}`), 0},
		{"image both", env("image", `{"link":"https://example.org/a.png","id":"1"}`), 100},
		{"image neither", env("image", `{"caption":"c"}`), 100},
		{"image relative link", env("image", `{"link":"/a.png"}`), 100},
		{"caption over limit", env("document", fmt.Sprintf(`{"id":"1","caption":%q}`, long(1025))), 100},
		{"audio caption", env("audio", `{"id":"1","caption":"c"}`), 100},
		{"location strings", env("location", `{"latitude":"28.6","longitude":"77.2"}`), 0},
		{"location numbers", env("location", `{"latitude":28.6,"longitude":77.2}`), 0},
		{"location out of range", env("location", `{"latitude":"98.6","longitude":"77.2"}`), 100},
		{"location missing", env("location", `{"latitude":"28.6"}`), 100},
		{"reaction", env("reaction", `{"message_id":"wamid.X","emoji":"👍"}`), 0},
		{"reaction remove", env("reaction", `{"message_id":"wamid.X","emoji":""}`), 0},
		{"reaction no emoji", env("reaction", `{"message_id":"wamid.X"}`), 100},
		{"reaction with context", `{"messaging_product":"whatsapp","to":"+15555550101","context":{"message_id":"wamid.Y"},"type":"reaction","reaction":{"message_id":"wamid.X","emoji":"👍"}}`, 100},
		{"three buttons", buttons(btn("1", "a"), btn("2", "b"), btn("3", "c")), 0},
		{"four buttons", buttons(btn("1", "a"), btn("2", "b"), btn("3", "c"), btn("4", "d")), 131009},
		{"no buttons", buttons(), 131009},
		{"button title 20", buttons(btn("1", long(20))), 0},
		{"button title 21", buttons(btn("1", long(21))), 131009},
		{"button id 257", buttons(btn(strings.Repeat("i", 257), "a")), 131009},
		{"duplicate titles", buttons(btn("1", "a"), btn("2", "a")), 131009},
		{"duplicate ids", buttons(btn("1", "a"), btn("1", "b")), 131009},
		{"button body over 1024", env("interactive", fmt.Sprintf(`{"type":"button","body":{"text":%q},"action":{"buttons":[%s]}}`, long(1025), btn("1", "a"))), 100},
		{"button no body", env("interactive", `{"type":"button","action":{"buttons":[`+btn("1", "a")+`]}}`), 100},
		{"footer over 60", env("interactive", fmt.Sprintf(`{"type":"button","body":{"text":"b"},"footer":{"text":%q},"action":{"buttons":[%s]}}`, long(61), btn("1", "a"))), 100},
		{"list 10 rows", rows(10, 24), 0},
		{"list 11 rows", rows(11, 5), 131009},
		{"list row title 25", rows(1, 25), 131009},
		{"list button 21", env("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"`+strings.Repeat("b", 21)+`","sections":[{"rows":[{"id":"r","title":"t"}]}]}}`), 131009},
		{"list description 73", env("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"B","sections":[{"rows":[{"id":"r","title":"t","description":"`+strings.Repeat("d", 73)+`"}]}]}}`), 131009},
		{"list two untitled sections", env("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"B","sections":[{"rows":[{"id":"r","title":"t"}]},{"rows":[{"id":"s","title":"u"}]}]}}`), 100},
		{"list rows across sections", env("interactive", `{"type":"list","body":{"text":"b"},"action":{"button":"B","sections":[{"title":"A","rows":[{"id":"r","title":"t"}]},{"title":"B","rows":[{"id":"r","title":"u"}]}]}}`), 131009},
		{"location request", env("interactive", `{"type":"location_request_message","body":{"text":"where?"},"action":{"name":"send_location"}}`), 0},
		{"location request wrong action", env("interactive", `{"type":"location_request_message","body":{"text":"where?"},"action":{"name":"x"}}`), 100},
		{"template", env("template", `{"name":"t","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"a"}]},{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"P"}]}]}`), 0},
		{"template no language", env("template", `{"name":"t"}`), 100},
		{"template button no index", env("template", `{"name":"t","language":{"code":"en"},"components":[{"type":"button","sub_type":"url","parameters":[{"type":"text","text":"x"}]}]}`), 100},
		{"mark read", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"}`, 0},
		{"typing", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X","typing_indicator":{"type":"text"}}`, 0},
		{"mark read no id", `{"messaging_product":"whatsapp","status":"read"}`, 100},
		{"bad status", `{"messaging_product":"whatsapp","status":"delivered","message_id":"wamid.X"}`, 100},
	}
	for _, tt := range tests {
		err := graphsim.Validate([]byte(tt.body))
		switch {
		case tt.code == 0 && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.code != 0 && err == nil:
			t.Errorf("%s: accepted", tt.name)
		case tt.code != 0 && (err.Code != tt.code || err.HTTPStatus != 400):
			t.Errorf("%s: code %d HTTP %d, want %d 400 (%v)", tt.name, err.Code, err.HTTPStatus, tt.code, err)
		}
	}
}

func TestAuthAndRouting(t *testing.T) {
	s, base := start(t, graphsim.Options{PhoneNumberID: "P1"})
	body := `{"messaging_product":"whatsapp","to":"+15555550101","type":"text","text":{"body":"hi"}}`
	for name, tok := range map[string]string{"none": "", "wrong": "other", "prefix": token[:5]} {
		st, out := post(t, base+"/v23.0/P1/messages", tok, body)
		if st != 401 || errCode(out) != 190 {
			t.Errorf("%s token: HTTP %d code %d", name, st, errCode(out))
		}
	}
	if st, out := post(t, base+"/v23.0/P2/messages", token, body); st != 400 || errCode(out) != 100 {
		t.Errorf("unknown phone id: HTTP %d code %d", st, errCode(out))
	}
	if st, out := post(t, base+"/latest/P1/messages", token, body); st != 400 || errCode(out) != 100 {
		t.Errorf("bad version: HTTP %d code %d", st, errCode(out))
	}
	if st, out := post(t, base+"/v23.0/P1/messages", token, `{"messaging_product":"whatsapp","to":"+15555550101","type":"text","text":{"body":""}}`); st != 400 || errCode(out) != 100 {
		t.Errorf("invalid body: HTTP %d code %d", st, errCode(out))
	}
	if n := len(s.RejectedSends()); n != 1 {
		t.Errorf("%d rejected recorded", n)
	}
	st, out := post(t, base+"/v23.0/P1/messages", token, body)
	if st != 200 || len(s.Messages()) != 1 {
		t.Fatalf("valid send: HTTP %d %v", st, out)
	}
	// Requests refused for their token are not send attempts; the others are.
	if s.SendAttempts() != 4 {
		t.Errorf("send attempts %d, want 4", s.SendAttempts())
	}
}

func TestSendAnswerAndWAMIDShape(t *testing.T) {
	s, base := start(t, graphsim.Options{})
	st, out := post(t, base+"/v24.0/P/messages", token, `{"messaging_product":"whatsapp","to":"+1 (555) 555-0101","type":"text","text":{"body":"hi"}}`)
	if st != 200 {
		t.Fatalf("HTTP %d %v", st, out)
	}
	contacts := out["contacts"].([]any)[0].(map[string]any)
	if contacts["input"] != "+1 (555) 555-0101" || contacts["wa_id"] != "15555550101" || out["messaging_product"] != "whatsapp" {
		t.Errorf("answer %v", out)
	}
	id := out["messages"].([]any)[0].(map[string]any)["id"].(string)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(id, "wamid."))
	if err != nil {
		t.Fatalf("wamid %q: %v", id, err)
	}
	// 1c 18 <len> <phone> 15 02 00 11 18 <len> <key> 00
	if raw[0] != 0x1c || raw[1] != 0x18 || int(raw[2]) != 11 || string(raw[3:14]) != "15555550101" ||
		!bytes.Equal(raw[14:18], []byte{0x15, 0x02, 0x00, 0x11}) || raw[18] != 0x18 || int(raw[19]) != 20 ||
		!strings.HasPrefix(string(raw[20:40]), "FAKE") || raw[40] != 0 || len(raw) != 41 {
		t.Errorf("wamid bytes % x", raw)
	}
	_, out2 := post(t, base+"/v24.0/P/messages", token, `{"messaging_product":"whatsapp","to":"+15555550101","type":"text","text":{"body":"again"}}`)
	if out2["messages"].([]any)[0].(map[string]any)["id"] == id {
		t.Error("wamid reused")
	}
	msgs, err := s.WaitFor(2, time.Second)
	if err != nil || msgs[0].WAMID != id || msgs[1].Text != "again" || msgs[0].Version != "v24.0" {
		t.Errorf("recorded %+v %v", msgs, err)
	}
	if _, err := s.WaitFor(3, 50*time.Millisecond); err == nil {
		t.Error("WaitFor(3) succeeded with 2 messages")
	}
	s.Reset()
	if len(s.Messages()) != 0 {
		t.Error("Reset kept messages")
	}
}

func TestWaitForWakesOnSend(t *testing.T) {
	s, base := start(t, graphsim.Options{})
	go func() {
		time.Sleep(20 * time.Millisecond)
		req, _ := http.NewRequest("POST", base+"/v23.0/P/messages", strings.NewReader(`{"messaging_product":"whatsapp","to":"+15555550101","text":{"body":"late"}}`))
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	msgs, err := s.WaitFor(1, 5*time.Second)
	if err != nil || msgs[0].Text != "late" || msgs[0].Type != "text" {
		t.Fatalf("%+v %v", msgs, err)
	}
}

// callback records signed webhooks the fake posts.
type callback struct {
	mu     sync.Mutex
	bodies [][]byte
	sigs   []string
	srv    *httptest.Server
}

func newCallback(t *testing.T) *callback {
	cb := &callback{}
	cb.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cb.mu.Lock()
		cb.bodies = append(cb.bodies, b)
		cb.sigs = append(cb.sigs, r.Header.Get("X-Hub-Signature-256"))
		cb.mu.Unlock()
		w.WriteHeader(200)
	}))
	t.Cleanup(cb.srv.Close)
	return cb
}

func (cb *callback) wait(t *testing.T, n int) ([][]byte, []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		cb.mu.Lock()
		if len(cb.bodies) >= n {
			defer cb.mu.Unlock()
			return cb.bodies, cb.sigs
		}
		cb.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("fewer than %d webhooks arrived", n)
	return nil, nil
}

func sendVia(t *testing.T, base, body string) string {
	t.Helper()
	st, out := post(t, base+"/v23.0/P9/messages", token, body)
	if st != 200 {
		t.Fatalf("HTTP %d %v", st, out)
	}
	return out["messages"].([]any)[0].(map[string]any)["id"].(string)
}

func TestStatusWebhooksAreSignedAndParse(t *testing.T) {
	cb := newCallback(t)
	const secret = "fake_app_secret"
	s, base := start(t, graphsim.Options{CallbackURL: cb.srv.URL, AppSecret: secret, WABAID: "W9", StatusDelay: time.Millisecond})
	wamid := sendVia(t, base, `{"messaging_product":"whatsapp","to":"+15555550101","biz_opaque_callback_data":"case-ñ-42","type":"text","text":{"body":"hi"}}`)
	bodies, sigs := cb.wait(t, 3)
	var got []string
	for i, b := range bodies {
		if !whatsapp.VerifySignature(b, sigs[i], secret) {
			t.Errorf("webhook %d: bad signature", i)
		}
		if bytes.ContainsRune(b, 'ñ') || !bytes.Contains(b, []byte(`case-\u00f1-42`)) {
			t.Errorf("webhook %d: non-ASCII not escaped as Meta does: %s", i, b)
		}
		n, err := whatsapp.Parse(b)
		if err != nil || len(n.Problems) != 0 || len(n.Statuses) != 1 {
			t.Fatalf("webhook %d: %v %+v", i, err, n)
		}
		st := n.Statuses[0]
		if st.WAMID != wamid || st.PhoneNumberID != "P9" || st.WABAID != "W9" || st.RecipientID != "15555550101" || st.BizOpaqueCallbackData != "case-ñ-42" || st.Timestamp.IsZero() {
			t.Errorf("status %+v", st)
		}
		got = append(got, st.Status)
	}
	if strings.Join(got, ",") != "sent,delivered,read" {
		t.Errorf("statuses %v", got)
	}
	// The log entry is written once the receiver's answer is read, which
	// may be just after the receiver has handed us the body.
	whs := s.Webhooks()
	for deadline := time.Now().Add(5 * time.Second); len(whs) < 3 && time.Now().Before(deadline); whs = s.Webhooks() {
		time.Sleep(5 * time.Millisecond)
	}
	if len(whs) != 3 || whs[0].StatusCode != 200 {
		t.Errorf("webhook log has %d entries, want 3 (the first answered 200)", len(whs))
	}
}

func TestFailedStatusShuffledAndDuplicated(t *testing.T) {
	cb := newCallback(t)
	_, base := start(t, graphsim.Options{CallbackURL: cb.srv.URL, AppSecret: "s", FailStatusCode: 131047, DuplicateStatuses: true, ShuffleStatuses: true, Seed: 7})
	sendVia(t, base, `{"messaging_product":"whatsapp","recipient":"US.1000000000000000001","type":"text","text":{"body":"hi"}}`)
	bodies, _ := cb.wait(t, 4)
	counts := map[string]int{}
	for _, b := range bodies {
		n, err := whatsapp.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		st := n.Statuses[0]
		counts[st.Status]++
		if st.RecipientUserID != "US.1000000000000000001" || st.RecipientID != "" {
			t.Errorf("BSUID recipient: %+v", st)
		}
		if st.Status == "failed" && (len(st.Errors) != 1 || st.Errors[0].Code != 131047) {
			t.Errorf("failed status errors %+v", st.Errors)
		}
	}
	if counts["sent"] != 2 || counts["failed"] != 2 || len(counts) != 2 {
		t.Errorf("status counts %v", counts)
	}
}

func TestShuffleChangesOrderSometimes(t *testing.T) {
	cb := newCallback(t)
	_, base := start(t, graphsim.Options{CallbackURL: cb.srv.URL, AppSecret: "s", ShuffleStatuses: true, Seed: 1})
	for range 8 {
		sendVia(t, base, `{"messaging_product":"whatsapp","to":"+15555550101","type":"text","text":{"body":"hi"}}`)
	}
	bodies, _ := cb.wait(t, 24)
	order := map[string][]string{}
	for _, b := range bodies {
		n, _ := whatsapp.Parse(b)
		st := n.Statuses[0]
		order[st.WAMID] = append(order[st.WAMID], st.Status)
	}
	inOrder := 0
	for _, o := range order {
		if strings.Join(o, ",") == "sent,delivered,read" {
			inOrder++
		}
	}
	if inOrder == len(order) {
		t.Error("ShuffleStatuses never changed the order in 8 messages")
	}
}

func TestInboundTextWebhook(t *testing.T) {
	cb := newCallback(t)
	s, _ := start(t, graphsim.Options{CallbackURL: cb.srv.URL, AppSecret: "s"})
	body, wamid := s.InboundText("P1", "919800000001", "Priya", "नमस्ते")
	if code, err := s.PostWebhook(context.Background(), body); err != nil || code != 200 {
		t.Fatalf("post: %d %v", code, err)
	}
	bodies, sigs := cb.wait(t, 1)
	if !whatsapp.VerifySignature(bodies[0], sigs[0], "s") {
		t.Fatal("bad signature")
	}
	n, err := whatsapp.Parse(bodies[0])
	if err != nil || len(n.Messages) != 1 {
		t.Fatal(err)
	}
	m := n.Messages[0]
	if m.WAMID != wamid || m.WaID != "919800000001" || m.ProfileName != "Priya" || m.Input.Text != "नमस्ते" || m.PhoneNumberID != "P1" {
		t.Errorf("message %+v", m)
	}
}

func TestMediaInfoAndExpiry(t *testing.T) {
	now := time.Unix(1767261600, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, base := start(t, graphsim.Options{MediaURLTTL: 5 * time.Minute, Now: clock})
	s.AddMedia("1000000000000002", graphsim.MediaFile{MimeType: "image/jpeg", Data: []byte("JPEGDATA")})
	get := func(url, tok string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", url, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, b := get(base+"/v23.0/1000000000000002", token)
	var info map[string]any
	if err := json.Unmarshal(b, &info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("info: %d %s", resp.StatusCode, b)
	}
	if info["file_size"] != "8" || info["mime_type"] != "image/jpeg" || info["id"] != "1000000000000002" || info["messaging_product"] != "whatsapp" {
		t.Errorf("info %v", info)
	}
	url := info["url"].(string)
	if !strings.HasPrefix(url, base+"/") {
		t.Errorf("url %q does not point back at the fake", url)
	}
	if resp, _ := get(url, ""); resp.StatusCode != 401 {
		t.Errorf("media without token: HTTP %d", resp.StatusCode)
	}
	if resp, data := get(url, token); resp.StatusCode != 200 || string(data) != "JPEGDATA" || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("media: HTTP %d %q", resp.StatusCode, data)
	}
	mu.Lock()
	now = now.Add(6 * time.Minute)
	mu.Unlock()
	if resp, _ := get(url, token); resp.StatusCode != 404 {
		t.Errorf("expired url: HTTP %d", resp.StatusCode)
	}
	if resp, _ := get(base+"/v23.0/404404", token); resp.StatusCode != 400 {
		t.Errorf("unknown media: HTTP %d", resp.StatusCode)
	}
	if s.MediaLookups() != 1 {
		t.Errorf("lookups %d", s.MediaLookups())
	}
}

func TestFaultInjection(t *testing.T) {
	s, base := start(t, graphsim.Options{Seed: 3})
	body := `{"messaging_product":"whatsapp","to":"+15555550101","type":"text","text":{"body":"hi"}}`
	s.FailNext(2, graphsim.Fault{Code: 131056})
	for i := range 2 {
		if st, out := post(t, base+"/v23.0/P/messages", token, body); st != 400 || errCode(out) != 131056 {
			t.Errorf("fault %d: HTTP %d code %d", i, st, errCode(out))
		}
	}
	if st, _ := post(t, base+"/v23.0/P/messages", token, body); st != 200 {
		t.Errorf("after faults: HTTP %d", st)
	}
	s.FailFraction(0.5, graphsim.Fault{Code: 2})
	failed := 0
	for range 200 {
		st, out := post(t, base+"/v23.0/P/messages", token, body)
		if st == 503 && errCode(out) == 2 {
			failed++
		} else if st != 200 {
			t.Fatalf("HTTP %d", st)
		}
	}
	if failed < 60 || failed > 140 {
		t.Errorf("fraction 0.5 failed %d of 200", failed)
	}
	s.ClearFaults()
	s.SetLatency(30 * time.Millisecond)
	t0 := time.Now()
	if st, _ := post(t, base+"/v23.0/P/messages", token, body); st != 200 || time.Since(t0) < 30*time.Millisecond {
		t.Errorf("latency: HTTP %d after %v", st, time.Since(t0))
	}
	s.SetLatency(0)
	s.FailNext(1, graphsim.Fault{Hang: true})
	c := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest("POST", base+"/v23.0/P/messages", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if _, err := c.Do(req); err == nil {
		t.Error("hanging send answered")
	}
}
