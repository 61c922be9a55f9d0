package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp/graphsim"
	"github.com/samvad/samvad/engine/script"
)

// simChat drives a running test server through the simulator API, as the
// simulator page does.
type simChat struct {
	t       *testing.T
	srv     *Server
	citizen string
	seen    int
}

func startSim(t *testing.T) *simChat {
	t.Helper()
	srv := newTestServer(t, nil)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &simChat{t: t, srv: srv, citizen: "919811111111"}
}

func (c *simChat) api(method, path string, body any) *httptest.ResponseRecorder {
	c.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	rec := httptest.NewRecorder()
	c.srv.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, bytes.NewReader(b)))
	return rec
}

// send posts a citizen message and returns the texts of the bot's replies.
func (c *simChat) send(msg map[string]any) []string {
	c.t.Helper()
	msg["citizen"] = c.citizen
	if rec := c.api(http.MethodPost, "/simulator/api/send", msg); rec.Code != http.StatusOK {
		c.t.Fatalf("send %v: %d %s", msg, rec.Code, rec.Body)
	}
	return c.replies()
}

func (c *simChat) say(text string) []string {
	return c.send(map[string]any{"type": "text", "text": text})
}

// replies waits for the bot to answer and returns the new replies' texts.
func (c *simChat) replies() []string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var texts []string
	for time.Now().Before(deadline) {
		rec := c.api(http.MethodGet, "/simulator/api/messages?citizen="+c.citizen+"&after="+strconv.Itoa(c.seen), nil)
		var res struct {
			Messages []struct {
				Body struct {
					Text        struct{ Body string } `json:"text"`
					Interactive struct {
						Body struct{ Text string } `json:"body"`
					} `json:"interactive"`
				} `json:"body"`
			} `json:"messages"`
			Next int `json:"next"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			c.t.Fatal(err)
		}
		for _, m := range res.Messages {
			texts = append(texts, m.Body.Text.Body+m.Body.Interactive.Body.Text)
		}
		if len(texts) > 0 {
			c.seen = res.Next
			time.Sleep(100 * time.Millisecond) // a step may send several messages
			if more := c.peek(); more > c.seen {
				continue
			}
			return texts
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("no reply (after %d)", c.seen)
	return nil
}

func (c *simChat) peek() int {
	rec := c.api(http.MethodGet, "/simulator/api/messages?citizen="+c.citizen+"&after=0", nil)
	var res struct{ Next int }
	_ = json.Unmarshal(rec.Body.Bytes(), &res)
	return res.Next
}

func expectReply(t *testing.T, got []string, want string) {
	t.Helper()
	if !strings.Contains(strings.Join(got, "\n"), want) {
		t.Fatalf("the bot said %q, want it to contain %q", got, want)
	}
}

// referenceRE finds a docket reference in a reply.
var referenceRE = regexp.MustCompile(`GRV-\d{2}-\d{4}-\d{4}-[0-9A-Z]`)

func TestGrievanceLodgedThroughTheWholePipeline(t *testing.T) {
	c := startSim(t)
	expectReply(t, c.say("hi"), "Choose your language")
	expectReply(t, c.send(map[string]any{"type": "list_reply", "id": "en", "title": "English"}), "Namaste!")
	expectReply(t, c.say("complaint"), "What is the complaint about?")
	expectReply(t, c.say("roads"), "what is the problem?")
	expectReply(t, c.say("pothole"), "describe the problem")
	expectReply(t, c.say("big pothole near the bus stop"), "6-digit PIN code")
	expectReply(t, c.say("400051"), "send a photo")
	expectReply(t, c.send(map[string]any{"type": "image", "caption": "the pothole"}), "Please check:")
	got := c.send(map[string]any{"type": "button_reply", "id": "submit", "title": "Submit"})
	expectReply(t, got, "Your complaint is registered. Its number is:\nGRV-")
	ref := referenceRE.FindString(strings.Join(got, "\n"))
	if !script.ValidReference(ref) {
		t.Fatalf("the reply's reference %q is not valid: %q", ref, got)
	}

	ctx := context.Background()
	gs, err := c.srv.store.GrievancesOfContact(ctx, store.ContactID(simulatorID, c.citizen))
	if err != nil || len(gs) != 1 {
		t.Fatalf("grievances: %v %v", gs, err)
	}
	g := gs[0]
	if g.Reference != ref || g.Category != "roads/pothole" || g.PinCode != "400051" || len(g.Attachments) != 1 {
		t.Fatalf("stored grievance %+v, reply reference %s", g, ref)
	}
	if _, err := os.Stat(filepath.Join(c.srv.cfg.MediaDir, g.Attachments[0].URL)); err != nil {
		t.Fatalf("the photo was not kept: %v", err)
	}
	got = c.say(strings.ToLower(ref))
	if !strings.Contains(strings.Join(got, "\n"), "is registered and waiting for the ward office") {
		evs, _ := c.srv.store.Events(ctx, store.ContactID(simulatorID, c.citizen))
		for _, e := range evs[max(0, len(evs)-12):] {
			t.Logf("event %+v", e)
		}
		t.Fatalf("status lookup by %s: %q", ref, got)
	}
}

func TestCorruptSessionRestartsTheCitizenAtTheMenu(t *testing.T) {
	c := startSim(t)
	c.say("hi")
	c.send(map[string]any{"type": "list_reply", "id": "en", "title": "English"})
	c.say("complaint") // now in the grievance flow, waiting for a category
	db, err := sql.Open("sqlite", strings.TrimPrefix(c.srv.cfg.DatabaseURL, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE sessions SET state = X'DEADBEEF'`); err != nil {
		t.Fatal(err)
	}
	expectReply(t, c.say("2"), "Namaste!")
	log, err := c.srv.store.EventLog(context.Background(), simulatorID, 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		found = found || e.Kind == "corrupt_session"
	}
	if !found {
		t.Fatalf("the corrupt session was not reported: %+v", log)
	}
}

