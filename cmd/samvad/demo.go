package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/samvad/samvad/adapters/services/casework"
	"github.com/samvad/samvad/engine"
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
			seq++
			ref := casework.Reference("GRV", time.Now().Year(), uint64(seq))
			due := time.Now().AddDate(0, 0, 7).Format("2006-01-02")
			lodged[ref] = map[string]any{"reference": ref, "status": "registered", "due": due, "updated": due}
			return map[string]any{"reference": ref, "days": 7}, nil
		case "grievance.status":
			typed, _ := args["reference"].(string)
			if ref, ok := casework.Normalize(typed); ok && lodged[ref] != nil {
				g := lodged[ref]
				return g, nil
			}
			return map[string]any{"status": "not_found"}, nil
		}
		return nil, fmt.Errorf("%w %q", engine.ErrUnknownService, name)
	})
}
