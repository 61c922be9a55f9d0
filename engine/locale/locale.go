// Package locale holds the messages a flow shows, in every language, and
// renders them.
//
// Messages live in one YAML file per language under locales/ (en.yaml,
// hi.yaml, …), keyed by dotted ids that may be written nested:
//
//	grievance:
//	  ask_pin: "Where is it? Send your 6-digit PIN code, or share your location."
//	  registered: "Your complaint is registered. Number: {{.docket}}."
//	  days:
//	    one: "{{.count}} day"
//	    other: "{{.count}} days"
//
// Files are read with github.com/nicksnyder/go-i18n/v2: its bundle holds the
// messages, its CLDR rules choose plural forms, and texts that need the full
// power of text/template run through its localizer. Two things go-i18n does not
// do are ours: the fallback chain (the citizen's language, then the flow's
// default language, then English: go-i18n falls back only to one bundle
// default) and a fast path that renders the common {{.name}} texts, compiled
// once at load, without reflection.
package locale

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/internal/yamlx"
)

// Base is the language every chain ends in, and the one every key must exist in.
const Base = "en"

// File is a locale file's path (its base name names the language: hi.yaml) and content.
type File struct {
	Path    string
	Content []byte
}

// Catalog is every message in every language, compiled.
type Catalog struct {
	bundle *i18n.Bundle
	langs  []*Lang
	byCode map[string]*Lang
	// keys maps a message key to its message per language index (nil where missing).
	keys map[string][]*Message
}

// Lang is one language of the catalog.
type Lang struct {
	Code  string
	Index int
	// Name is the language's own name ("हिन्दी"), from the key language.name.
	Name string
	// Months are the month names used in dates, from the key date.months
	// (twelve names separated by commas).
	Months [12]string
	// Yes and No are the words for true and false, from common.yes and common.no.
	Yes, No string
	// File is the locale file the language was read from.
	File      string
	localizer *i18n.Localizer
}

// Message is one message in one language.
type Message struct {
	Key  string
	Lang *Lang
	Pos  diag.Pos
	// forms holds the text per CLDR plural form; forms[Other] is always set.
	forms [formCount]*Template
	// Plural reports whether the text has forms other than "other".
	Plural bool
}

// Text returns the template of the "other" form, the message's main text.
func (m *Message) Text() *Template { return m.forms[Other] }

// Forms returns the plural forms the message defines, with their templates.
func (m *Message) Forms() map[Form]*Template {
	out := map[Form]*Template{}
	for f, t := range m.forms {
		if t != nil {
			out[Form(f)] = t
		}
	}
	return out
}

// LoadDir loads every *.yaml and *.yml file of dir.
func LoadDir(dir string) (*Catalog, diag.List) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		var l diag.List
		l.Errorf(diag.Pos{File: dir}, "locale-dir", "cannot read the locale directory: %v", err)
		return nil, l
	}
	var files []File
	var l diag.List
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		content, err := os.ReadFile(path)
		if err != nil {
			l.Errorf(diag.Pos{File: path}, "locale-read", "cannot read: %v", err)
			continue
		}
		files = append(files, File{Path: path, Content: content})
	}
	c, more := Load(files)
	return c, append(l, more...)
}

// Load compiles locale files. It reports every problem it finds; the catalog it
// returns holds everything that did load, so that lint can go on checking.
func Load(files []File) (*Catalog, diag.List) {
	c := &Catalog{
		bundle: i18n.NewBundle(language.English),
		byCode: map[string]*Lang{},
		keys:   map[string][]*Message{},
	}
	c.bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	var l diag.List
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	type parsed struct {
		lang *Lang
		msgs []*Message
	}
	var all []parsed
	for _, f := range files {
		lang, msgs, problems := c.parseFile(f)
		l = append(l, problems...)
		if lang != nil {
			all = append(all, parsed{lang, msgs})
		}
	}
	if _, ok := c.byCode[Base]; !ok && len(files) > 0 {
		l.Errorf(diag.Pos{File: filepath.Dir(files[0].Path)}, "locale-base-missing",
			"there is no %s.yaml: English is the last language of every fallback chain", Base)
	}
	for _, p := range all {
		for _, m := range p.msgs {
			slot := c.slot(m.Key)
			if prev := slot[p.lang.Index]; prev != nil {
				l.Errorf(m.Pos, "locale-duplicate-key", "%s is in %s already (line %d); a key is written once per language",
					m.Key, prev.Pos.File, prev.Pos.Line)
				continue
			}
			slot[p.lang.Index] = m
		}
	}
	for _, lang := range c.langs {
		c.fillLangInfo(lang)
	}
	return c, l
}

