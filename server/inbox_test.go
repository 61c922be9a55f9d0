package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
	"github.com/samvad/samvad/internal/servertest"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server"
	"github.com/samvad/samvad/server/api"
)

// inboxKeys are the staff of two departments: water owns the city's
// number, roads owns none of it.
var inboxKeys = api.StaticKeys{
	"k-agent":      {KeyID: "1", Actor: "asha", Role: api.RoleAgent, Department: "water"},
	"k-supervisor": {KeyID: "2", Actor: "sunil", Role: api.RoleSupervisor, Department: "water"},
	"k-viewer":     {KeyID: "3", Actor: "vik", Role: api.RoleViewer, Department: "water"},
	"k-roads":      {KeyID: "4", Actor: "ravi", Role: api.RoleAdmin, Department: "roads"},
}

// inboxServer is a running server whose city number belongs to the water
// department, with a clock the test can move forward.
type inboxServer struct {
	*e2e
	offset atomic.Int64
	srv    *server.Server
}

func startInbox(t *testing.T, dialect string) *inboxServer {
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
	s := &inboxServer{}
	dbURL := testdb.URL(t, dialect)
	srv := servertest.New(t, func(c *server.Config) {
		off := false
		c.Simulator = &off
		c.Listen, c.DatabaseURL = addr, dbURL
		c.Clock = func() time.Time { return time.Now().Add(time.Duration(s.offset.Load())) }
		c.SecretKey = server.Secret(strings.Repeat("cd", 32))
		c.Graph.BaseURL = graphURL
		c.Departments = []server.Department{{ID: "water", Name: "Water board"}, {ID: "roads", Name: "Roads"}}
		c.Integrations = []server.Integration{{ID: "city", PhoneNumberID: samplePhoneID, VerifyToken: "verify-me",
			AppSecret: sampleSecret, AccessToken: sampleToken, Department: "water"}}
		c.StaffKeys = inboxKeys
	})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	s.e2e = &e2e{t: t, fake: fake, url: srv.URL()}
	s.srv = srv
	return s
}

func (s *inboxServer) now() time.Time { return time.Now().Add(time.Duration(s.offset.Load())) }

// call makes an API request and returns the status and the body.
func (s *inboxServer) call(method, path, key, body string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+"/api/v1"+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// must makes a request that must answer status; it decodes the body into v.
func (s *inboxServer) must(status int, method, path, key, body string, v any) string {
	s.t.Helper()
	code, got := s.call(method, path, key, body)
	if code != status {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, code, got, status)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(got), v); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, got)
		}
	}
	return got
}

// handedOver waits until the conversation is in the list of those handed
// over, and returns it.
func (s *inboxServer) handedOver() api.ConversationItem {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var page api.ConversationPage
		s.must(200, "GET", "/conversations?status=handed_over", "k-viewer", "", &page)
		if len(page.Conversations) == 1 {
			return page.Conversations[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatal("the conversation was never handed over")
	return api.ConversationItem{}
}

func TestAgentInbox(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { testAgentInbox(t, dialect) })
	}
}

