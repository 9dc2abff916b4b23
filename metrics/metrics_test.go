package metrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/contacts-api/contacts/metrics"
)

// scrape returns what the metrics handler serves.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d; want 200", rec.Code)
	}
	return rec.Body.String()
}

var operationLabel = regexp.MustCompile(`graphql_requests_total\{operation="([^"]*)"`)

// operations returns the operation labels of the requests counter.
func operations(exposition string) map[string]bool {
	labels := map[string]bool{}
	for _, m := range operationLabel.FindAllStringSubmatch(exposition, -1) {
		labels[m[1]] = true
	}
	return labels
}

func TestOperationLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		operation string
		opType    string
		wantLabel string
	}{
		{"a named operation keeps its name", "ListContacts", "query", "ListContacts"},
		{"an operation without a name is anonymous", "", "query", metrics.AnonymousOperation},
		{"a request that never parsed is unknown", "", "", metrics.UnknownOperation},
		{"a name that is not a GraphQL name is other", "drop table; --", "", metrics.OtherOperation},
		{"an overlong name is other", strings.Repeat("a", 65), "query", metrics.OtherOperation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := metrics.New(nil)
			m.ObserveRequest(metrics.Request{Operation: tt.operation, Type: tt.opType, Outcome: metrics.OutcomeOK, Duration: time.Millisecond})
			if got := operations(scrape(t, m)); len(got) != 1 || !got[tt.wantLabel] {
				t.Fatalf("operation labels %v; want only %q", got, tt.wantLabel)
			}
		})
	}
}

func TestOperationNamesAreBounded(t *testing.T) {
	t.Parallel()
	m := metrics.New(nil)
	for i := range metrics.MaxOperationNames + 20 {
		m.ObserveRequest(metrics.Request{Operation: fmt.Sprintf("Op%d", i), Type: "query", Outcome: metrics.OutcomeOK})
	}
	m.ObserveRequest(metrics.Request{Operation: "Op0", Type: "query", Outcome: metrics.OutcomeOK})
	got := operations(scrape(t, m))
	if len(got) != metrics.MaxOperationNames+1 || !got[metrics.OtherOperation] || !got["Op0"] || got[fmt.Sprint("Op", metrics.MaxOperationNames)] {
		t.Fatalf("%d operation labels; want the first %d names and %q", len(got), metrics.MaxOperationNames, metrics.OtherOperation)
	}
}
