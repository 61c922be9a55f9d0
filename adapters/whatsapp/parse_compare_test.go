package whatsapp

import (
	"bytes"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The rewrite of Parse as one scan over the body (jsonscan.go) was checked
// against the implementation before it, by fuzzing both side by side. What
// that implementation gave for the samples in testdata and the odd bodies
// below is kept in testdata/golden/parse.json, so that a later change that
// alters what Parse reports for them fails here. After a deliberate change,
// regenerate it with
//
//	go test ./adapters/whatsapp/ -run TestParseGolden -update-golden
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden/parse.json from the current Parse")

const goldenFile = "testdata/golden/parse.json"

// parsed is what Parse gave for one body, as kept in the golden file.
type parsed struct {
	Notification *Notification `json:"notification"`
	Error        string        `json:"error,omitempty"`
}

// goldenBodies are the bodies the golden file covers, by name: every
// sample in testdata as sent and compacted, and the odd bodies.
func goldenBodies(t *testing.T) map[string][]byte {
	t.Helper()
	bodies := map[string][]byte{}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in testdata (%v)", err)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, body); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		bodies[filepath.Base(file)] = body
		bodies[filepath.Base(file)+" (compact)"] = compact.Bytes()
	}
	for name, body := range oddBodies() {
		bodies[name] = []byte(body)
	}
	return bodies
}

