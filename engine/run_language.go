package engine

import (
	"fmt"

	"github.com/samvad/samvad/engine/locale"
	"github.com/samvad/samvad/engine/script"
)

// languageMenu is an integration's languages as the language question
// offers them: in the configured order, each named in its own script, and
// answerable by number, by that name, by its code or by an alias from the
// key language.aliases ("bangla, bengali").
type languageMenu struct {
	langs   []*locale.Lang
	choices []Choice
	match   map[string]int
}

func newLanguageMenu(lib *Library, codes []string) (*languageMenu, error) {
	m := &languageMenu{match: map[string]int{}}
	if len(codes) == 0 {
		m.langs = lib.Languages
	}
	for _, code := range codes {
		if !lib.enabled(code) {
			return nil, fmt.Errorf("engine: language %q is not loaded", code)
		}
		l, _ := lib.Catalog.Lang(code)
		m.langs = append(m.langs, l)
	}
	for i, l := range m.langs {
		m.choices = append(m.choices, Choice{ID: l.Code, Label: l.Name})
		m.add(l.Name, i)
		m.add(l.Code, i)
		for _, w := range words(lib.Catalog.Lookup(l.Code, "language.aliases")) {
			m.add(w, i)
		}
	}
	return m, nil
}

func (m *languageMenu) add(word string, i int) {
	if f := script.Fold(word); f != "" {
		if _, taken := m.match[f]; !taken {
			m.match[f] = i
		}
	}
}

// enabled reports whether the integration offers a language.
func (m *languageMenu) enabled(code string) bool {
	for _, l := range m.langs {
		if l.Code == code {
			return true
		}
	}
	return false
}

// find returns the language a message names, or -1.
func (m *languageMenu) find(x *run) int {
	if x.in.Kind == InputChoice {
		for i, l := range m.langs {
			if l.Code == x.in.ChoiceID {
				return i
			}
		}
	}
	if x.in.Kind != InputText && x.in.Kind != InputChoice {
		return -1
	}
	if n, ok := script.ParseInt(x.text); ok {
		if n >= 1 && n <= len(m.langs) {
			return n - 1
		}
		return -1
	}
	if i, ok := m.match[script.Fold(x.text)]; ok {
		return i
	}
	return -1
}
