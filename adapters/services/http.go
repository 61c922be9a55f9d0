package services

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/engine/guard"
)

// httpSpec is how an HTTP operation builds its request.
type httpSpec struct {
	method  string
	path    []pathPart
	query   []namedExpr
	headers []namedExpr
	body    *bodyTemplate
}

// pathPart is literal text of a path, or a placeholder's expression.
type pathPart struct {
	text string
	expr *namedExpr
}

// bodyTemplate is a JSON body: objects and arrays as written, every string
// leaf an expression, other leaves as they are.
type bodyTemplate struct {
	fields []bodyField
	items  []*bodyTemplate
	object bool
	array  bool
	expr   *namedExpr
	lit    any
}

type bodyField struct {
	key string
	val *bodyTemplate
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead}

func (d *decoder) httpSpec(f map[string]*yaml.Node, what string) *httpSpec {
	s := &httpSpec{method: http.MethodGet}
	if m := f["method"]; m != nil {
		v, _ := d.scalar(m, what+": method")
		s.method = strings.ToUpper(v)
		if !contains(methods, s.method) {
			d.errorf(m, "bad-method", "%s: method %q must be one of %s", what, v, strings.Join(methods, ", "))
		}
	}
	p, ok := d.scalar(f["path"], what+": path")
	if !ok {
		d.errorf(nil, "missing-path", "%s needs path: (the path under the connector's base URL, such as /v1/status/{args.id})", what)
		return s
	}
	s.path = d.pathTemplate(f["path"], p, what)
	s.query = d.namedExprsAny(f["query"], what+": query")
	s.headers = d.namedExprsAny(f["headers"], what+": headers")
	if b := f["body"]; b != nil {
		if s.method == http.MethodGet || s.method == http.MethodHead {
			d.errorf(b, "body-on-get", "%s: a %s request has no body; send the values in query:", what, s.method)
		}
		s.body = d.bodyTemplate(b, what+": body")
	}
	return s
}

// namedExprsAny is namedExprs for names that are not identifiers (query
// parameters and headers keep the names the API uses).
func (d *decoder) namedExprsAny(n *yaml.Node, what string) []namedExpr {
	var out []namedExpr
	for _, kv := range d.pairs(n, what) {
		if src, ok := d.scalar(kv[1], what+": "+kv[0].Value); ok {
			out = append(out, namedExpr{name: kv[0].Value, src: src, node: kv[1]})
		}
	}
	return out
}

// pathTemplate splits a path into text and {expression} placeholders.
func (d *decoder) pathTemplate(n *yaml.Node, p, what string) []pathPart {
	if !strings.HasPrefix(p, "/") {
		d.errorf(n, "bad-path", "%s: path %q must start with /", what, p)
	}
	var parts []pathPart
	rest := p
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			parts = append(parts, pathPart{text: rest})
			break
		}
		if open > 0 {
			parts = append(parts, pathPart{text: rest[:open]})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			d.errorf(n, "bad-path", "%s: path %q has a { without its }", what, p)
			return nil
		}
		src := strings.TrimSpace(rest[open+1 : open+end])
		parts = append(parts, pathPart{expr: &namedExpr{name: "path", src: src, node: n}})
		rest = rest[open+end+1:]
	}
	for _, part := range parts {
		if part.expr == nil && strings.ContainsAny(part.text, "?#") {
			d.errorf(n, "bad-path", "%s: path %q holds a query or fragment; give query parameters under query:", what, p)
		}
		if part.expr == nil && (strings.Contains(part.text, "/../") || strings.HasSuffix(part.text, "/..")) {
			d.errorf(n, "bad-path", "%s: path %q climbs out with ..", what, p)
		}
	}
	return parts
}

func (d *decoder) bodyTemplate(n *yaml.Node, what string) *bodyTemplate {
	switch n.Kind {
	case yaml.MappingNode:
		t := &bodyTemplate{object: true}
		for _, kv := range d.pairs(n, what) {
			t.fields = append(t.fields, bodyField{key: kv[0].Value, val: d.bodyTemplate(kv[1], what+"."+kv[0].Value)})
		}
		return t
	case yaml.SequenceNode:
		t := &bodyTemplate{array: true}
		for _, item := range n.Content {
			t.items = append(t.items, d.bodyTemplate(item, what+"[]"))
		}
		return t
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			return &bodyTemplate{expr: &namedExpr{name: what, src: n.Value, node: n}}
		}
		var v any
		if err := n.Decode(&v); err != nil {
			d.errorf(n, "bad-body", "%s: %v", what, err)
		}
		return &bodyTemplate{lit: v}
	}
	d.errorf(n, "bad-body", "%s: anchors and aliases are not allowed in a body", what)
	return &bodyTemplate{}
}

