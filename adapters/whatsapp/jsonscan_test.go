package whatsapp

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// checkIndex fails unless the tree index builds for the valid JSON text b
// agrees, at every level, with what encoding/json makes of the same text.
func checkIndex(t *testing.T, b []byte) (*doc, node) {
	t.Helper()
	b = b[skipSpace(b, 0):]
	d := new(doc)
	n := d.index(b)
	checkNode(t, d, &n)
	if rest := b[n.val.end:]; n.val.start != 0 || skipSpace(rest, 0) != len(rest) {
		t.Fatalf("value %q leaves %q", d.val(&n), rest)
	}
	return d, n
}

func checkNode(t *testing.T, d *doc, n *node) {
	t.Helper()
	val, kids := d.val(n), d.kids(n)
	switch val[0] {
	case '{':
		var want map[string]json.RawMessage
		if err := json.Unmarshal(val, &want); err != nil {
			t.Fatalf("%q: %v", val, err)
		}
		got := map[string]json.RawMessage{}
		for i := range kids {
			got[string(d.key(&kids[i]))] = d.val(&kids[i]) // the last of duplicate keys wins
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("object %q\n got %q\nwant %q", val, got, want)
		}
	case '[':
		var want []json.RawMessage
		if err := json.Unmarshal(val, &want); err != nil {
			t.Fatalf("%q: %v", val, err)
		}
		got := []json.RawMessage{}
		for i := range kids {
			if kids[i].key != (extent{}) || kids[i].decoded {
				t.Fatalf("array element %q has a key", d.val(&kids[i]))
			}
			got = append(got, d.val(&kids[i]))
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("array %q\n got %q\nwant %q", val, got, want)
		}
	default:
		if len(kids) != 0 || !json.Valid(val) {
			t.Fatalf("scalar %q: %d kids", val, len(kids))
		}
	}
	for i := range kids {
		checkNode(t, d, &kids[i])
	}
}

func TestIndexAgreesWithEncodingJSON(t *testing.T) {
	for _, b := range []string{
		`{}`, `[]`, `{"a":{},"b":[],"c":[{}],"d":[[]]}`, `[[],{},[[{}]]]`,
		" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] , \"b\" : { } }\r\n",
		`{"caf\u00e9":"caf\u00e9","\"q\"":"say \"hi\"","back\\":"slash\\","\\\"":"\\\\\"\\"}`,
		`{"a":"}","b":"]","c":"{[","d":",:"}`,
		`{"n":[0,-0,1e3,1E+3,-2.5e-10,6.02214076E23,0.1]}`,
		`{"t":true,"f":false,"z":null,"e":""}`,
		`{"a":1,"a":2,"b":{"x":1},"b":{"y":2},"\u0061":3}`,
		"{\"\xff\":1,\"\xfe\":2,\"ok\":\"\xff\"}",
		`{"emoji":"\ud83d\udc4d","lone":"\ud800","ctl":"\u0000\n\t"}`,
		`"just a string"`, `12.5e1`, `true`, `null`,
		`{"deep":` + strings.Repeat(`{"x":[`, 300) + `1` + strings.Repeat(`]}`, 300) + `}`,
		strings.Repeat(`[`, 1000) + strings.Repeat(`]`, 1000),
	} {
		if !json.Valid([]byte(b)) {
			t.Fatalf("test input %q is not valid JSON", b)
		}
		checkIndex(t, []byte(b))
	}
}

// json.Valid allows nesting 10000 deep; index must cope with that.
func TestIndexDeepest(t *testing.T) {
	const depth = 10000
	b := []byte(strings.Repeat(`[`, depth) + strings.Repeat(`]`, depth))
	if !json.Valid(b) {
		t.Fatal("not valid")
	}
	var d doc
	n := d.index(b)
	got := 1
	for ; len(d.kids(&n)) == 1; n = d.kids(&n)[0] {
		got++
	}
	if got != depth || string(d.val(&n)) != "[]" {
		t.Errorf("depth %d, innermost %q", got, d.val(&n))
	}
}

func TestIndexDetails(t *testing.T) {
	d, n := checkIndex(t, []byte(` {"caf\u00e9" : "a\"b\\" , "x":1.5e-7,"x":[ ],"o":{ }} `))
	type kv struct{ key, val string }
	var got []kv
	for _, k := range d.kids(&n) {
		got = append(got, kv{string(d.key(&k)), string(d.val(&k))})
	}
	want := []kv{{"café", `"a\"b\\"`}, {"x", "1.5e-7"}, {"x", "[ ]"}, {"o", "{ }"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("members %q, want %q", got, want)
	}
	p := &parser{doc: *d, n: &Notification{}}
	o, ok := p.parseObject(&n, "body")
	if !ok {
		t.Fatal("not an object")
	}
	if l := o.list("x"); l == nil || len(l) != 0 {
		t.Errorf("duplicate key: list(x) = %v, want the last value, an empty array", l)
	}
	if c := o.child("o"); !c.present() || len(c.members) != 0 {
		t.Errorf("empty object: present %v, %d members", c.present(), len(c.members))
	}
	if s := o.str("café"); s != `a"b\` {
		t.Errorf("escaped key/value read as %q", s)
	}
	if len(p.n.Problems) != 0 {
		t.Errorf("problems %q", p.n.Problems)
	}
}

func TestUnknownKeysSortedOnce(t *testing.T) {
	for _, tt := range []struct {
		body string
		want []string
	}{
		{`{"z":1,"messages":[],"a\u00e9":2,"z":3,"metadata":{},"b":null}`, []string{"aé", "b", "z"}},
		{`{"messages":[],"metadata":{},"messages":1}`, nil},
		{`{}`, nil},
	} {
		p := &parser{n: &Notification{}}
		n := p.doc.index([]byte(tt.body))
		o, _ := p.parseObject(&n, "v")
		if got := o.unknownKeys(knownValueKeys); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: unknown keys %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestKeysDecodedAsEncodingJSON(t *testing.T) {
	for _, q := range []string{`""`, `"plain"`, `"caf\u00e9"`, `"\"\\\/\b\f\n\r\t"`, "\"bad \xff utf8\"", `"\ud83d\udc4d"`, `"\udc00"`} {
		var want string
		if err := json.Unmarshal([]byte(q), &want); err != nil {
			t.Fatal(err)
		}
		var d doc
		n := d.index([]byte(`{"x":1,` + q + `:2}`))
		k := d.kids(&n)[1]
		if got := string(d.key(&k)); got != want || k.decoded != (got != q[1:len(q)-1]) {
			t.Errorf("key %s read as %q (decoded %v), want %q", q, got, k.decoded, want)
		}
	}
}

func FuzzIndex(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a\"":[1,{"b":"\u00e9"}],"a\"":2e5}`, " [ true , null , \"x\\\\\" ] "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if json.Valid(b) {
			checkIndex(t, b)
		}
	})
}
