package metrics

import (
	"testing"
	"time"
)

// requestSeries returns the label values (by label name) of each series
// of the requests counter in m.
func requestSeries(t *testing.T, m *Metrics) []map[string]string {
	t.Helper()
	families, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var series []map[string]string
	for _, f := range families {
		if f.GetName() != "graphql_requests_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range metric.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			series = append(series, labels)
		}
	}
	return series
}

func TestRequestLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		request             Request
		wantField, wantType string
	}{
		{"an operation of one root field", Request{Field: "contacts", Type: "query"}, "contacts", "query"},
		{"an operation of several root fields", Request{Field: SeveralFields, Type: "mutation"}, SeveralFields, "mutation"},
		{"a request that never got to an operation", Request{}, Unknown, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := New(nil)
			tt.request.Outcome, tt.request.Duration = OutcomeOK, time.Millisecond
			m.ObserveRequest(tt.request)
			got := requestSeries(t, m)
			if len(got) != 1 || got[0]["field"] != tt.wantField || got[0]["type"] != tt.wantType {
				t.Fatalf("requests counted as %v; want one series of field %q and type %q", got, tt.wantField, tt.wantType)
			}
		})
	}
}
