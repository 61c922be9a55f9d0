package pipeline

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func officeQueue(t *testing.T) Queue {
	t.Helper()
	zone, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	day, err := ParseSpan("10:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	q := Queue{Zone: zone, ReplyWithin: 20 * time.Minute, ReminderAfter: 30 * time.Minute}
	for d := time.Monday; d <= time.Saturday; d++ {
		q.Hours[d] = []Span{day}
	}
	return q
}

func TestParseSpanRefusesNonsense(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"10-17", "17:00-10:00", "10:00-25:00", "10:70-11:00", ""} {
		if _, err := ParseSpan(s); err == nil {
			t.Errorf("%q was taken", s)
		}
	}
}

// A citizen handed over in office hours is told about how soon; outside
// them, when the office opens, in their language.
func TestHandoffSaysWhenAPersonWillAnswer(t *testing.T) {
	t.Parallel()
	q := officeQueue(t)
	for _, c := range []struct {
		at   string
		want string
	}{
		{"2026-12-07T11:00:00+05:30", "within about 20 minutes"}, // a Monday morning
		{"2026-12-07T18:30:00+05:30", "after 10:00 on Tuesday"},
		{"2026-12-12T17:30:00+05:30", "after 10:00 on Monday"}, // Saturday evening
	} {
		h := newHarness(t)
		at, _ := time.Parse(time.RFC3339, c.at)
		h.later(time.Until(at))
		h.p.queues = map[string]Queue{"general": q}
		h.handOver("919800000301")
		got := strings.Join(h.queued("919800000301"), "\n")
		if !strings.Contains(got, c.want) || strings.Contains(got, "10 am to 5 pm") || !strings.Contains(got, "They will reply here.") {
			t.Errorf("handed over at %s, told %q", c.at, got)
		}
	}
}

// A citizen nobody answered is reminded once, however many processes look.
func TestRemindersAreSentOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.p.queues = map[string]Queue{"general": officeQueue(t)}
	h.handOver("919800000302")
	ctx := context.Background()
	if n, err := h.p.SendReminders(ctx); n != 0 || err != nil {
		t.Fatalf("reminded at once: %d %v", n, err)
	}
	h.later(31 * time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := h.p.SendReminders(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 1 {
		t.Fatalf("%d reminders", total)
	}
	h.stepAll()
	got := h.queued("919800000302")
	if !strings.Contains(got[len(got)-1], "Sorry for the wait") {
		t.Fatalf("the reminder: %q", got)
	}
	if n, _ := h.p.SendReminders(ctx); n != 0 {
		t.Fatalf("reminded again: %d", n)
	}
}
