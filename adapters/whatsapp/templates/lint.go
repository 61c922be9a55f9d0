package templates

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// checkTranslation checks one language's texts against the template and
// against what Meta's review refuses.
func (r *reader) checkTranslation(t *Template, tr *Translation, what string) {
	if strings.TrimSpace(tr.Body) == "" {
		r.problems.Errorf(tr.at("body"), "missing-body", "%s has no body", what)
		return
	}
	for _, f := range []struct {
		name, text string
		max        int
	}{{"body", tr.Body, MaxBody}, {"header", tr.Header, MaxHeader}, {"footer", tr.Footer, MaxFooter}} {
		if n := chars(f.text); n > f.max {
			r.problems.Errorf(tr.at(f.name), "too-long", "%s: the %s has %d characters, Meta allows %d", what, f.name, n, f.max)
		}
		if f.name != "body" && strings.Contains(f.text, "{{") {
			r.problems.Errorf(tr.at(f.name), "variable-outside-body", "%s: only the body may have variables ({{1}}...), not the %s", what, f.name)
		}
	}
	for _, problem := range bodyProblems(tr.Body, len(t.Parameters)) {
		r.problems.Errorf(tr.at("body"), "bad-variable", "%s: %s", what, problem)
	}
	if len(tr.Buttons) != len(t.Buttons) {
		r.problems.Errorf(tr.at("buttons"), "button-labels", "%s has %d button labels for the template's %d buttons", what, len(tr.Buttons), len(t.Buttons))
	}
	for i, label := range tr.Buttons {
		if n := chars(label); n == 0 || n > MaxButtonLabel || strings.Contains(label, "{{") {
			r.problems.Errorf(tr.at("buttons"), "button-labels", "%s: button %d's label must be 1 to %d characters without variables", what, i+1, MaxButtonLabel)
		}
	}
}

// bodyProblems lists what is wrong with a body's variables, given how many
// parameters the template declares.
func bodyProblems(body string, params int) []string {
	var out []string
	matches := varRE.FindAllStringSubmatchIndex(body, -1)
	rest := varRE.ReplaceAllString(body, "")
	if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		out = append(out, "a variable is malformed: write {{1}}, {{2}}... with two braces on each side")
	}
	used := make([]bool, params+1)
	for i, m := range matches {
		inner := body[m[2]:m[3]]
		n, err := strconv.Atoi(inner)
		switch {
		case err != nil || n < 1 || inner != strconv.Itoa(n):
			out = append(out, "{{"+inner+"}} is not a variable: write {{1}}, {{2}}... in the order of the parameters")
			continue
		case n > params:
			out = append(out, "{{"+inner+"}} has no parameter: the template declares "+strconv.Itoa(params))
			continue
		}
		used[n] = true
		if i > 0 && strings.TrimSpace(body[matches[i-1][1]:m[0]]) == "" {
			out = append(out, "{{"+inner+"}} follows another variable with no text between them (Meta refuses it)")
		}
	}
	for n := 1; n <= params; n++ {
		if !used[n] {
			out = append(out, "{{"+strconv.Itoa(n)+"}} is never used: every parameter must appear in the body")
		}
	}
	trimmed := strings.TrimSpace(body)
	if len(matches) > 0 && (strings.HasPrefix(trimmed, "{{") || strings.HasSuffix(trimmed, "}}")) {
		out = append(out, "the body begins or ends with a variable (Meta refuses it): put text before and after")
	}
	return out
}
