package templates

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/locale"
)

// Meta's limits on an approved template (characters, not bytes).
const (
	MaxBody        = 1024 // the body, filled in
	MaxHeader      = 60
	MaxFooter      = 60
	MaxButtonLabel = 25
	MaxButtons     = 10
	MaxURLButtons  = 2
	MaxURL         = 2000
	MaxPayload     = 256
	MaxName        = 512
)

// The categories Meta bills and reviews templates by.
const (
	Utility        = "UTILITY"
	Marketing      = "MARKETING"
	Authentication = "AUTHENTICATION"
)

// The parameter types.
const (
	TypeText      = "text"      // any text on one line
	TypeNumber    = "number"    // a number, written with Indian grouping
	TypeCurrency  = "currency"  // an amount in rupees: ₹1,250.50
	TypeDate      = "date"      // YYYY-MM-DD, written with the language's month names
	TypeReference = "reference" // a docket reference (GRV-26-4821-7305-K), checked
)

var paramTypes = []string{TypeText, TypeNumber, TypeCurrency, TypeDate, TypeReference}

// File is a template file's path and content.
type File struct {
	Path    string
	Content []byte
}

// Template is one approved template in all its languages.
type Template struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	// Description says what the template is for, for the people choosing one.
	Description string   `json:"description,omitempty"`
	Parameters  []Param  `json:"parameters"`
	Buttons     []Button `json:"buttons,omitempty"`
	// Translations are keyed by Meta's language code ("en", "hi").
	Translations map[string]*Translation `json:"translations"`
	Pos          diag.Pos                `json:"-"`
	broken       bool
}

// Param is the body's variable {{N}}, N being its place in Parameters plus one.
type Param struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Max is the most characters the value may have once formatted (0: only
	// the body's limit).
	Max int `json:"max,omitempty"`
	// Example is a value shown to reviewers and used in previews.
	Example string `json:"example,omitempty"`
}

// Button is a template button: a quick reply whose payload comes back when
// tapped, or a link whose last part may be a parameter's value.
type Button struct {
	Type    string `json:"type"` // quick_reply or url
	Payload string `json:"payload,omitempty"`
	URL     string `json:"url,omitempty"`
	// Parameter names the parameter that fills the URL's {{1}}.
	Parameter string `json:"parameter,omitempty"`
}

// Translation is a template's approved text in one language.
type Translation struct {
	Language string   `json:"language"`
	Header   string   `json:"header,omitempty"`
	Body     string   `json:"body"`
	Footer   string   `json:"footer,omitempty"`
	Buttons  []string `json:"buttons,omitempty"`
	Pos      diag.Pos `json:"-"`
	// fields are where each text is, for problems in it.
	fields map[string]diag.Pos
}

// at is where a field of the translation is (the language key when it
// has no such field).
func (tr *Translation) at(field string) diag.Pos {
	if p, ok := tr.fields[field]; ok {
		return p
	}
	return tr.Pos
}

// Registry holds the templates that loaded.
type Registry struct {
	byName map[string]*Template
	names  []string
	langs  map[string]*locale.Lang
}

var (
	nameRE     = regexp.MustCompile(`^[a-z0-9_]+$`)
	identRE    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	langRE     = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
	varRE      = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
	templateKV = []string{"category", "description", "parameters", "buttons"}
)

// Load reads the template files. It returns the registry with every
// template that has no error, and every problem found.
func Load(files []File) (*Registry, diag.List) {
	r := &Registry{byName: map[string]*Template{}}
	seen := map[string]diag.Pos{}
	var problems diag.List
	for _, f := range files {
		var more diag.List
		for _, t := range readFile(f, &more) {
			if prev, dup := seen[t.Name]; dup {
				more.Errorf(t.Pos, "duplicate-template", "template %q is declared twice (first at %s)", t.Name, prev)
				continue
			}
			seen[t.Name] = t.Pos
			if !t.broken {
				r.byName[t.Name] = t
				r.names = append(r.names, t.Name)
			}
		}
		diag.NewSource(f.Path, f.Content).Quote(more)
		problems = append(problems, more...)
	}
	sort.Strings(r.names)
	problems.Sort()
	return r, problems
}

// reader reads one file.
type reader struct {
	file     string
	problems *diag.List
}

func (r *reader) pos(n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: r.file}
	}
	return diag.Pos{File: r.file, Line: n.Line, Col: n.Column}
}

func (r *reader) errorf(n *yaml.Node, code, format string, args ...any) {
	r.problems.Errorf(r.pos(n), code, format, args...)
}

// pairs returns a mapping's keys and values in order.
func (r *reader) pairs(n *yaml.Node, what string) [][2]*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		r.errorf(n, "not-a-mapping", "%s must be a mapping", what)
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

