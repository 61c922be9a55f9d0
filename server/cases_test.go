package server

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp/templates"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server/api"
)

// fakeQueue keeps the notices.
type fakeQueue struct {
	mu      sync.Mutex
	notices []citizenNotice
}

func (q *fakeQueue) QueueNotice(_ context.Context, n citizenNotice) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.notices = append(q.notices, n)
	return nil
}

func (q *fakeQueue) all() []citizenNotice {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]citizenNotice(nil), q.notices...)
}

// A citizen is told in their language, as free text inside the 24-hour
// window and with the approved template outside it; one who opted out is
// not told.
func TestCaseNoticesFollowTheWindow(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	defer srv.store.Close()
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	contacts := map[string]store.Contact{
		"sim/recent": {ID: "sim/recent", Language: "hi", LastSeen: now.Add(-time.Hour)},
		"sim/old":    {ID: "sim/old", Language: "ta", LastSeen: now.Add(-25 * time.Hour)},
		"sim/out":    {ID: "sim/out", Language: "en", LastSeen: now, OptedOut: true},
	}
	q := &fakeQueue{}
	n := &caseNotifier{queue: q, library: srv.library, templates: srv.templates, now: func() time.Time { return now },
		contact: func(_ context.Context, id string) (store.Contact, error) {
			if c, ok := contacts[id]; ok {
				return c, nil
			}
			return store.Contact{}, store.ErrNotFound
		}}
	ctx := context.Background()
	ref := "GRV-26-4821-7305-A"
	for _, id := range []string{"sim/recent", "sim/old"} {
		if err := n.NotifyCase(ctx, api.CaseNotice{ContactID: id, Reference: ref, Status: casework.Resolved, Remark: "Pipe fixed."}); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.NotifyCase(ctx, api.CaseNotice{ContactID: "sim/out", Reference: ref, Status: casework.Resolved}); !errors.Is(err, api.ErrOptedOut) {
		t.Fatalf("an opted-out citizen: %v", err)
	}
	if err := n.NotifyCase(ctx, api.CaseNotice{ContactID: "sim/nobody", Reference: ref}); err == nil {
		t.Fatal("a citizen who is not known was told")
	}
	if err := n.NotifyCase(ctx, api.CaseNotice{ContactID: "sim/old", Reference: ref, Escalated: true, Level: "zonal officer", Due: now}); err != nil {
		t.Fatal(err)
	}
	got := q.all()
	if len(got) != 3 {
		t.Fatalf("%d notices: %+v", len(got), got)
	}
	if g := got[0]; g.Message == nil || g.Message.Language != "hi" || !strings.Contains(g.Text, "हल हो गई") || !strings.Contains(g.Text, "\n"+ref+"\n") || !strings.Contains(g.Text, "Pipe fixed.") {
		t.Errorf("inside the window: %+v", g)
	}
	if g := got[1]; g.Text != "" || g.Template != "grievance_status_update" || g.Params["status"] != "தீர்க்கப்பட்டது" || g.Params["remarks"] != "Pipe fixed." ||
		g.Message == nil || g.Message.Language != "ta" || !strings.Contains(g.Message.Preview, "Pipe fixed.") {
		t.Errorf("outside the window: %+v", g)
	}
	if g := got[2]; g.Template != "grievance_escalated" || g.Params["level"] != "மண்டல அலுவலர்" || g.Params["due"] != "2026-12-07" {
		t.Errorf("escalated, outside the window: %+v", g)
	}
	// A long remark is cut to what the template carries.
	long := strings.Repeat("ज", 400)
	if err := n.NotifyCase(ctx, api.CaseNotice{ContactID: "sim/old", Reference: ref, Status: casework.Resolved, Remark: long}); err != nil {
		t.Fatalf("a long remark: %v", err)
	}
	if g := q.all()[3]; len([]rune(g.Params["remarks"])) != maxTemplateRemark || g.Message == nil {
		t.Errorf("a long remark outside the window: %d characters", len([]rune(g.Params["remarks"])))
	}
	// A template the registry refuses is not queued outside the window;
	// inside it the text goes alone.
	n.templates = func() *templates.Registry { return nil }
	if err := n.NotifyCase(ctx, api.CaseNotice{ContactID: "sim/old", Reference: ref, Status: casework.Closed}); err == nil || !strings.Contains(err.Error(), "no approved template") {
		t.Fatalf("no registry: %v", err)
	}
	if err := n.NotifyCase(ctx, api.CaseNotice{ContactID: "sim/recent", Reference: ref, Status: casework.Closed}); err != nil {
		t.Fatalf("no registry, inside the window: %v", err)
	}
	if g := q.all()[4]; g.Message != nil || !strings.Contains(g.Text, "बंद") {
		t.Errorf("inside the window without a registry: %+v", g)
	}
	// Without a queue the notice fails, and says so.
	n.queue = nil
	if err := n.NotifyCase(ctx, api.CaseNotice{ContactID: "sim/recent", Reference: ref, Status: casework.Closed}); !errors.Is(err, errNoQueue) {
		t.Fatalf("no queue: %v", err)
	}
}

// Every key a notice uses is in every language.
func TestCaseNoticeTextsInEveryLanguage(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	defer srv.store.Close()
	cat := srv.library().Catalog
	keys := []string{"case.status_changed", "case.escalated", "case.no_remark"}
	for _, st := range casework.Statuses {
		keys = append(keys, "case.status."+string(st))
	}
	for _, l := range casework.DefaultPolicy.Levels {
		keys = append(keys, "case.level."+strings.ReplaceAll(l, " ", "_"))
	}
	for _, lang := range []string{"en", "hi", "bn", "or", "mr", "ta"} {
		for _, k := range keys {
			if cat.Resolve(k, lang) == nil {
				t.Errorf("%s has no %s", lang, k)
			}
		}
	}
}

// The job escalates an overdue case once, with a new deadline and a
// history row, and tells the citizen.
func TestEscalationJob(t *testing.T) {
	t.Parallel()
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, func(c *Config) { c.DatabaseURL = testdb.URL(t, dialect) })
			defer srv.store.Close()
			q := &fakeQueue{}
			srv.notifier.queue = q
			ctx := context.Background()
			now := srv.now()
			if _, err := srv.store.Ingest(ctx, store.Batch{Messages: []store.Inbound{{Integration: simulatorID, Wamid: "w1", ContactKey: "919812345678",
				WaID: "919812345678", Type: "text", Timestamp: now, Summary: "hi", Input: []byte("hi"), Raw: []byte(`{}`)}}}); err != nil {
				t.Fatal(err)
			}
			ref, err := srv.store.CreateGrievance(ctx, store.Grievance{Integration: simulatorID, ContactID: store.ContactID(simulatorID, "919812345678"),
				Category: "water", Status: "lodged", Due: now.Add(-time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.store.CreateGrievance(ctx, store.Grievance{Integration: simulatorID, Status: "resolved", Due: now.Add(-time.Minute)}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			counts := make([]int, 2)
			for i := range counts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := srv.escalate(ctx)
					if err != nil {
						t.Error(err)
					}
					counts[i] = n
				}()
			}
			wg.Wait()
			if counts[0]+counts[1] != 1 {
				t.Fatalf("escalated %v, want one case once", counts)
			}
			g, _ := srv.store.GrievanceByReference(ctx, simulatorID, ref)
			if g.Level != 1 || !g.Due.After(now.Add(2*24*time.Hour)) {
				t.Fatalf("after escalation: level %d, due %v", g.Level, g.Due)
			}
			h, _ := srv.store.CaseHistory(ctx, simulatorID, ref)
			if len(h) != 1 || h[0].Action != "escalated" || !strings.Contains(h[0].Remark, "zonal officer") {
				t.Fatalf("history %+v", h)
			}
			ds, err := srv.store.WebhookDeliveries(ctx, store.WebhookQuery{Department: "simulator", Limit: 10})
			if err != nil || len(ds) != 1 || !strings.Contains(string(ds[0].Payload), ref) {
				t.Fatalf("the department's webhook deliveries: %+v %v", ds, err)
			}
			got := q.all()
			if len(got) != 1 || !strings.Contains(got[0].Text, "zonal officer") || !strings.Contains(got[0].Text, ref) {
				t.Fatalf("the citizen was told %+v", got)
			}
		})
	}
}

