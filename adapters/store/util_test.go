package store

import "github.com/samvad/samvad/engine"

func testEvent(kind string) engine.Event {
	return engine.Event{Kind: engine.EventKind(kind), Flow: "main", Node: "start"}
}
