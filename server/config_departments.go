package server

import (
	"fmt"
	"time"
)

// defaultTimeZone is the zone of a department that names none.
const defaultTimeZone = "Asia/Kolkata"

// simulatorDepartment owns the simulator's integration.
const simulatorDepartment = "simulator"

// applyDepartmentDefaults gives every department a name and a zone, and
// adds the departments integrations name but the list leaves out.
func (c *Config) applyDepartmentDefaults() {
	known := map[string]bool{}
	for i := range c.Departments {
		d := &c.Departments[i]
		if d.Name == "" {
			d.Name = d.ID
		}
		if d.TimeZone == "" {
			d.TimeZone = defaultTimeZone
		}
		known[d.ID] = true
	}
	add := func(id string) {
		if id != "" && !known[id] {
			known[id] = true
			c.Departments = append(c.Departments, Department{ID: id, Name: id, TimeZone: defaultTimeZone})
		}
	}
	for _, in := range c.Integrations {
		add(in.Department)
	}
	if c.Simulator != nil && *c.Simulator {
		add(simulatorDepartment)
	}
}

// departmentProblems checks the departments' ids and zones.
func (c *Config) departmentProblems() []string {
	var problems []string
	seen := map[string]bool{}
	for i, d := range c.Departments {
		where := fmt.Sprintf("departments[%d]", i)
		switch {
		case !idRE.MatchString(d.ID):
			problems = append(problems, fmt.Sprintf("%s: id %q must be lower-case letters, digits, - and _", where, d.ID))
		case seen[d.ID]:
			problems = append(problems, fmt.Sprintf("%s: id %q is used twice", where, d.ID))
		}
		seen[d.ID] = true
		if _, err := time.LoadLocation(d.TimeZone); err != nil {
			problems = append(problems, fmt.Sprintf("%s (%s): time_zone %q is not a known zone (for example Asia/Kolkata)", where, d.ID, d.TimeZone))
		}
		if d.Webhook != nil {
			problems = append(problems, d.Webhook.problems(fmt.Sprintf("%s (%s).webhook", where, d.ID))...)
		}
	}
	return problems
}

// department returns the department of that id (the zero Department when
// none has it).
func (c *Config) department(id string) Department {
	for _, d := range c.Departments {
		if d.ID == id {
			return d
		}
	}
	return Department{}
}
