package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/engine"
)

func TestEmbeddedConversationLodgesAGrievance(t *testing.T) {
	if err := os.Chdir("../.."); err != nil {
		t.Fatal(err)
	}
	lib, problems := engine.LoadDir("flows", "locales")
	if problems.HasErrors() {
		t.Fatal(problems.Err())
	}
	desk := &grievanceDesk{}
	eng, err := engine.New(lib, engine.Config{Services: desk, SessionTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	sessions := map[string][]byte{}
	c := &engine.Contact{ID: "1", Language: "en"}
	var last []string
	for _, text := range []string{"complaint", "1", "1", "No water since morning", "560001", "skip", "1"} {
		last = step(eng, sessions, c, text)
	}
	if len(desk.lodged) != 1 || desk.lodged[0]["pin"] != "560001" || !strings.Contains(last[0], "GRV-26-4821-7305-A") {
		t.Fatalf("lodged %v, last reply %q", desk.lodged, last)
	}
}
