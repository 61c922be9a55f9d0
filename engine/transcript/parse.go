package transcript

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/internal/yamlx"
)

// DefaultNow is the clock of a case that does not set now:.
var DefaultNow = time.Date(2026, 11, 21, 10, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))

// LoadFile reads and parses a transcript file.
func LoadFile(path string) (*Case, diag.List) {
	content, err := os.ReadFile(path)
	if err != nil {
		var l diag.List
		l.Errorf(diag.Pos{File: path}, "read", "cannot read: %v", err)
		return nil, l
	}
	return Parse(path, content)
}

// Parse parses a transcript. Every problem is reported with its position.
func Parse(file string, content []byte) (*Case, diag.List) {
	p := &parser{file: file}
	root, d := yamlx.Parse(file, content)
	if d != nil {
		l := diag.List{*d}
		diag.NewSource(file, content).Quote(l)
		return nil, l
	}
	c := &Case{File: file, Now: DefaultNow, Services: map[string][]*Response{}}
	p.fields(root, "a transcript", map[string]func(v *yaml.Node){
		"name":     func(v *yaml.Node) { c.Name = p.str(v) },
		"language": func(v *yaml.Node) { c.Language = p.str(v) },
		"entry":    func(v *yaml.Node) { c.Entry = p.str(v) },
		"contact":  func(v *yaml.Node) { p.contact(v, &c.Contact) },
		"now": func(v *yaml.Node) {
			t, err := time.Parse(time.RFC3339, p.str(v))
			if err != nil {
				p.errorf(v, "now must be a time like 2026-11-21T10:00:00+05:30")
			}
			c.Now = t
		},
		"session_timeout": func(v *yaml.Node) { c.Timeout = p.duration(v) },
		"services":        func(v *yaml.Node) { p.services(v, c) },
		"fallback":        func(v *yaml.Node) { c.HasFallback = true; p.fallback(v, c) },
		"turns":           func(v *yaml.Node) { p.turns(v, c) },
	})
	if c.Name == "" {
		c.Name = file
	}
	if c.Contact.ID == "" {
		c.Contact.ID = "919800000001"
	}
	if len(c.Turns) == 0 {
		p.errorf(root, "a transcript needs turns:")
	}
	diag.NewSource(file, content).Quote(p.diags)
	return c, p.diags
}

type parser struct {
	file  string
	diags diag.List
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.diags.Errorf(yamlx.Pos(p.file, n), "transcript", format, args...)
}

func (p *parser) fields(n *yaml.Node, what string, known map[string]func(v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping, not %s", what, yamlx.KindName(n))
		return
	}
	for _, kv := range yamlx.Pairs(n) {
		h, ok := known[kv[0].Value]
		if !ok {
			keys := make([]string, 0, len(known))
			for k := range known {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			p.errorf(kv[0], "unknown key %q in %s (known keys: %s)", kv[0].Value, what, strings.Join(keys, ", "))
			continue
		}
		h(kv[1])
	}
}

func (p *parser) str(n *yaml.Node) string {
	if !yamlx.IsScalar(n) {
		p.errorf(n, "expected a single value, not %s", yamlx.KindName(n))
		return ""
	}
	return n.Value
}

// strs reads a list of labels or ids (or one).
func (p *parser) strs(n *yaml.Node, what string) []string {
	if yamlx.IsScalar(n) {
		return []string{n.Value}
	}
	var out []string
	if err := n.Decode(&out); err != nil || len(out) == 0 {
		p.errorf(n, "%s is a list of choice labels or ids", what)
	}
	return out
}

func (p *parser) duration(n *yaml.Node) time.Duration {
	d, err := time.ParseDuration(p.str(n))
	if err != nil {
		p.errorf(n, "expected a duration such as 90s or 25h")
	}
	return d
}

func (p *parser) value(n *yaml.Node) any {
	var v any
	if err := n.Decode(&v); err != nil {
		p.errorf(n, "cannot read the value: %v", err)
	}
	return normalizeYAML(v)
}

// normalizeYAML makes YAML values compare like session values (numbers are float64).
func normalizeYAML(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeYAML(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeYAML(e)
		}
	}
	return v
}

