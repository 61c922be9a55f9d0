package services

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/adapters/services/table"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// Registry is the operations declared for a deployment. Load reads the
// declarations, which is all `samvad lint` needs; Bind connects them to
// their systems, after which the registry is the engine's Services.
type Registry struct {
	ops        map[string]*operation
	connectors map[string]diag.Pos // declared connectors, by name
	tables     map[string]*table.Source
	// tableNames are the declared tables, loaded or not (for suggestions).
	tableNames map[string]bool
	bound      map[string]*connector
	casebook   Casebook
	now        func() time.Time
}

// Load reads declaration files. Every problem is reported at once; the
// registry is nil only when there are errors. Tables are read here too, so
// that a CSV file that does not read is a problem lint reports.
func Load(files []File) (*Registry, diag.List) {
	var problems diag.List
	r := &Registry{ops: map[string]*operation{}, connectors: map[string]diag.Pos{}, tables: map[string]*table.Source{},
		tableNames: map[string]bool{}, now: time.Now}
	var decls []*declaration
	for _, f := range files {
		if d := decode(f, &problems); d != nil {
			decls = append(decls, d)
		}
	}
	for _, d := range decls {
		r.addDeclaration(d, &problems)
	}
	for _, d := range decls {
		dec := &decoder{file: d.file, problems: &problems}
		for _, op := range d.ops {
			r.compile(dec, op)
		}
	}
	for _, f := range files {
		diag.NewSource(f.Path, f.Content).Quote(problems)
	}
	problems.Sort()
	if problems.HasErrors() {
		return nil, problems
	}
	return r, problems
}

// addDeclaration records a file's connector, tables and operations,
// reporting names declared twice.
func (r *Registry) addDeclaration(d *declaration, problems *diag.List) {
	if d.connector != "" {
		if prev, ok := r.connectors[d.connector]; ok && prev.File != d.file {
			problems.Errorf(d.connPos, "duplicate-connector", "connector %s is declared in %s too; declare each connector in one file", d.connector, prev)
		}
		r.connectors[d.connector] = d.connPos
	}
	for _, t := range d.tables {
		if r.tableNames[t.name] {
			problems.Errorf(t.pos, "duplicate-table", "table %s is declared twice", t.name)
			continue
		}
		r.tableNames[t.name] = true
		src, err := table.Open(table.Spec{Name: t.name, Path: t.path, Key: t.key, Latitude: t.lat, Longitude: t.lng, Numbers: t.numbers})
		if err != nil {
			problems.Errorf(t.pos, "bad-table", "%v", err)
			continue
		}
		r.tables[t.name] = src
	}
	for _, op := range d.ops {
		if prev, ok := r.ops[op.sig.Name]; ok {
			problems.Errorf(op.sig.Pos, "duplicate-operation", "operation %s is declared twice (first at %s)", op.sig.Name, prev.sig.Pos)
			continue
		}
		r.ops[op.sig.Name] = op
	}
}

// compile compiles an operation's expressions and finishes its signature.
func (r *Registry) compile(d *decoder, op *operation) {
	switch op.kind {
	case kindHTTP:
		d.compileRequest(op)
	case kindTable:
		if src, ok := r.tables[op.table.name]; ok {
			op.table.source = src
		} else if !r.tableNames[op.table.name] {
			d.errorf(op.table.node, "unknown-table", "operation %s: no table %q is declared%s", op.sig.Name, op.table.name,
				suggest(op.table.name, sortedNames(r.tableNames)))
		}
		d.compileSearch(op)
	}
	d.compileResults(op)
	for _, e := range append(append([]namedExpr{}, op.result...), op.outcomes...) {
		op.readsHeaders = op.readsHeaders || strings.Contains(e.src, "headers")
	}
	for _, o := range op.outcomes {
		op.sig.Outcomes = append(op.sig.Outcomes, o.name)
	}
	switch {
	case len(op.result) > 0:
		for _, f := range op.result {
			op.sig.Returns = append(op.sig.Returns, f.name)
		}
	case op.kind == kindTable:
		op.sig.Returns = []string{"rows", "row", "count"}
	case op.kind == kindBuiltin && op.builtin != nil:
		var outcomes []string
		op.sig.Returns, outcomes = op.builtin.signature()
		op.sig.Outcomes = append(op.sig.Outcomes, outcomes...)
	}
	if op.kind == kindTable && !contains(op.sig.Outcomes, "not_found") {
		op.sig.Outcomes = append(op.sig.Outcomes, "not_found")
	}
	if op.sig.Returns != nil {
		op.sig.Returns = append(op.sig.Returns, "outcome")
	}
}

