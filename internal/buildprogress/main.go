// Command buildprogress runs `go build -v` with its arguments and shows
// that it is working: a first build of Samvad compiles about 350 packages,
// minutes on a small machine, and a silent minute looks like a hang.
// `make run` builds with it before starting the service:
//
//	go build -o bin/buildprogress ./internal/buildprogress
//	bin/buildprogress -o bin/samvad ./cmd/samvad
//
// On a terminal one line is rewritten as packages compile; otherwise a
// line is printed every ten seconds. What go build says besides package
// names (errors, downloads) is printed as it comes. It exits with go
// build's status.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"time"
)

func main() {
	os.Exit(run("", os.Args[1:], os.Stderr, isTerminal(os.Stderr)))
}

// isTerminal says whether f is a terminal, where a line can be rewritten.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// run builds in dir ("": here) and reports to w; it returns go build's
// exit code.
func run(dir string, args []string, w io.Writer, terminal bool) int {
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.Command(goCmd, append([]string{"build", "-v"}, args...)...)
	// Both of go build's outputs come through one pipe, read here: w is
	// written by this goroutine only.
	r, pw := io.Pipe()
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, pw, pw
	p := &progress{w: w, terminal: terminal, start: time.Now(), every: 10 * time.Second}
	p.lastLine = p.start
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(w, "buildprogress:", err)
		return 1
	}
	waited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.Close()
		waited <- err
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for open := true; open; {
		select {
		case l, ok := <-lines:
			if open = ok; ok {
				p.line(l, time.Now())
			}
		case now := <-tick.C:
			p.tick(now)
		}
	}
	err := <-waited
	p.done(err == nil, time.Now())
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(w, "buildprogress:", err)
		return 1
	}
	return 0
}

// importPath matches what go build -v prints for a package it compiles.
var importPath = regexp.MustCompile(`^[A-Za-z0-9_.~/-]+$`)

// progress is the state of the display.
type progress struct {
	w        io.Writer
	terminal bool
	start    time.Time
	every    time.Duration
	packages int
	// lastLine is when a line was last printed (not on a terminal).
	lastLine time.Time
	// shown says a progress line is on the terminal, to be rewritten.
	shown bool
}

// line takes one line of go build's stderr.
func (p *progress) line(l string, now time.Time) {
	if !importPath.MatchString(l) {
		p.clear()
		fmt.Fprintln(p.w, l)
		p.lastLine = now
		return
	}
	p.packages++
	if p.terminal {
		p.show(now)
	}
}

// tick refreshes the terminal line, or prints a line when none was
// printed for a while.
func (p *progress) tick(now time.Time) {
	switch {
	case p.terminal:
		p.show(now)
	case now.Sub(p.lastLine) >= p.every:
		fmt.Fprintf(p.w, "  still compiling (%s): %s so far\n", elapsed(p.start, now).Round(time.Second), plural(p.packages))
		p.lastLine = now
	}
}

func (p *progress) show(now time.Time) {
	fmt.Fprintf(p.w, "\r  compiling (%s): %s so far", elapsed(p.start, now).Round(time.Second), plural(p.packages))
	p.shown = true
}

// clear removes the terminal's progress line.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

func (p *progress) done(ok bool, now time.Time) {
	p.clear()
	switch {
	case !ok:
		fmt.Fprintf(p.w, "the build failed after %s (see above)\n", elapsed(p.start, now))
	case p.packages == 0:
		fmt.Fprintf(p.w, "built in %s (nothing had changed)\n", elapsed(p.start, now))
	default:
		fmt.Fprintf(p.w, "built in %s (%s compiled; they are cached now, so the next build takes seconds)\n", elapsed(p.start, now), plural(p.packages))
	}
}

func plural(n int) string {
	if n == 1 {
		return "1 package"
	}
	return fmt.Sprintf("%d packages", n)
}

func elapsed(from, to time.Time) time.Duration {
	return to.Sub(from).Round(100 * time.Millisecond)
}