func (p *parser) mapping(n *yaml.Node) map[string]any {
	m, ok := p.value(n).(map[string]any)
	if !ok {
		p.errorf(n, "expected a mapping")
	}
	return m
}

func (p *parser) contact(n *yaml.Node, c *engine.Contact) {
	p.fields(n, "contact", map[string]func(v *yaml.Node){
		"id":        func(v *yaml.Node) { c.ID = p.str(v) },
		"name":      func(v *yaml.Node) { c.Name = p.str(v) },
		"phone":     func(v *yaml.Node) { c.Phone = p.str(v) },
		"language":  func(v *yaml.Node) { c.Language = p.str(v) },
		"new":       func(v *yaml.Node) { _ = v.Decode(&c.New) },
		"opted_out": func(v *yaml.Node) { _ = v.Decode(&c.OptedOut) },
	})
}

func (p *parser) services(n *yaml.Node, c *Case) {
	for _, kv := range yamlx.Pairs(n) {
		name := kv[0].Value
		list := kv[1]
		if list.Kind != yaml.SequenceNode {
			list = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{kv[1]}}
		}
		for _, e := range list.Content {
			r := &Response{Pos: yamlx.Pos(p.file, e)}
			p.fields(e, "a service response", map[string]func(v *yaml.Node){
				"args":   func(v *yaml.Node) { r.Args = p.mapping(v) },
				"result": func(v *yaml.Node) { r.Result = p.mapping(v) },
				"error":  func(v *yaml.Node) { r.Error = p.str(v) },
			})
			c.Services[name] = append(c.Services[name], r)
		}
	}
}

// fallback reads a case's fallback: the fallback's replies, in order.
func (p *parser) fallback(n *yaml.Node, c *Case) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "fallback: is a list of the fallback's replies, in order (answer:, route:, none: true or error:)")
		return
	}
	for _, e := range n.Content {
		r := &FallbackReply{Pos: yamlx.Pos(p.file, e)}
		p.fields(e, "a fallback reply", map[string]func(v *yaml.Node){
			"question": func(v *yaml.Node) { r.Question = p.str(v) },
			"answer":   func(v *yaml.Node) { r.Answer = p.str(v) },
			"lang":     func(v *yaml.Node) { r.Lang = p.str(v) },
			"route":    func(v *yaml.Node) { r.Route = p.str(v) },
			"args": func(v *yaml.Node) {
				if err := v.Decode(&r.Args); err != nil {
					p.errorf(v, "args maps the routed flow's variables to values")
				}
			},
			"none":  func(v *yaml.Node) { _ = v.Decode(&r.None) },
			"error": func(v *yaml.Node) { r.Error = p.str(v) },
		})
		kinds := 0
		for _, set := range []bool{r.Answer != "" || r.Route != "", r.None, r.Error != ""} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			p.errorf(e, "a fallback reply is one of answer: (a text), route: (a flow, with args:), none: true or error: (a text)")
		}
		c.Fallback = append(c.Fallback, r)
	}
}

func (p *parser) turns(n *yaml.Node, c *Case) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "turns must be a list")
		return
	}
	for _, e := range n.Content {
		t := &Turn{Pos: yamlx.Pos(p.file, e), AnyBot: true}
		inputs := 0
		input := func(f func(v *yaml.Node)) func(v *yaml.Node) {
			return func(v *yaml.Node) { inputs++; f(v) }
		}
		p.fields(e, "a turn", map[string]func(v *yaml.Node){
			"say": input(func(v *yaml.Node) { t.Input = engine.Input{Kind: engine.InputText, Text: p.str(v)} }),
			"tap": input(func(v *yaml.Node) {
				t.Input = engine.Input{Kind: engine.InputChoice, ChoiceID: p.str(v), Text: p.str(v)}
			}),
			"location":    input(func(v *yaml.Node) { t.Input = p.location(v) }),
			"image":       input(func(v *yaml.Node) { t.Input = p.media("image", v) }),
			"document":    input(func(v *yaml.Node) { t.Input = p.media("document", v) }),
			"unsupported": input(func(v *yaml.Node) { t.Input = engine.Input{Kind: engine.InputUnsupported, Text: p.str(v)} }),
			"choose":      input(func(v *yaml.Node) { t.Choose = p.str(v) }),
			"wait":        func(v *yaml.Node) { t.Wait = p.duration(v) },
			"bot":         func(v *yaml.Node) { t.AnyBot = false; t.Bot = p.expects(v) },
			"vars":        func(v *yaml.Node) { t.Vars = p.mapping(v); t.VarsPos = yamlx.Pos(p.file, v) },
			"events": func(v *yaml.Node) {
				if err := v.Decode(&t.Events); err != nil {
					p.errorf(v, "events is a list of event kinds")
				}
			},
			"session": func(v *yaml.Node) {
				if err := v.Decode(&t.Session); err != nil {
					p.errorf(v, "session maps flow, node, language or status to a value")
				}
			},
		})
		if inputs != 1 {
			p.errorf(e, "a turn needs exactly one of say:, tap:, choose:, location:, image:, document:, unsupported: (found %d)", inputs)
		}
		c.Turns = append(c.Turns, t)
	}
}

