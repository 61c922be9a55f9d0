package transcript

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/engine/diag"
	"github.com/samvad/samvad/engine/internal/yamlx"
)

// Fakes answers service calls from fake results written as a conversation
// test's `services:` are (a file holding only `services:` will do), for
// `samvad chat`: each operation's results in turn, the last one again once
// they are used up.
type Fakes struct {
	mu        sync.Mutex
	responses map[string][]*Response
	used      map[string]int
}

// ReadFakes reads fake results from a file; problems say where.
func ReadFakes(file string, content []byte) (*Fakes, diag.List) {
	root, d := yamlx.Parse(file, content)
	if d != nil {
		return nil, diag.List{*d}
	}
	p := &parser{file: file}
	c := &Case{Services: map[string][]*Response{}}
	found := false
	for _, kv := range yamlx.Pairs(root) {
		if kv[0].Value == "services" {
			found = true
			p.services(kv[1], c)
		}
	}
	if !found {
		p.errorf(root, "the file has no services: (fake results of each operation, as conversation tests write them)")
	}
	if p.diags.HasErrors() {
		return nil, p.diags
	}
	return &Fakes{responses: c.Services, used: map[string]int{}}, p.diags
}

// Names are the operations the file fakes.
func (f *Fakes) Names() []string {
	var out []string
	for name := range f.responses {
		out = append(out, name)
	}
	return out
}

// Call answers with the operation's next fake result.
func (f *Fakes) Call(_ context.Context, name string, _ map[string]any) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	list := f.responses[name]
	if len(list) == 0 {
		return nil, fmt.Errorf("%w %q (the fakes file has no results for it)", engine.ErrUnknownService, name)
	}
	i := min(f.used[name], len(list)-1)
	f.used[name]++
	r := list[i]
	if r.Error != "" {
		if r.Error == "timeout" {
			return nil, context.DeadlineExceeded
		}
		return nil, errors.New(r.Error)
	}
	return copyMap(r.Result), nil
}
