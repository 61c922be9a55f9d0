package server

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/adapters/store"
	"github.com/samvad/samvad/engine"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server/pipeline"
)

// BenchmarkWorker measures the worker stage with the engine included: the
// inbox is filled first, then 4 workers drain it through the real step
// (session decode, engine, WhatsApp rendering, outbox, history, events), as
// in production but without the webhook in front or the senders behind.
//
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./server/ -run '^$' -bench Worker -benchtime 20000x
func BenchmarkWorker(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) { benchWorker(b, dialect, 4) })
	}
}

func benchWorker(b *testing.B, dialect string, workers int) {
	srv := newTestServer(b, func(c *Config) { c.DatabaseURL = testdb.URL(b, dialect) })
	defer srv.store.Close()
	ctx := context.Background()
	// Each of b.N citizens first says "hi" (untimed: the contact, session and
	// conversation are created), then "0" (timed: one pending message per
	// citizen, as in live traffic, answered with the main menu).
	fill(b, srv, b.N, "hi", time.Now().Add(-time.Hour))
	drain(b, srv, workers)
	fill(b, srv, b.N, "0", time.Now().Add(-30*time.Minute))
	b.ResetTimer()
	drain(b, srv, workers)
	b.StopTimer()
	in, out, parked, err := srv.store.QueueDepths(ctx)
	if err != nil || in != 0 || parked != 0 || out != 2*b.N {
		b.Fatalf("after the run: inbox %d, outbox %d (want %d), parked %d, %v", in, out, 2*b.N, parked, err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// fill puts one message from each of n citizens in the inbox.
func fill(b *testing.B, srv *Server, n int, text string, at time.Time) {
	input, _ := pipeline.EncodeInput(&engine.Input{Kind: engine.InputText, Text: text})
	var batch store.Batch
	for i := 0; i < n; i++ {
		waID := fmt.Sprintf("9197%08d", i)
		batch.Messages = append(batch.Messages, store.Inbound{Integration: simulatorID, Wamid: fmt.Sprintf("wamid.B%s%d", text, i),
			ContactKey: waID, WaID: waID, Type: "text", Timestamp: at, Summary: text, Input: input})
		if len(batch.Messages) == 500 || i == n-1 {
			if _, err := srv.store.Ingest(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch.Messages = batch.Messages[:0]
		}
	}
}

// drain runs workers until the inbox is empty.
func drain(b *testing.B, srv *Server, workers int) {
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ok, err := srv.store.ProcessNext(context.Background(), srv.pipeline.Step)
				if err != nil {
					errs <- err
					return
				}
				if !ok {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}