// compileRequest compiles a request's expressions against the arguments.
func (d *decoder) compileRequest(op *operation) {
	s := op.http
	if s == nil {
		return
	}
	env := op.requestEnv()
	for _, p := range s.path {
		if p.expr != nil {
			d.compile(p.expr, env, guard.AnyResult)
		}
	}
	for i := range s.query {
		d.compile(&s.query[i], env, guard.AnyResult)
	}
	for i := range s.headers {
		d.compile(&s.headers[i], env, guard.AnyResult)
	}
	var walk func(t *bodyTemplate)
	walk = func(t *bodyTemplate) {
		if t == nil {
			return
		}
		if t.expr != nil {
			d.compile(t.expr, env, guard.AnyResult)
		}
		for _, f := range t.fields {
			walk(f.val)
		}
		for _, it := range t.items {
			walk(it)
		}
	}
	walk(s.body)
}

// Exchange is one HTTP request an operation made and what came back, as
// `samvad call -v` shows it. The connector's key is not in it.
type Exchange struct {
	Method   string
	URL      string
	Request  []byte
	Status   int
	Header   http.Header
	Response []byte
	Attempts int
	Elapsed  time.Duration
}

// callHTTP runs an HTTP operation.
func (op *operation) callHTTP(ctx context.Context, c *connector, args map[string]any) (map[string]any, error) {
	env := argEnv(args)
	req, reqBody, err := op.request(ctx, c, env)
	if err != nil {
		return nil, err
	}
	ex := &Exchange{Method: req.Method, URL: req.URL.String(), Request: reqBody}
	start := time.Now()
	status, header, body, err := op.send(ctx, c, req, reqBody, ex)
	ex.Elapsed = time.Since(start)
	ex.Status, ex.Header, ex.Response = status, header, body
	recordExchange(ctx, ex)
	if err != nil {
		return nil, err
	}
	ok := status >= 200 && status <= 299
	var decoded any
	switch {
	case len(bytes.TrimSpace(body)) == 0:
	case !isJSON(header.Get("Content-Type")):
		if ok {
			return nil, fmt.Errorf("the department's API answered %d with %s, not JSON", status, contentType(header))
		}
		// An error page: outcomes may still match on the status.
	default:
		if err := json.Unmarshal(body, &decoded); err != nil && ok {
			return nil, fmt.Errorf("the department's API answered %d with JSON that does not read: %v", status, err)
		}
	}
	renv := map[string]any{"args": args, "status": status, "body": decoded, "headers": noHeaders}
	if op.readsHeaders {
		renv["headers"] = flatHeaders(header)
	}
	outcome, err := op.outcome(renv)
	if err != nil {
		return nil, err
	}
	if outcome == "ok" && !ok {
		return nil, fmt.Errorf("the department's API answered %d %s", status, http.StatusText(status))
	}
	if outcome != "ok" {
		return map[string]any{"outcome": outcome}, nil
	}
	return op.mapResult(renv, decoded)
}

