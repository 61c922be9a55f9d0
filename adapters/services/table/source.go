package table

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// CheckEvery is how often a Source looks at its file for a change.
const CheckEvery = 2 * time.Second

// Source is a table that follows its file: when the file changes, the next
// look after CheckEvery reads it again. A file that no longer reads keeps
// the last good table in service, and Err says why.
type Source struct {
	spec    Spec
	now     func() time.Time
	current atomic.Pointer[Table]
	next    atomic.Int64 // Unix nanoseconds of the next look at the file

	mu      sync.Mutex // one reload at a time
	modTime time.Time
	size    int64
	err     error
}

// Open loads a table and follows its file.
func Open(spec Spec) (*Source, error) {
	s := &Source{spec: spec, now: time.Now}
	info, err := os.Stat(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", spec.Name, err)
	}
	t, err := Load(spec)
	if err != nil {
		return nil, err
	}
	s.current.Store(t)
	s.modTime, s.size = info.ModTime(), info.Size()
	s.next.Store(s.now().Add(CheckEvery).UnixNano())
	return s, nil
}

// Table returns the table as its file is now (at most CheckEvery old).
func (s *Source) Table() *Table {
	now := s.now()
	if next := s.next.Load(); now.UnixNano() >= next && s.next.CompareAndSwap(next, now.Add(CheckEvery).UnixNano()) {
		s.refresh()
	}
	return s.current.Load()
}

// Reload reads the file again now, whether it changed or not.
func (s *Source) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.load()
}

// Err is why the file last failed to read (nil when the table in service
// is the file's).
func (s *Source) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Path is the table's file.
func (s *Source) Path() string { return s.spec.Path }

func (s *Source) refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	info, err := os.Stat(s.spec.Path)
	if err != nil {
		s.err = err
		return
	}
	if info.ModTime().Equal(s.modTime) && info.Size() == s.size {
		return
	}
	_ = s.load()
}

// load reads the file; s.mu is held.
func (s *Source) load() error {
	info, err := os.Stat(s.spec.Path)
	if err == nil {
		// A file that does not read is not read again until it changes.
		s.modTime, s.size = info.ModTime(), info.Size()
		var t *Table
		if t, err = Load(s.spec); err == nil {
			s.current.Store(t)
		}
	}
	s.err = err
	return err
}