// A photo whose download fails is not taken for a photo: the citizen is
// told it did not arrive and the question stays; a caption still reaches
// the flow; the history says what became of each file.
func TestAFileThatDoesNotArriveIsAskedForAgain(t *testing.T) {
	c := startSim(t)
	c.say("hi")
	c.send(map[string]any{"type": "list_reply", "id": "en", "title": "English"})
	c.say("complaint")
	c.say("roads")
	c.say("pothole")
	c.say("big pothole near the bus stop")
	expectReply(t, c.say("400051"), "send a photo")

	c.srv.sim.fake.FailMediaDownloads(4) // two downloads, each tried twice
	got := c.send(map[string]any{"type": "image"})
	if len(got) != 1 || !strings.Contains(got[0], "did not reach us") {
		t.Fatalf("after a photo that could not be downloaded the bot said %q, want only that it did not arrive", got)
	}
	got = c.send(map[string]any{"type": "image", "caption": "the pothole"})
	expectReply(t, got, "did not reach us")
	expectReply(t, got, "Please send a photo, or type 1 to skip.")
	expectReply(t, c.send(map[string]any{"type": "image", "caption": "again"}), "Please check:")

	hist, err := c.srv.store.History(context.Background(), store.ContactID(simulatorID, c.citizen), 0)
	if err != nil {
		t.Fatal(err)
	}
	var images []string
	for _, h := range hist {
		if strings.HasPrefix(h.Summary, "[image]") {
			images = append(images, h.Summary)
		}
	}
	if len(images) != 3 || !strings.HasSuffix(images[0], "(not received: media download failed)") ||
		!strings.HasPrefix(images[1], "[image] the pothole (not received") ||
		!strings.Contains(images[2], "(kept as "+simulatorID+"/") {
		t.Fatalf("the history's image lines: %q", images)
	}
}

// A media lookup that names a host off the allowlist: the file is not
// fetched (the token is not sent there), and the citizen is told it did
// not arrive, as for any failed download.
func TestAFileOnAnotherHostIsNotFetched(t *testing.T) {
	c := startSim(t)
	c.say("hi")
	c.send(map[string]any{"type": "list_reply", "id": "en", "title": "English"})
	c.say("complaint")
	c.say("roads")
	c.say("pothole")
	c.say("big pothole near the bus stop")
	expectReply(t, c.say("400051"), "send a photo")

	c.srv.sim.fake.SetMediaHost("files.example.org")
	downloads := c.srv.sim.fake.MediaDownloads()
	got := c.send(map[string]any{"type": "image"})
	if len(got) != 1 || !strings.Contains(got[0], "did not reach us") {
		t.Fatalf("after a photo on another host the bot said %q, want only that it did not arrive", got)
	}
	if n := c.srv.sim.fake.MediaDownloads(); n != downloads {
		t.Errorf("%d downloads were tried from another host", n-downloads)
	}
	hist, err := c.srv.store.History(context.Background(), store.ContactID(simulatorID, c.citizen), 0)
	if err != nil {
		t.Fatal(err)
	}
	if last := hist[len(hist)-1]; !strings.Contains(last.Summary, "(not received: media host refused)") && !strings.Contains(hist[len(hist)-2].Summary, "(not received: media host refused)") {
		t.Errorf("the history does not say why: %+v", hist[len(hist)-2:])
	}
	c.srv.sim.fake.SetMediaHost("")
	expectReply(t, c.send(map[string]any{"type": "image", "caption": "again"}), "Please check:")
}

