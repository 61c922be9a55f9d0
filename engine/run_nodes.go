package engine

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// runFrom runs nodes from n until the flow waits for the citizen, hands the
// conversation to a person, or ends.
func (x *run) runFrom(n *Node) {
	for n != nil {
		if x.steps++; x.steps > x.e.cfg.MaxSteps {
			x.stepLimit(n)
			return
		}
		x.event(EventNodeEntered, x.flow.ID, n.Name, "")
		switch n.Kind {
		case KindSay:
			if n.Lines != nil {
				x.sayLines(n)
			} else {
				x.say(n.Say, n.Name)
			}
			n = x.follow(n.Next)
		case KindAsk:
			x.s.Retries, x.s.Page = 0, 0
			if n.Ask.List != nil && len(x.listItems(n)) == 0 {
				n = x.follow(n.Ask.List.Empty)
				continue
			}
			x.prompt(n, nil)
			x.wait(n)
			return
		case KindBranch:
			n = x.follow(x.branch(n))
		case KindSet:
			x.assign(n)
			n = x.follow(n.Next)
		case KindCall:
			n = x.follow(x.call(n))
		case KindFlow:
			n = x.enterFlow(n, x.lib.Flow(n.SubFlow), n.Next.Kind != ToNone)
		case KindHandoff:
			x.handoff(n.Say, n.Queue, n.Name)
			return
		case KindEnd:
			x.say(n.Say, n.Name)
			n = x.endFlow()
		case KindAnswer:
			n = x.answerNode(n)
		default:
			n = x.endFlow()
		}
	}
}

// wait leaves the session waiting at an ask node for the next input.
func (x *run) wait(n *Node) {
	x.s.Status = SessionWaiting
	x.s.Node = n.Name
}

// follow turns a target into the next node to run (nil: stop).
func (x *run) follow(t Target) *Node {
	switch t.Kind {
	case ToNode:
		return t.Node
	case ToMenu:
		x.clearSession()
		f := x.lib.Flow(x.e.cfg.EntryFlow)
		x.startFlow(f)
		return f.Start
	case ToHandoff:
		x.handoff(nil, "", "")
		return nil
	}
	return x.endFlow()
}

// endFlow finishes the running flow: back to the caller if it was entered as
// a sub-flow, else the session goes idle.
func (x *run) endFlow() *Node {
	s := x.s
	if x.flow != nil {
		x.event(EventFlowCompleted, x.flow.ID, "", "")
	}
	for len(s.Stack) > 0 {
		fr := s.Stack[len(s.Stack)-1]
		s.Stack[len(s.Stack)-1] = Frame{}
		s.Stack = s.Stack[:len(s.Stack)-1]
		f := x.pinned(fr.Flow, fr.Version)
		if f == nil || f.Nodes[fr.Node] == nil {
			x.event(EventFlowMissing, fr.Flow, fr.Node, fr.Version)
			continue
		}
		x.setFlow(f)
		s.Flow, s.Version, s.Vars = f.ID, f.Version, fr.Vars
		return x.follow(f.Nodes[fr.Node].Next)
	}
	x.clearSession()
	return nil
}

// enterFlow starts sub. With ret, the current flow resumes at the next of
// node `from` when sub ends; without, sub replaces the current flow.
func (x *run) enterFlow(from *Node, sub *Flow, ret bool) *Node {
	if sub == nil {
		x.event(EventFlowMissing, from.SubFlow, from.Name, "")
		return x.follow(from.Next)
	}
	s := x.s
	if ret {
		s.Stack = append(s.Stack, Frame{Flow: s.Flow, Version: s.Version, Node: from.Name, Vars: s.Vars})
		s.Vars = make(map[string]any, len(sub.varOrder))
	} else if x.flow != nil {
		x.event(EventFlowCompleted, x.flow.ID, "", "")
	}
	stack := s.Stack
	x.startFlow(sub)
	s.Stack = stack
	return sub.Start
}

// stepLimit stops a flow that ran too many nodes for one input.
func (x *run) stepLimit(n *Node) {
	x.event(EventStepLimit, x.flow.ID, n.Name, fmt.Sprint(x.e.cfg.MaxSteps))
	x.sayBuiltin("common.error")
	x.clearSession()
}

