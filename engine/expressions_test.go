package engine_test

import (
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

// TestWhatExpressionsSee pins what docs/flows.md says of input, answer and
// now: input has every script's digits as 0-9, a text answer keeps them
// as typed (and masks a phone number), now is a date and time, and
// contains, startsWith, endsWith and matches are operators.
func TestWhatExpressionsSee(t *testing.T) {
	t.Parallel()
	lib := load(t, map[string]string{"main": `
flow: main
vars: {typed: string, ascii: string, valid: bool, due: date, hour: number, days: number, ops: bool}
nodes:
  q:
    ask: t.ask_name
    validate: 'answer contains "४" && digits(answer) contains "400051"'
    save: typed
    next: s
  s:
    set:
      ascii: input
      due: addDays(now, 3)
      hour: now.Hour()
      days: daysBetween(now, vars.due)
      ops: 'vars.due > now && "abc" startsWith "a" && "abc" endsWith "c" && "abc" contains "b" && "abc" matches "^a"'
    next: wait
  wait:
    ask: t.ask_name
    next: end
`})
	c := newChat(t, lib, engine.Config{})
	c.say("hi")
	c.say("पिन ४०००५१ 9876543210")
	v := c.sess.Vars
	if v["typed"] != "पिन ४०००५१ +91 XXXXXXXX10" {
		t.Errorf("a text answer keeps the digits as typed, phone masked: %q", v["typed"])
	}
	if v["ascii"] != "पिन 400051 9876543210" {
		t.Errorf("input has digits 0-9: %q", v["ascii"])
	}
	if !v["due"].(time.Time).Equal(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)) || v["hour"] != 10.0 || v["days"] != 3.0 || v["ops"] != true {
		t.Errorf("now and the operators: %v", v)
	}
}
