package loadtest_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/loadtest"
	"github.com/samvad/samvad/internal/servertest"
	"github.com/samvad/samvad/internal/testdb"
	"github.com/samvad/samvad/server"
)

var (
	benchRate     = flag.Float64("load.rate", 1000, "messages per second offered by the end-to-end benchmarks")
	benchCitizens = flag.Int("load.citizens", 0, "citizens in the end-to-end benchmarks (default: 10 s of messages)")
	benchBatch    = flag.Int("load.batch", 1, "messages per webhook POST in the end-to-end benchmarks")
	benchWorkers  = flag.Int("load.workers", 0, "server workers (default: the server's)")
	benchSenders  = flag.Int("load.senders", 0, "server senders (default: the server's)")
)

// The end-to-end benchmarks offer b.N messages at -load.rate to an
// in-process server and report the figures DESIGN.md holds us to. Use a
// fixed count, for example:
//
//	go test ./server/loadtest -run '^$' -bench EndToEnd/postgres -benchtime 20000x -load.rate 1000
//
// They fail when an invariant breaks.
func BenchmarkEndToEnd(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) { benchmarkEndToEnd(b, dialect) })
	}
}

func benchmarkEndToEnd(b *testing.B, dialect string) {
	g, err := loadtest.StartGraph(loadtest.GraphOptions{AccessToken: testToken, PhoneNumberID: testPhoneID})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	db := testdb.URL(b, dialect)
	target := startTargetOn(b, g, db, *benchWorkers, *benchSenders)
	b.ResetTimer()
	rep, err := loadtest.Run(context.Background(), loadtest.Options{Targets: []string{target}, Integration: "city",
		AppSecret: testSecret, PhoneNumberID: testPhoneID, Graph: g, Rate: *benchRate, Count: b.N,
		Citizens: *benchCitizens, Batch: *benchBatch, Drain: time.Minute})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.Log("\n" + rep.String())
	if !rep.OK() {
		b.Fatalf("an invariant broke:\n%s", rep)
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ms(rep.Ack.P99), "ack-p99-ms")
	b.ReportMetric(ms(rep.Reply.P50), "reply-p50-ms")
	b.ReportMetric(ms(rep.Reply.P99), "reply-p99-ms")
	b.ReportMetric(rep.ReplyRate(), "answered/s")
}

// startTargetOn runs an in-process server on the database whose replies go
// to g.
func startTargetOn(tb testing.TB, g *loadtest.Graph, db string, workers, senders int) string {
	tb.Helper()
	srv := servertest.New(tb, func(c *server.Config) {
		off := false
		c.Simulator = &off
		c.MetricsPublic = true // the run reads the server's own ack histogram
		c.DatabaseURL = db
		c.Workers, c.Senders = workers, senders
		c.SecretKey = server.Secret(testSecretKey)
		c.Graph.BaseURL = g.URL()
		c.Graph.RatePerSecond = 1_000_000
		c.Integrations = []server.Integration{{ID: "city", PhoneNumberID: testPhoneID, VerifyToken: "verify",
			AppSecret: testSecret, AccessToken: testToken}}
	})
	if err := srv.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv.URL()
}
