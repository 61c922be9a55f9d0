package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/samvad/samvad/server/pipeline"
)

// metrics are the service's Prometheus metrics, served at /metrics.
type metrics struct {
	reg        *prometheus.Registry
	webhooks   *prometheus.CounterVec   // result: ok, bad_signature, malformed, unavailable, too_large
	messagesIn *prometheus.CounterVec   // integration, type
	duplicates prometheus.Counter       // re-delivered messages
	statuses   *prometheus.CounterVec   // status
	ackSeconds *prometheus.HistogramVec // carries: messages, statuses, other; webhook receipt to 200
	queue      *prometheus.GaugeVec     // queue: inbox, outbox, parked
	// pipeline are the workers' and senders' metrics, in the same registry.
	pipeline *pipeline.Metrics
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_webhooks_total", Help: "Webhook POSTs by result."}, []string{"result"})
	m.messagesIn = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_messages_in_total", Help: "Citizen messages stored, by integration and WhatsApp type."}, []string{"integration", "type"})
	m.duplicates = prometheus.NewCounter(prometheus.CounterOpts{Name: "samvad_messages_duplicate_total", Help: "Re-delivered citizen messages ignored."})
	m.statuses = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_statuses_total", Help: "Delivery statuses received."}, []string{"status"})
	// Acknowledgements are held to tens of milliseconds: finer buckets there.
	ackBuckets := []float64{.001, .0025, .005, .0075, .01, .015, .02, .03, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m.ackSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "samvad_webhook_ack_seconds",
		Help:    "Time from receiving a webhook to answering it (signature check and durable inbox commit), by what it carries: messages (at least one citizen message), statuses (delivery statuses, no message) or other.",
		Buckets: ackBuckets}, []string{"carries"})
	m.queue = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "samvad_queue_depth", Help: "Messages waiting, by queue."}, []string{"queue"})
	m.reg.MustRegister(m.webhooks, m.messagesIn, m.duplicates, m.statuses,
		m.ackSeconds, m.queue,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.pipeline = pipeline.NewMetrics(m.reg)
	return m
}

// pollQueues keeps the queue-depth gauges current.
func (m *metrics) pollQueues(ctx context.Context, depths func(context.Context) (int, int, int, error), every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if in, out, parked, err := depths(ctx); err == nil {
			m.queue.WithLabelValues("inbox").Set(float64(in))
			m.queue.WithLabelValues("outbox").Set(float64(out))
			m.queue.WithLabelValues("parked").Set(float64(parked))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
