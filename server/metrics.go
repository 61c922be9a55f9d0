package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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

// metricsHandler serves the metrics in Prometheus' text format.
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// startMetrics serves /metrics alone on metrics_listen, when it is set.
func (s *Server) startMetrics() error {
	if s.cfg.MetricsListen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsListen)
	if err != nil {
		return fmt.Errorf("listening on metrics_listen %s: %w", s.cfg.MetricsListen, err)
	}
	s.metricsAddr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	s.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.metricsServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("the metrics server stopped", "err", err)
		}
	}()
	return nil
}

// MetricsAddr is the address /metrics is served on alone (after Start,
// when metrics_listen is set).
func (s *Server) MetricsAddr() string { return s.metricsAddr }
