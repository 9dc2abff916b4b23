package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/metrics"
)

// requestLine returns the request log line of the request with id.
func requestLine(t *testing.T, logs *graphtest.LogBuffer, id string) map[string]any {
	t.Helper()
	scanner := bufio.NewScanner(strings.NewReader(logs.String()))
	for scanner.Scan() {
		var line map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, scanner.Text())
		}
		if line["msg"] == "request" && line["request_id"] == id {
			return line
		}
	}
	t.Fatalf("no request line with request_id %s in the log:\n%s", id, logs.String())
	return nil
}

// graphQLRequest makes a POST /graphql request with token (none when
// empty) and the request id id.
func graphQLRequest(token, id, operationName, query string, vars map[string]any) *http.Request {
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": operationName, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("X-Request-Id", id)
	return req
}

func TestRequestLog(t *testing.T) {
	// Not parallel: it swaps the process's default logger.
	logs := graphtest.CaptureLogs(t)
	c := graphtest.NewClient(t)
	readOnly := graphtest.NewClientWith(t, c.Handler, c.Workspace, auth.ScopeRead)
	const email = "ada.private@example.com"
	findAda := url.Values{"query": {`query FindAda { contact(externalId: "` + email + `") { id } }`}}
	getFindAda := httptest.NewRequest(http.MethodGet, "/graphql?"+findAda.Encode(), nil)
	getFindAda.Header.Set("Authorization", "Bearer "+c.Token)
	getFindAda.Header.Set("X-Request-Id", "log-test-get-query")

	tests := []struct {
		name string
		req  *http.Request
		// want are fields the line must have, with these values;
		// error_codes as a sorted list.
		want map[string]any
		// wantAbsent are fields the line must not have.
		wantAbsent []string
		// wantStatements says that the request ran SQL.
		wantStatements bool
	}{
		{
			name: "a mutation",
			req: graphQLRequest(c.Token, "log-test-mutation", "CreateAda",
				`mutation CreateAda($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { code } } }`,
				map[string]any{"input": map[string]any{"name": "Ada Lovelace", "email": email, "phones": []any{map[string]any{"number": "+14155550123"}}}}),
			want: map[string]any{
				"method": "POST", "path": "/graphql", "status": 200.0, "workspace": c.Workspace.String(), "caller": "test",
				"operation": "CreateAda", "operation_type": "mutation",
			},
			wantAbsent:     []string{"error_codes"},
			wantStatements: true,
		},
		{
			name:           "a query over GET logs the path without the query string",
			req:            getFindAda,
			want:           map[string]any{"method": "GET", "path": "/graphql", "status": 200.0, "operation": "FindAda", "operation_type": "query"},
			wantAbsent:     []string{"error_codes"},
			wantStatements: true,
		},
		{
			name: "a document that does not validate",
			req:  graphQLRequest(c.Token, "log-test-invalid", "Broken", `query Broken { nope }`, nil),
			want: map[string]any{"status": 200.0, "operation": "Broken", "operation_type": "", "error_codes": []any{"GRAPHQL_VALIDATION_FAILED"}},
		},
		{
			name: "a scope the caller lacks",
			req: graphQLRequest(readOnly.Token, "log-test-forbidden", "DeleteAll",
				`mutation DeleteAll { deleteContacts(ids: []) { deletedIds } }`, nil),
			want: map[string]any{"status": 200.0, "operation": "DeleteAll", "operation_type": "mutation", "error_codes": []any{"FORBIDDEN"}},
		},
		{
			name:       "a request without a token",
			req:        graphQLRequest("", "log-test-no-token", "", `{ contacts { nodes { id } } }`, nil),
			want:       map[string]any{"status": 401.0, "error_codes": []any{"UNAUTHENTICATED"}},
			wantAbsent: []string{"workspace", "caller", "operation"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Send(tt.req)
			line := requestLine(t, logs, tt.req.Header.Get("X-Request-Id"))
			for field, want := range tt.want {
				if got := line[field]; !jsonEqual(got, want) {
					t.Errorf("%s: %v; want %v", field, got, want)
				}
			}
			for _, field := range tt.wantAbsent {
				if got, ok := line[field]; ok {
					t.Errorf("%s: %v; want no such field", field, got)
				}
			}
			if ms, ok := line["duration_ms"].(float64); !ok || ms <= 0 {
				t.Errorf("duration_ms: %v; want a positive number", line["duration_ms"])
			}
			if n, _ := line["statements"].(float64); tt.wantStatements != (n > 0) {
				t.Errorf("statements: %v; want more than 0: %v", line["statements"], tt.wantStatements)
			}
			if t.Failed() {
				t.Logf("the line: %v", line)
			}
		})
	}

	t.Run("a replayed response", func(t *testing.T) {
		var line map[string]any
		for _, id := range []string{"log-test-first-try", "log-test-retry"} {
			req := graphQLRequest(c.Token, id, "", `mutation { upsertContact(input: {externalId: "crm-1", name: "Grace Hopper"}) { created } }`, nil)
			req.Header.Set("Idempotency-Key", "log-test-key")
			c.Send(req)
			line = requestLine(t, logs, id)
		}
		if line["replayed"] != true || line["status"] != 200.0 {
			t.Fatalf("the retry's line: %v; want replayed true and status 200", line)
		}
	})

	all := logs.String()
	for what, secret := range map[string]string{"the token": c.Token, "the read-only token": readOnly.Token, "the contact's email": email} {
		if strings.Contains(all, secret) {
			t.Errorf("the log contains %s:\n%s", what, all)
		}
	}
}