// suggest says "; did you mean X?" when a candidate is close to name.
func suggest(name string, candidates []string) string {
	if best := diag.Nearest(name, candidates); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

// Operations describes every declared operation, for the flow loader's
// checks of `call` nodes.
func (r *Registry) Operations() map[string]engine.Operation {
	out := make(map[string]engine.Operation, len(r.ops))
	for name, op := range r.ops {
		out[name] = op.sig
	}
	return out
}

// Names lists the declared operations, sorted.
func (r *Registry) Names() []string { return sortedNames(r.ops) }

// Connectors lists the declared connectors, sorted.
func (r *Registry) Connectors() []string { return sortedNames(r.connectors) }

// Deployment is what Bind needs from the running service.
type Deployment struct {
	// Connections say where each connector is, by name.
	Connections map[string]Connection
	// Getenv reads an environment variable (os.LookupEnv).
	Getenv func(string) (string, bool)
	// Casebook keeps the cases of built-in operations.
	Casebook Casebook
	// Clock tells the time (deadlines); default time.Now.
	Clock func() time.Time
	// Offline leaves connectors without a connection unconnected instead
	// of failing: their operations fail when called, with a message that
	// says so (samvad chat without --live). Tables and built-ins work.
	Offline bool
}

// Bind connects every declared connector to its connection, failing with
// every problem at once: a connector with no base URL, a secret that is not
// in the environment, a connection for a connector nobody declared.
func (r *Registry) Bind(d Deployment) error {
	var problems []string
	bound := map[string]*connector{}
	for _, name := range sortedNames(r.connectors) {
		c, ok := d.Connections[name]
		if !ok && d.Offline {
			continue
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("connector %s (declared in %s) has no connection: set connectors.%s.base_url in the configuration, or SAMVAD_CONNECTORS_%s_BASE_URL",
				name, r.connectors[name].File, name, strings.ToUpper(name)))
			continue
		}
		cn, more := newConnector(name, c, d.Getenv)
		problems = append(problems, more...)
		bound[name] = cn
	}
	for _, name := range sortedNames(d.Connections) {
		if _, ok := r.connectors[name]; !ok {
			problems = append(problems, fmt.Sprintf("connectors.%s is configured, but no declaration names connector %s%s",
				name, name, suggest(name, sortedNames(r.connectors))))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("services: %s", strings.Join(problems, "; "))
	}
	r.bound, r.casebook = bound, d.Casebook
	if d.Clock != nil {
		r.now = d.Clock
	}
	return nil
}

// Unconnected lists the declared connectors that Bind left without a
// connection (Deployment.Offline), sorted.
func (r *Registry) Unconnected() []string {
	var out []string
	for _, name := range sortedNames(r.connectors) {
		if r.bound[name] == nil {
			out = append(out, name)
		}
	}
	return out
}

// Call runs an operation; it is the engine's Services. Arguments are
// checked against the declaration first. The result always holds
// "outcome". Errors name the operation and the reason, never a secret.
func (r *Registry) Call(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
	op, ok := r.ops[name]
	if !ok {
		return nil, fmt.Errorf("%w %q%s", engine.ErrUnknownService, name, suggest(name, r.Names()))
	}
	if err := op.checkArgs(args); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	timeout := op.timeout
	var res map[string]any
	var err error
	switch op.kind {
	case kindHTTP:
		c := r.bound[op.connector]
		if c == nil {
			return nil, fmt.Errorf("%s: connector %s is not connected (this run has no connection for it)", name, op.connector)
		}
		if c.timeout > 0 && op.timeout == DefaultTimeout {
			timeout = c.timeout
		}
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		res, err = op.callHTTP(cctx, c, args)
	case kindTable:
		res, err = op.callTable(args)
	default:
		res, err = op.callBuiltin(ctx, r.casebook, r.now(), args)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return res, nil
}

// checkArgs refuses a call without a required argument, or with one the
// operation does not declare.
func (op *operation) checkArgs(args map[string]any) error {
	for _, a := range op.sig.Args {
		if v, ok := args[a.Name]; !a.Optional && (!ok || v == nil) {
			return fmt.Errorf("argument %s is required", a.Name)
		}
	}
	for k := range args {
		if _, ok := op.argTypes[k]; !ok {
			return fmt.Errorf("argument %s is not declared (it takes %s)", k, strings.Join(sortedNames(op.argTypes), ", "))
		}
	}
	return nil
}

// Reload reads every table's file again (the flows' reload does this).
func (r *Registry) Reload() error {
	var errs []string
	for _, name := range sortedNames(r.tables) {
		if err := r.tables[name].Reload(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("services: %s", strings.Join(errs, "; "))
	}
	return nil
}

// traceKey carries a recorder of HTTP exchanges (`samvad call -v`).
type traceKey struct{}

// WithTrace returns a context under which every HTTP exchange of a call is
// passed to record. The connector's key is not in it.
func WithTrace(ctx context.Context, record func(Exchange)) context.Context {
	return context.WithValue(ctx, traceKey{}, record)
}

func recordExchange(ctx context.Context, ex *Exchange) {
	if f, ok := ctx.Value(traceKey{}).(func(Exchange)); ok {
		f(*ex)
	}
}

// CasePolicies returns the service levels declared for each kind of case
// (grievance, ration_card…) by the built-in operations that lodge them:
// the days per category and the escalation levels, for re-computing a
// deadline on reopening and escalation. A nil Registry declares none.
func (r *Registry) CasePolicies() map[string]casework.Policy {
	out := map[string]casework.Policy{}
	if r == nil {
		return out
	}
	for _, name := range sortedNames(r.ops) {
		s := r.ops[name].builtin
		if s != nil && (s.name == builtinGrievanceLodge || s.name == builtinRequestSubmit) && s.kind != "" {
			out[s.kind] = s.policy
		}
	}
	return out
}
