// Package metrics keeps the service's Prometheus metrics and serves them
// in Prometheus's text format. Its registry is its own, not the process's
// default one, so that every handler (and every test) counts apart.
package metrics

import (
	"database/sql"
	"net/http"
	"regexp"
	"sync"
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

// Labels of requests whose operation could not be told.
const (
	// UnknownOperation labels a request that never got as far as a
	// parsed operation: refused before, or not GraphQL.
	UnknownOperation = "unknown"
	// AnonymousOperation labels an operation without a name.
	AnonymousOperation = "anonymous"
	// OtherOperation labels the operations whose names are not counted
	// apart (see MaxOperationNames).
	OtherOperation = "other"
)

// MaxOperationNames bounds the distinct operation names labelled: clients
// choose the names, and each name is a series of its own. Names seen after
// that many are counted as OtherOperation.
const MaxOperationNames = 100

// operationNamePattern is a GraphQL name of reasonable length.
var operationNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Metrics are the service's metrics.
type Metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	batchSizes *prometheus.HistogramVec

	mu         sync.Mutex
	operations map[string]bool
}

// New returns the service's metrics, with those of the Go runtime and the
// process, and those of the database pool when pool is not nil.
func New(pool *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_requests_total",
			Help: "GraphQL requests by operation name, operation type and outcome (ok, client_error, server_error).",
		}, []string{"operation", "type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "graphql_request_duration_seconds",
			Help:    "How long GraphQL requests took, from the first byte read to the last written, by operation name and type.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_errors_total",
			Help: "Errors sent to clients, by their extensions.code.",
		}, []string{"code"}),
		batchSizes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dataloader_batch_size",
			Help:    "How many keys each batch of a dataloader loaded, by loader.",
			Buckets: []float64{1, 2, 5, 10, 25, 50, 100, 250, 500, 1000},
		}, []string{"loader"}),
		operations: make(map[string]bool),
	}
	m.registry.MustRegister(m.requests, m.duration, m.errors, m.batchSizes,
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
	// Operation is the operation's name as the client sent it; empty
	// when it had none.
	Operation string
	// Type is query, mutation or subscription; empty when the request
	// never got as far as a parsed operation.
	Type     string
	Outcome  string
	Duration time.Duration
	// ErrorCodes are the extensions.code of the errors sent.
	ErrorCodes []string
}

// ObserveRequest counts a GraphQL request.
func (m *Metrics) ObserveRequest(r Request) {
	operation, opType := m.operationLabel(r.Operation, r.Type), r.Type
	if opType == "" {
		opType = UnknownOperation
	}
	m.requests.WithLabelValues(operation, opType, r.Outcome).Inc()
	m.duration.WithLabelValues(operation, opType).Observe(r.Duration.Seconds())
	for _, code := range r.ErrorCodes {
		m.errors.WithLabelValues(code).Inc()
	}
}

// ObserveBatch counts a dataloader's batch of size keys.
func (m *Metrics) ObserveBatch(loader string, size int) {
	m.batchSizes.WithLabelValues(loader).Observe(float64(size))
}

// operationLabel bounds the label of a client-chosen operation name: the
// first MaxOperationNames well-formed names are kept, others are "other".
func (m *Metrics) operationLabel(name, opType string) string {
	switch {
	case name == "" && opType == "":
		return UnknownOperation
	case name == "":
		return AnonymousOperation
	case !operationNamePattern.MatchString(name):
		return OtherOperation
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.operations[name] {
		if len(m.operations) >= MaxOperationNames {
			return OtherOperation
		}
		m.operations[name] = true
	}
	return name
}
