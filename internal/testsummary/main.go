package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// quiet is how long nothing may be printed before Tick says what is going
// on.
const quiet = 20 * time.Second

func main() {
	os.Exit(run("", os.Args[1:], os.Stdout, os.Stderr))
}

// run runs go test -json with the arguments in dir ("": here) and
// reports; it returns the exit code.
func run(dir string, args []string, stdout, stderr io.Writer) int {
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.Command(goCmd, append([]string{"test", "-json"}, args...)...)
	cmd.Dir, cmd.Stderr = dir, stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 1
	}
	s := NewSummary(stdout, time.Now)
	consume(s, out, time.NewTicker(time.Second).C)
	waitErr := cmd.Wait()
	ok := s.Close()
	if waitErr != nil && ok {
		// go test failed without a failing test or package: it said why on
		// stderr.
		fmt.Fprintf(stdout, "FAIL: go test: %v\n", waitErr)
	}
	if !ok || waitErr != nil {
		return 1
	}
	return 0
}

// consume feeds the summary every line of r, and a tick whenever tick
// fires, until r ends.
func consume(s *Summary, r io.Reader, tick <-chan time.Time) {
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		select {
		case l, open := <-lines:
			if !open {
				return
			}
			s.Line(l)
		case <-tick:
			s.Tick(quiet)
		}
	}
}
