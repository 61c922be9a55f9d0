package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/server"
)

// runCall runs one declared operation against its configured system and
// prints the mapped result (and, with -v, what was sent and what came
// back), so that an author can check a connector before writing the flow.
func runCall(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var verbose bool
	cfg, fs, code := loadConfigFlags("call", args, server.ForStore, stdout, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&verbose, "v", false, "also print the HTTP request and the raw response")
		fs.Usage = func() {
			fmt.Fprint(fs.Output(), "Usage:\n  samvad call [--config FILE] [-v] OPERATION [name=value ...]\n\n"+
				"Runs one operation declared under the flows directory against the system the configuration\n"+
				"names, and prints its result. Values are read as the operation declares them: numbers,\n"+
				"yes/no, dates (2026-12-07), locations (19.06,72.84), or JSON for objects and lists.\n\nOptions:\n")
			fs.PrintDefaults()
		}
	})
	if cfg == nil {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	src, problems := engine.ReadSources(cfg.Flows)
	reg, more := loadServices(src.Services)
	problems = append(problems, more...)
	if problems.HasErrors() {
		for _, d := range problems.Errors() {
			fmt.Fprintln(stderr, d.String())
		}
		return 1
	}
	name := fs.Arg(0)
	op, ok := reg.Operations()[name]
	if !ok {
		fmt.Fprintf(stderr, "samvad call: no operation %q is declared in %s (declared: %s)\n", name, cfg.Flows, strings.Join(reg.Names(), ", "))
		return 2
	}
	callArgs, err := parseCallArgs(op, fs.Args()[1:])
	if err != nil {
		fmt.Fprintln(stderr, "samvad call:", err)
		return 2
	}
	if err := reg.Bind(services.Deployment{Connections: cfg.Connectors, Getenv: os.LookupEnv}); err != nil {
		fmt.Fprintln(stderr, "samvad call:", err)
		return 1
	}
	ctx := context.Background()
	if verbose {
		ctx = services.WithTrace(ctx, func(ex services.Exchange) { printExchange(stdout, ex) })
	}
	res, err := reg.Call(ctx, name, callArgs)
	if err != nil {
		fmt.Fprintln(stderr, "samvad call:", err)
		if errors.Is(err, services.ErrNoCasebook) {
			fmt.Fprintln(stderr, "built-in operations keep their cases in the service's store; try them in a conversation (samvad chat, or the simulator of samvad serve)")
		}
		return 1
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Fprintln(stdout, string(out))
	return 0
}

// parseCallArgs reads name=value arguments as the operation declares them.
func parseCallArgs(op engine.Operation, args []string) (map[string]any, error) {
	types := map[string]engine.VarType{}
	var names []string
	for _, a := range op.Args {
		types[a.Name] = a.Type
		names = append(names, a.Name)
	}
	sort.Strings(names)
	out := map[string]any{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not name=value", a)
		}
		t, known := types[k]
		if !known {
			return nil, fmt.Errorf("%s takes no argument %q (it takes %s)", op.Name, k, strings.Join(names, ", "))
		}
		val, err := parseValue(t, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", k, err)
		}
		out[k] = val
	}
	return out, nil
}

func parseValue(t engine.VarType, v string) (any, error) {
	switch t {
	case engine.TypeNumber, engine.TypeMoney:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		return n, nil
	case engine.TypeBool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", v)
		}
		return b, nil
	case engine.TypeDate:
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date like 2026-12-07", v)
		}
		return d, nil
	case engine.TypeLocation:
		lat, lng, ok := strings.Cut(v, ",")
		la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		lo, err2 := strconv.ParseFloat(strings.TrimSpace(lng), 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q is not a location like 19.06,72.84", v)
		}
		return map[string]any{"latitude": la, "longitude": lo}, nil
	case engine.TypeObject, engine.TypeList, engine.TypeAttachment:
		var x any
		if err := json.Unmarshal([]byte(v), &x); err != nil {
			return nil, fmt.Errorf("%q is not JSON", v)
		}
		return x, nil
	}
	return v, nil
}

// printExchange shows one HTTP exchange; the body is cut at 2,000 bytes.
func printExchange(w io.Writer, ex services.Exchange) {
	fmt.Fprintf(w, "> %s %s  (%d attempt(s), %v)\n", ex.Method, ex.URL, ex.Attempts, ex.Elapsed.Round(time.Millisecond))
	if len(ex.Request) > 0 {
		fmt.Fprintf(w, "> %s\n", clip(ex.Request, 2000))
	}
	if ex.Status == 0 {
		fmt.Fprintln(w, "< no answer")
		return
	}
	fmt.Fprintf(w, "< %d %s\n", ex.Status, ex.Header.Get("Content-Type"))
	fmt.Fprintf(w, "< %s\n\n", clip(ex.Response, 2000))
}

func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + fmt.Sprintf("… (%d bytes in all)", len(b))
}
