package diag

import "testing"

func TestNearest(t *testing.T) {
	t.Parallel()
	candidates := []string{"where", "what", "offices", "confirm"}
	for name, want := range map[string]string{
		"wher": "where", "whre": "where", "ofices": "offices", "confrim": "confirm", "xyz": "", "": "",
		"whit": "what", // one edit from what, two from where
	} {
		if got := Nearest(name, candidates); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", name, got, want)
		}
	}
	// Of two as near, the first in sorted order.
	if got := Nearest("wher", []string{"where", "when"}); got != "when" {
		t.Errorf("a tie: %q", got)
	}
	if candidates[0] != "where" {
		t.Error("Nearest sorted the caller's slice")
	}
}
