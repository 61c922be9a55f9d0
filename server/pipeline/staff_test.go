package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/adapters/whatsapp"
	"github.com/samvad/samvad/engine"
)

// handOver brings a citizen to an officer, as the shipped flows do.
func (h *harness) handOver(waID string) {
	h.t.Helper()
	h.ingest(waID, "wamid."+waID+".1", engine.Input{Kind: engine.InputText, Text: "officer", At: time.Now()})
	h.stepAll()
}

func (h *harness) history(waID string) []store.HistoryMessage {
	h.t.Helper()
	ms, err := h.st.History(context.Background(), store.ContactID(testIntegration, waID), 100)
	if err != nil {
		h.t.Fatal(err)
	}
	return ms
}

// An agent's reply reaches the outbox, and the history shows it as the
// agent's, never as a message from the citizen.
func TestStaffReplyIsQueuedAsTheAgents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const waID = "919800000101"
	h.handOver(waID)
	before := len(h.history(waID))
	err := h.p.QueueStaff(context.Background(), StaffMessage{Integration: testIntegration, Contact: waID, Kind: StaffReply,
		Actor: "Asha (agent)", Text: "We have fixed your water bill."})
	if err != nil {
		t.Fatal(err)
	}
	h.stepAll()
	hist := h.history(waID)
	if len(hist) != before+1 {
		t.Fatalf("history grew by %d, want the one reply: %+v", len(hist)-before, hist)
	}
	last := hist[len(hist)-1]
	if last.Direction != "out" || last.Summary != "We have fixed your water bill." || last.Actor != "Asha (agent)" {
		t.Fatalf("the reply in the history: %+v", last)
	}
	last2, err := h.st.LastInbound(context.Background(), store.ContactID(testIntegration, waID))
	if err != nil || time.Since(last2) > time.Minute {
		t.Fatalf("the citizen's last message: %v %v", last2, err)
	}
	events, err := h.st.Events(context.Background(), store.ContactID(testIntegration, waID))
	if err != nil {
		t.Fatal(err)
	}
	if !hasEvent(events, "staff_reply") {
		t.Fatalf("no staff_reply event: %+v", events)
	}
}

