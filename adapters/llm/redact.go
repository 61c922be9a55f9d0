package llm

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/samvad/samvad/engine/script"
)

// What leaves the process for a model is redacted twice over: the
// engine's script.Redact masks Aadhaar, PAN, mobile numbers and e-mail
// addresses, and masked text then has every reference number (a docket
// such as GRV-26-4821-6K, an application or card number such as
// MH-12-3344-556 or APP-2026-000123456) replaced by a placeholder, [REF1],
// [REF2]…, which script.Redact deliberately leaves alone. The model can
// still route "what happened to [REF1]" to the status flow with
// {"reference": "[REF1]"}; the placeholders are put back in what the
// model returns, inside this process.

// codeRE matches a code made of letters and digits with separators: at
// least one letter and at least four digits, in groups joined by -, / or
// nothing.
var codeRE = regexp.MustCompile(`(?i)\b[a-z0-9]+(?:[-/][a-z0-9]+)+\b|\b[a-z]+[0-9]{4,}[a-z0-9]*\b`)

// placeholders maps the placeholders of one question back to what they
// hide.
type placeholders struct {
	values []string
}

// redactForModel masks personal data and replaces reference numbers
// with placeholders.
func (p *placeholders) redactForModel(s string) string {
	s = script.Redact(s)
	return codeRE.ReplaceAllStringFunc(s, func(code string) string {
		if !isReference(code) {
			return code
		}
		for i, v := range p.values {
			if v == code {
				return placeholder(i)
			}
		}
		p.values = append(p.values, code)
		return placeholder(len(p.values) - 1)
	})
}

func placeholder(i int) string { return "[REF" + strconv.Itoa(i+1) + "]" }

// isReference reports whether a code is a reference number: a letter and
// at least four digits (so a date "21-11-2026", a mask "XXXX", and words
// such as "e-mail" or "COVID-19" stay).
func isReference(code string) bool {
	letters, digits := 0, 0
	for _, r := range code {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
			if r != 'X' && r != 'x' {
				letters++
			}
		}
	}
	return letters > 0 && digits >= 4
}

var placeholderRE = regexp.MustCompile(`\[REF([0-9]+)\]`)

// restore puts back the references the placeholders in s stand for. A
// placeholder this question did not make is left as it is (and then
// fails the answer check, since it is in no passage).
func (p *placeholders) restore(s string) string {
	if !strings.Contains(s, "[REF") {
		return s
	}
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.Atoi(m[4 : len(m)-1])
		if n < 1 || n > len(p.values) {
			return m
		}
		return p.values[n-1]
	})
}