func TestParseGolden(t *testing.T) {
	got := map[string]parsed{}
	for name, body := range goldenBodies(t) {
		n, err := Parse(body)
		got[name] = parsed{Notification: n, Error: errText(err)}
	}
	gotJSON := goldenJSON(t, got)
	if *updateGolden {
		if err := os.WriteFile(goldenFile, append(gotJSON, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	wantJSON, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v (regenerate with -update-golden)", err)
	}
	var want map[string]json.RawMessage
	if err := json.Unmarshal(wantJSON, &want); err != nil {
		t.Fatal(err)
	}
	var gotEach map[string]json.RawMessage
	if err := json.Unmarshal(gotJSON, &gotEach); err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		if g, ok := gotEach[name]; !ok {
			t.Errorf("%s: in the golden file, no longer parsed", name)
		} else if !bytes.Equal(compactJSON(t, g), compactJSON(t, w)) {
			t.Errorf("%s: Parse gives\n%s\nthe golden file has\n%s", name, g, w)
		}
	}
	if len(gotEach) != len(want) {
		t.Errorf("%d bodies parsed, the golden file has %d (regenerate with -update-golden after adding one)", len(gotEach), len(want))
	}
}

// goldenJSON writes one body's result per line, in name order, so that a
// change shows as a diff of the bodies it touches.
func goldenJSON(t *testing.T, results map[string]parsed) []byte {
	t.Helper()
	names := slices.Sorted(maps.Keys(results))
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, name := range names {
		k, err := json.Marshal(name)
		if err != nil {
			t.Fatal(err)
		}
		v, err := json.Marshal(results[name])
		if err != nil {
			t.Fatal(err)
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
		if i < len(names)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.Bytes()
}

func compactJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// valueBody wraps a change value in a full envelope.
func valueBody(value string) string {
	return `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":` + value + `}]}]}`
}

// oddBodies exercise the corners of the JSON walker through Parse.
func oddBodies() map[string]string {
	env := valueBody
	meta := `"metadata":{"phone_number_id":"P","display_phone_number":"1"}`
	bodies := map[string]string{
		"duplicate top object":             `{"object":"page","object":"whatsapp_business_account","entry":[]}`,
		"duplicate top object, last wrong": `{"object":"whatsapp_business_account","object":"page"}`,
		"escaped object":                   `{"\u006fbject":"whatsapp\u005fbusiness_account","entry":[]}`,
		"object null":                      `{"object":null}`,
		"object number":                    `{"object":1e3}`,
		"object array":                     `{"object":["whatsapp_business_account"]}`,
		"object long":                      `{"object":"` + strings.Repeat("é", 60) + `"}`,
		"leading space":                    " \t\r\n{\"object\" : \"whatsapp_business_account\" , \"entry\" : [ ] } \n",
		"true":                             `true`,
		"number":                           `-1.5e+10`,
		"bad utf8 key":                     "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{" + meta + ",\"ca\xffl\":1,\"ca\xfel\":2}}]}]}",
		"bad utf8 string":                  "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"mess\xffages\"}]}]}",
		"unknown keys":                     env(`{` + meta + `,"zeta":1,"alpha":{},"alpha":[],"calls":[{}],"m\"q":null}`),
		"value empty":                      env(`{}`),
		"value array":                      env(`[]`),
		"value string":                     env(`"x"`),
		"duplicate messages": env(`{` + meta + `,"messages":[{"id":"wamid.1","from":"1","type":"text","text":{"body":"a"}}],` +
			`"messages":[{"id":"wamid.2","from":"2","type":"text","text":{"body":"b"},"text":{"body":"c"}}]}`),
		"escapes": env(`{` + meta + `,"contacts":[{"wa_id":"1","profile":{"name":"Jos\u00e9 \"Pepe\" da Silva\\"}}],` +
			`"messages":[{"id":"wamid.\u0031","from":"1","timestamp":"1767261600","type":"text","text":{"body":"line\nbreak \ud83d\udc4d \/ \\\" \"}"}}]}`),
		"numbers": env(`{` + meta + `,"messages":[{"id":1e2,"from":15555550101,"timestamp":1.7672616E9,"type":"location",` +
			`"location":{"latitude":-1.25e-3,"longitude":0,"name":12}},` +
			`{"id":"wamid.o","from":"1","timestamp":"1","type":"order","order":{"product_items":[{"quantity":2e0},{"quantity":-0.5},{"quantity":"3"},7,null]}}]}`),
		"wrong types": env(`{` + meta + `,"contacts":{},"messages":[null,7,"x",[],{"id":"wamid.w","from":{},"timestamp":[],"type":"image","image":{"id":true,"voice":"true","caption":null},` +
			`"context":[],"referral":"x","errors":[{"code":"131051","error_data":7},null]}],` +
			`"statuses":[{"id":"wamid.s","status":"read","timestamp":"1767261600000","pricing":{"billable":"false"},"conversation":{"origin":[],"expiration_timestamp":-1}}],` +
			`"errors":{}}`),
		"nested whitespace": env("{ \"metadata\" : { \"phone_number_id\" : \"P\" } ,\n\t\"messages\" : [ { \"id\" : \"wamid.s\" , \"from\" : \"1\" , \"type\" : \"interactive\" , " +
			"\"interactive\" : { \"type\" : \"nfm_reply\" , \"nfm_reply\" : { \"response_json\" : { \"a\" : [ 1 , { } , [ ] ] } } } } ]\r\n}"),
		"empty containers": `{"object":"whatsapp_business_account","entry":[{},{"changes":[]},{"changes":[{}]}],"x":{}}`,
		"deep nesting": env(`{` + meta + `,"messages":[{"id":"wamid.d","from":"1","type":"hologram","hologram":` +
			strings.Repeat(`[{"a":`, 200) + `1` + strings.Repeat(`}]`, 200) + `}]}`),
		"too deep":    `{"object":"whatsapp_business_account","entry":` + strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001) + `}`,
		"truncated":   `{"object":"whatsapp_business_account","entry":[{"changes":[`,
		"trailing":    `{"object":"whatsapp_business_account"} x`,
		"two values":  `{"object":"whatsapp_business_account"}{}`,
		"bad escape":  `{"object":"whatsapp_business_account","entry":"\x"}`,
		"control":     "{\"object\":\"whatsapp_business_account\",\"entry\":\"\x01\"}",
		"many errors": `{"object":"whatsapp_business_account","entry":[` + strings.Repeat(`1,`, 150) + `{"changes":[{"field":"x"}]}]}`,
	}
	return bodies
}
