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

// Mover is who moves a case: the rules differ for each.
type Mover int

// The movers, from the least to the most trusted among staff; the citizen
// is apart.
const (
	// ByOfficer is an agent or officer working the case.
	ByOfficer Mover = iota
	// BySupervisor may also reopen a resolved case.
	BySupervisor
	// ByCitizen may only reopen their own resolved case, within the reopen
	// period (CanReopen).
	ByCitizen
)

// move is one allowed change of status, and the least mover who may make
// it (a supervisor may make every officer's move).
type move struct {
	from, to Status
	by       Mover
}

// moves is every allowed change of status: the one table of the rules.
var moves = []move{
	{Lodged, Assigned, ByOfficer}, {Lodged, InProgress, ByOfficer}, {Lodged, Resolved, ByOfficer}, {Lodged, Rejected, ByOfficer},
	{Assigned, InProgress, ByOfficer}, {Assigned, Resolved, ByOfficer}, {Assigned, Rejected, ByOfficer},
	{InProgress, Assigned, ByOfficer}, {InProgress, Resolved, ByOfficer}, {InProgress, Rejected, ByOfficer},
	{Reopened, Assigned, ByOfficer}, {Reopened, InProgress, ByOfficer}, {Reopened, Resolved, ByOfficer}, {Reopened, Rejected, ByOfficer},
	{Resolved, Closed, ByOfficer}, {Rejected, Closed, ByOfficer},
	{Resolved, Reopened, BySupervisor}, {Resolved, Reopened, ByCitizen},
}

// may reports whether mover by may make m.
func (m move) may(by Mover) bool {
	if by == ByCitizen || m.by == ByCitizen {
		return by == m.by
	}
	return by >= m.by
}

// MayMove reports whether by may move a case from one status to another.
// A citizen's reopening must also be within the period (CanReopen).
func MayMove(from, to Status, by Mover) bool {
	for _, m := range moves {
		if m.from == from && m.to == to && m.may(by) {
			return true
		}
	}
	return false
}

// Allowed lists the statuses by may move a case in status from to, in the
// order of a case's life.
func Allowed(from Status, by Mover) []Status {
	var out []Status
	for _, st := range Statuses {
		if MayMove(from, st, by) {
			out = append(out, st)
		}
	}
	return out
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
// another. Reopening is the citizen's (see CanReopen) or a supervisor's.
func CanMove(from, to Status) bool { return MayMove(from, to, ByOfficer) }

// CanReopen reports whether a citizen may reopen a case resolved at
// resolvedAt, now, when a department allows reopening within period.
func CanReopen(status Status, resolvedAt, now time.Time, period time.Duration) bool {
	return status == Resolved && !resolvedAt.IsZero() && now.Sub(resolvedAt) <= period
}

// StoredAs lists the ways a status may be stored: Lodged also as the
// statuses of cases lodged before this package ("open", "registered",
// and none).
func StoredAs(st Status) []string {
	if st == Lodged {
		return []string{string(Lodged), "open", "registered", ""}
	}
	return []string{string(st)}
}

// OpenStored lists every stored status of an open case (see StoredAs).
func OpenStored() []string {
	var out []string
	for _, st := range Statuses {
		if st.Open() {
			out = append(out, StoredAs(st)...)
		}
	}
	return out
}
