package main

import (
	"fmt"
	"io"
	"time"

	"github.com/samvad/samvad/server"
)

// runVersion prints which build this is: what an operator quotes when
// reporting a problem. The running service says the same at /healthz and in
// the samvad_build_info metric.
func runVersion(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("version")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "samvad version: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	printBuild(stdout, server.ReadBuild())
	return 0
}

func printBuild(w io.Writer, b server.Build) {
	fmt.Fprintf(w, "samvad %s\n", b.Version)
	commit := "unknown (built without version control: go run, or outside a git checkout)"
	if b.Commit != "" {
		commit = b.Commit
		if b.Modified {
			commit += " with uncommitted changes"
		}
		if !b.CommitTime.IsZero() {
			commit += ", committed " + b.CommitTime.UTC().Format(time.RFC3339)
		}
	}
	fmt.Fprintf(w, "  commit: %s\n", commit)
	if !b.Built.IsZero() {
		fmt.Fprintf(w, "  built:  %s\n", b.Built.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "  go:     %s\n", b.GoVersion)
}