// request builds the HTTP request of a call.
func (op *operation) request(ctx context.Context, c *connector, env map[string]any) (*http.Request, []byte, error) {
	s := op.http
	var path strings.Builder
	path.WriteString(strings.TrimRight(c.base.Path, "/"))
	for _, p := range s.path {
		if p.expr == nil {
			path.WriteString(p.text)
			continue
		}
		v, err := p.expr.prog.Run(env)
		if err != nil {
			return nil, nil, fmt.Errorf("building the path: %v", err)
		}
		text := textOf(v)
		if text == "" || text == "." || text == ".." {
			return nil, nil, fmt.Errorf("building the path: {%s} is %q, which cannot be a path segment", p.expr.src, text)
		}
		path.WriteString(url.PathEscape(text))
	}
	u := *c.base
	u.Path, u.RawPath = "", ""
	u.RawPath = path.String()
	if unescaped, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = unescaped
	}
	q := u.Query()
	for _, qp := range s.query {
		v, err := qp.prog.Run(env)
		if err != nil {
			return nil, nil, fmt.Errorf("building query parameter %s: %v", qp.name, err)
		}
		if v == nil || textOf(v) == "" {
			continue // an optional argument left out
		}
		q.Set(qp.name, textOf(v))
	}
	u.RawQuery = q.Encode()
	var body []byte
	if s.body != nil {
		v, err := s.body.value(env)
		if err != nil {
			return nil, nil, fmt.Errorf("building the body: %v", err)
		}
		if body, err = json.Marshal(v); err != nil {
			return nil, nil, fmt.Errorf("building the body: %v", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, s.method, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("building the request: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Samvad")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range s.headers {
		v, err := h.prog.Run(env)
		if err != nil {
			return nil, nil, fmt.Errorf("building header %s: %v", h.name, err)
		}
		req.Header.Set(h.name, textOf(v))
	}
	if c.authHeader != "" {
		req.Header.Set(c.authHeader, c.authValue)
	}
	return req, body, nil
}

// value evaluates a body template.
func (t *bodyTemplate) value(env map[string]any) (any, error) {
	switch {
	case t.object:
		m := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			v, err := f.val.value(env)
			if err != nil {
				return nil, err
			}
			m[f.key] = v
		}
		return m, nil
	case t.array:
		a := make([]any, len(t.items))
		for i, it := range t.items {
			v, err := it.value(env)
			if err != nil {
				return nil, err
			}
			a[i] = v
		}
		return a, nil
	case t.expr != nil:
		return t.expr.prog.Run(env)
	}
	return t.lit, nil
}

// send sends the request, retrying an idempotent one that failed in a way
// that may pass (no answer, 429, 502, 503, 504) while the deadline allows.
func (op *operation) send(ctx context.Context, c *connector, req *http.Request, body []byte, ex *Exchange) (int, http.Header, []byte, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		ex.Attempts = attempt + 1
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
		}
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		status, header, data, err := c.do(r)
		retryable := err != nil && !errors.Is(err, errTooLarge) && ctx.Err() == nil ||
			status == http.StatusTooManyRequests || status == http.StatusBadGateway ||
			status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
		if !retryable || attempt >= op.retries {
			if err != nil {
				return 0, nil, nil, describe(ctx, err, op.timeout)
			}
			return status, header, data, nil
		}
		lastErr = err
		wait := time.Duration(50<<attempt)*time.Millisecond + time.Duration(rand.Int64N(int64(25*time.Millisecond)))
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			if lastErr != nil {
				return 0, nil, nil, describe(ctx, lastErr, op.timeout)
			}
			return status, header, data, nil
		}
		select {
		case <-ctx.Done():
			return 0, nil, nil, describe(ctx, ctx.Err(), op.timeout)
		case <-time.After(wait):
		}
	}
}

// describe turns a transport error into a reason a person can read,
// without the URL (which may carry a citizen's details).
func describe(ctx context.Context, err error, timeout time.Duration) error {
	var ne net.Error
	switch {
	case errors.Is(err, errTooLarge):
		return err
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() || ctx.Err() != nil:
		return fmt.Errorf("the department's API did not answer within %v", timeout)
	case errors.Is(err, errRedirect):
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("the department's API could not be reached: %v", err)
}

// outcome is the first declared outcome whose expression is true, or "ok".
func (op *operation) outcome(env map[string]any) (string, error) {
	for _, o := range op.outcomes {
		ok, err := o.prog.Bool(env)
		if err != nil {
			return "", fmt.Errorf("outcome %s: %v", o.name, err)
		}
		if ok {
			return o.name, nil
		}
	}
	return "ok", nil
}

// mapResult builds a successful result: the declared fields, or without
// them the response itself (an object) or {value: …}.
func (op *operation) mapResult(env map[string]any, raw any) (map[string]any, error) {
	if len(op.result) == 0 {
		if m, ok := raw.(map[string]any); ok {
			out := make(map[string]any, len(m)+1)
			for k, v := range m {
				out[k] = v
			}
			out["outcome"] = "ok"
			return out, nil
		}
		return map[string]any{"value": raw, "outcome": "ok"}, nil
	}
	out := make(map[string]any, len(op.result)+1)
	for _, r := range op.result {
		v, err := r.prog.Run(env)
		if err != nil {
			return nil, fmt.Errorf("the answer does not have what result.%s reads: %v", r.name, err)
		}
		out[r.name] = v
	}
	out["outcome"] = "ok"
	return out, nil
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func contentType(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "" {
			return mt
		}
	}
	return "no content type"
}

// noHeaders is the headers of a response whose operation reads none.
var noHeaders = map[string]any{}

func flatHeaders(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return out
}

// textOf writes a value as it goes in a URL or header.
func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprint(x)
	case time.Time:
		return x.Format("2006-01-02")
	}
	return fmt.Sprint(v)
}
