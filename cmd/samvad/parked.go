package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/engine/script"
	"github.com/samvad/samvad/server"
)

// runParked lists the parked messages (those whose steps kept failing) or,
// with --requeue, puts them back in the inbox once the cause is mended.
func runParked(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var requeue, all bool
	var integration string
	var limit int
	cfg, fs, code := loadConfigFlags("parked", args, server.ForStore, stdout, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&requeue, "requeue", false, "put the parked messages given by id (or --all) back in the inbox")
		fs.BoolVar(&all, "all", false, "with --requeue: every parked message (of --integration when given)")
		fs.StringVar(&integration, "integration", "", "only this integration's messages")
		fs.IntVar(&limit, "limit", 50, "list at most this many, oldest first")
		fs.Usage = func() {
			fmt.Fprint(fs.Output(), "Usage:\n  samvad parked [--config FILE] [--integration ID] [--limit N]\n"+
				"  samvad parked [--config FILE] --requeue [--integration ID] (--all | ID...)\n\nOptions:\n")
			fs.PrintDefaults()
		}
	})
	if cfg == nil {
		return code
	}
	ids, err := parkedIDs(fs.Args(), requeue, all)
	if err != nil {
		fmt.Fprintln(stderr, "samvad parked:", err)
		fs.Usage()
		return 2
	}
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "samvad parked:", err)
		return 1
	}
	defer st.Close()
	if requeue {
		n, err := st.RequeueParked(ctx, integration, ids)
		if err != nil {
			fmt.Fprintln(stderr, "samvad parked:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%d parked message(s) requeued; the running service steps them within a second\n", n)
		return 0
	}
	ms, err := st.ParkedMessages(ctx, integration, limit)
	if err != nil {
		fmt.Fprintln(stderr, "samvad parked:", err)
		return 1
	}
	printParked(stdout, ms)
	return 0
}

// parkedIDs reads the ids a requeue names; nil with --all.
func parkedIDs(args []string, requeue, all bool) ([]int64, error) {
	switch {
	case !requeue && (all || len(args) > 0):
		return nil, errors.New("ids and --all go with --requeue")
	case !requeue:
		return nil, nil
	case all && len(args) > 0:
		return nil, errors.New("give either ids or --all, not both")
	case all:
		return nil, nil
	case len(args) == 0:
		return nil, errors.New("--requeue needs the ids of the messages (from the list) or --all")
	}
	ids := make([]int64, len(args))
	for i, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a message id (a positive number from the list)", a)
		}
		ids[i] = id
	}
	return ids, nil
}

// printParked lists parked messages with the contact masked and any
// numbers in what the citizen wrote redacted.
func printParked(w io.Writer, ms []store.ParkedMessage) {
	if len(ms) == 0 {
		fmt.Fprintln(w, "no parked messages")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tINTEGRATION\tCONTACT\tTYPE\tATTEMPTS\tPARKED AT (UTC)\tMESSAGE\tLAST ERROR")
	for _, m := range ms {
		_, key, _ := strings.Cut(m.ContactID, "/")
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", m.ID, m.Integration, script.MaskPhone(key), m.Type, m.Attempts,
			m.ParkedAt.UTC().Format("2006-01-02 15:04:05"), script.Clip(script.Redact(m.Summary), 30), script.Clip(m.LastError, 70))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d parked message(s) shown; requeue with: samvad parked --requeue ID... (or --all)\n", len(ms))
}
