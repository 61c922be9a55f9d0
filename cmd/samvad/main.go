// Command samvad is the one binary of Samvad: the service and the tools
// departments use on their flows.
//
//	samvad serve   [--config samvad.yaml]     run the service
//	samvad lint    [paths…] [--json]          check flows and locale files
//	samvad test    [paths…]                   run conversation tests
//	samvad chat    --flow main --lang en      try a flow in the terminal
//	samvad migrate [--config samvad.yaml]     apply database migrations
//	samvad fakegraph                          a fake WhatsApp Graph API on 127.0.0.1
package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// shutdownGrace is how long serve waits for work in hand to finish.
const shutdownGrace = 30 * time.Second

// commands maps a subcommand to its function; each gets its arguments and
// returns the process exit code.
var commands = map[string]func(args []string, stdin io.Reader, stdout, stderr io.Writer) int{
	"lint":      runLint,
	"test":      runTest,
	"chat":      runChat,
	"serve":     runServe,
	"migrate":   runMigrate,
	"fakegraph": runFakegraph,
	"loadgen":   runLoadgen,
	"parked":    runParked,
	"call":      runCall,
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "samvad: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return cmd(args[1:], stdin, stdout, stderr)
}

const usage = `samvad: a rules-driven chatbot engine for citizen services on WhatsApp

Usage:
  samvad serve   [--config samvad.yaml]       run the service (webhooks, workers, simulator)
  samvad lint    [paths...] [--json]          check flows and locale files (default: flows locales)
  samvad test    [paths...]                   run conversation tests (default: flows locales)
  samvad chat    --flow main --lang en        try a flow in the terminal
  samvad call    OPERATION [name=value...]    run one department operation and print its result
  samvad migrate [--config samvad.yaml]       apply database migrations
  samvad parked  [--requeue (--all | ID...)]  list the messages set aside after failing; requeue them
  samvad fakegraph [--listen 127.0.0.1:8090]  a fake WhatsApp Graph API for trying things locally
  samvad loadgen [--rate 1000 --duration 10s] offer signed webhooks at a fixed rate and check the replies

Run "samvad <command> -h" for a command's options.
`
