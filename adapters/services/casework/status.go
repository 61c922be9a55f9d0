package casework

import (
	"fmt"
	"time"
)

// Status is where a case is in its life.
type Status string

// The statuses a case passes through. A case is lodged by a citizen (or an
// officer), assigned to an officer, worked on, and resolved; the citizen
// may reopen a resolved case within the reopen period, after which (or when
// they are satisfied) it is closed. A case that is not for the department
// is rejected, with a note saying why.
const (
	Lodged     Status = "lodged"
	Assigned   Status = "assigned"
	InProgress Status = "in_progress"
	Resolved   Status = "resolved"
	Reopened   Status = "reopened"
	Closed     Status = "closed"
	Rejected   Status = "rejected"
)

// Statuses lists every status, in the order of a case's life.
var Statuses = []Status{Lodged, Assigned, InProgress, Resolved, Reopened, Closed, Rejected}

// moves are the changes of status an officer may make.
var moves = map[Status][]Status{
	Lodged:     {Assigned, InProgress, Resolved, Rejected},
	Assigned:   {Assigned, InProgress, Resolved, Rejected},
	InProgress: {Assigned, InProgress, Resolved, Rejected},
	Reopened:   {Assigned, InProgress, Resolved, Rejected},
	Resolved:   {Closed},
	Rejected:   {Closed},
}

// ParseStatus reads a stored or submitted status. Statuses stored before
// this package ("open", "registered") read as Lodged.
func ParseStatus(s string) (Status, error) {
	switch s {
	case "", "open", "registered":
		return Lodged, nil
	}
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("casework: %q is not a status (one of lodged, assigned, in_progress, resolved, reopened, closed, rejected)", s)
}

// Open reports whether a case in this status waits on the department.
func (s Status) Open() bool {
	switch s {
	case Lodged, Assigned, InProgress, Reopened:
		return true
	}
	return false
}

// CanMove reports whether an officer may move a case from one status to
// another. Reopening is the citizen's (see CanReopen).
func CanMove(from, to Status) bool {
	for _, s := range moves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// CanReopen reports whether a citizen may reopen a case resolved at
// resolvedAt, now, when a department allows reopening within period.
func CanReopen(status Status, resolvedAt, now time.Time, period time.Duration) bool {
	return status == Resolved && !resolvedAt.IsZero() && now.Sub(resolvedAt) <= period
}
