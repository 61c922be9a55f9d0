package knowledge

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/diag"
)

// MaxAnswer is the longest answer a file may hold, in characters: the
// length of one WhatsApp text message.
const MaxAnswer = 4096

// Extensions are the file name endings LoadDir reads.
var Extensions = []string{".yaml", ".yml"}

// LoadDir reads every knowledge file under dir (see Extensions), in name
// order. Its error, if any, is a diag.ListError with every problem of
// every file.
func LoadDir(dir string) (*Base, error) {
	return LoadFS(os.DirFS(dir), dir)
}

// LoadFS is LoadDir over a file system; prefix is put before the paths in
// problems.
func LoadFS(fsys fs.FS, prefix string) (*Base, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, ext := range Extensions {
			if !d.IsDir() && strings.HasSuffix(path, ext) {
				files = append(files, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("knowledge: reading %s: %w", prefix, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("knowledge: no knowledge files (*.yaml) in %s", prefix)
	}
	sort.Strings(files)
	var l diag.List
	b := &Base{}
	for _, f := range files {
		content, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("knowledge: %w", err)
		}
		l = append(l, b.add(filepath.Join(prefix, f), content)...)
	}
	l = append(l, b.checkUnique()...)
	l.Sort()
	if err := l.Err(); err != nil {
		return nil, err
	}
	return b, nil
}

// File is a knowledge file's path and content.
type File struct {
	Path    string
	Content []byte
}

// Read reads knowledge files already in memory (engine.ReadSources sorts
// them out of flows/) and reports every problem as a diagnostic, for lint.
// The base is nil only when there are errors.
func Read(files []File) (*Base, diag.List) {
	b := &Base{}
	var l diag.List
	for _, f := range files {
		l = append(l, b.add(f.Path, f.Content)...)
	}
	l = append(l, b.checkUnique()...)
	l.Sort()
	if l.HasErrors() {
		return nil, l
	}
	return b, l
}

// Parse reads one knowledge file.
func Parse(path string, content []byte) (*Base, error) {
	b := &Base{}
	l := b.add(path, content)
	l = append(l, b.checkUnique()...)
	l.Sort()
	if err := l.Err(); err != nil {
		return nil, err
	}
	return b, nil
}

// reader walks one file's YAML tree and collects its problems.
type reader struct {
	file string
	l    diag.List
}

func (r *reader) pos(n *yaml.Node) diag.Pos {
	return diag.Pos{File: r.file, Line: n.Line, Col: n.Column}
}

func (r *reader) errorf(n *yaml.Node, code, format string, args ...any) {
	r.l.Errorf(r.pos(n), code, format, args...)
}

// add parses one file into b and returns its problems.
func (b *Base) add(path string, content []byte) diag.List {
	r := &reader{file: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		r.l.Errorf(diag.Pos{File: path, Line: yamlErrorLine(err)}, "yaml-syntax", "YAML syntax: %s",
			strings.TrimPrefix(err.Error(), "yaml: "))
		return r.l
	}
	if len(doc.Content) == 0 {
		r.l.Errorf(diag.Pos{File: path}, "empty", "the file is empty")
		return r.l
	}
	root := doc.Content[0]
	fields := r.mapping(root, "department", "entries", "intents")
	dept := r.str(fields["department"])
	if fields["department"] == nil {
		r.errorf(root, "missing-department", "a knowledge file needs `department:` (the department whose answers these are)")
	}
	if n := fields["entries"]; n != nil {
		for _, item := range r.seq(n) {
			if e, ok := r.entry(item, dept); ok {
				b.Entries = append(b.Entries, e)
			}
		}
	}
	if n := fields["intents"]; n != nil {
		for _, item := range r.seq(n) {
			if in, ok := r.intent(item, dept); ok {
				b.Intents = append(b.Intents, in)
			}
		}
	}
	if fields["entries"] == nil && fields["intents"] == nil {
		r.errorf(root, "empty", "a knowledge file needs `entries:` or `intents:`")
	}
	return r.l
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrorLine(err error) int {
	var n int
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscan(m[1], &n)
	}
	return n
}

var idRE = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*$`)

func (r *reader) entry(n *yaml.Node, dept string) (Entry, bool) {
	before := len(r.l)
	f := r.mapping(n, "id", "department", "flow", "tags", "questions", "answer")
	e := Entry{Department: dept, Pos: r.pos(n)}
	e.ID = r.str(f["id"])
	switch {
	case f["id"] == nil:
		r.errorf(n, "missing-id", "an entry needs `id:`")
	case !idRE.MatchString(e.ID):
		r.errorf(f["id"], "bad-id", "entry id %q: use lower-case letters, digits, _ and dots (service.topic)", e.ID)
	}
	if d := f["department"]; d != nil {
		e.Department = r.str(d)
	}
	e.Flow = r.flowID(f["flow"])
	if t := f["tags"]; t != nil {
		for _, item := range r.seq(t) {
			e.Tags = append(e.Tags, r.str(item))
		}
	}
	e.Questions = r.perLanguageList(n, f["questions"], "questions")
	e.Answer = r.perLanguageText(n, f["answer"])
	return e, len(r.l) == before
}

func (r *reader) intent(n *yaml.Node, dept string) (Intent, bool) {
	before := len(r.l)
	f := r.mapping(n, "flow", "args", "examples")
	in := Intent{Department: dept, Pos: r.pos(n)}
	if f["flow"] == nil {
		r.errorf(n, "missing-flow", "an intent needs `flow:` (the flow id it leads to)")
	}
	in.Flow = r.flowID(f["flow"])
	in.Examples = r.perLanguageList(n, f["examples"], "examples")
	if a := f["args"]; a != nil {
		for _, kv := range r.pairs(a) {
			if arg, ok := r.arg(kv[0], kv[1]); ok {
				in.Args = append(in.Args, arg)
			}
		}
	}
	return in, len(r.l) == before
}

var flowRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func (r *reader) flowID(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	id := r.str(n)
	if !flowRE.MatchString(id) {
		r.errorf(n, "bad-flow", "flow id %q: use lower-case letters, digits and _", id)
	}
	return id
}

func (r *reader) arg(k, v *yaml.Node) (Arg, bool) {
	a := Arg{Name: r.str(k), Kind: r.str(v)}
	switch {
	case a.Kind == "reference" || a.Kind == "pin":
		return a, true
	case strings.HasPrefix(a.Kind, "re:"):
		re, err := regexp.Compile(strings.TrimPrefix(a.Kind, "re:"))
		if err != nil {
			r.errorf(v, "bad-pattern", "argument %s: %v", a.Name, err)
			return a, false
		}
		a.Kind, a.Pattern = "re", re
		return a, true
	}
	r.errorf(v, "bad-arg", "argument %s: kind %q is not reference, pin or re:<regular expression>", a.Name, a.Kind)
	return a, false
}

// langRE matches the language codes of the locale files, and hi-Latn.
var langRE = regexp.MustCompile(`^[a-z]{2,3}(-Latn)?$`)

func (r *reader) perLanguageList(parent, n *yaml.Node, what string) map[string][]string {
	out := map[string][]string{}
	if n == nil {
		r.errorf(parent, "missing-"+what, "`%s:` is missing: give them per language (en: […], hi: […])", what)
		return out
	}
	for _, kv := range r.pairs(n) {
		lang := r.lang(kv[0])
		var list []string
		if kv[1].Kind == yaml.ScalarNode {
			list = []string{r.str(kv[1])}
		} else {
			for _, item := range r.seq(kv[1]) {
				if s := strings.TrimSpace(r.str(item)); s != "" {
					list = append(list, s)
				}
			}
		}
		if len(list) == 0 {
			r.errorf(kv[1], "empty", "%s in %s: none given", what, lang)
		}
		out[lang] = list
	}
	return out
}

func (r *reader) perLanguageText(parent, n *yaml.Node) map[string]string {
	out := map[string]string{}
	if n == nil {
		r.errorf(parent, "missing-answer", "an entry needs `answer:` per language, at least `en:`")
		return out
	}
	for _, kv := range r.pairs(n) {
		lang := r.lang(kv[0])
		text := strings.TrimSpace(r.str(kv[1]))
		switch {
		case text == "":
			r.errorf(kv[1], "empty", "the %s answer is empty", lang)
		case utf8.RuneCountInString(text) > MaxAnswer:
			r.errorf(kv[1], "answer-too-long", "the %s answer has %d characters; WhatsApp takes %d in one message",
				lang, utf8.RuneCountInString(text), MaxAnswer)
		}
		out[lang] = text
	}
	if _, ok := out["en"]; !ok && len(out) > 0 {
		r.errorf(n, "missing-en", "the answer needs `en:`: it is what citizens of other languages get when theirs is missing")
	}
	return out
}

func (r *reader) lang(n *yaml.Node) string {
	s := r.str(n)
	if !langRE.MatchString(s) {
		r.errorf(n, "bad-language", "language %q: use a locale code such as en, hi, bn, or hi-Latn", s)
	}
	return s
}

// mapping returns the values of a mapping node by key, and reports keys
// not in allowed.
func (r *reader) mapping(n *yaml.Node, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for _, kv := range r.pairs(n) {
		key := kv[0].Value
		known := false
		for _, a := range allowed {
			known = known || a == key
		}
		if !known {
			r.errorf(kv[0], "unknown-key", "unknown key %q here (expected one of: %s)", key, strings.Join(allowed, ", "))
			continue
		}
		out[key] = kv[1]
	}
	return out
}

func (r *reader) pairs(n *yaml.Node) [][2]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "not-a-map", "expected a mapping (key: value) here")
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

func (r *reader) seq(n *yaml.Node) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "not-a-list", "expected a list here")
		return nil
	}
	return n.Content
}

func (r *reader) str(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		r.errorf(n, "not-text", "expected text here")
		return ""
	}
	return n.Value
}

// checkUnique reports entry ids used twice.
func (b *Base) checkUnique() diag.List {
	var l diag.List
	seen := map[string]diag.Pos{}
	for _, e := range b.Entries {
		if p, dup := seen[e.ID]; dup {
			l.Errorf(e.Pos, "duplicate-id", "entry %q is already defined at %s", e.ID, p)
			continue
		}
		seen[e.ID] = e.Pos
	}
	return l
}
