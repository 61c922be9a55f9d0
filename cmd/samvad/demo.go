package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/script"
)

// demoServices answers the shipped flows' service calls in memory, so that
// `samvad chat` works with nothing else running.
func demoServices() engine.Services {
	var mu sync.Mutex
	lodged := map[string]map[string]any{}
	seq := uint32(time.Now().UnixNano())
	return engine.ServiceFunc(func(ctx context.Context, name string, args map[string]any) (map[string]any, error) {
		mu.Lock()
		defer mu.Unlock()
		switch name {
		case "grievance.lodge":
			seq = seq*1664525 + 1013904223
			s := seq
			ref := script.NewReference("GRV", time.Now().Year()%100, func() uint32 { s = s*1664525 + 1013904223; return s })
			due := time.Now().AddDate(0, 0, 7).Format("2006-01-02")
			lodged[ref] = map[string]any{"reference": ref, "status": "registered", "due": due, "updated": due}
			return map[string]any{"reference": ref, "days": 7}, nil
		case "grievance.status":
			ref, _ := args["reference"].(string)
			if g, ok := lodged[strings.ToUpper(ref)]; ok {
				return g, nil
			}
			return map[string]any{"status": "not_found"}, nil
		}
		return nil, fmt.Errorf("%w %q", engine.ErrUnknownService, name)
	})
}
