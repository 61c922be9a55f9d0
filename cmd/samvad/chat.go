package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/samvad/samvad/engine"
)

// runChat is a terminal simulator: each line on stdin is a citizen's
// message; the bot's answers are printed with their choices numbered.
func runChat(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("chat")
	flowID := fs.String("flow", "main", "the flow to start in")
	lang := fs.String("lang", "", "the citizen's language (default: taken from their first message)")
	flows := fs.String("flows", "flows", "the flows directory")
	locales := fs.String("locales", "locales", "the locales directory")
	name := fs.String("name", "Citizen", "the citizen's name")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	lib, problems := engine.LoadDir(*flows, *locales)
	if problems.HasErrors() {
		for _, d := range problems.Errors() {
			fmt.Fprintln(stderr, d.String())
		}
		return 1
	}
	if lib.Flow(*flowID) == nil {
		fmt.Fprintf(stderr, "samvad chat: there is no flow %q\n", *flowID)
		return 2
	}
	eng, err := engine.New(lib, engine.Config{EntryFlow: *flowID, Services: demoServices()})
	if err != nil {
		fmt.Fprintln(stderr, "samvad chat:", err)
		return 1
	}
	return chatLoop(eng, *lang, *name, stdin, stdout)
}

func chatLoop(eng *engine.Engine, lang, name string, stdin io.Reader, stdout io.Writer) int {
	sess := &engine.Session{Lang: lang}
	contact := &engine.Contact{ID: "919800000001", Name: name, Language: lang, New: lang == ""}
	var res engine.Result
	in := bufio.NewScanner(stdin)
	fmt.Fprintln(stdout, "Type as the citizen; an empty line or Ctrl-D ends. Try: hi")
	for {
		fmt.Fprint(stdout, "> ")
		if !in.Scan() || strings.TrimSpace(in.Text()) == "" {
			fmt.Fprintln(stdout)
			return 0
		}
		input := parseChatLine(in.Text())
		input.At = time.Now()
		if err := eng.Step(context.Background(), sess, contact, input, &res); err != nil {
			fmt.Fprintln(stdout, "(step failed:", err, ")")
		}
		contact.New = false
		for _, o := range res.Outputs {
			printOutput(stdout, o)
		}
	}
}

// parseChatLine reads a line: plain text, or "/location LAT LON", "/photo
// caption", "/document name", "/tap ID" to act as a WhatsApp user would.
func parseChatLine(line string) engine.Input {
	line = strings.TrimSpace(line)
	cmd, rest, _ := strings.Cut(line, " ")
	switch cmd {
	case "/location":
		var lat, lon float64
		fmt.Sscan(rest, &lat, &lon)
		return engine.Input{Kind: engine.InputLocation, Location: &engine.Location{Latitude: lat, Longitude: lon}}
	case "/photo":
		return engine.Input{Kind: engine.InputMedia, Text: rest, Media: &engine.Attachment{Kind: "image", MediaID: "local-photo", MimeType: "image/jpeg"}}
	case "/document":
		return engine.Input{Kind: engine.InputMedia, Media: &engine.Attachment{Kind: "document", MediaID: "local-doc", Filename: rest, MimeType: "application/pdf"}}
	case "/tap":
		return engine.Input{Kind: engine.InputChoice, ChoiceID: rest, Text: rest}
	}
	return engine.Input{Kind: engine.InputText, Text: line}
}

func printOutput(w io.Writer, o engine.Output) {
	prefix := "bot: "
	switch o.Kind {
	case engine.OutputHandoff:
		fmt.Fprintf(w, "bot: [handed to the agent inbox, queue %s]\n", o.Handoff.Queue)
		return
	case engine.OutputMedia:
		fmt.Fprintf(w, "bot: [%s %s]\n", o.Media.Kind, o.Media.URL)
	case engine.OutputLocation:
		fmt.Fprintf(w, "bot: [location %.5f, %.5f] %s\n", o.Location.Latitude, o.Location.Longitude, o.Location.Name)
	case engine.OutputLocationRequest:
		fmt.Fprintln(w, "bot: [asks for your location: type /location LAT LON]")
	}
	if o.Text != "" {
		fmt.Fprintln(w, prefix+strings.ReplaceAll(o.Text, "\n", "\n     "))
	}
	for i, ch := range o.Choices {
		fmt.Fprintf(w, "     %d. %s\n", i+1, ch.Label)
	}
}
