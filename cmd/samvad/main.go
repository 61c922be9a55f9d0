// Command samvad is the one binary of Samvad: the service and the tools
// departments use on their flows.
//
//	samvad serve   [--config samvad.yaml]     run the service
//	samvad lint    [paths…] [--json]          check flows and locale files
//	samvad test    [paths…]                   run conversation tests
//	samvad chat    --flow main --lang en      try a flow in the terminal
//	samvad send    --integration ID --from N  send a test message to a running service
//	samvad migrate [--config samvad.yaml]     apply database migrations
//	samvad parked                             list (and requeue) parked messages
//	samvad fakegraph                          a fake WhatsApp Graph API on 127.0.0.1
//	samvad loadgen                            offer webhooks at a rate and check the replies
//	samvad keys    create|list|revoke         the staff API's keys
//	samvad users   create|list|disable|…      the console's accounts
//	samvad audit   verify                     check the audit log's hash chain
//	samvad version                            the build: version, commit, Go
//
// Every command takes -h (or --help) and exits 0 after printing its
// options; a mistake in its flags exits 2.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// shutdownGrace is how long serve waits for work in hand to finish.
const shutdownGrace = 30 * time.Second

// command is one subcommand: its function, which gets its arguments and
// returns the process exit code, and its synopsis for the usage.
type command struct {
	run      func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
	synopsis string
}

// commands maps a subcommand's name to it. (Filled in init: the version
// and help commands read it.)
var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":     {runServe, "serve   [--config samvad.yaml]"},
		"lint":      {runLint, "lint    [--json] [paths...]"},
		"test":      {runTest, "test    [-v] [--run TEXT] [paths...]"},
		"chat":      {runChat, "chat    [--flow main] [--lang en] [--fakes FILE | --live]"},
		"call":      {runCall, "call    [-v] OPERATION [name=value...]"},
		"send":      {runSend, `send    --integration ID --from NUMBER ("text" | --button ID | --list ID | --location LAT,LNG)`},
		"migrate":   {runMigrate, "migrate [--config samvad.yaml]"},
		"parked":    {runParked, "parked  [--requeue (--all | ID...)]"},
		"fakegraph": {runFakegraph, "fakegraph [--listen 127.0.0.1:8090]"},
		"loadgen":   {runLoadgen, "loadgen [--rate 1000 --duration 10s]"},
		"keys":      {runKeys, "keys    (create --department D --role R --name N | list [--department D] | revoke ID)"},
		"users":     {runUsers, "users   (create --department D --role R --login L --name N | list | disable LOGIN | password LOGIN)"},
		"audit":     {runAudit, "audit   verify [--config samvad.yaml]"},
		"version":   {runVersion, "version"},
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			// samvad help serve: the command's own help.
			return dispatch([]string{args[1], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = []string{"version"}
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "samvad: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return cmd.run(args[1:], stdin, stdout, stderr)
}

const usage = `samvad: a rules-driven chatbot engine for citizen services on WhatsApp

Usage:
  samvad serve   [--config samvad.yaml]       run the service (webhooks, workers, simulator)
  samvad lint    [paths...] [--json]          check flows and locale files (default: flows locales)
  samvad test    [paths...]                   run conversation tests (default: flows locales)
  samvad chat    --flow main --lang en        try a flow in the terminal
  samvad call    OPERATION [name=value...]    run one department operation and print its result
  samvad send    --integration ID --from NUMBER "text"
                                              send a test message to a running service, as Meta
                                              would, and print the bot's replies
  samvad migrate [--config samvad.yaml]       apply database migrations
  samvad parked  [--requeue (--all | ID...)]  list the messages set aside after failing; requeue them
  samvad fakegraph [--listen 127.0.0.1:8090]  a fake WhatsApp Graph API for trying things locally
  samvad loadgen [--rate 1000 --duration 10s] offer signed webhooks at a fixed rate and check the replies
  samvad keys create --department D --role R --name N
                                              make a staff API key (printed once); keys list, keys revoke ID
  samvad users create --department D --role R --login L --name N
                                              make a console account (password on stdin); users list, disable LOGIN, password LOGIN
  samvad audit verify                         check the audit log's hash chain: OK, or the first broken row
  samvad version                              the version, commit and Go of this build

Run "samvad <command> -h" for a command's options.
`

// newFlags makes a command's flag set, whose usage starts with the
// command's synopsis.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage:\n  samvad %s\n", commands[name].synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprint(fs.Output(), "\nOptions:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses a command's flags. -h or --help prints the command's
// usage on stdout and ends it with status 0; a mistake prints the usage on
// stderr and ends it with status 2. ok says whether the command goes on;
// when it does not, it ends with code.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = stdout.Write(buf.Bytes())
		return 0, false
	case err != nil:
		_, _ = stderr.Write(buf.Bytes())
		return 2, false
	}
	return 0, true
}