// str reads a scalar.
func (r *reader) str(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		r.errorf(n, "not-a-value", "%s must be a single value", what)
		return ""
	}
	return n.Value
}

func readFile(f File, problems *diag.List) []*Template {
	r := &reader{file: f.Path, problems: problems}
	var doc yaml.Node
	if err := yaml.Unmarshal(f.Content, &doc); err != nil {
		problems.Errorf(diag.Pos{File: f.Path, Line: yamlErrorLine(err)}, "yaml", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	if len(doc.Content) == 0 {
		return nil
	}
	var list *yaml.Node
	for _, kv := range r.pairs(doc.Content[0], "a template file") {
		if kv[0].Value != "templates" {
			r.errorf(kv[0], "unknown-key", "a template file has only templates:, not %q", kv[0].Value)
			continue
		}
		list = kv[1]
	}
	var out []*Template
	for _, kv := range r.pairs(list, "templates") {
		before := len(problems.Errors())
		t := r.template(kv[0], kv[1])
		t.broken = len(problems.Errors()) > before
		out = append(out, t)
	}
	return out
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlErrorLine finds the line a yaml.v3 error names, or 0.
func yamlErrorLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// template reads one template and checks it.
func (r *reader) template(key, n *yaml.Node) *Template {
	t := &Template{Name: key.Value, Pos: r.pos(key), Translations: map[string]*Translation{}}
	what := fmt.Sprintf("template %q", t.Name)
	if !nameRE.MatchString(t.Name) || len(t.Name) > MaxName {
		r.errorf(key, "bad-name", "%s: a name is lower-case letters, digits and _ (as Meta requires)", what)
	}
	var catNode *yaml.Node
	for _, kv := range r.pairs(n, what) {
		k, v := kv[0].Value, kv[1]
		switch {
		case k == "category":
			catNode = v
			t.Category = r.str(v, what+": category")
		case k == "description":
			t.Description = r.str(v, what+": description")
		case k == "parameters":
			t.Parameters = r.params(v, what)
		case k == "buttons":
			t.Buttons = r.buttons(v, what)
		case langRE.MatchString(k):
			t.Translations[k] = r.translation(kv[0], v, what+" in "+k)
		default:
			r.errorf(kv[0], "unknown-key", "%s has no setting %q (it takes %s, and one translation per language code: en, hi...)",
				what, k, strings.Join(templateKV, ", "))
		}
	}
	switch t.Category {
	case Utility, Marketing, Authentication:
	case "":
		r.errorf(key, "missing-category", "%s needs category: UTILITY, MARKETING or AUTHENTICATION", what)
	default:
		r.errorf(catNode, "bad-category", "%s: category %q is not UTILITY, MARKETING or AUTHENTICATION", what, t.Category)
	}
	if len(t.Translations) == 0 {
		r.errorf(key, "no-translations", "%s has no translation: add one per language code (en:, hi:...)", what)
	}
	r.checkButtons(key, t, what)
	for _, k := range sortedKeys(t.Translations) {
		r.checkTranslation(t, t.Translations[k], what+" in "+k)
	}
	return t
}

func sortedKeys(m map[string]*Translation) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// params reads the parameter list.
func (r *reader) params(n *yaml.Node, what string) []Param {
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "not-a-list", "%s: parameters must be a list, in the order of {{1}}, {{2}}...", what)
		return nil
	}
	var out []Param
	seen := map[string]bool{}
	for i, item := range n.Content {
		pw := fmt.Sprintf("%s: parameter {{%d}}", what, i+1)
		p := Param{Type: TypeText}
		for _, kv := range r.pairs(item, pw) {
			switch kv[0].Value {
			case "name":
				p.Name = r.str(kv[1], pw+": name")
			case "type":
				p.Type = r.str(kv[1], pw+": type")
				if !contains(paramTypes, p.Type) {
					r.errorf(kv[1], "bad-type", "%s: type %q is not one of %s", pw, p.Type, strings.Join(paramTypes, ", "))
				}
			case "max":
				m, err := strconv.Atoi(r.str(kv[1], pw+": max"))
				if err != nil || m < 1 {
					r.errorf(kv[1], "bad-max", "%s: max must be a whole number of characters above 0", pw)
				}
				p.Max = m
			case "example":
				p.Example = r.str(kv[1], pw+": example")
			default:
				r.errorf(kv[0], "unknown-key", "%s has no setting %q (it takes name, type, max, example)", pw, kv[0].Value)
			}
		}
		switch {
		case !identRE.MatchString(p.Name):
			r.errorf(item, "bad-name", "%s needs a name of lower-case letters, digits and _", pw)
		case seen[p.Name]:
			r.errorf(item, "duplicate-parameter", "%s: the name %q is used twice", pw, p.Name)
		}
		seen[p.Name] = true
		out = append(out, p)
	}
	return out
}

// buttons reads the button list.
func (r *reader) buttons(n *yaml.Node, what string) []Button {
	if n.Kind != yaml.SequenceNode {
		r.errorf(n, "not-a-list", "%s: buttons must be a list", what)
		return nil
	}
	var out []Button
	for i, item := range n.Content {
		bw := fmt.Sprintf("%s: button %d", what, i+1)
		var b Button
		for _, kv := range r.pairs(item, bw) {
			switch kv[0].Value {
			case "type":
				b.Type = r.str(kv[1], bw+": type")
			case "payload":
				b.Payload = r.str(kv[1], bw+": payload")
			case "url":
				b.URL = r.str(kv[1], bw+": url")
			case "parameter":
				b.Parameter = r.str(kv[1], bw+": parameter")
			default:
				r.errorf(kv[0], "unknown-key", "%s has no setting %q (it takes type, payload, url, parameter)", bw, kv[0].Value)
			}
		}
		r.checkButton(item, b, bw)
		out = append(out, b)
	}
	return out
}

func (r *reader) checkButton(n *yaml.Node, b Button, bw string) {
	switch b.Type {
	case "quick_reply":
		if b.Payload == "" || utf8.RuneCountInString(b.Payload) > MaxPayload {
			r.errorf(n, "bad-payload", "%s: a quick reply needs a payload of 1 to %d characters", bw, MaxPayload)
		}
		if b.URL != "" || b.Parameter != "" {
			r.errorf(n, "bad-button", "%s: a quick reply has a payload, not a url or parameter", bw)
		}
	case "url":
		vars := varRE.FindAllStringIndex(b.URL, -1)
		switch {
		case !strings.HasPrefix(b.URL, "https://"):
			r.errorf(n, "bad-url", "%s: url must begin with https://", bw)
		case len(b.URL) > MaxURL:
			r.errorf(n, "bad-url", "%s: url is longer than %d characters", bw, MaxURL)
		case b.Parameter == "" && len(vars) > 0:
			r.errorf(n, "bad-url", "%s: url has a variable but no parameter: names the parameter that fills it", bw)
		case b.Parameter != "" && (len(vars) != 1 || vars[0][1] != len(b.URL) || b.URL[vars[0][0]:] != "{{1}}"):
			r.errorf(n, "bad-url", "%s: a url with a parameter ends with {{1}}, its only variable", bw)
		}
	default:
		r.errorf(n, "bad-button", "%s: type must be quick_reply or url, not %q", bw, b.Type)
	}
}

// checkButtons checks the buttons as a set.
func (r *reader) checkButtons(key *yaml.Node, t *Template, what string) {
	urls := 0
	for i, b := range t.Buttons {
		if b.Type == "url" {
			urls++
		}
		if b.Parameter != "" && t.param(b.Parameter) < 0 {
			r.errorf(key, "unknown-parameter", "%s: button %d names parameter %q, which is not declared", what, i+1, b.Parameter)
		}
	}
	if len(t.Buttons) > MaxButtons {
		r.errorf(key, "too-many-buttons", "%s has %d buttons, Meta allows %d", what, len(t.Buttons), MaxButtons)
	}
	if urls > MaxURLButtons {
		r.errorf(key, "too-many-buttons", "%s has %d link buttons, Meta allows %d", what, urls, MaxURLButtons)
	}
}

// param returns the index of the named parameter, or -1.
func (t *Template) param(name string) int {
	for i, p := range t.Parameters {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// translation reads one language's texts.
func (r *reader) translation(key, n *yaml.Node, what string) *Translation {
	tr := &Translation{Language: key.Value, fields: map[string]diag.Pos{}}
	for _, kv := range r.pairs(n, what) {
		tr.fields[kv[0].Value] = r.pos(kv[1])
		switch kv[0].Value {
		case "header":
			tr.Header = r.str(kv[1], what+": header")
		case "body":
			tr.Body = r.str(kv[1], what+": body")
		case "footer":
			tr.Footer = r.str(kv[1], what+": footer")
		case "buttons":
			if kv[1].Kind != yaml.SequenceNode {
				r.errorf(kv[1], "not-a-list", "%s: buttons must list the labels, in the order of the template's buttons", what)
				continue
			}
			for _, b := range kv[1].Content {
				tr.Buttons = append(tr.Buttons, r.str(b, what+": button"))
			}
		default:
			r.errorf(kv[0], "unknown-key", "%s has no setting %q (it takes header, body, footer, buttons)", what, kv[0].Value)
		}
	}
	tr.Pos = r.pos(key)
	return tr
}
