package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/engine"
)

// A message framed by today's webhook and one written before the envelope
// both reach the engine and are answered.
func TestStepAnswersInputsOfEveryFormat(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ingest("919800000001", "wamid.NEW", engine.Input{ID: "wamid.NEW", Kind: engine.InputText, Text: "hi", At: time.Now()})
	h.ingestRaw("919800000002", "wamid.OLD", []byte(`{"id":"wamid.OLD","kind":1,"text":"hi","at":"`+time.Now().UTC().Format(time.RFC3339)+`"}`))
	h.stepAll()
	for _, waID := range []string{"919800000001", "919800000002"} {
		got := h.queued(waID)
		if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "Choose your language") {
			t.Fatalf("%s was answered %q", waID, got)
		}
	}
}

// A message that cannot be read is set aside in the event log, and the
// citizen's next message is answered.
func TestStepSkipsAnUnreadableInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ingestRaw("919800000003", "wamid.BAD", []byte("\x09not a frame"))
	h.stepAll()
	log, err := h.st.EventLog(context.Background(), testIntegration, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range log {
		found = found || e.Kind == "bad_input" && strings.Contains(e.Message, "wamid.BAD")
	}
	if !found {
		t.Fatalf("no bad_input entry: %+v", log)
	}
	h.ingest("919800000003", "wamid.GOOD", engine.Input{ID: "wamid.GOOD", Kind: engine.InputText, Text: "hi", At: time.Now()})
	h.stepAll()
	if got := h.queued("919800000003"); len(got) == 0 {
		t.Fatal("the next message was not answered")
	}
}

// The worker loop steps what is ingested and the senders deliver it, until
// stop; Wait returns once everything in hand is done.
func TestWorkersAndSendersDeliver(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	stop := make(chan struct{})
	h.p.Start(stop)
	for i := range 5 {
		waID := fmt.Sprintf("91980000010%d", i)
		h.ingest(waID, "wamid.W"+waID, engine.Input{ID: "wamid.W" + waID, Kind: engine.InputText, Text: "hi", At: time.Now()})
	}
	msgs, err := h.fake.WaitFor(5, 10*time.Second)
	close(stop)
	h.p.Wait()
	if err != nil {
		t.Fatalf("%v (%d sent)", err, len(msgs))
	}
	for _, m := range msgs {
		if !strings.Contains(m.Text, "Choose your language") {
			t.Fatalf("sent %q", m.Text)
		}
	}
}

// A worker's call may step several citizens and fail for some of them; the
// steps metric counts each failure once.
func TestCountErrors(t *testing.T) {
	t.Parallel()
	one := &store.StepError{Contact: "city/91…01", Err: errors.New("engine failed")}
	two := &store.StepError{Contact: "city/91…02", Err: errors.New("engine failed")}
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{one, 1},
		{fmt.Errorf("store: step rolled back: %w", errors.New("connection reset")), 1},
		{errors.Join(one, two), 2},
	}
	for _, c := range cases {
		if got := countErrors(c.err); got != c.want {
			t.Errorf("countErrors(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// A slow service call makes the citizen hear from us, in their language,
// then see the typing indicator again; a fast one, or a citizen the pacing
// holds back, gets nothing.
func TestProgressMessageDuringASlowCall(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	citizen := "919811111111"
	contact := store.Contact{ID: store.ContactID(testIntegration, citizen), Integration: testIntegration, WaID: citizen, Language: "hi"}

	done := make(chan struct{})
	close(done)
	h.p.progress(contact, "wamid.SLOW", done)
	if n := len(h.fake.Messages()); n != 0 {
		t.Fatalf("a fast call sent %d messages", n)
	}
	h.p.progress(contact, "wamid.SLOW", make(chan struct{}))
	msgs := h.fake.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "कृपया थोड़ा इंतज़ार करें") || msgs[0].To != "+"+citizen {
		t.Fatalf("progress message: %+v", msgs)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		reads := h.fake.Reads()
		if n := len(reads); n > 0 && reads[n-1].MessageID == "wamid.SLOW" && reads[n-1].Typing {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no typing indicator after the progress message: %+v", reads)
		}
	}
	h.lim.HoldRecipient(testPhoneID, citizen, time.Now().Add(time.Minute))
	h.p.progress(contact, "wamid.SLOW", make(chan struct{}))
	if n := len(h.fake.Messages()); n != 1 {
		t.Fatalf("a paced citizen was sent a progress message (%d messages)", n)
	}
}
