package pipeline

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus metrics. The server registers them
// beside its own (webhooks, queue depths) and serves them at /metrics.
type Metrics struct {
	messagesOut *prometheus.CounterVec // integration, type
	sendErrors  *prometheus.CounterVec // integration, code, class
	paced       prometheus.Counter     // claimed replies put back until pacing allows them
	stepSeconds prometheus.Histogram   // one engine step (one citizen message)
	replySecs   prometheus.Histogram   // citizen message received → reply accepted by the Graph API
	events      *prometheus.CounterVec // engine event kinds
	steps       *prometheus.CounterVec // result: ok, error
}

// NewMetrics makes the pipeline's metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{}
	m.messagesOut = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_messages_out_total", Help: "Messages accepted by the Graph API, by integration and type."}, []string{"integration", "type"})
	m.sendErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_send_errors_total", Help: "Failed sends by Graph error code and class: retryable and permanent as the send was answered, delivery for a failure reported later by a status webhook."}, []string{"integration", "code", "class"})
	m.paced = prometheus.NewCounter(prometheus.CounterOpts{Name: "samvad_sends_deferred_total", Help: "Claimed replies put back unsent until the per-citizen pacing or a throttling hold lets them go (not failures)."})
	m.stepSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "samvad_step_seconds", Help: "Engine time per citizen message.", Buckets: []float64{.00001, .00005, .0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5, 10}})
	m.replySecs = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "samvad_reply_seconds", Help: "Time from receiving a citizen's message to the Graph API accepting the reply.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10}})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_engine_events_total", Help: "Engine events by kind."}, []string{"kind"})
	m.steps = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "samvad_worker_steps_total", Help: "Citizens stepped by the workers (one step handles all of a citizen's pending messages), by result."}, []string{"result"})
	reg.MustRegister(m.messagesOut, m.sendErrors, m.paced, m.stepSeconds, m.replySecs, m.events, m.steps)
	return m
}

// DeliveryFailed counts a send that a status webhook later reported failed
// (131047, 131026 and most other permanent failures are known only then).
func (m *Metrics) DeliveryFailed(integration string, code int) {
	m.sendErrors.WithLabelValues(integration, strconv.Itoa(code), "delivery").Inc()
}
