package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/samvad/samvad/engine/diag"
)

// checkGraph reports nodes the start never reaches and loops in which the
// citizen is never asked anything (they would spin until the step limit).
//
// A transition to a node the flow does not have is reported once, where it
// is written, with its did-you-mean, and nothing that follows only from it
// is reported again. For reachability it leads to the node its did-you-mean
// names, so the nodes behind a typo count as reached and an ask whose next:
// has a typo is not a dead end (see Target.given); a start: with a typo
// starts there. When no node is near the unknown name, the nodes it may
// have been meant for are reported once, saying so: the first of each part
// of the flow left unreached, not every node behind it.
func (c *compiler) checkGraph() {
	start := c.flow.Start
	if start == nil {
		start = c.leadsTo(c.unknownStart)
	}
	if start != nil {
		c.checkReached(start)
	}
	c.checkLoops()
}

// checkReached reports the nodes that start does not lead to.
func (c *compiler) checkReached(start *Node) {
	seen := map[*Node]bool{}
	var lost *Target // the first unknown name with no node near it
	var visit func(n *Node)
	visit = func(n *Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		for _, t := range n.targets() {
			next := c.leadsTo(t)
			if next == nil && t.Kind == ToNone && t.name != "" && lost == nil {
				lost = &t
			}
			visit(next)
		}
	}
	visit(start)
	unreached := c.unreached(seen, lost != nil)
	for _, n := range unreached {
		msg := fmt.Sprintf("node %q is never reached from the start (%s)", n.Name, start.Name)
		if lost != nil {
			msg += fmt.Sprintf("; the unknown node %q at %d:%d may have been meant to lead here", lost.name, lost.Pos.Line, lost.Pos.Col)
		}
		c.diags.Add(diag.Diagnostic{Pos: n.Pos, Severity: diag.Error, Code: "unreachable", Message: msg})
	}
}

// unreached lists, in file order, the nodes not seen from the start. With
// firstOnly, a node another unreached node leads to is left out: it is
// reached once the first one is.
func (c *compiler) unreached(seen map[*Node]bool, firstOnly bool) []*Node {
	var out []*Node
	for _, name := range sortedNodeNames(c.flow) {
		if n := c.flow.Nodes[name]; !seen[n] && n.Kind != 0 {
			out = append(out, n)
		}
	}
	if !firstOnly {
		return out
	}
	led := map[*Node]bool{}
	for _, n := range out {
		for _, t := range n.targets() {
			if next := c.leadsTo(t); next != nil && next != n {
				led[next] = true
			}
		}
	}
	// The first nodes of each unreached part; a part that is a loop with
	// no way in is named by its first node in the file.
	var first []*Node
	covered := map[*Node]bool{}
	var cover func(n *Node)
	cover = func(n *Node) {
		if n == nil || covered[n] || seen[n] {
			return
		}
		covered[n] = true
		for _, t := range n.targets() {
			cover(c.leadsTo(t))
		}
	}
	for _, n := range out {
		if !led[n] {
			first = append(first, n)
			cover(n)
		}
	}
	for _, n := range out {
		if !covered[n] {
			first = append(first, n)
			cover(n)
		}
	}
	sort.SliceStable(first, func(i, j int) bool { return first[i].Pos.Line < first[j].Pos.Line })
	return first
}

// leadsTo is where a transition leads for the graph checks: its node, or,
// for a name the flow does not have, the node its did-you-mean names.
func (c *compiler) leadsTo(t Target) *Node {
	if t.Kind != ToNone || t.name == "" {
		return t.Node
	}
	if meant := c.nearestNode(t.name); meant != "" {
		return c.flow.Nodes[meant]
	}
	return nil
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
		if n.Ask.List != nil {
			out = append(out, n.Ask.List.Empty)
		}
	}
	if n.Answer != nil {
		out = append(out, n.Answer.OnNone)
	}
	if n.Call != nil {
		out = append(out, n.Call.OnError)
		for _, o := range n.Call.On {
			out = append(out, o.Next)
		}
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
