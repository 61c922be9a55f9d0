package whatsapp

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// A small reader for JSON text that has already been validated (Parse checks
// the whole body with json.Valid first). In one pass it indexes the text into
// a tree of raw values: objects and arrays are split into their members, but
// no value is decoded. It trusts its input: on text that is not valid JSON its
// results are meaningless and it may panic.

// extent is the stretch [start, end) of a doc's text, keys or tape.
type extent struct{ start, end int }

// node is one JSON value of a doc. It holds no pointers, so a tape of them
// is cheap to grow and costs the garbage collector nothing to scan.
type node struct {
	key     extent // its key, without the quotes, when it is an object member
	decoded bool   // key is in doc.keys (it had escapes or invalid UTF-8), not in doc.text
	val     extent // its text as written
	kids    extent // an object's members (duplicate keys included) or an array's elements, in order, in doc.tape
}

// doc is an indexed JSON text.
type doc struct {
	text  []byte
	tape  []node // the members of each object and array, together
	keys  []byte // the keys that needed decoding, decoded as encoding/json decodes map keys
	stack []node // while indexing: the members of the containers still open
}

// index makes d the index of text, valid JSON with no leading whitespace,
// and returns its root value.
func (d *doc) index(text []byte) node {
	*d = doc{text: text, tape: make([]node, 0, min(len(text)/20+4, 1024)), stack: make([]node, 0, 16)}
	root, _ := d.value(0)
	d.stack = nil
	return root
}

func (d *doc) key(n *node) []byte {
	if n.decoded {
		return d.keys[n.key.start:n.key.end]
	}
	return d.text[n.key.start:n.key.end]
}

func (d *doc) val(n *node) json.RawMessage { return d.text[n.val.start:n.val.end:n.val.end] }

func (d *doc) kids(n *node) []node { return d.tape[n.kids.start:n.kids.end:n.kids.end] }

// value indexes the value that starts at text[i] and returns it with the
// index just past it.
func (d *doc) value(i int) (node, int) {
	b := d.text
	switch b[i] {
	case '{', '[':
		return d.container(i)
	case '"':
		end := stringEnd(b, i)
		return node{val: extent{i, end}}, end
	}
	// A number, true, false or null: it ends at a delimiter or the text's end.
	end := i
	for end < len(b) && !isSpace(b[end]) && b[end] != ',' && b[end] != '}' && b[end] != ']' {
		end++
	}
	return node{val: extent{i, end}}, end
}

// container indexes the object or array that opens at text[start].
func (d *doc) container(start int) (node, int) {
	b, mark := d.text, len(d.stack)
	i := skipSpace(b, start+1)
	for b[i] != '}' && b[i] != ']' {
		var key extent
		var decoded bool
		if b[start] == '{' {
			end := stringEnd(b, i)
			key, decoded = d.keySpan(i, end)
			i = skipSpace(b, skipSpace(b, end)+1) // past the ':'
		}
		n, end := d.value(i)
		n.key, n.decoded = key, decoded
		d.stack = append(d.stack, n)
		i = skipSpace(b, end)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	first := len(d.tape)
	d.tape = append(d.tape, d.stack[mark:]...)
	d.stack = d.stack[:mark]
	return node{val: extent{start, i + 1}, kids: extent{first, len(d.tape)}}, i + 1
}

// keySpan returns where to read the key whose literal is text[start:end]:
// inside the quotes, or, when it has escapes or invalid UTF-8, decoded into
// keys.
func (d *doc) keySpan(start, end int) (extent, bool) {
	if s := d.text[start+1 : end-1]; bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return extent{start + 1, end - 1}, false
	}
	var key string
	_ = json.Unmarshal(d.text[start:end], &key) // a valid string literal: cannot fail
	k := len(d.keys)
	d.keys = append(d.keys, key...)
	return extent{k, len(d.keys)}, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// stringEnd returns the index just past the string whose opening quote is b[i].
func stringEnd(b []byte, i int) int {
	for {
		i += 1 + bytes.IndexByte(b[i+1:], '"')
		if !escaped(b, i) {
			return i + 1
		}
	}
}

// escaped reports whether b[i] follows an odd number of backslashes.
func escaped(b []byte, i int) bool {
	n := 0
	for b[i-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}