// jsonEqual compares decoded JSON values.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// metricValue returns the value of the series of name whose labels
// include labels ("key=value" each) in a Prometheus text exposition.
func metricValue(exposition, name string, labels ...string) (float64, bool) {
	for line := range strings.Lines(exposition) {
		series, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || (series != name && !strings.HasPrefix(series, name+"{")) {
			continue
		}
		if !slices.ContainsFunc(labels, func(l string) bool {
			k, v, _ := strings.Cut(l, "=")
			return !strings.Contains(series, k+`="`+v+`"`)
		}) {
			f, err := strconv.ParseFloat(value, 64)
			return f, err == nil
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	m := metrics.New(dbtest.DB(t).DB)
	h := graphtest.NewHandlerWith(t, httpapi.Options{Metrics: m})
	c := graphtest.NewClientWith(t, h, uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite)
	for _, name := range []string{"Ada", "Grace", "Alan"} {
		c.MustDo(`mutation($name: String!) { createContact(input: {name: $name, phones: [{number: "+14155550123"}]}) { contact { id } } }`,
			map[string]any{"name": name}, nil)
	}
	const listContacts = `query ListContacts { contacts { nodes { name phones { number } } } }`
	for range 2 {
		c.MustDo(listContacts, nil, nil)
	}
	if resp := c.Post(`query Broken { nope }`, nil); resp.Code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("a query of an unknown field: code %q; want GRAPHQL_VALIDATION_FAILED", resp.Code())
	}
	h.ServeHTTP(httptest.NewRecorder(), graphQLRequest("", "metrics-test-no-token", "", listContacts, nil))

	exposition := scrapeMetrics(t, m)
	tests := []struct {
		name   string
		series string
		labels []string
		want   func(float64) bool
		says   string
	}{
		{"requests by root field", "graphql_requests_total", []string{"field=contacts", "type=query", "outcome=ok"}, eq(2), "2"},
		{"mutations by root field", "graphql_requests_total", []string{"field=createContact", "type=mutation", "outcome=ok"}, eq(3), "3"},
		{"requests refused before an operation was valid", "graphql_requests_total", []string{"field=unknown", "type=unknown", "outcome=client_error"}, eq(2), "2: the invalid document and the one without a token"},
		{"latency by root field", "graphql_request_duration_seconds_count", []string{"field=contacts", "type=query"}, eq(2), "2"},
		{"latency sums", "graphql_request_duration_seconds_sum", []string{"field=contacts", "type=query"}, positive, "more than 0"},
		{"validation errors", "graphql_errors_total", []string{"code=GRAPHQL_VALIDATION_FAILED"}, eq(1), "1"},
		{"authentication errors", "graphql_errors_total", []string{"code=UNAUTHENTICATED"}, eq(1), "1"},
		{"loader batches", "dataloader_batch_size_count", []string{"loader=phones_of_contact"}, eq(2), "2, one a page"},
		{"loader batch sizes", "dataloader_batch_size_sum", []string{"loader=phones_of_contact"}, eq(6), "6, three contacts a page"},
		{"pool connections in use", "go_sql_in_use_connections", []string{"db_name=contacts"}, nonNegative, "a count"},
		{"idle pool connections", "go_sql_idle_connections", []string{"db_name=contacts"}, positive, "more than 0 after the requests"},
		{"waits for a connection", "go_sql_wait_count_total", []string{"db_name=contacts"}, nonNegative, "a count"},
		{"time waited for a connection", "go_sql_wait_duration_seconds_total", []string{"db_name=contacts"}, nonNegative, "a duration"},
	}
	for _, tt := range tests {
		got, ok := metricValue(exposition, tt.series, tt.labels...)
		if !ok || !tt.want(got) {
			t.Errorf("%s: %s%v = %v (found: %v); want %s", tt.name, tt.series, tt.labels, got, ok, tt.says)
		}
	}
	if t.Failed() {
		t.Logf("GET /metrics:\n%s", exposition)
	}
}

// TestMetricsLabelsComeFromTheSchema sends operations under names that
// clients make up, with aliases and fragments: the metrics must label
// them by the schema's root fields alone, and show no name a client sent.
func TestMetricsLabelsComeFromTheSchema(t *testing.T) {
	t.Parallel()
	m := metrics.New(nil)
	c := graphtest.NewClientWith(t, graphtest.NewHandlerWith(t, httpapi.Options{Metrics: m}), uuid.New(), auth.ScopeRead)
	const operations = 160 // 40 of each document
	for i := range operations {
		documents := []string{
			`query Secret%d { contacts { totalCount } }`,
			`query Secret%d { secretAlias: accounts { totalCount } }`,
			`query Secret%d { ...F ...F } fragment F on Query { contacts { totalCount } }`,
			`query Secret%d { contacts { totalCount } ... on Query { accounts { totalCount } } }`,
		}
		c.MustDo(fmt.Sprintf(documents[i%len(documents)], i), nil, nil)
	}
	exposition := scrapeMetrics(t, m)
	if strings.Contains(exposition, "Secret") || strings.Contains(exposition, "secretAlias") {
		t.Fatalf("the metrics show names that clients chose:\n%s", exposition)
	}
	want := map[string]float64{"contacts": 2 * operations / 4, "accounts": operations / 4, metrics.SeveralFields: operations / 4}
	for field, n := range want {
		if got, _ := metricValue(exposition, "graphql_requests_total", "field="+field, "type=query", "outcome=ok"); got != n {
			t.Errorf("requests of field %q: %v; want %v", field, got, n)
		}
	}
	// Every field label is a root field of the schema, or one of the two
	// labels of the others: their number is bounded by the schema.
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	allowed := map[string]bool{metrics.Unknown: true, metrics.SeveralFields: true}
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		for _, f := range root.Fields {
			allowed[f.Name] = true
		}
	}
	for _, match := range regexp.MustCompile(`field="([^"]*)"`).FindAllStringSubmatch(exposition, -1) {
		if !allowed[match[1]] {
			t.Errorf("field label %q is not a root field of the schema", match[1])
		}
	}
}

