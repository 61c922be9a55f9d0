package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/locale"
)

// Queue is a handoff queue: when its people work, how soon they answer,
// and when a citizen still waiting is reminded.
type Queue struct {
	// Zone is the department's time zone, which Hours are in.
	Zone *time.Location
	// Hours are the working hours of each weekday, Sunday first; a day
	// with none is closed.
	Hours [7][]Span
	// ReplyWithin is about how soon an officer answers in working hours.
	ReplyWithin time.Duration
	// ReminderAfter is how long a handed-over citizen waits for an answer
	// before they are told again that a person will answer (0: never).
	ReminderAfter time.Duration
}

// Span is a stretch of a working day, as offsets from midnight.
type Span struct{ From, To time.Duration }

// ParseSpan reads "10:00-17:00".
func ParseSpan(s string) (Span, error) {
	var h1, m1, h2, m2 int
	if n, err := fmt.Sscanf(s, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil || n != 4 {
		return Span{}, fmt.Errorf("pipeline: working hours %q are not like 10:00-17:00", s)
	}
	sp := Span{From: time.Duration(h1)*time.Hour + time.Duration(m1)*time.Minute, To: time.Duration(h2)*time.Hour + time.Duration(m2)*time.Minute}
	if m1 > 59 || m2 > 59 || sp.From < 0 || sp.To > 24*time.Hour || sp.From >= sp.To {
		return Span{}, fmt.Errorf("pipeline: working hours %q must run forward within one day", s)
	}
	return sp, nil
}

// nextOpening reports whether t is within working hours, and otherwise
// when they next begin (zero when the queue never opens).
func (q *Queue) nextOpening(t time.Time) (open bool, next time.Time) {
	zone := q.Zone
	if zone == nil {
		zone = time.UTC
	}
	t = t.In(zone)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone)
	for i := 0; i < 8; i++ {
		d := day.AddDate(0, 0, i)
		for _, sp := range q.Hours[d.Weekday()] {
			from, to := d.Add(sp.From), d.Add(sp.To)
			switch {
			case i == 0 && !t.Before(from) && t.Before(to):
				return true, time.Time{}
			case from.After(t):
				return false, from
			}
		}
	}
	return false, time.Time{}
}

// handoffWhen is what a citizen handed to queue is told of when a person
// will answer, in their language; false when the queue has no hours.
func (p *Pipeline) handoffWhen(queue, lang string) (engine.Output, bool) {
	q, ok := p.queues[queue]
	if !ok {
		return engine.Output{}, false
	}
	open, next := q.nextOpening(p.now())
	var key string
	data := locale.MapData{}
	switch {
	case open && q.ReplyWithin > 0:
		key, data["minutes"] = "common.handoff_soon", int(q.ReplyWithin.Round(time.Minute)/time.Minute)
	case !open && !next.IsZero():
		key, data["time"] = "common.handoff_later", next.Format("15:04")
		data["day"] = p.commonText("common.weekday."+weekdayKeys[next.Weekday()], lang)
	default:
		return engine.Output{}, false
	}
	m := p.library().Catalog.Resolve(key, locale.Chain(lang, "en")...)
	if m == nil {
		return engine.Output{}, false
	}
	return engine.Output{Kind: engine.OutputText, Key: key, Lang: lang, Text: m.Render(data)}, true
}

var weekdayKeys = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// withHandoffWhen adds what the citizen is told of when a person will
// answer after a handoff among outs. The shipped handoff text names
// office hours of its own; when the queue's hours are configured it gives
// way to common.handoff_queued, so that the citizen hears only the
// queue's.
func (p *Pipeline) withHandoffWhen(outs []engine.Output, lang string) []engine.Output {
	for _, o := range outs {
		if o.Kind != engine.OutputHandoff {
			continue
		}
		when, ok := p.handoffWhen(o.Handoff.Queue, lang)
		if !ok {
			return outs
		}
		if plain := p.commonText("common.handoff_queued", lang); plain != "" {
			for i := range outs {
				if outs[i].Kind == engine.OutputText && outs[i].Key == "common.handoff" {
					outs[i].Text, outs[i].Key = plain, "common.handoff_queued"
				}
			}
		}
		return append(outs, when)
	}
	return outs
}

// SendReminders tells each handed-over citizen whom no officer has
// answered within their queue's ReminderAfter, once, that a person will
// answer. The store claims each conversation with a conditional update, so
// processes running this at once remind each citizen once between them.
// It returns how many were reminded.
func (p *Pipeline) SendReminders(ctx context.Context) (int, error) {
	var ids []string
	for id := range p.integrations {
		ids = append(ids, id)
	}
	now := p.now()
	due := func(queue string) time.Time {
		q, ok := p.queues[queue]
		if !ok || q.ReminderAfter <= 0 {
			return time.Time{}
		}
		return now.Add(-q.ReminderAfter)
	}
	cs, err := p.store.DueReminders(ctx, ids, due)
	n := 0
	for _, c := range cs {
		contact, cerr := p.store.Contact(ctx, c.ContactID)
		if cerr != nil {
			err = errors.Join(err, cerr)
			continue
		}
		text := p.commonText("common.handoff_reminder", contact.Language)
		if text == "" {
			continue
		}
		qerr := p.QueueStaff(ctx, StaffMessage{Integration: c.Integration, Contact: c.Key, Kind: StaffNotice, Text: text})
		switch {
		case errors.Is(qerr, ErrOptedOut):
		case qerr != nil:
			err = errors.Join(err, qerr)
		default:
			n++
		}
	}
	return n, err
}

// runReminders sends reminders every interval until stop.
func (p *Pipeline) runReminders(stop <-chan struct{}, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		n, err := p.SendReminders(ctx)
		cancel()
		if err != nil {
			p.log.Warn("pipeline: sending handoff reminders", "err", err)
		}
		if n > 0 {
			p.log.Info("pipeline: reminded citizens waiting for an officer", "count", strconv.Itoa(n))
		}
	}
}

// reminderInterval is how often reminders are looked for: a quarter of
// the shortest ReminderAfter, between 5 seconds and a minute; 0 when no
// queue reminds.
func (p *Pipeline) reminderInterval() time.Duration {
	var shortest time.Duration
	for _, q := range p.queues {
		if q.ReminderAfter > 0 && (shortest == 0 || q.ReminderAfter < shortest) {
			shortest = q.ReminderAfter
		}
	}
	if shortest == 0 {
		return 0
	}
	return min(max(shortest/4, 5*time.Second), time.Minute)
}
