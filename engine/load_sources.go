package engine

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/internal/yamlx"
	"github.com/samvad/samvad/engine/locale"
)

// Sources are the YAML files of a project, sorted by what they are.
type Sources struct {
	Flows       []File
	Locales     []File
	Transcripts []File
	// Services are the declarations of department operations (a file with
	// a top-level operations:, connector: or tables:), which
	// adapters/services reads; Knowledge are the fallback's knowledge
	// bases (entries: or intents:), which adapters/llm/knowledge reads.
	// The engine only sorts them out.
	Services  []File
	Knowledge []File
	// Templates declare the approved WhatsApp message templates (a file
	// with a top-level templates:), which adapters/whatsapp/templates reads.
	Templates []File
}

var langFileRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// ReadSources reads the YAML files under the given files and directories and
// sorts them: a file with a top-level `flow:` is a flow, one with `turns:` is a
// conversation test, one with `operations:`, `connector:` or `tables:`
// declares services, one with `entries:` or `intents:` is a knowledge base,
// one with `templates:` declares WhatsApp message templates, and one named after a language (hi.yaml) is a locale file.
func ReadSources(paths ...string) (Sources, diag.List) {
	var src Sources
	var l diag.List
	seen := map[string]bool{}
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				l.Errorf(diag.Pos{File: path}, "read", "cannot read: %v", err)
				return nil
			}
			ext := filepath.Ext(path)
			if d.IsDir() || (ext != ".yaml" && ext != ".yml") || seen[path] {
				return nil
			}
			seen[path] = true
			content, err := os.ReadFile(path)
			if err != nil {
				l.Errorf(diag.Pos{File: path}, "read", "cannot read: %v", err)
				return nil
			}
			src.add(File{Path: path, Content: content})
			return nil
		})
		if err != nil {
			l.Errorf(diag.Pos{File: p}, "read", "cannot read: %v", err)
		}
	}
	for _, files := range [][]File{src.Flows, src.Locales, src.Transcripts, src.Services, src.Knowledge, src.Templates} {
		sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	}
	return src, l
}

func (s *Sources) add(f File) {
	keys := topKeys(f.Content)
	base := filepath.Base(f.Path)
	name := base[:len(base)-len(filepath.Ext(base))]
	switch {
	case keys["flow"]:
		s.Flows = append(s.Flows, f)
	case keys["turns"]:
		s.Transcripts = append(s.Transcripts, f)
	case keys["operations"] || keys["connector"] || keys["tables"]:
		s.Services = append(s.Services, f)
	case keys["entries"] || keys["intents"]:
		s.Knowledge = append(s.Knowledge, f)
	case keys["templates"]:
		s.Templates = append(s.Templates, f)
	case langFileRE.MatchString(name) || filepath.Base(filepath.Dir(f.Path)) == "locales":
		s.Locales = append(s.Locales, f)
	default:
		s.Flows = append(s.Flows, f)
	}
}

// LoadSources loads locale files and flows. Every problem of both is reported.
func LoadSources(src Sources, opts LoadOptions) (*Library, diag.List) {
	files := make([]locale.File, len(src.Locales))
	for i, f := range src.Locales {
		files[i] = locale.File{Path: f.Path, Content: f.Content}
	}
	cat, l := locale.Load(files)
	if len(src.Locales) == 0 {
		l.Errorf(diag.Pos{File: "locales"}, "no-locales", "no locale files found (locales/en.yaml, …)")
	}
	if len(src.Flows) == 0 {
		l.Errorf(diag.Pos{File: "flows"}, "no-flows", "no flow files found")
	}
	lib, more := Load(cat, src.Flows, opts)
	l = append(l, more...)
	for _, f := range src.Locales {
		diag.NewSource(f.Path, f.Content).Quote(l)
	}
	l.Sort()
	if l.HasErrors() {
		return nil, l
	}
	return lib, l
}

// LoadDir reads and loads flows and locales from the given paths (for
// example "flows" and "locales").
func LoadDir(paths ...string) (*Library, diag.List) {
	src, l := ReadSources(paths...)
	lib, more := LoadSources(src, LoadOptions{})
	return lib, append(l, more...)
}

var topKeyRE = regexp.MustCompile(`(?m)^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:`)

// topKeys returns the keys of a YAML file's top-level mapping. A file that
// does not parse is still sorted by the keys its unindented lines begin
// with, so that a conversation test with a syntax error is reported as one
// (and at the error), not loaded as a flow.
func topKeys(content []byte) map[string]bool {
	keys := map[string]bool{}
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err == nil {
		if len(doc.Content) > 0 {
			for _, kv := range yamlx.Pairs(doc.Content[0]) {
				keys[kv[0].Value] = true
			}
		}
		return keys
	}
	for _, m := range topKeyRE.FindAllSubmatch(content, -1) {
		keys[string(m[1])] = true
	}
	return keys
}