func (p *parser) location(n *yaml.Node) engine.Input {
	loc := &engine.Location{}
	if err := n.Decode(loc); err != nil {
		p.errorf(n, "location takes latitude, longitude, name and address")
	}
	var m map[string]any
	_ = n.Decode(&m)
	if v, ok := m["latitude"].(float64); ok {
		loc.Latitude = v
	}
	if v, ok := m["longitude"].(float64); ok {
		loc.Longitude = v
	}
	return engine.Input{Kind: engine.InputLocation, Location: loc}
}

func (p *parser) media(kind string, n *yaml.Node) engine.Input {
	a := &engine.Attachment{Kind: kind, MediaID: "media-1", MimeType: "image/jpeg"}
	in := engine.Input{Kind: engine.InputMedia, Media: a}
	if yamlx.IsScalar(n) {
		in.Text = n.Value
		return in
	}
	p.fields(n, kind, map[string]func(v *yaml.Node){
		"caption":   func(v *yaml.Node) { in.Text = p.str(v) },
		"filename":  func(v *yaml.Node) { a.Filename = p.str(v) },
		"mime_type": func(v *yaml.Node) { a.MimeType = p.str(v) },
		"id":        func(v *yaml.Node) { a.MediaID = p.str(v) },
	})
	return in
}

func (p *parser) expects(n *yaml.Node) []*Expect {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "bot: is a list of the messages the bot must send (empty for none)")
		return nil
	}
	var out []*Expect
	for _, e := range n.Content {
		x := &Expect{Pos: yamlx.Pos(p.file, e)}
		if yamlx.IsScalar(e) {
			s := e.Value
			x.Text = &s
			out = append(out, x)
			continue
		}
		p.fields(e, "an expected message", map[string]func(v *yaml.Node){
			"text":     func(v *yaml.Node) { s := p.str(v); x.Text = &s },
			"contains": func(v *yaml.Node) { x.Contains = p.str(v) },
			"key":      func(v *yaml.Node) { x.Key = p.str(v) },
			"kind": func(v *yaml.Node) {
				x.Kind = p.str(v)
				switch x.Kind {
				case "text", "media", "location", "location_request", "handoff":
				default:
					p.errorf(v, "kind is text, media, location, location_request or handoff")
				}
			},
			"choices": func(v *yaml.Node) {
				x.Checked = true
				if err := v.Decode(&x.Choices); err != nil {
					p.errorf(v, "choices is a list of labels")
				}
			},
			"file":        func(v *yaml.Node) { x.File = p.str(v) },
			"filename":    func(v *yaml.Node) { x.Filename = p.str(v) },
			"has_choices": func(v *yaml.Node) { x.HasChoices = p.strs(v, "has_choices") },
			"no_choices":  func(v *yaml.Node) { x.NoChoices = p.strs(v, "no_choices") },
		})
		out = append(out, x)
	}
	return out
}

// Summary is a one-line account of a result.
func (r *Result) Summary() string {
	status := "PASS"
	switch {
	case !r.Passed():
		status = "FAIL"
	case r.Skipped != "":
		return fmt.Sprintf("SKIP %s (%s): %s", r.Case.File, r.Case.Name, r.Skipped)
	}
	return fmt.Sprintf("%s %s (%s, %d turns)", status, r.Case.File, r.Case.Name, len(r.Case.Turns))
}