// scrapeMetrics returns what m's handler serves.
func scrapeMetrics(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d; want 200", rec.Code)
	}
	return rec.Body.String()
}

func eq(want float64) func(float64) bool { return func(got float64) bool { return got == want } }
func positive(got float64) bool          { return got > 0 }
func nonNegative(got float64) bool       { return got >= 0 }

func TestMetricsAreNotServedWithTheAPI(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	graphtest.NewHandlerWith(t, httpapi.Options{Metrics: metrics.New(nil)}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("GET /metrics from the API's handler: status %d; want 404 (they are served on METRICS_ADDR alone)", rec.Code)
	}
}

// heldRequestLines is a log handler that holds each request line until
// release is closed, as a log write waiting on a slow collector would.
type heldRequestLines struct{ release chan struct{} }

func (heldRequestLines) Enabled(context.Context, slog.Level) bool { return true }

func (h heldRequestLines) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "request" {
		<-h.release
	}
	return nil
}

func (h heldRequestLines) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h heldRequestLines) WithGroup(string) slog.Handler      { return h }

// TestAnswersDoNotWaitForTheRequestLog: a client has its whole answer
// while the server still writes the request's log line.
func TestAnswersDoNotWaitForTheRequestLog(t *testing.T) {
	// Not parallel: it swaps the process's default logger.
	c := graphtest.NewClientAt(t, graphtest.Serve(t, nil), auth.ScopeRead)
	held := heldRequestLines{release: make(chan struct{})}
	previous := slog.Default()
	slog.SetDefault(slog.New(held))
	t.Cleanup(func() {
		close(held.release)
		slog.SetDefault(previous)
	})
	req, err := http.NewRequest(http.MethodPost, c.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { scopes } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("no answer while the log line waits: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("the answer's body did not arrive while the log line waits: %v", err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"scopes"`)) || resp.ContentLength != int64(len(body)) {
		t.Errorf("status %d, Content-Length %d, body %s; want 200 with the viewer's scopes and their length", resp.StatusCode, resp.ContentLength, body)
	}
}