func testAgentInbox(t *testing.T, dialect string) {
	s := startInbox(t, dialect)
	const citizen = "919800000201"
	s.say(citizen, "officer", s.now())
	told := s.waitReplies(citizen, 0)
	c := s.handedOver()
	if c.Number != "••••0201" || c.Queue != "general" || c.Unread != 1 || c.Name != "Ana" || c.LastMessage == nil || c.HandedOverAt == nil {
		t.Fatalf("listed as %+v", c)
	}
	conv := "/conversations/" + c.ID

	var waiting api.ConversationPage
	s.must(200, "GET", "/conversations?assigned=none&queue=general", "k-viewer", "", &waiting)
	if len(waiting.Conversations) != 1 {
		t.Fatalf("unassigned in general: %+v", waiting)
	}
	// Another department sees nothing of it.
	var none api.ConversationPage
	s.must(200, "GET", "/conversations", "k-roads", "", &none)
	for _, path := range []string{conv, conv + "/reply"} {
		method, body := "GET", ""
		if strings.HasSuffix(path, "/reply") {
			method, body = "POST", `{"text":"hi"}`
		}
		if code, got := s.call(method, path, "k-roads", body); code != 404 || len(none.Conversations) != 0 {
			t.Fatalf("another department: %d %s, %+v", code, got, none)
		}
	}
	// Bad input names the field.
	for _, bad := range []struct{ method, path, key, body, want string }{
		{"GET", "/conversations?cursor=AAAA" + c.ID, "k-viewer", "", `"field":"cursor"`},
		{"GET", "/conversations?status=open", "k-viewer", "", `"field":"status"`},
		{"GET", "/conversations?limit=0", "k-viewer", "", `"field":"limit"`},
		{"GET", "/events?cursor=nonsense", "k-viewer", "", `"field":"cursor"`},
		{"POST", conv + "/reply", "k-agent", `{"text":"` + strings.Repeat("a", 4097) + `"}`, "at most 4096"},
		{"POST", conv + "/reply", "k-agent", `{"text":"  "}`, `"field":"text"`},
		{"POST", conv + "/reply", "k-agent", `{"text":"hi","to":"x"}`, `"field":"to"`},
		{"POST", conv + "/assign", "k-agent", `{}`, `"field":"agent"`},
		{"POST", conv + "/transfer", "k-supervisor", `{"queue":""}`, `"field":"queue"`},
		{"POST", conv + "/template", "k-agent", `{"name":"x"}`, `"field":"language"`},
		{"POST", conv + "/template", "k-agent", `{"name":"x","language":"en"}`, `"field":"name"`},
		{"POST", conv + "/template", "k-agent", `{"name":"grievance_status_update","language":"xx"}`, `"field":"language"`},
		{"POST", conv + "/template", "k-agent", `{"name":"grievance_status_update","language":"en",` +
			`"params":{"reference":"GRV-26-4821-7305-A","status":"resolved","remarks":"line one\nline two"}}`, `"field":"params.remarks"`},
	} {
		if code, got := s.call(bad.method, bad.path, bad.key, bad.body); code != 400 || !strings.Contains(got, bad.want) {
			t.Errorf("%s %s: %d %s, want 400 with %s", bad.method, bad.path, code, got, bad.want)
		}
	}
	if code, _ := s.call("POST", conv+"/reply", "k-viewer", `{"text":"hi"}`); code != 403 {
		t.Errorf("a viewer replied: %d", code)
	}
	if code, _ := s.call("POST", conv+"/transfer", "k-agent", `{"queue":"billing"}`); code != 403 {
		t.Errorf("an agent transferred: %d", code)
	}
	if code, got := s.call("POST", conv+"/link", "k-agent", `{"reference":"GRV-NOPE"}`); code != 404 || !strings.Contains(got, `"field":"reference"`) {
		t.Errorf("a link to no case: %d %s", code, got)
	}

	// The agent replies; the citizen gets it.
	var it api.ConversationItem
	s.must(202, "POST", conv+"/reply", "k-agent", `{"text":"Hello, this is Asha from the water board."}`, &it)
	if it.FirstResponse == nil {
		t.Fatalf("no first response time: %+v", it)
	}
	got := s.waitReplies(citizen, len(told))
	if got[0].Text != "Hello, this is Asha from the water board." {
		t.Fatalf("the citizen got %+v", got)
	}
	s.must(200, "POST", conv+"/read", "k-agent", "", &it)
	s.must(200, "POST", conv+"/assign", "k-agent", `{"agent":"asha"}`, &it)
	if it.Unread != 0 || it.AssignedTo != "asha" {
		t.Fatalf("after read and assign: %+v", it)
	}
	if code, _ := s.call("POST", conv+"/assign", "k-viewer", `{"agent":"vik"}`); code != 403 {
		t.Errorf("a viewer assigned: %d", code)
	}
	var nobody api.ConversationPage
	s.must(200, "GET", "/conversations?assigned=none", "k-viewer", "", &nobody)
	if len(nobody.Conversations) != 0 {
		t.Fatalf("assigned to nobody: %+v", nobody)
	}
	var mine api.ConversationPage
	s.must(200, "GET", "/conversations?assigned=asha&status=handed_over", "k-viewer", "", &mine)
	if len(mine.Conversations) != 1 {
		t.Fatalf("assigned to asha: %+v", mine)
	}
	var detail api.ConversationDetail
	s.must(200, "GET", conv, "k-viewer", "", &detail)
	last := detail.Messages[len(detail.Messages)-1]
	if !detail.WindowOpen || last.Actor != "asha" || last.Direction != "out" || detail.Messages[0].Direction != "in" {
		t.Fatalf("the history: %+v", detail)
	}

	// A handback names a flow that is loaded, or none.
	if got := s.must(400, "POST", conv+"/handback", "k-agent", `{"flow":"no_such_flow"}`, nil); !strings.Contains(got, `no flow \"no_such_flow\" is loaded`) {
		t.Fatalf("a handback to an unknown flow: %s", got)
	}
	// Handed back, the bot answers with the main menu.
	n := len(s.replies(citizen))
	s.must(202, "POST", conv+"/handback", "k-agent", "", &it)
	if it.Status != "active" {
		t.Fatalf("after handback: %+v", it)
	}
	menu := s.waitReplies(citizen, n)
	if !strings.Contains(menu[len(menu)-1].Text+optionTitles(menu[len(menu)-1]), "Talk to an officer") {
		t.Fatalf("no main menu after handback: %+v", menu)
	}

	// A day later only a template may be sent.
	s.offset.Store(int64(25 * time.Hour))
	code, body := s.call("POST", conv+"/reply", "k-agent", `{"text":"Are you there?"}`)
	if code != 409 || !strings.Contains(body, "/template") {
		t.Fatalf("a reply out of the window: %d %s", code, body)
	}
	n = len(s.replies(citizen))
	s.must(202, "POST", conv+"/template", "k-agent", `{"name":"grievance_status_update","language":"en",`+
		`"params":{"reference":"GRV-26-4821-7305-A","status":"resolved","remarks":"The pipe was repaired."}}`, nil)
	if tpl := s.waitReplies(citizen, n); tpl[0].Type != "template" || tpl[0].Template != "grievance_status_update" {
		t.Fatalf("the template: %+v", tpl)
	}
}

