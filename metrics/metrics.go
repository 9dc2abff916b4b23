// Package metrics keeps the service's Prometheus metrics and serves them
// in Prometheus's text format. Its registry is its own, not the process's
// default one, so that every handler (and every test) counts apart.
package metrics

import (
	"database/sql"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcomes of a GraphQL request, as the requests counter labels them.
const (
	OutcomeOK          = "ok"
	OutcomeClientError = "client_error"
	OutcomeServerError = "server_error"
)

// Labels of requests whose root field is not one name of the schema.
const (
	// Unknown is the field and type of a request that never got as far
	// as a valid operation: refused before, or not GraphQL.
	Unknown = "unknown"
	// SeveralFields labels an operation that selects more than one root
	// field.
	SeveralFields = "several"
)

// Metrics are the service's metrics.
type Metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	batchSizes *prometheus.HistogramVec
	// waiting counts the requests waiting for their turn to run, once a
	// handler has said how (ObserveWaiting).
	waiting atomic.Pointer[func() float64]
}

// New returns the service's metrics, with those of the Go runtime and the
// process, and those of the database pool when pool is not nil.
func New(pool *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_requests_total",
			Help: "GraphQL requests by root field, operation type and outcome (ok, client_error, server_error).",
		}, []string{"field", "type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "graphql_request_duration_seconds",
			Help:    "How long GraphQL requests took, from the first byte read to the last written, by root field and operation type.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"field", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_errors_total",
			Help: "Errors sent to clients, by their extensions.code.",
		}, []string{"code"}),
		batchSizes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dataloader_batch_size",
			Help:    "How many keys each batch of a dataloader loaded, by loader.",
			Buckets: []float64{1, 2, 5, 10, 25, 50, 100, 250, 500, 1000},
		}, []string{"loader"}),
	}
	waiting := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "graphql_requests_waiting",
		Help: "Requests waiting for their turn to run: as many run at once as the database pool has connections for them (DATABASE_POOL_SIZE).",
	}, func() float64 {
		if f := m.waiting.Load(); f != nil {
			return (*f)()
		}
		return 0
	})
	m.registry.MustRegister(m.requests, m.duration, m.errors, m.batchSizes, waiting,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if pool != nil {
		// go_sql_in_use_connections, go_sql_idle_connections,
		// go_sql_wait_count_total, go_sql_wait_duration_seconds_total…
		m.registry.MustRegister(collectors.NewDBStatsCollector(pool, "contacts"))
	}
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Request is what the metrics count of a GraphQL request.
type Request struct {
	// Field is the root field that the operation selects, by its name in
	// the schema (never an alias), or SeveralFields; empty when the
	// request never got as far as a valid operation. Labels come from the
	// schema, never from what clients name: an operation's name would
	// make a series for every name any client makes up, and show every
	// workspace's names to whoever reads the metrics.
	Field string
	// Type is query, mutation or subscription; empty when the request
	// never got as far as a valid operation.
	Type     string
	Outcome  string
	Duration time.Duration
	// ErrorCodes are the extensions.code of the errors sent.
	ErrorCodes []string
}

// ObserveRequest counts a GraphQL request.
func (m *Metrics) ObserveRequest(r Request) {
	field, opType := r.Field, r.Type
	if field == "" {
		field = Unknown
	}
	if opType == "" {
		opType = Unknown
	}
	m.requests.WithLabelValues(field, opType, r.Outcome).Inc()
	m.duration.WithLabelValues(field, opType).Observe(r.Duration.Seconds())
	for _, code := range r.ErrorCodes {
		m.errors.WithLabelValues(code).Inc()
	}
}

// ObserveWaiting makes waiting the count of the requests waiting for
// their turn to run.
func (m *Metrics) ObserveWaiting(waiting func() float64) { m.waiting.Store(&waiting) }

// ObserveBatch counts a dataloader's batch of size keys.
func (m *Metrics) ObserveBatch(loader string, size int) {
	m.batchSizes.WithLabelValues(loader).Observe(float64(size))
}
