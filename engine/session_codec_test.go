package engine_test

import (
	"errors"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

func TestSessionCodecRoundTrip(t *testing.T) {
	s := &engine.Session{Status: engine.SessionWaiting, Flow: "grievance", Version: "abc123", Node: "where", Lang: "hi", Retries: 2,
		Started: time.UnixMilli(1763700000000).UTC(), Updated: time.UnixMilli(1763700060000).UTC(),
		Vars: map[string]any{"s": "पानी", "n": 3.5, "b": true, "z": nil, "d": time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC),
			"o": map[string]any{"ref": "GRV", "list": []any{1.0, "x", false}}, "dz": time.Time{}},
		Stack: []engine.Frame{{Flow: "main", Version: "v1", Node: "sub", Vars: map[string]any{"k": "v"}}}}
	data, err := s.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := engine.DecodeSession(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := got.Encode(nil)
	if len(again) != len(data) || got.Flow != s.Flow || got.Node != s.Node || got.Retries != 2 || !got.Updated.Equal(s.Updated) {
		t.Fatalf("round trip differs: %+v", got)
	}
	if got.Vars["s"] != "पानी" || got.Vars["n"] != 3.5 || got.Vars["b"] != true || got.Vars["o"].(map[string]any)["list"].([]any)[1] != "x" ||
		!got.Vars["d"].(time.Time).Equal(s.Vars["d"].(time.Time)) || !got.Vars["dz"].(time.Time).IsZero() {
		t.Fatalf("vars differ: %#v", got.Vars)
	}
	if got.Stack[0].Vars["k"] != "v" {
		t.Fatalf("stack differs: %+v", got.Stack)
	}
	for _, bad := range [][]byte{nil, {'S'}, {'X', 1, 0}, data[:len(data)-1], append(append([]byte{}, data...), 0)} {
		if _, err := engine.DecodeSession(bad); !errors.Is(err, engine.ErrCorruptSession) {
			t.Errorf("corrupt %v decoded without error", bad)
		}
	}
	if _, err := (&engine.Session{Vars: map[string]any{"ch": make(chan int)}}).Encode(nil); err == nil {
		t.Error("a value that cannot be stored must be an error")
	}
}

func TestSessionCodecKeepsThePageAndStaysReadableByTheLastRelease(t *testing.T) {
	t.Parallel()
	s := &engine.Session{Status: engine.SessionWaiting, Flow: "vaccination", Node: "pick", Lang: "hi", Page: 3, Vars: map[string]any{}}
	data, err := s.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := engine.DecodeSession(data)
	if err != nil || got.Page != 3 || got.Node != "pick" {
		t.Fatalf("page lost: %+v, %v", got, err)
	}
	s.Page = 0
	v1, _ := s.Encode(nil)
	if v1[1] != 1 {
		t.Fatalf("a session with no page is written in format 1, which the last release reads; got format %d", v1[1])
	}
	if err := got.Decode(v1); err != nil || got.Page != 0 {
		t.Fatalf("format 1 must decode with page 0: %+v, %v", got, err)
	}
	if _, err := engine.DecodeSession([]byte{'S', 3, 0}); !errors.Is(err, engine.ErrCorruptSession) {
		t.Fatal("an unknown format version decoded")
	}
}
