package script

import (
	"testing"
	"unsafe"
)

// sameString reports whether a and b share their bytes: the function
// under test returned its argument rather than a copy.
func sameString(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}

// zeroAllocs fails t if f allocates.
func zeroAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("%s: %.1f allocations per call, want 0", name, n)
	}
}