func optionTitles(m graphsim.Message) string {
	var b strings.Builder
	for _, o := range m.Options {
		b.WriteString(" " + o.Title)
	}
	return b.String()
}

// The event stream tells an agent of a handoff and of the citizen's
// messages to people; a closed conversation starts afresh.
func TestInboxEventsAndClose(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { testInboxEventsAndClose(t, dialect) })
	}
}

func testInboxEventsAndClose(t *testing.T, dialect string) {
	s := startInbox(t, dialect)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer k-viewer")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("the stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	const citizen = "919800000202"
	s.say(citizen, "officer", s.now())
	events := bufio.NewScanner(res.Body)
	var ev api.LiveEvent
	for ev.Kind != "handoff" && events.Scan() {
		if data, ok := strings.CutPrefix(events.Text(), "data: "); ok {
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := s.handedOver()
	if ev.Kind != "handoff" || ev.Conversation != c.ID {
		t.Fatalf("the stream said %+v, the list %+v", ev, c)
	}
	// Archived, it waits out of the list until the citizen writes again.
	var it api.ConversationItem
	s.must(200, "POST", "/conversations/"+c.ID+"/archive", "k-agent", "", &it)
	if it.Status != "archived" || it.ArchivedBy != "asha" {
		t.Fatalf("after archive: %+v", it)
	}
	var archived api.ConversationPage
	s.must(200, "GET", "/conversations?status=archived", "k-viewer", "", &archived)
	if len(archived.Conversations) != 1 {
		t.Fatalf("the archived: %+v", archived)
	}
	if code, _ := s.call("POST", "/conversations/"+c.ID+"/archive", "k-agent", ""); code != 409 {
		t.Fatalf("archived twice: %d", code)
	}
	time.Sleep(1100 * time.Millisecond) // WhatsApp's timestamps have whole seconds
	s.say(citizen, "are you still there?", s.now())
	if again := s.handedOver(); again.ID != c.ID {
		t.Fatalf("reopened as %+v", again)
	}
	s.must(202, "POST", "/conversations/"+c.ID+"/close", "k-agent", "", &it)
	if it.Status != "closed" || it.ClosedBy != "asha" {
		t.Fatalf("after close: %+v", it)
	}
	if code, body := s.call("POST", "/conversations/"+c.ID+"/reply", "k-agent", `{"text":"hi"}`); code != 409 {
		t.Fatalf("a reply to a closed conversation: %d %s", code, body)
	}
	n := len(s.waitReplies(citizen, 0))
	time.Sleep(300 * time.Millisecond) // the close is stepped
	s.say(citizen, "hello", s.now())
	if again := s.waitReplies(citizen, n); !strings.Contains(again[len(again)-1].Text, "language") &&
		!strings.Contains(optionTitles(again[len(again)-1]), "officer") {
		t.Fatalf("a closed conversation did not start afresh: %+v", again)
	}
}

// A server shutting down ends its event streams rather than wait for them.
func TestShutdownEndsEventStreams(t *testing.T) {
	t.Parallel()
	s := startInbox(t, "sqlite")
	req, _ := http.NewRequest("GET", s.url+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer k-viewer")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a stream open: %v", err)
	}
	if _, err := io.ReadAll(res.Body); err != nil {
		t.Fatalf("the stream did not end cleanly: %v", err)
	}
}

// Pages follow each other through next_cursor, and an edited cursor is
// refused.
func TestInboxPages(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { testInboxPages(t, dialect) })
	}
}

func testInboxPages(t *testing.T, dialect string) {
	s := startInbox(t, dialect)
	citizens := []string{"919800000211", "919800000212", "919800000213"}
	for _, c := range citizens {
		s.say(c, "officer", s.now())
	}
	for _, c := range citizens {
		s.waitReplies(c, 0)
	}
	seen := map[string]bool{}
	cursor := ""
	for page := 0; page < 3; page++ {
		var p api.ConversationPage
		s.must(200, "GET", "/conversations?limit=2&cursor="+cursor, "k-viewer", "", &p)
		for _, c := range p.Conversations {
			if seen[c.ID] {
				t.Fatalf("%s listed twice", c.ID)
			}
			seen[c.ID] = true
		}
		if p.NextCursor == "" {
			break
		}
		if page == 0 {
			edited := []byte(p.NextCursor)
			edited[len(edited)/2] ^= 1
			if code, body := s.call("GET", "/conversations?limit=2&cursor="+string(edited), "k-viewer", ""); code != 400 || !strings.Contains(body, `"field":"cursor"`) {
				t.Fatalf("an edited cursor: %d %s", code, body)
			}
		}
		cursor = p.NextCursor
	}
	if len(seen) != len(citizens) {
		t.Fatalf("paged through %d of %d conversations", len(seen), len(citizens))
	}
}
