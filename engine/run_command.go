package engine

import (
	"strings"
	"unicode/utf8"

	"github.com/samvad/samvad/engine/locale"
	"github.com/samvad/samvad/engine/script"
)

// command is a global command: it works the same at any point of any flow.
type command uint8

const (
	cmdNone     command = iota
	cmdReset            // clear the session and start over
	cmdMenu             // back to the main menu
	cmdStop             // opt out of business-initiated messages
	cmdStart            // opt back in
	cmdLanguage         // choose another language
)

// builtinCommands work in every language, whatever the locale files say.
var builtinCommands = map[string]command{
	"/restart": cmdReset, "/reset": cmdReset, "/new": cmdReset, "restart": cmdReset, "reset": cmdReset,
	"0": cmdMenu, "menu": cmdMenu, "/menu": cmdMenu,
	"stop": cmdStop, "unsubscribe": cmdStop,
	"start": cmdStart, "subscribe": cmdStart,
	"language": cmdLanguage, "/language": cmdLanguage,
}

// commandKeys name the locale messages listing each command's words
// (comma-separated), so departments translate commands like any text.
var commandKeys = map[string]command{
	"commands.reset": cmdReset, "commands.menu": cmdMenu, "commands.stop": cmdStop,
	"commands.start": cmdStart, "commands.language": cmdLanguage,
}

// buildCommands folds every command word of every language into one table, so
// a citizen answered in Hindi may still type "menu". It also reads the yes/no
// and skip words.
func buildCommands(cat *locale.Catalog) (map[string]command, map[string]bool, map[string]bool) {
	cmds := map[string]command{}
	for w, c := range builtinCommands {
		cmds[script.Fold(w)] = c
	}
	yesNo := map[string]bool{"yes": true, "y": true, "no": false, "n": false}
	skip := map[string]bool{"skip": true}
	for _, lang := range cat.Languages() {
		for key, c := range commandKeys {
			for _, w := range words(cat.Lookup(lang.Code, key)) {
				cmds[w] = c
			}
		}
		for _, w := range words(cat.Lookup(lang.Code, "commands.yes")) {
			yesNo[w] = true
		}
		for _, w := range words(cat.Lookup(lang.Code, "commands.no")) {
			yesNo[w] = false
		}
		for _, w := range words(cat.Lookup(lang.Code, "commands.skip")) {
			skip[w] = true
		}
	}
	return cmds, yesNo, skip
}

// words splits a comma-separated word list message into folded words.
func words(m *locale.Message) []string {
	if m == nil {
		return nil
	}
	var out []string
	for _, w := range strings.Split(m.Text().Source(), ",") {
		if f := script.Fold(w); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// maxCommandChars is the longest message that can be a command.
const maxCommandChars = 40

// commandOf returns the global command a message is, if any. Only the whole
// message counts: "menu please" is an answer, not a command.
func (lib *Library) commandOf(in *Input) command {
	if in.Kind != InputText || len(in.Text) > 4*maxCommandChars || utf8.RuneCountInString(in.Text) > maxCommandChars {
		return cmdNone
	}
	return lib.commands[script.Fold(in.Text)]
}
