package server

import (
	"errors"
	"fmt"
	"testing"

	"github.com/samvad/samvad/adapters/store"
)

// A worker's call may step several citizens and fail for some of them; the
// steps metric counts each failure once.
func TestCountErrors(t *testing.T) {
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
