package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/transcript"
)

// runTest runs every conversation test under the paths (default: the whole
// project the working directory is in, from any directory of it) against
// the project's flows and locale files.
func runTest(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("test")
	verbose := fs.Bool("v", false, "print every conversation, not only failing ones")
	run := fs.String("run", "", "only run tests whose file or name contains this text")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	src, problems := transcript.FindSources(fs.Args()...)
	lib, more := engine.LoadSources(src, engine.LoadOptions{})
	problems = append(problems, more...)
	if problems.HasErrors() {
		for _, d := range problems.Errors() {
			fmt.Fprintln(stderr, d.String())
		}
		fmt.Fprintln(stderr, "the flows do not load; run `samvad lint` for details")
		return 1
	}
	passed, failed, skipped := 0, 0, 0
	for _, f := range src.Transcripts {
		c, perr := transcript.Parse(f.Path, f.Content)
		if perr.HasErrors() {
			for _, d := range perr.Errors() {
				fmt.Fprintln(stdout, d.String())
			}
			failed++
			continue
		}
		if *run != "" && !strings.Contains(c.File, *run) && !strings.Contains(c.Name, *run) {
			continue
		}
		res := c.Run(lib)
		fmt.Fprintln(stdout, res.Summary())
		if !res.Passed() || *verbose {
			for _, line := range res.Log {
				fmt.Fprintln(stdout, "    "+strings.ReplaceAll(line, "\n", "\n    "))
			}
		}
		for _, fl := range res.Failures {
			fmt.Fprintln(stdout, "  "+fl.String())
		}
		switch {
		case res.Skipped != "" && len(res.Failures) == 0:
			skipped++
		case res.Passed():
			passed++
		default:
			failed++
		}
	}
	if skipped > 0 {
		fmt.Fprintf(stdout, "%d passed, %d failed, %d skipped (a flow the test reaches does not offer its language)\n", passed, failed, skipped)
	} else {
		fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	}
	if failed > 0 || passed == 0 {
		if passed == 0 && failed == 0 {
			fmt.Fprintln(stderr, "no conversation tests found")
		}
		return 1
	}
	return 0
}