// parseFile reads one language file into messages and registers them with the
// go-i18n bundle.
func (c *Catalog) parseFile(f File) (*Lang, []*Message, diag.List) {
	var l diag.List
	base := filepath.Base(f.Path)
	code := strings.TrimSuffix(base, filepath.Ext(base))
	tag, err := language.Parse(code)
	if err != nil {
		l.Errorf(diag.Pos{File: f.Path}, "locale-name", "the file name must be a language code such as hi.yaml: %v", err)
		return nil, nil, l
	}
	root, d := yamlx.Parse(f.Path, f.Content)
	if d != nil {
		l.Add(*d)
		return nil, nil, l
	}
	// A language may be split over several files (a department's service
	// keeps its own locales/<service>/hi.yaml); they add up to one.
	lang, more := c.byCode[code]
	if !more {
		lang = &Lang{Code: code, Index: len(c.langs), File: f.Path}
		c.langs = append(c.langs, lang)
		c.byCode[code] = lang
	} else if strings.Count(f.Path, "/") < strings.Count(lang.File, "/") {
		lang.File = f.Path // the language's main file (locales/hi.yaml) names it
	}
	var msgs []*Message
	walkMessages(f.Path, root, "", lang, &msgs, &l)
	src := diag.NewSource(f.Path, f.Content)
	src.Quote(l)
	var i18nMsgs []*i18n.Message
	for _, m := range msgs {
		i18nMsgs = append(i18nMsgs, m.i18n())
	}
	i18nMsgs = append(i18nMsgs, pluralProbe())
	if err := c.bundle.AddMessages(tag, i18nMsgs...); err != nil {
		l.Errorf(diag.Pos{File: f.Path}, "locale-bundle", "go-i18n refused the file: %v", err)
	}
	lang.localizer = i18n.NewLocalizer(c.bundle, code)
	return lang, msgs, l
}

// pluralKeys are the keys that make a mapping a message rather than a group.
var pluralKeys = map[string]Form{"zero": Zero, "one": One, "two": Two, "few": Few, "many": Many, "other": Other}

var metaKeys = map[string]bool{"id": true, "description": true, "hash": true, "leftdelim": true, "rightdelim": true}

// isMessageMapping tells a plural message ({one: …, other: …}) from a group
// of keys, as go-i18n does. A mapping that mixes the two is reported: go-i18n
// refuses it, and the fix (renaming a key such as "other") is the author's.
func isMessageMapping(file, prefix string, n *yaml.Node, l *diag.List) bool {
	var reserved, plain []string
	for _, kv := range yamlx.Pairs(n) {
		k := strings.ToLower(kv[0].Value)
		if _, ok := pluralKeys[k]; ok || metaKeys[k] {
			reserved = append(reserved, kv[0].Value)
		} else {
			plain = append(plain, kv[0].Value)
		}
	}
	if len(reserved) > 0 && len(plain) > 0 {
		l.Errorf(yamlx.Pos(file, n), "locale-mixed-keys",
			"%s mixes plural forms (%s) with other keys (%s): go-i18n cannot tell a group of texts from a plural message; rename %s",
			prefix, strings.Join(reserved, ", "), strings.Join(plain, ", "), strings.Join(reserved, ", "))
		return false
	}
	return len(reserved) > 0
}

// walkMessages collects the messages under n, joining nested keys with dots.
func walkMessages(file string, n *yaml.Node, prefix string, lang *Lang, out *[]*Message, l *diag.List) {
	if n.Kind != yaml.MappingNode {
		l.Errorf(yamlx.Pos(file, n), "locale-shape", "a locale file is a mapping of keys to texts, not %s", yamlx.KindName(n))
		return
	}
	for _, kv := range yamlx.Pairs(n) {
		key, val := kv[0].Value, kv[1]
		full := key
		if prefix != "" {
			full = prefix + "." + key
		}
		switch {
		case val.Kind == yaml.ScalarNode:
			if m := newMessage(file, full, lang, val, l); m != nil {
				m.addForm(Other, val, file, l)
				*out = append(*out, m)
			}
		case val.Kind == yaml.MappingNode && isMessageMapping(file, full, val, l):
			if m := pluralMessage(file, full, lang, val, l); m != nil {
				*out = append(*out, m)
			}
		case val.Kind == yaml.MappingNode:
			walkMessages(file, val, full, lang, out, l)
		default:
			l.Errorf(yamlx.Pos(file, val), "locale-shape", "%s: expected a text or a group of texts, found %s", full, yamlx.KindName(val))
		}
	}
}

func newMessage(file, key string, lang *Lang, val *yaml.Node, l *diag.List) *Message {
	if val.Tag == "!!null" {
		l.Errorf(yamlx.Pos(file, val), "locale-empty", "%s has no text", key)
		return nil
	}
	return &Message{Key: key, Lang: lang, Pos: yamlx.Pos(file, val)}
}

