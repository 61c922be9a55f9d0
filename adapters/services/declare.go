package services

import (
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
)

// File is a declaration file's path and content.
type File struct {
	Path    string
	Content []byte
}

// opKind is how an operation is carried out.
type opKind uint8

const (
	kindHTTP opKind = iota + 1
	kindTable
	kindBuiltin
)

// decoder reads one declaration file, collecting every problem.
type decoder struct {
	file     string
	problems *diag.List
}

func (d *decoder) pos(n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: d.file}
	}
	return diag.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, code, format string, args ...any) {
	d.problems.Errorf(d.pos(n), code, format, args...)
}

// pairs returns a mapping's keys and values in order; it reports a node
// that is not a mapping.
func (d *decoder) pairs(n *yaml.Node, what string) [][2]*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "not-a-mapping", "%s must be a mapping of names to values", what)
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

// fields reads a mapping whose keys must be among allowed.
func (d *decoder) fields(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for _, kv := range d.pairs(n, what) {
		k := kv[0].Value
		if !contains(allowed, k) {
			d.errorf(kv[0], "unknown-key", "%s has no setting %q (it takes %s)", what, k, strings.Join(allowed, ", "))
			continue
		}
		out[k] = kv[1]
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// scalar reads a scalar's text; it reports any other node.
func (d *decoder) scalar(n *yaml.Node, what string) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "not-a-value", "%s must be a single value", what)
		return "", false
	}
	return n.Value, true
}

