package commands

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// testConfig returns the configuration of a server of the database at
// dbURL, listening on a free port of 127.0.0.1.
func testConfig(dbURL string) config {
	return config{
		DatabaseURL: dbURL, Addr: "127.0.0.1:0",
		MigrateOnStart: true, DrainTimeout: 5 * time.Second,
		Auth: auth.Config{Secret: graphtest.Secret},
	}
}

// startServing runs serve with cfg until stop is called or the test ends,
// and returns where it listens; stop returns serve's error.
func startServing(t *testing.T, cfg config) (at listening, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan listening, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, serveOptions{onReady: func(at listening) { ready <- at }}) }()
	select {
	case at = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	stop = sync.OnceValue(func() error {
		cancel()
		return <-done
	})
	t.Cleanup(func() { stop() })
	return at, stop
}

// get returns the status and body of GET url.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestMetricsListener checks that the metrics, which tell of every
// workspace, are never served on the API's listener: only on METRICS_ADDR,
// when it is set.
func TestMetricsListener(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		metricsAddr string
	}{
		{"no metrics by default", ""},
		{"metrics on a listener of their own", "127.0.0.1:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(dbtest.EmptyDatabase(t))
			cfg.MetricsAddr = tt.metricsAddr
			at, stop := startServing(t, cfg)

			api := "http://" + at.api.String()
			if status, _ := get(t, api+"/metrics"); status != http.StatusNotFound {
				t.Errorf("GET /metrics on ADDR: status %d; want 404", status)
			}
			if (at.metrics != nil) != (tt.metricsAddr != "") {
				t.Fatalf("metrics listener %v with METRICS_ADDR %q; want one exactly when it is set", at.metrics, tt.metricsAddr)
			}
			if at.metrics != nil {
				get(t, api+"/graphql?query={__typename}")
				metricsURL := "http://" + at.metrics.String() + "/metrics"
				status, body := get(t, metricsURL)
				for _, want := range []string{`graphql_requests_total{`, `outcome="client_error",type="unknown"} 1`, `go_sql_in_use_connections{db_name="contacts"}`} {
					if status != http.StatusOK || !strings.Contains(body, want) {
						t.Errorf("GET %s: status %d; want 200 and a body with %s", metricsURL, status, want)
					}
				}
			}

			if err := stop(); err != nil {
				t.Fatalf("serve after its context ended: %v; want nil", err)
			}
		})
	}
}

// TestServeBothWaysOfRowSecurity serves a fresh database each way and
// writes and reads a contact through the API: on, the queries run as
// db.APIRole under the policies; off, as the URL's role (a superuser in
// the tests), which bypasses them.
func TestServeBothWaysOfRowSecurity(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprint("ROW_LEVEL_SECURITY on: ", on), func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(dbtest.EmptyDatabase(t))
			cfg.RowSecurity = on
			at, _ := startServing(t, cfg)
			c := newAPIClient(t, at.api.String())
			c.mustPost(t, `mutation { createContact(input: {name: "Ada", phones: [{number: "+14155550100"}]}) { contact { id } } }`, nil)
			got := c.mustPost(t, `{ contacts(first: 5, filter: {search: "ada"}) { nodes { name phones { number } } } }`, nil)
			if want := `{"contacts":{"nodes":[{"name":"Ada","phones":[{"number":"+14155550100"}]}]}}`; string(got) != want {
				t.Errorf("contacts = %s; want %s", got, want)
			}
		})
	}
}
