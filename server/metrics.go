package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the service's Prometheus metrics, served at /metrics.
type metrics struct {
	reg         *prometheus.Registry
	webhooks    *prometheus.CounterVec   // result: ok, bad_signature, malformed, unavailable, too_large
	messagesIn  *prometheus.CounterVec   // integration, type
	duplicates  prometheus.Counter       // re-delivered messages
	statuses    *prometheus.CounterVec   // status
	messagesOut *prometheus.CounterVec   // integration, type
	sendErrors  *prometheus.CounterVec   // integration, code, class
	paced       prometheus.Counter       // claimed replies put back until pacing allows them
	ackSeconds  *prometheus.HistogramVec // carries: messages, statuses, other; webhook receipt to 200
	stepSeconds prometheus.Histogram     // one engine step (one citizen message)
	replySecs   prometheus.Histogram     // citizen message received → reply accepted by the Graph API
	events      *prometheus.CounterVec   // engine event kinds
	steps       *prometheus.CounterVec   // result: ok, error
	queue       *prometheus.GaugeVec     // queue: inbox, outbox, parked
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	buckets := []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_webhooks_total", Help: "Webhook POSTs by result."}, []string{"result"})
	m.messagesIn = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_messages_in_total", Help: "Citizen messages stored, by integration and WhatsApp type."}, []string{"integration", "type"})
	m.duplicates = prometheus.NewCounter(prometheus.CounterOpts{Name: "samvad_messages_duplicate_total", Help: "Re-delivered citizen messages ignored."})
	m.statuses = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_statuses_total", Help: "Delivery statuses received."}, []string{"status"})
	m.messagesOut = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_messages_out_total", Help: "Messages accepted by the Graph API, by integration and type."}, []string{"integration", "type"})
	m.sendErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_send_errors_total", Help: "Failed sends by Graph error code and class: retryable and permanent as the send was answered, delivery for a failure reported later by a status webhook."}, []string{"integration", "code", "class"})
	m.paced = prometheus.NewCounter(prometheus.CounterOpts{Name: "samvad_sends_deferred_total", Help: "Claimed replies put back unsent until the per-citizen pacing or a throttling hold lets them go (not failures)."})
	// Acknowledgements are held to tens of milliseconds: finer buckets there.
	ackBuckets := []float64{.001, .0025, .005, .0075, .01, .015, .02, .03, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m.ackSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "samvad_webhook_ack_seconds",
		Help:    "Time from receiving a webhook to answering it (signature check and durable inbox commit), by what it carries: messages (at least one citizen message), statuses (delivery statuses, no message) or other.",
		Buckets: ackBuckets}, []string{"carries"})
	m.stepSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "samvad_step_seconds", Help: "Engine time per citizen message.", Buckets: []float64{.00001, .00005, .0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5, 10}})
	m.replySecs = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "samvad_reply_seconds", Help: "Time from receiving a citizen's message to the Graph API accepting the reply.", Buckets: buckets})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_engine_events_total", Help: "Engine events by kind."}, []string{"kind"})
	m.steps = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_worker_steps_total", Help: "Citizens stepped by the workers (one step handles all of a citizen's pending messages), by result."}, []string{"result"})
	m.queue = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "samvad_queue_depth", Help: "Messages waiting, by queue."}, []string{"queue"})
	m.reg.MustRegister(m.webhooks, m.messagesIn, m.duplicates, m.statuses, m.messagesOut, m.sendErrors, m.paced,
		m.ackSeconds, m.stepSeconds, m.replySecs, m.events, m.steps, m.queue,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
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
