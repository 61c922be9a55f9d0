package casework

import "time"

// Policy is a department's service levels: how long a case of each
// category may stay open, and who it goes to when that time has passed.
type Policy struct {
	// Days is the time to resolve, per category; Default for the others.
	Days    map[string]int
	Default int
	// Levels are the officers a case is escalated to, one after another, as
	// each deadline passes: "ward officer", "zonal officer", "commissioner".
	// A case escalated to level i gets a new deadline of Default (or its
	// category's) days again.
	Levels []string
}

// DefaultPolicy gives every case 7 days and escalates twice.
var DefaultPolicy = Policy{Default: 7, Levels: []string{"ward officer", "zonal officer", "commissioner"}}

// days is the time to resolve a case of the category.
func (p Policy) days(category string) int {
	if d, ok := p.Days[category]; ok && d > 0 {
		return d
	}
	if p.Default > 0 {
		return p.Default
	}
	return DefaultPolicy.Default
}

// Due is when a case of the category lodged (or escalated) at from must be
// resolved: the end of that day, days later, in from's location.
func (p Policy) Due(category string, from time.Time) time.Time {
	y, m, d := from.Date()
	return time.Date(y, m, d+p.days(category), 23, 59, 59, 0, from.Location())
}

// DaysFor returns the days a case of the category has, for telling citizens.
func (p Policy) DaysFor(category string) int { return p.days(category) }

// Escalation says where a case goes when its deadline passes: the next
// level's name, and false when it is at the last level already.
func (p Policy) Escalation(level int) (string, bool) {
	if level+1 < len(p.Levels) {
		return p.Levels[level+1], true
	}
	return "", false
}
