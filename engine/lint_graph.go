package engine

import (
	"sort"
	"strings"
)

// checkGraph reports nodes the start never reaches and loops in which the
// citizen is never asked anything (they would spin until the step limit).
func (c *compiler) checkGraph() {
	if c.flow.Start == nil {
		return
	}
	seen := map[*Node]bool{}
	var visit func(n *Node)
	visit = func(n *Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		for _, t := range n.targets() {
			visit(t.Node)
		}
	}
	visit(c.flow.Start)
	for _, name := range sortedNodeNames(c.flow) {
		n := c.flow.Nodes[name]
		if !seen[n] && n.Kind != 0 {
			c.diags.Errorf(n.Pos, "unreachable", "node %q is never reached from the start (%s)", name, c.flow.Start.Name)
		}
	}
	c.checkLoops()
}

// targets lists every transition out of a node.
func (n *Node) targets() []Target {
	out := []Target{n.Next, n.Default}
	for _, cs := range n.Cases {
		out = append(out, cs.Next)
	}
	if n.Ask != nil {
		out = append(out, n.Ask.OnFail)
		for _, ch := range n.Ask.Choices {
			out = append(out, ch.Next)
		}
	}
	if n.Call != nil {
		out = append(out, n.Call.OnError)
	}
	return out
}

func sortedNodeNames(f *Flow) []string {
	names := make([]string, 0, len(f.Nodes))
	for name := range f.Nodes {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := f.Nodes[names[i]].Pos, f.Nodes[names[j]].Pos
		return a.Line < b.Line || (a.Line == b.Line && names[i] < names[j])
	})
	return names
}

// checkLoops finds cycles among nodes that never wait for the citizen.
func (c *compiler) checkLoops() {
	const (
		white = iota
		grey
		black
	)
	color := map[*Node]int{}
	var stack []*Node
	var visit func(n *Node) bool
	visit = func(n *Node) bool {
		color[n] = grey
		stack = append(stack, n)
		for _, t := range n.targets() {
			next := t.Node
			if next == nil || next.Kind == KindAsk || next.Kind == KindHandoff {
				continue
			}
			if color[next] == grey {
				c.reportLoop(stack, next)
				return true
			}
			if color[next] == white && visit(next) {
				return true
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return false
	}
	for _, name := range sortedNodeNames(c.flow) {
		n := c.flow.Nodes[name]
		if color[n] == white && n.Kind != KindAsk && n.Kind != 0 {
			if visit(n) {
				return
			}
		}
	}
}

func (c *compiler) reportLoop(stack []*Node, back *Node) {
	var names []string
	start := 0
	for i, n := range stack {
		if n == back {
			start = i
		}
	}
	for _, n := range stack[start:] {
		names = append(names, n.Name)
	}
	names = append(names, back.Name)
	c.diags.Errorf(back.Pos, "loop", "these nodes loop without asking the citizen anything: %s", strings.Join(names, " → "))
}