var (
	operationNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
	identRE         = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// declaration is what one file declares.
type declaration struct {
	file      string
	connector string
	connPos   diag.Pos
	tables    []*tableDecl
	ops       []*operation
}

// tableDecl is a declared table.
type tableDecl struct {
	name, path, key, lat, lng string
	numbers                   []string
	pos                       diag.Pos
}

// decode reads a declaration file.
func decode(f File, problems *diag.List) *declaration {
	d := &decoder{file: f.Path, problems: problems}
	var doc yaml.Node
	if err := yaml.Unmarshal(f.Content, &doc); err != nil {
		problems.Errorf(diag.Pos{File: f.Path, Line: yamlErrorLine(err)}, "yaml", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	if len(doc.Content) == 0 {
		return &declaration{file: f.Path}
	}
	top := d.fields(doc.Content[0], "a declaration file", "connector", "title", "description", "tables", "operations")
	decl := &declaration{file: f.Path}
	if n := top["connector"]; n != nil {
		if name, ok := d.scalar(n, "connector"); ok {
			if !identRE.MatchString(name) {
				d.errorf(n, "bad-name", "connector %q must be lower-case letters, digits and _", name)
			}
			decl.connector, decl.connPos = name, d.pos(n)
		}
	}
	for _, kv := range d.pairs(top["tables"], "tables") {
		if t := d.table(kv[0], kv[1], filepath.Dir(f.Path)); t != nil {
			decl.tables = append(decl.tables, t)
		}
	}
	for _, kv := range d.pairs(top["operations"], "operations") {
		if op := d.operation(kv[0], kv[1], decl); op != nil {
			decl.ops = append(decl.ops, op)
		}
	}
	return decl
}

// yamlErrorLine finds the line a yaml.v3 error names, or 0.
func yamlErrorLine(err error) int {
	m := regexp.MustCompile(`line (\d+)`).FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func (d *decoder) table(key, n *yaml.Node, dir string) *tableDecl {
	t := &tableDecl{name: key.Value, pos: d.pos(key)}
	if !identRE.MatchString(t.name) {
		d.errorf(key, "bad-name", "table %q must be lower-case letters, digits and _", t.name)
	}
	what := "table " + t.name
	f := d.fields(n, what, "file", "key", "location", "numbers", "description")
	file, ok := d.scalar(f["file"], what+": file")
	if !ok {
		d.errorf(key, "missing-file", "%s needs file: (a CSV file, relative to this declaration)", what)
		return nil
	}
	t.path = file
	if !filepath.IsAbs(file) {
		t.path = filepath.Join(dir, file)
	}
	t.key, _ = d.scalar(f["key"], what+": key")
	if loc := f["location"]; loc != nil {
		if loc.Kind != yaml.SequenceNode || len(loc.Content) != 2 {
			d.errorf(loc, "bad-location", "%s: location must name the latitude and longitude columns: [latitude, longitude]", what)
		} else {
			t.lat, t.lng = loc.Content[0].Value, loc.Content[1].Value
		}
	}
	if nums := f["numbers"]; nums != nil {
		if nums.Kind != yaml.SequenceNode {
			d.errorf(nums, "bad-numbers", "%s: numbers must list the columns read as numbers", what)
		}
		for _, c := range nums.Content {
			t.numbers = append(t.numbers, c.Value)
		}
	}
	return t
}

// operation is one declared operation, ready to run once compiled.
type operation struct {
	sig       engine.Operation
	kind      opKind
	connector string
	timeout   time.Duration
	retries   int
	http      *httpSpec
	table     *tableSpec
	builtin   *builtinSpec
	// result maps the raw outcome to the result's fields (nil: the
	// kind's default); outcomes are tried in order.
	result   []namedExpr
	outcomes []namedExpr
	// readsHeaders is whether a result or outcome reads the response's
	// headers (they are copied into the expressions' environment only then).
	readsHeaders bool
	// argTypes are the declared arguments by name.
	argTypes map[string]engine.OperationArg
}

// namedExpr is a named expression in its declared order.
type namedExpr struct {
	name string
	src  string
	node *yaml.Node
	prog program
}

var opSettings = []string{"description", "args", "timeout", "result", "outcomes",
	"method", "path", "query", "headers", "body", "retries",
	"table", "lookup", "filter", "nearest", "limit", "within_km",
	"builtin", "request"}

func (d *decoder) operation(key, n *yaml.Node, decl *declaration) *operation {
	name := key.Value
	op := &operation{sig: engine.Operation{Name: name, Pos: d.pos(key)}, argTypes: map[string]engine.OperationArg{}}
	if !operationNameRE.MatchString(name) {
		d.errorf(key, "bad-name", "operation %q must be dotted lower-case names, such as pension.status", name)
	}
	what := "operation " + name
	f := d.fields(n, what, opSettings...)
	d.args(f["args"], op, what)
	op.timeout = DefaultTimeout
	if t := f["timeout"]; t != nil {
		v, _ := d.scalar(t, what+": timeout")
		dur, err := time.ParseDuration(v)
		if err != nil || dur <= 0 || dur > MaxTimeout {
			d.errorf(t, "bad-timeout", "%s: timeout %q must be a duration such as 5s, at most %v", what, v, MaxTimeout)
		} else {
			op.timeout = dur
		}
	}
	switch {
	case f["builtin"] != nil:
		op.kind = kindBuiltin
		op.builtin = d.builtinSpec(f, what)
	case f["table"] != nil:
		op.kind = kindTable
		op.table = d.tableSpec(f, what)
	default:
		op.kind = kindHTTP
		if decl.connector == "" {
			d.errorf(key, "no-connector", "%s is an HTTP request (it has no table: or builtin:), but this file names no connector: "+
				"add `connector: NAME` at the top, and give NAME its base_url in the deployment", what)
		}
		op.connector = decl.connector
		op.http = d.httpSpec(f, what)
		if r := f["retries"]; r != nil {
			v, _ := d.scalar(r, what+": retries")
			k, err := strconv.Atoi(v)
			switch {
			case err != nil || k < 0 || k > 5:
				d.errorf(r, "bad-retries", "%s: retries %q must be a whole number from 0 to 5", what, v)
			case k > 0 && op.http != nil && !idempotent(op.http.method):
				d.errorf(r, "retry-not-idempotent", "%s: a %s request is not retried: it could act twice (book two slots, pay twice); only GET, HEAD, PUT and DELETE are", what, op.http.method)
			default:
				op.retries = k
			}
		}
	}
	if op.kind != kindHTTP {
		for _, k := range []string{"method", "path", "query", "headers", "body", "retries"} {
			if f[k] != nil {
				d.errorf(f[k], "not-http", "%s: %s: is for HTTP requests; this operation is a %s", what, k, op.kindName())
			}
		}
	}
	op.result = d.namedExprs(f["result"], what+": result")
	op.outcomes = d.namedExprs(f["outcomes"], what+": outcomes")
	for _, o := range op.outcomes {
		if o.name == "ok" {
			d.errorf(o.node, "bad-outcome", "%s: ok is the outcome when none of the declared ones is true; name the others", what)
		}
	}
	return op
}

func (op *operation) kindName() string {
	switch op.kind {
	case kindTable:
		return "table look-up"
	case kindBuiltin:
		return "built-in operation"
	}
	return "HTTP request"
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// args reads `args: {name: type}`; "optional string" marks an argument a
// call may leave out. (A "?" suffix was tried first: YAML's flow mappings,
// `{pin: string?}`, refuse it.)
func (d *decoder) args(n *yaml.Node, op *operation, what string) {
	for _, kv := range d.pairs(n, what+": args") {
		name := kv[0].Value
		if !identRE.MatchString(name) {
			d.errorf(kv[0], "bad-name", "%s: argument %q must be lower-case letters, digits and _", what, name)
			continue
		}
		typ, _ := d.scalar(kv[1], what+": args: "+name)
		rest, optional := strings.CutPrefix(typ, "optional ")
		t, ok := engine.ParseVarType(strings.TrimSpace(rest))
		if !ok {
			d.errorf(kv[1], "bad-type", "%s: argument %s has type %q; use string, number, money, bool, date, location, attachment, object or list, after \"optional \" when a call may leave it out", what, name, typ)
			continue
		}
		arg := engine.OperationArg{Name: name, Type: t, Optional: optional}
		op.sig.Args = append(op.sig.Args, arg)
		op.argTypes[name] = arg
	}
}

// namedExprs reads a mapping of names to expressions, in order.
func (d *decoder) namedExprs(n *yaml.Node, what string) []namedExpr {
	var out []namedExpr
	for _, kv := range d.pairs(n, what) {
		src, ok := d.scalar(kv[1], what+": "+kv[0].Value)
		if !ok {
			continue
		}
		if !identRE.MatchString(kv[0].Value) {
			d.errorf(kv[0], "bad-name", "%s: %q must be lower-case letters, digits and _", what, kv[0].Value)
			continue
		}
		out = append(out, namedExpr{name: kv[0].Value, src: src, node: kv[1]})
	}
	return out
}

// sortedNames returns the keys of m, sorted.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// DefaultTimeout is an operation's timeout when it declares none; the
// deployment may set another per connector.
const DefaultTimeout = 10 * time.Second

// MaxTimeout is the longest timeout an operation may declare: a citizen
// is waiting.
const MaxTimeout = 60 * time.Second
