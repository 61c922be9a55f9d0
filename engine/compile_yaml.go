package engine

import (
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/internal/yamlx"
)

func (c *compiler) pos(n *yaml.Node) diag.Pos { return yamlx.Pos(c.file, n) }

func (c *compiler) errorf(n *yaml.Node, code, format string, args ...any) {
	c.diags.Errorf(c.pos(n), code, format, args...)
}

// fields walks a mapping, calling the handler of each known key and reporting
// unknown keys with the list of known ones.
func (c *compiler) fields(n *yaml.Node, what string, known map[string]func(k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "shape", "%s must be a mapping of keys to values, not %s", what, yamlx.KindName(n))
		return
	}
	seen := map[string]bool{}
	for _, kv := range yamlx.Pairs(n) {
		k := kv[0].Value
		h, ok := known[k]
		if !ok {
			c.errorf(kv[0], "unknown-key", "unknown key %q in %s (known keys: %s)", k, what, keyList(known))
			continue
		}
		if seen[k] {
			c.errorf(kv[0], "duplicate-key", "key %q appears twice in %s", k, what)
			continue
		}
		seen[k] = true
		h(kv[0], kv[1])
	}
}

func keyList(m map[string]func(k, v *yaml.Node)) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// str reads a single value as text.
func (c *compiler) str(n *yaml.Node, what string) (string, bool) {
	if !yamlx.IsScalar(n) {
		c.errorf(n, "shape", "%s must be a single value, not %s", what, yamlx.KindName(n))
		return "", false
	}
	return n.Value, true
}

// strList reads a single value or a list of values.
func (c *compiler) strList(n *yaml.Node, what string) []*yaml.Node {
	if yamlx.IsScalar(n) {
		return []*yaml.Node{n}
	}
	if n.Kind != yaml.SequenceNode {
		c.errorf(n, "shape", "%s must be a list of words, not %s", what, yamlx.KindName(n))
		return nil
	}
	var out []*yaml.Node
	for _, e := range n.Content {
		if yamlx.IsScalar(e) {
			out = append(out, e)
		} else {
			c.errorf(e, "shape", "%s must be a list of words, not %s", what, yamlx.KindName(e))
		}
	}
	return out
}

// duration reads a timeout such as "5s".
func (c *compiler) duration(n *yaml.Node, what string) (time.Duration, bool) {
	s, ok := c.str(n, what)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		c.errorf(n, "duration", "%s must be a duration such as 5s or 1m30s, not %q", what, s)
		return 0, false
	}
	return d, true
}

func (c *compiler) float(n *yaml.Node, out *float64, lo, hi float64, what string) {
	if err := n.Decode(out); err != nil || *out < lo || *out > hi {
		c.errorf(n, "shape", "%s must be a number from %v to %v", what, lo, hi)
	}
}
