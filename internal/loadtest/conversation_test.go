package loadtest

import (
	"fmt"
	"testing"
)

func TestSpreadCitizensPauseThenGoRoundOutOfStep(t *testing.T) {
	c := &conversation{opening: 2, cycle: 3, texts: []string{"hi", "1", "a", "b", "0"},
		groups: [][]string{{"langs"}, {"menu"}, {"A"}, {"B"}, {"menu again"}}}
	say := func(citizen, n int) string {
		var out []string
		for seq := range n {
			text, replies := c.at(citizen, seq)
			out = append(out, fmt.Sprintf("%s>%s", text, replies))
		}
		return fmt.Sprint(out)
	}
	if got, want := say(1, 6), "[hi>[langs] 1>[menu] a>[A] b>[B] 0>[menu again] a>[A]]"; got != want {
		t.Fatalf("without spread, citizen 1 says %s, want %s", got, want)
	}
	c.spread, c.pause, c.paused = true, "0", []string{"menu again"}
	for citizen, want := range map[int]string{
		0: "[hi>[langs] 1>[menu] a>[A] b>[B] 0>[menu again] a>[A]]",
		1: "[hi>[langs] 1>[menu] 0>[menu again] a>[A] b>[B] 0>[menu again]]",
		2: "[hi>[langs] 1>[menu] 0>[menu again] 0>[menu again] a>[A] b>[B]]",
		3: "[hi>[langs] 1>[menu] a>[A] b>[B] 0>[menu again] a>[A]]",
	} {
		if got := say(citizen, 6); got != want {
			t.Errorf("spread, citizen %d says %s, want %s", citizen, got, want)
		}
	}
	if c.text(2, 3) != "0" || fmt.Sprint(c.expect(2, 4)) != "[A]" {
		t.Fatalf("text and expect disagree with at")
	}
}
