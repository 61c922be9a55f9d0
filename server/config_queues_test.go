package server

import (
	"strings"
	"testing"
	"time"
)

func TestQueueConfig(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		"queues: {general: {department: nowhere}}":            `queues.general: department "nowhere" is not one of the departments`,
		"queues: {general: {hours: {funday: '10:00-17:00'}}}": `"funday" is not a weekday`,
		"queues: {general: {hours: {mon: '17:00-10:00'}}}":    "hours.mon: working hours \"17:00-10:00\" must run forward",
		"queues: {general: {reminder_after: -1m}}":            "must not be negative",
	} {
		_, err := LoadConfig(writeConfig(t, body), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", body, err, want)
		}
	}
	cfg, err := LoadConfig(writeConfig(t, goodConfig+`queues:
  general:
    hours: {mon: "10:00-13:00,14:00-17:00", sat: "10:00-14:00"}
    reply_within: 20m
    reminder_after: 45m
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.pipelineQueues()["general"]
	if len(q.Hours[time.Monday]) != 2 || len(q.Hours[time.Saturday]) != 1 || q.ReminderAfter != 45*time.Minute ||
		q.Zone == nil || q.Zone.String() != "Asia/Kolkata" {
		t.Fatalf("the queue: %+v", q)
	}
}
