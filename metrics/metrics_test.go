package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
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

var requestLabels = regexp.MustCompile(`graphql_requests_total\{field="([^"]*)",outcome="[^"]*",type="([^"]*)"\}`)

func TestRequestLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		request             metrics.Request
		wantField, wantType string
	}{
		{"an operation of one root field", metrics.Request{Field: "contacts", Type: "query"}, "contacts", "query"},
		{"an operation of several root fields", metrics.Request{Field: metrics.SeveralFields, Type: "mutation"}, metrics.SeveralFields, "mutation"},
		{"a request that never got to an operation", metrics.Request{}, metrics.Unknown, metrics.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := metrics.New(nil)
			tt.request.Outcome, tt.request.Duration = metrics.OutcomeOK, time.Millisecond
			m.ObserveRequest(tt.request)
			got := requestLabels.FindAllStringSubmatch(scrape(t, m), -1)
			if len(got) != 1 || got[0][1] != tt.wantField || got[0][2] != tt.wantType {
				t.Fatalf("requests counted as %q; want one series of field %q and type %q", got, tt.wantField, tt.wantType)
			}
		})
	}
}
