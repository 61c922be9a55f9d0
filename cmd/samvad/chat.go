package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/transcript"
	"github.com/samvad/samvad/server"
)

// runChat is a terminal simulator: each line on stdin is a citizen's
// message; the bot's answers are printed with their choices numbered. The
// flows' service calls are answered, as the first line printed says, by
// fake results from a file (--fakes), by the connectors of the
// configuration (--live), or, by default, locally: tables and built-in
// operations work (cases are kept in memory), HTTP operations fail.
func runChat(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("chat")
	flowID := fs.String("flow", "main", "the flow to start in")
	lang := fs.String("lang", "", "the citizen's language (default: taken from their first message)")
	flows := fs.String("flows", "flows", "the flows directory")
	locales := fs.String("locales", "locales", "the locales directory")
	name := fs.String("name", "Citizen", "the citizen's name")
	fakes := fs.String("fakes", "", "answer service calls with the fake results of this file (services:, as conversation tests write them)")
	live := fs.Bool("live", false, "answer service calls with the connectors of the configuration")
	cfgFlag := fs.String("config", "", "with --live: the configuration (default ./samvad.yaml when present)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if *fakes != "" && *live {
		fmt.Fprintln(stderr, "samvad chat: --fakes and --live do not go together")
		return 2
	}
	src, problems := engine.ReadSources(*flows, *locales)
	ops, more := loadServices(src.Services)
	problems = append(problems, more...)
	var opts engine.LoadOptions
	if ops != nil {
		opts.Operations = ops.Operations()
	}
	lib, more := engine.LoadSources(src, opts)
	problems = append(problems, more...)
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
	calls, how, err := chatServices(ops, *fakes, *live, *cfgFlag)
	if err != nil {
		fmt.Fprintln(stderr, "samvad chat:", err)
		return 1
	}
	fmt.Fprintln(stdout, "Service calls:", how)
	eng, err := engine.New(lib, engine.Config{EntryFlow: *flowID, Services: calls})
	if err != nil {
		fmt.Fprintln(stderr, "samvad chat:", err)
		return 1
	}
	return chatLoop(eng, *lang, *name, stdin, stdout)
}

// chatServices answers the chat's service calls as the flags say, and
// describes how in a line.
func chatServices(ops *services.Registry, fakes string, live bool, cfgFlag string) (engine.Services, string, error) {
	if fakes != "" {
		content, err := os.ReadFile(fakes)
		if err != nil {
			return nil, "", err
		}
		f, problems := transcript.ReadFakes(fakes, content)
		if problems.HasErrors() {
			return nil, "", problems.Err()
		}
		names := f.Names()
		sort.Strings(names)
		return f, fmt.Sprintf("fake results from %s (%s)", fakes, strings.Join(names, ", ")), nil
	}
	book := newMemoryCasebook()
	if !live {
		if err := ops.Bind(services.Deployment{Casebook: book, Offline: true}); err != nil {
			return nil, "", err
		}
		return ops, "local: tables and built-in operations (cases kept in memory); HTTP operations are not connected (--live connects them, --fakes FILE fakes them)", nil
	}
	cfg, err := server.LoadConfigFor(configPath(cfgFlag), os.Environ(), server.ForStore)
	if err != nil {
		return nil, "", err
	}
	if err := ops.Bind(services.Deployment{Connections: cfg.Connectors, Getenv: os.LookupEnv, Casebook: book}); err != nil {
		return nil, "", err
	}
	var where []string
	for _, name := range ops.Connectors() {
		where = append(where, name+" → "+cfg.Connectors[name].BaseURL)
	}
	return ops, "live: " + strings.Join(where, ", ") + " (cases kept in memory)", nil
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
