package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/samvad/samvad/adapters/llm/knowledge"
	"github.com/samvad/samvad/adapters/services"
	"github.com/samvad/samvad/adapters/whatsapp/templates"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/transcript"
)

// runLint loads every flow, locale file, conversation test and template
// under the paths and reports every problem at once.
func runLint(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("lint")
	asJSON := fs.Bool("json", false, "print the problems as JSON")
	langs := fs.String("languages", "", "comma-separated enabled languages (default: every locale file)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"flows", "locales"}
	}
	lib, problems := loadProject(paths, *langs)
	if *asJSON {
		if problems == nil {
			problems = diag.List{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(problems)
	} else {
		for _, d := range problems {
			fmt.Fprintln(stdout, d.String())
		}
		errs, warns := count(problems)
		if lib != nil {
			fmt.Fprintf(stdout, "%s: %d errors, %d warnings\n", lib, errs, warns)
		} else {
			fmt.Fprintf(stdout, "%d errors, %d warnings\n", errs, warns)
		}
	}
	if problems.HasErrors() {
		return 1
	}
	return 0
}

// loadProject reads the paths and loads the library, checking conversation
// tests' syntax too.
func loadProject(paths []string, langs string) (*engine.Library, diag.List) {
	src, problems := engine.ReadSources(paths...)
	var opts engine.LoadOptions
	if langs != "" {
		opts.Languages = strings.Split(langs, ",")
	}
	ops, more := loadServices(src.Services)
	problems = append(problems, more...)
	if ops != nil {
		opts.Operations = ops.Operations()
	}
	lib, more := engine.LoadSources(src, opts)
	problems = append(problems, more...)
	problems = append(problems, lintKnowledge(src.Knowledge, lib)...)
	problems = append(problems, lintTemplates(src.Templates)...)
	for _, f := range src.Transcripts {
		_, tl := transcript.Parse(f.Path, f.Content)
		problems = append(problems, tl...)
	}
	problems.Sort()
	return lib, problems
}

func count(l diag.List) (errs, warns int) {
	for _, d := range l {
		if d.Severity == diag.Error {
			errs++
		} else {
			warns++
		}
	}
	return
}

// loadServices reads the declarations of department operations.
func loadServices(files []engine.File) (*services.Registry, diag.List) {
	sf := make([]services.File, len(files))
	for i, f := range files {
		sf[i] = services.File{Path: f.Path, Content: f.Content}
	}
	return services.Load(sf)
}

// lintKnowledge checks the fallback's knowledge bases.
func lintKnowledge(files []engine.File, _ *engine.Library) diag.List {
	kf := make([]knowledge.File, len(files))
	for i, f := range files {
		kf[i] = knowledge.File{Path: f.Path, Content: f.Content}
	}
	_, problems := knowledge.Read(kf)
	return problems
}

// lintTemplates checks the approved WhatsApp templates.
func lintTemplates(files []engine.File) diag.List {
	tf := make([]templates.File, len(files))
	for i, f := range files {
		tf[i] = templates.File{Path: f.Path, Content: f.Content}
	}
	_, problems := templates.Load(tf)
	return problems
}