// branch returns the target of the first case whose guard is true.
func (x *run) branch(n *Node) Target {
	env := x.expressionEnv(nil)
	for _, cs := range n.Cases {
		if cs.When == nil {
			continue
		}
		ok, err := cs.When.Bool(env)
		if err != nil {
			x.event(EventExprError, x.flow.ID, n.Name, err.Error())
			continue
		}
		if ok {
			return cs.Next
		}
	}
	return n.Default
}

// assign runs a set node. A failing expression leaves its variable as it was.
func (x *run) assign(n *Node) {
	env := x.expressionEnv(nil)
	for _, a := range n.Assign {
		v, err := a.Expr.Run(env)
		if err == nil {
			v, err = coerce(v, x.flow.Vars[a.Var])
		}
		if err != nil {
			x.event(EventExprError, x.flow.ID, n.Name, err.Error())
			continue
		}
		x.s.Vars[a.Var] = v
	}
}

// coerce converts a value to the representation of a variable type
// (numbers are float64) and rejects a value of the wrong type.
func coerce(v any, t VarType) (any, error) {
	switch t {
	case TypeNumber, TypeMoney:
		switch n := v.(type) {
		case float64:
			return n, nil
		case int:
			return float64(n), nil
		case int64:
			return float64(n), nil
		case float32:
			return float64(n), nil
		}
	case TypeString:
		if _, ok := v.(string); ok {
			return v, nil
		}
	case TypeBool:
		if _, ok := v.(bool); ok {
			return v, nil
		}
	case TypeDate:
		if _, ok := v.(time.Time); ok {
			return v, nil
		}
	default:
		return normalize(v), nil
	}
	return nil, fmt.Errorf("a %s variable cannot hold %T", t, v)
}

// normalize makes a service's result fit session state: numbers become
// float64, nested maps and lists are normalised too.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float32:
		return float64(x)
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	}
	return v
}

// call runs a call node and returns where to go: next, or on_error when the
// service fails, times out or is not configured.
func (x *run) call(n *Node) Target {
	call := n.Call
	env := x.expressionEnv(nil)
	args := make(map[string]any, len(call.Args))
	for _, a := range call.Args {
		v, err := a.Expr.Run(env)
		if err != nil {
			x.event(EventExprError, x.flow.ID, n.Name, err.Error())
			return call.OnError
		}
		args[a.Name] = v
	}
	svc := x.e.cfg.Services
	if svc == nil {
		x.event(EventServiceError, x.flow.ID, n.Name, call.Service+": no service connectors are configured")
		return call.OnError
	}
	ctx, cancel := context.WithTimeout(x.ctx, call.Timeout)
	began := x.e.cfg.Clock.Now()
	res, err := svc.Call(ctx, call.Service, args)
	took := callTook(began, x.e.cfg.Clock.Now())
	cancel()
	if x.ctx.Err() != nil {
		x.err = x.ctx.Err()
	}
	if err != nil {
		x.event(EventServiceError, x.flow.ID, n.Name, call.Service+took+": "+errorSummary(err))
		return call.OnError
	}
	if call.Save != "" {
		if res == nil {
			res = map[string]any{}
		}
		x.s.Vars[call.Save] = normalize(res)
	}
	x.event(EventServiceCalled, x.flow.ID, n.Name, call.Service+took)
	if outcome, _ := res["outcome"].(string); outcome != "" && outcome != "ok" {
		for _, o := range call.On {
			if o.Outcome == outcome {
				return o.Next
			}
		}
	}
	return n.Next
}

// errorSummary keeps an error's text short for the event log.
func errorSummary(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// handoff hands the conversation to the agent inbox.
func (x *run) handoff(items []*Item, queue, node string) {
	if items == nil {
		x.sayBuiltin("common.handoff")
	} else {
		x.say(items, node)
	}
	flow := x.s.Flow
	if queue == "" {
		queue = flow
	}
	x.r.Outputs = append(x.r.Outputs, Output{Kind: OutputHandoff, Lang: x.lang,
		Handoff: &Handoff{Queue: queue, Reason: flow + "/" + node}})
	x.event(EventHandoff, flow, node, queue)
	x.s.Status = SessionHandoff
	x.s.Node = node
}

// callTook is how long a call took, as a service event's detail gives it
// after the operation's name (" 120ms"), for the reports.
func callTook(began, ended time.Time) string {
	return " " + strconv.FormatInt(max(ended.Sub(began).Milliseconds(), 0), 10) + "ms"
}
