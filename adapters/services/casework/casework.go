// Package casework is what a department owns in Samvad: grievances and
// service requests (an application for a ration card, a certificate, any
// form a department has no API for). It says how their references are
// made, which statuses they pass through and when they are due. It is pure:
// the store keeps the cases, the connectors lodge them, the inbox moves
// them, and all of them ask this package the rules.
//
// # References
//
// Every case has a reference such as "GRV-26-4821-7305-A": a prefix naming
// its series (GRV for grievances, RCA for ration-card applications…), the
// year it was lodged, an eight-digit serial and a check character (the
// format is engine/script's FormatReference). The store numbers each
// series one after another (a database sequence on Postgres, a counter in
// the one writing process on SQLite), so a reference is never drawn twice
// and never needs a retry; Reference scrambles the number within the
// year's 100 million so that a reference does not give away how many came
// before it, or the next one. 100 million a series and year is more than a
// state of 100 million people lodges: exhaustion cannot happen in
// practice, and a department that needed more would give each district a
// series of its own.
package casework

import (
	"hash/fnv"
	"strings"

	"github.com/samvad/samvad/engine/script"
)

// serials is how many serial numbers a series has in a year.
const serials = 100_000_000

// Reference returns the reference of the n-th case of a series (its
// prefix) in a year. Distinct n below 100 million give distinct
// references for the same prefix and year.
func Reference(prefix string, year int, n uint64) string {
	return script.FormatReference(prefix, year, scramble(prefix, year, n))
}

// scramble maps n to another number below 100 million, one to one: an
// affine map modulo 10^8 whose multiplier is odd and not a multiple of 5
// (so it has an inverse) and whose constants depend on the prefix and the
// year, so consecutive cases get unrelated-looking serials.
func scramble(prefix string, year int, n uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToUpper(prefix)))
	h.Write([]byte{byte(year % 100)})
	k := h.Sum64()
	a := (k%(serials/10))*10 + 3 // ends in 3: coprime with 10^8
	b := (k >> 32) % serials
	return (a%serials*(n%serials) + b) % serials
}

// Valid reports whether s reads as a reference (of any series), with the
// punctuation it may be copied with; Normalize returns its canonical form.
func Valid(s string) bool { return script.ValidReference(s) }

// Normalize returns the canonical form of a reference as typed or pasted,
// and false when s is not one.
func Normalize(s string) (string, bool) { return script.NormalizeReference(s) }

// Prefix returns the series prefix of a canonical reference ("GRV").
func Prefix(ref string) string {
	p, _, _ := strings.Cut(ref, "-")
	return p
}

// ValidSeries reports whether s may prefix references: 2 to 6 capital
// ASCII letters.
func ValidSeries(s string) bool {
	if len(s) < 2 || len(s) > 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