func hasEvent(es []engine.Event, kind engine.EventKind) bool {
	for _, e := range es {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

// Free text more than 24 hours after the citizen wrote is refused; a
// notice then goes as its template, or is recorded as not sent.
func TestStaffWindowRule(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const waID = "919800000102"
	h.handOver(waID)
	h.later(25 * time.Hour)
	ctx := context.Background()
	err := h.p.QueueStaff(ctx, StaffMessage{Integration: testIntegration, Contact: waID, Kind: StaffReply, Actor: "a", Text: "hello"})
	if !errors.Is(err, ErrOutsideWindow) {
		t.Fatalf("a late reply: %v", err)
	}
	if err := h.p.QueueStaff(ctx, StaffMessage{Integration: testIntegration, Contact: waID, Kind: StaffNotice, Actor: "a", Text: "moved"}); err != nil {
		t.Fatal(err)
	}
	tpl := &whatsapp.Template{Name: "grievance_update", Language: whatsapp.TemplateLanguage{Code: "en"}}
	if err := h.p.QueueStaff(ctx, StaffMessage{Integration: testIntegration, Contact: waID, Kind: StaffNotice, Actor: "a", Text: "moved",
		Template: tpl, Preview: "Your grievance moved"}); err != nil {
		t.Fatal(err)
	}
	h.stepAll()
	hist := h.history(waID)
	if last := hist[len(hist)-1]; last.Type != "template" || last.Summary != "Your grievance moved" {
		t.Fatalf("the notice outside the window: %+v", last)
	}
	events, _ := h.st.Events(ctx, store.ContactID(testIntegration, waID))
	if !hasEvent(events, "staff_not_sent") || !hasEvent(events, "staff_notice") {
		t.Fatalf("events: %+v", events)
	}
	if got := h.queued(waID); strings.Contains(strings.Join(got, "|"), "|moved") {
		t.Fatalf("free text went out of the window: %q", got)
	}
}

// Nothing is sent to a citizen who opted out.
func TestStaffNeverWritesToTheOptedOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const waID = "919800000103"
	h.ingest(waID, "wamid.stop", engine.Input{Kind: engine.InputText, Text: "STOP", At: time.Now()})
	h.stepAll()
	err := h.p.QueueStaff(context.Background(), StaffMessage{Integration: testIntegration, Contact: waID, Kind: StaffReply, Actor: "a", Text: "hi"})
	if !errors.Is(err, ErrOptedOut) {
		t.Fatalf("a reply to the opted out: %v", err)
	}
}

// A handback ends the handoff and shows the main menu, or starts the named
// flow.
func TestStaffHandbackRestartsTheMenu(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const waID = "919800000104"
	h.handOver(waID)
	ctx := context.Background()
	if err := h.p.QueueStaff(ctx, StaffMessage{Integration: testIntegration, Contact: waID, Kind: StaffHandback, Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	h.stepAll()
	got := h.queued(waID)
	if !strings.Contains(got[len(got)-1], "Talk to an officer") {
		t.Fatalf("the menu did not come back: %q", got)
	}
	// The bot answers again.
	h.ingest(waID, "wamid.after", engine.Input{Kind: engine.InputText, Text: "officer", At: time.Now()})
	h.stepAll()
	events, _ := h.st.Events(ctx, store.ContactID(testIntegration, waID))
	if !hasEvent(events, engine.EventHandback) || !hasEvent(events, "staff_handback") {
		t.Fatalf("events: %+v", events)
	}
}

// Malformed actions and unknown citizens are refused before anything is
// queued.
func TestStaffRefusesBadActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	for name, m := range map[string]StaffMessage{
		"no integration":   {Integration: "nowhere", Contact: "1", Kind: StaffReply, Text: "x"},
		"no text":          {Integration: testIntegration, Contact: "1", Kind: StaffReply},
		"too long":         {Integration: testIntegration, Contact: "1", Kind: StaffReply, Text: strings.Repeat("क", MaxTextLength+1)},
		"no template":      {Integration: testIntegration, Contact: "1", Kind: StaffTemplate},
		"unknown kind":     {Integration: testIntegration, Contact: "1", Kind: "wave"},
		"unknown handback": {Integration: testIntegration, Contact: "919800000999", Kind: StaffHandback},
	} {
		err := h.p.QueueStaff(ctx, m)
		if !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A template may open a conversation with a citizen never seen.
	tpl := &whatsapp.Template{Name: "appointment_reminder", Language: whatsapp.TemplateLanguage{Code: "hi"}}
	if err := h.p.QueueStaff(ctx, StaffMessage{Integration: testIntegration, Contact: "919800000105", Kind: StaffTemplate, Actor: "a", Template: tpl}); err != nil {
		t.Fatal(err)
	}
	h.stepAll()
	if got := h.queued("919800000105"); len(got) != 1 || got[0] != "[template appointment_reminder]" {
		t.Fatalf("the template: %q", got)
	}
	if open, err := h.p.WindowOpen(ctx, store.ContactID(testIntegration, "919800000105")); open || err != nil {
		t.Fatalf("a template opened the reply window: %v %v", open, err)
	}
}

// An agent who answers hours after the handoff answers in the same
// conversation: a handed-over session outlasts the session duration.
func TestALateAnswerStaysInTheConversation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const waID = "919800000106"
	h.handOver(waID)
	h.later(3 * time.Hour)
	if err := h.p.QueueStaff(context.Background(), StaffMessage{Integration: testIntegration, Contact: waID, Kind: StaffReply,
		Actor: "a", Text: "Sorry for the wait."}); err != nil {
		t.Fatal(err)
	}
	h.stepAll()
	hist := h.history(waID)
	if last := hist[len(hist)-1]; last.Summary != "Sorry for the wait." || last.Conversation != hist[0].Conversation {
		t.Fatalf("the late answer: %+v", hist)
	}
}
