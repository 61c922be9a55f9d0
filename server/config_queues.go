package server

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/samvad/samvad/server/pipeline"
)

// Queue is a handoff queue of the agent inbox (a flow's handoff names
// it): the department whose staff answer it, their working hours, and
// what the waiting citizen is told.
type Queue struct {
	// Department answers the queue (default: the only department, when
	// there is one).
	Department string `yaml:"department"`
	// Hours are the working hours per weekday in the department's zone:
	// mon: "10:00-17:00", or several spans "10:00-13:00,14:00-17:00". A
	// day left out is closed.
	Hours map[string]string `yaml:"hours"`
	// ReplyWithin is about how soon an officer answers in working hours
	// (the citizen is told "within about N minutes").
	ReplyWithin time.Duration `yaml:"reply_within"`
	// ReminderAfter reminds a citizen no officer has answered after this
	// long, once (0: no reminder).
	ReminderAfter time.Duration `yaml:"reminder_after"`
}

// weekdays are the names Hours takes.
var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// queueProblems checks the queues.
func (c *Config) queueProblems() []string {
	var problems []string
	names := make([]string, 0, len(c.Queues))
	for name := range c.Queues {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		q := c.Queues[name]
		where := "queues." + name
		if q.Department != "" && c.department(q.Department).ID == "" {
			problems = append(problems, fmt.Sprintf("%s: department %q is not one of the departments", where, q.Department))
		}
		if q.ReplyWithin < 0 || q.ReminderAfter < 0 {
			problems = append(problems, where+": reply_within and reminder_after must not be negative")
		}
		if _, err := queueHours(q.Hours); err != nil {
			problems = append(problems, where+": "+err.Error())
		}
	}
	return problems
}

// queueHours reads a queue's working hours.
func queueHours(hours map[string]string) ([7][]pipeline.Span, error) {
	var out [7][]pipeline.Span
	for day, spans := range hours {
		d, ok := weekdays[strings.ToLower(strings.TrimSpace(day))]
		if !ok {
			return out, fmt.Errorf("hours: %q is not a weekday (sun, mon, tue, wed, thu, fri, sat)", day)
		}
		for _, s := range strings.Split(spans, ",") {
			sp, err := pipeline.ParseSpan(strings.TrimSpace(s))
			if err != nil {
				return out, fmt.Errorf("hours.%s: %s", day, strings.TrimPrefix(err.Error(), "pipeline: "))
			}
			out[d] = append(out[d], sp)
		}
		sort.Slice(out[d], func(i, j int) bool { return out[d][i].From < out[d][j].From })
	}
	return out, nil
}

// queueDepartment is the department that answers q.
func (c *Config) queueDepartment(q Queue) string {
	if q.Department == "" && len(c.Departments) == 1 {
		return c.Departments[0].ID
	}
	return q.Department
}

// pipelineQueues are the queues as the pipeline takes them.
func (c *Config) pipelineQueues() map[string]pipeline.Queue {
	out := map[string]pipeline.Queue{}
	for name, q := range c.Queues {
		hours, err := queueHours(q.Hours)
		if err != nil {
			continue // Validate reported it
		}
		zone, err := time.LoadLocation(c.department(c.queueDepartment(q)).TimeZone)
		if err != nil {
			zone = time.UTC
		}
		out[name] = pipeline.Queue{Zone: zone, Hours: hours, ReplyWithin: q.ReplyWithin, ReminderAfter: q.ReminderAfter}
	}
	return out
}
