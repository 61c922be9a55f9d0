package knowledge

import (
	"fmt"
	"regexp"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/script"
)

// Base is a loaded knowledge base: the entries and intents of every file.
type Base struct {
	Entries []Entry
	Intents []Intent
}

// Entry is one question a department answers.
type Entry struct {
	// ID names the entry across all files, such as "ration.documents".
	ID string
	// Department is the file's department (or the entry's own).
	Department string
	// Flow is the flow the answer leads to, if any.
	Flow string
	// Tags are extra search words.
	Tags []string
	// Questions holds the ways citizens ask, per language.
	Questions map[string][]string
	// Answer holds the reply per language; "en" is always present.
	Answer map[string]string
	// Pos is where the entry is written.
	Pos diag.Pos
}

// Intent is what citizens say when they want a flow.
type Intent struct {
	// Flow is the flow's id.
	Flow string
	// Department is the file's department.
	Department string
	// Examples holds example messages per language.
	Examples map[string][]string
	// Args are the values taken from the message for the flow's variables.
	Args []Arg
	// Pos is where the intent is written.
	Pos diag.Pos
}

// Arg takes one flow variable's value out of the citizen's message.
type Arg struct {
	// Name is the flow variable.
	Name string
	// Kind is "reference", "pin" or "re".
	Kind string
	// Pattern is the regular expression of kind "re".
	Pattern *regexp.Regexp
}

// Extract returns the value of the argument in text, if there is one.
// A reference is returned in canonical form, and only when its check
// character is right: a mistyped one is left for the flow to ask again.
func (a Arg) Extract(text string) (string, bool) {
	switch a.Kind {
	case "reference":
		return findReference(text)
	case "pin":
		return findPIN(text)
	case "re":
		m := a.Pattern.FindStringSubmatch(text)
		switch {
		case m == nil:
			return "", false
		case len(m) > 1:
			return m[1], m[1] != ""
		}
		return m[0], m[0] != ""
	}
	return "", false
}

// referenceRE finds the shape of a docket reference; NormalizeReference
// then checks it.
var referenceRE = regexp.MustCompile(`(?i)\b[a-z]{1,6}[-\s]*[0-9\p{Nd}]{2}[-\s]*[0-9\p{Nd}]{4}[-\s]*(?:[0-9\p{Nd}]{4}[-\s]*[a-z0-9]|[a-z0-9]{2})\b`)

func findReference(text string) (string, bool) {
	for _, loc := range referenceRE.FindAllStringIndex(text, -1) {
		if ref, ok := script.NormalizeReference(text[loc[0]:loc[1]]); ok {
			return ref, true
		}
	}
	return "", false
}

var pinRE = regexp.MustCompile(`(^|[^\p{Nd}])([\p{Nd}]{3}\s?[\p{Nd}]{3})($|[^\p{Nd}])`)

func findPIN(text string) (string, bool) {
	for _, m := range pinRE.FindAllStringSubmatch(text, -1) {
		if pin := script.ASCIIDigits(m[2]); script.IsPIN(pin) {
			if len(pin) == 7 { // "400 051"
				pin = pin[:3] + pin[4:]
			}
			return pin, true
		}
	}
	return "", false
}

// Entry returns the entry with the given id, or nil.
func (b *Base) Entry(id string) *Entry {
	for i := range b.Entries {
		if b.Entries[i].ID == id {
			return &b.Entries[i]
		}
	}
	return nil
}

// String summarises the base, for logs.
func (b *Base) String() string {
	return fmt.Sprintf("%d entries, %d intents", len(b.Entries), len(b.Intents))
}
