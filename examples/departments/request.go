package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// maxBody is the largest request body read.
const maxBody = 64 << 10

// readObject reads a JSON object body whose keys must be among known. On a
// problem it answers 400 (naming the field when there is one) and returns
// false.
func readObject(w http.ResponseWriter, r *http.Request, known ...string) (map[string]json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		badInput(w, "body", "the body must be one JSON object, like {\"session_id\": \"…\"}")
		return nil, false
	}
	for k := range obj {
		if !contains(known, k) {
			badInput(w, k, "unknown field %q; the fields are %s", k, strings.Join(known, ", "))
			return nil, false
		}
	}
	return obj, true
}

// fields reads the values of a JSON object leniently: a text field may come
// as a JSON number, and a number as a string of digits, since connectors
// often send every argument as text. The first problem is answered as 400.
type fields struct {
	w      http.ResponseWriter
	obj    map[string]json.RawMessage
	failed bool
}

func (f *fields) raw(name string, required bool) (json.RawMessage, bool) {
	v, ok := f.obj[name]
	if f.failed {
		return nil, false
	}
	if !ok || bytes.Equal(v, []byte("null")) {
		if required {
			badInput(f.w, name, "%s is required", name)
			f.failed = true
		}
		return nil, false
	}
	return v, true
}

func (f *fields) text(name string, required bool) string {
	v, ok := f.raw(name, required)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		var n json.Number
		if json.Unmarshal(v, &n) != nil {
			badInput(f.w, name, "%s must be text", name)
			f.failed = true
			return ""
		}
		s = n.String()
	}
	s = strings.TrimSpace(s)
	if s == "" && required {
		badInput(f.w, name, "%s is required", name)
		f.failed = true
	}
	return s
}

func (f *fields) number(name string, required bool) int {
	v, ok := f.raw(name, required)
	if !ok {
		return 0
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		s = string(v)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		badInput(f.w, name, "%s must be a whole number", name)
		f.failed = true
	}
	return n
}