func pluralMessage(file, key string, lang *Lang, val *yaml.Node, l *diag.List) *Message {
	m := &Message{Key: key, Lang: lang, Pos: yamlx.Pos(file, val)}
	for _, kv := range yamlx.Pairs(val) {
		k := strings.ToLower(kv[0].Value)
		if metaKeys[k] {
			continue
		}
		form, ok := pluralKeys[k]
		if !ok {
			l.Errorf(yamlx.Pos(file, kv[0]), "locale-plural", "%s: %q is not a plural form (zero, one, two, few, many, other)", key, kv[0].Value)
			continue
		}
		if !yamlx.IsScalar(kv[1]) {
			l.Errorf(yamlx.Pos(file, kv[1]), "locale-shape", "%s.%s: expected a text", key, k)
			continue
		}
		m.addForm(form, kv[1], file, l)
		if form != Other {
			m.Plural = true
		}
	}
	if m.forms[Other] == nil {
		l.Errorf(m.Pos, "locale-plural", "%s: a plural message needs an \"other\" form", key)
		return nil
	}
	return m
}

func (m *Message) addForm(f Form, val *yaml.Node, file string, l *diag.List) {
	t, err := compileTemplate(val.Value)
	if err != nil {
		l.Errorf(yamlx.Pos(file, val), "locale-template", "%s: the text is not a valid template: %v", m.Key, err)
		t = &Template{src: val.Value, segs: []segment{{lit: val.Value}}, size: len(val.Value)}
	}
	m.forms[f] = t
}

// i18n converts the message for the go-i18n bundle.
func (m *Message) i18n() *i18n.Message {
	src := func(f Form) string {
		if t := m.forms[f]; t != nil {
			return t.src
		}
		return ""
	}
	return &i18n.Message{ID: m.Key, Zero: src(Zero), One: src(One), Two: src(Two),
		Few: src(Few), Many: src(Many), Other: src(Other)}
}

func (c *Catalog) slot(key string) []*Message {
	s := c.keys[key]
	if len(s) < len(c.langs) {
		grown := make([]*Message, len(c.langs))
		copy(grown, s)
		c.keys[key] = grown
		s = grown
	}
	return s
}

// fillLangInfo reads the language's name, month names and yes/no words.
func (c *Catalog) fillLangInfo(lang *Lang) {
	lang.Name = lang.Code
	if m := c.Lookup(lang.Code, "language.name"); m != nil {
		lang.Name = m.Text().src
	}
	lang.Months = englishMonths
	if m := c.Lookup(lang.Code, "date.months"); m != nil {
		names := strings.Split(m.Text().src, ",")
		if len(names) == 12 {
			for i, n := range names {
				lang.Months[i] = strings.TrimSpace(n)
			}
		}
	}
	lang.Yes, lang.No = "yes", "no"
	for _, chain := range [][]string{{lang.Code, Base}} {
		if m := c.Resolve("common.yes", chain...); m != nil {
			lang.Yes = m.Text().src
		}
		if m := c.Resolve("common.no", chain...); m != nil {
			lang.No = m.Text().src
		}
	}
}

// Languages returns the catalog's languages in index order.
func (c *Catalog) Languages() []*Lang { return c.langs }

// Lang returns the language with the given code.
func (c *Catalog) Lang(code string) (*Lang, bool) {
	l, ok := c.byCode[code]
	return l, ok
}

// Keys returns every message key, sorted.
func (c *Catalog) Keys() []string {
	out := make([]string, 0, len(c.keys))
	for k := range c.keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the message of key in exactly one language, or nil.
func (c *Catalog) Lookup(lang, key string) *Message {
	l, ok := c.byCode[lang]
	if !ok {
		return nil
	}
	if s := c.keys[key]; l.Index < len(s) {
		return s[l.Index]
	}
	return nil
}

// Resolve returns the message of key in the first language of chain that has
// it, or nil. Chains usually read: the citizen's language, the flow's default
// language, English.
func (c *Catalog) Resolve(key string, chain ...string) *Message {
	for _, lang := range chain {
		if m := c.Lookup(lang, key); m != nil {
			return m
		}
	}
	return nil
}

// Chain builds the fallback chain for a language: the language, the flow's
// default, then English, without repeats.
func Chain(lang, flowDefault string) []string {
	chain := []string{lang}
	if flowDefault != "" && flowDefault != lang {
		chain = append(chain, flowDefault)
	}
	if Base != lang && Base != flowDefault {
		chain = append(chain, Base)
	}
	return chain
}

// Missing lists, for a key, the languages of the catalog that lack it.
func (c *Catalog) Missing(key string) []*Lang {
	var out []*Lang
	s := c.keys[key]
	for _, l := range c.langs {
		if l.Index >= len(s) || s[l.Index] == nil {
			out = append(out, l)
		}
	}
	return out
}

// String describes the catalog for logs.
func (c *Catalog) String() string {
	return fmt.Sprintf("%d messages in %d languages", len(c.keys), len(c.langs))
}
