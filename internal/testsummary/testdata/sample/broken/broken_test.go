package broken

import "testing"

func TestDoesNotBuild(t *testing.T) {
	var n int = "not a number"
	_ = n
}