// A reply that Meta's throttling keeps back is put aside until it may go,
// not counted as a failed attempt: enough of those would fail it for good.
func TestAThrottledReplyWaitsWithoutLosingAttempts(t *testing.T) {
	c := startSim(t)
	c.srv.limiter.HoldNumber(simulatorPhoneID, c.srv.now().Add(time.Hour))
	if rec := c.api(http.MethodPost, "/simulator/api/send", map[string]any{"citizen": c.citizen, "type": "text", "text": "hi"}); rec.Code != http.StatusOK {
		t.Fatalf("send: %d %s", rec.Code, rec.Body)
	}
	ctx := context.Background()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rows, err := c.srv.store.ContactOutbox(ctx, store.ContactID(simulatorID, c.citizen))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > 0 && rows[0].Due.After(time.Now().Add(50*time.Minute)) {
			if r := rows[0]; r.Status != "queued" || r.Attempts != 0 || r.ErrorCode != 0 {
				t.Fatalf("the held reply: %+v, want queued with no attempt and no error", r)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reply was not put aside until the hold ends: %+v", rows)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m := readMetrics(t, c.srv); !strings.Contains(m, "\nsamvad_sends_deferred_total 1\n") {
		t.Fatalf("/metrics does not count the deferred send:\n%s", m)
	}
}

// An integration's own rate_per_second paces its number in place of
// graph.rate_per_second.
func TestAnIntegrationsOwnSendRate(t *testing.T) {
	srv := newTestServer(t, func(c *Config) {
		c.Integrations = append(c.Integrations, Integration{ID: "slow", PhoneNumberID: "555", VerifyToken: "v",
			AppSecret: "a", AccessToken: "t", RatePerSecond: 2, SessionDuration: time.Hour})
	})
	now := srv.now()
	for i, want := range []time.Duration{0, 0, 500 * time.Millisecond} {
		if got := srv.limiter.Reserve("555", fmt.Sprint(i), now); got != want {
			t.Fatalf("send %d at 2/s waits %v, want %v", i+1, got, want)
		}
	}
	if got := srv.limiter.Reserve(simulatorPhoneID, "x", now); got != 0 {
		t.Fatalf("another number waits %v", got)
	}
}

// A citizen who scrolls back and taps a row of an earlier menu is told so
// and asked the current question again; their tap is not taken as an
// answer to a question it did not belong to.
func TestATapOnAnEarlierMenuIsNotTakenForTheCurrentQuestion(t *testing.T) {
	c := startSim(t)
	c.say("hi")
	c.send(map[string]any{"type": "list_reply", "id": "en", "title": "English"})
	menu := lastWithOptions(t, c)
	expectReply(t, c.say("complaint"), "What is the complaint about?")
	category := lastWithOptions(t, c)
	if menu.Options[0].ID == category.Options[0].ID || !strings.HasPrefix(category.Options[0].ID, "~") {
		t.Fatalf("the menus' row ids do not tell the questions apart: %q, %q", menu.Options[0].ID, category.Options[0].ID)
	}
	old := menu.Options[1]
	got := c.send(map[string]any{"type": "list_reply", "id": old.ID, "title": old.Title})
	expectReply(t, got, "That button was from an earlier message")
	expectReply(t, got, "What is the complaint about?")
	// The current question's own row still answers it.
	row := category.Options[1]
	expectReply(t, c.send(map[string]any{"type": "list_reply", "id": row.ID, "title": row.Title}), "what is the problem?")
}

// lastWithOptions is the last message with buttons or rows the citizen got.
func lastWithOptions(t *testing.T, c *simChat) graphsim.Message {
	t.Helper()
	ms := c.srv.sim.fake.Messages()
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].To == "+"+c.citizen && len(ms[i].Options) > 0 {
			return ms[i]
		}
	}
	t.Fatal("no message with choices")
	return graphsim.Message{}
}