// From lodging to reopening through the whole server: a citizen lodges a
// complaint, an officer resolves it through the API's methods (as the
// console does), the citizen finds it not fixed and reopens it; the
// history holds each step with who made it, and the reopened case has a
// new deadline.
func TestCitizenReopensWhatAnOfficerResolved(t *testing.T) {
	c := startSim(t)
	c.say("hi")
	c.send(map[string]any{"type": "list_reply", "id": "en", "title": "English"})
	c.say("complaint")
	c.say("water")
	c.say("1")
	c.say("no water in the taps for three days")
	c.say("400051")
	expectReply(t, c.send(map[string]any{"type": "image", "caption": "the dry tap"}), "Please check:")
	got := c.send(map[string]any{"type": "button_reply", "id": "submit", "title": "Submit"})
	ref := referenceRE.FindString(strings.Join(got, "\n"))
	if ref == "" {
		t.Fatalf("no reference in %q", got)
	}
	ctx := context.Background()
	officer := api.Principal{KeyID: "k1", Actor: "Ravi", Role: api.RoleAgent, Department: "simulator"}
	endsADayInIndia := func(when string, due *time.Time) {
		t.Helper()
		ist, _ := time.LoadLocation("Asia/Kolkata")
		if due == nil {
			t.Fatalf("%s, the case has no deadline", when)
		}
		if local := due.In(ist); local.Hour() != 23 || local.Minute() != 59 {
			t.Fatalf("%s, the deadline %v does not end a day in the department's zone (%v)", when, due, local)
		}
	}
	d, err := c.srv.api.Case(ctx, officer, ref)
	if err != nil {
		t.Fatal(err)
	}
	endsADayInIndia("lodged", d.Due)
	d, err = c.srv.api.MoveCase(ctx, officer, ref, "resolved", "The valve was opened.")
	if err != nil || d.Status != "resolved" {
		t.Fatalf("resolve: %+v %v", d, err)
	}
	if d.Notified != "queued" {
		t.Fatalf("notified %q", d.Notified)
	}
	expectReply(t, c.replies(), "There is news about your application or complaint:\n"+ref+"\nIt is now: resolved\nRemarks from the office: The valve was opened.")
	if _, err := c.srv.api.Case(ctx, api.Principal{Role: api.RoleViewer, Department: "elsewhere"}, ref); err == nil {
		t.Fatal("another department read the case")
	}
	expectReply(t, c.say(ref), "Is the problem fixed?")
	expectReply(t, c.say("2"), "What is still wrong?")
	expectReply(t, c.say("still no water in the morning"), "Please check: reopen complaint")
	expectReply(t, c.say("1"), "Your complaint is reopened.")

	d, err = c.srv.api.Case(ctx, officer, ref)
	if err != nil || d.Status != "reopened" || d.Due == nil || !d.Due.After(c.srv.now().Add(2*24*time.Hour)) {
		t.Fatalf("after the citizen's reopening: %+v %v", d, err)
	}
	endsADayInIndia("reopened", d.Due)
	var steps []string
	for _, h := range d.History {
		steps = append(steps, h.Actor+":"+h.To)
	}
	if got := strings.Join(steps, " "); got != "Ravi:resolved citizen:reopened" || d.History[1].Remark != "still no water in the morning" {
		t.Fatalf("history %s %+v", got, d.History)
	}
	ds, err := c.srv.store.WebhookDeliveries(ctx, store.WebhookQuery{Department: "simulator", Limit: 10})
	if err != nil || len(ds) != 2 {
		t.Fatalf("%d case_changed deliveries, want the officer's and the citizen's: %v", len(ds), err)
	}
}
