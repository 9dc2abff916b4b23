package httpapi_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/httpapi/cors"
	"github.com/contacts-api/contacts/httpapi/playground"
)

const (
	graphQLResponseJSON = "application/graphql-response+json"
	applicationJSON     = "application/json"
)

// mediaType returns the media type of rec's Content-Type, without parameters.
func mediaType(rec *httptest.ResponseRecorder) string {
	mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	return mt
}

func TestQueryOverGET(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	c.CreateContact(map[string]any{"name": "Ada Lovelace"})
	rec := graphtest.RecordRequest(c.Handler, graphtest.GetGraphQL(`{contacts{totalCount}}`, c.Token, ""))
	resp := graphtest.DecodeResponse(t, rec)
	if rec.Code != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("GET query: status %d, errors %+v; want 200 without errors", rec.Code, resp.Errors)
	}
	var data struct{ Contacts struct{ TotalCount int } }
	if err := json.Unmarshal(resp.Data, &data); err != nil || data.Contacts.TotalCount != 1 {
		t.Fatalf("GET query: data %s; want contacts.totalCount 1", resp.Data)
	}
}

func TestMutationOverGETIsRefused(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	const mutation = `mutation { createContact(input: {name: "Ada Lovelace"}) { contact { id } userErrors { code } } }`
	for _, accept := range []string{"", applicationJSON, graphQLResponseJSON} {
		rec := graphtest.RecordRequest(c.Handler, graphtest.GetGraphQL(mutation, c.Token, accept))
		// The GraphQL-over-HTTP specification: 405 Method Not Allowed.
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
			t.Errorf("GET mutation (Accept %q): status %d, Allow %q; want 405 and POST\n%s", accept, rec.Code, rec.Header().Get("Allow"), rec.Body)
		}
		if resp := graphtest.DecodeResponse(t, rec); resp.Code() != graph.CodeMethodNotAllowed || hasDataEntry(rec) {
			t.Errorf("GET mutation (Accept %q): body %s; want the code %s and no data entry", accept, rec.Body, graph.CodeMethodNotAllowed)
		}
	}
	if n := c.ContactCount(); n != 0 {
		t.Fatalf("after refused GET mutations the workspace has %d contacts; want 0", n)
	}
}

// hasDataEntry reports whether the JSON object of rec's body has a data
// member, even a null one.
func hasDataEntry(rec *httptest.ResponseRecorder) bool {
	var members map[string]json.RawMessage
	json.Unmarshal(rec.Body.Bytes(), &members)
	_, ok := members["data"]
	return ok
}

// TestRequestErrorsFollowTheSpecification checks the answers to documents
// that do not parse or validate and to variables that do not coerce: 200
// with application/json, 400 with application/graphql-response+json, and
// no data entry either way, since no operation ran.
func TestRequestErrorsFollowTheSpecification(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	requests := []struct{ name, body string }{
		{"a document that does not parse", `{"query": "{ contacts(first: 1) { nodes { id }"}`},
		{"a document that does not validate", `{"query": "{ contacts(first: 1) { nodes { nope } } }"}`},
		{"a variable that does not coerce", `{"query": "query($n: Int) { contacts(first: $n) { nodes { id } } }", "variables": {"n": "ten"}}`},
		{"a missing required variable", `{"query": "query($id: ID!) { contact(id: $id) { id } }"}`},
	}
	for _, r := range requests {
		for accept, want := range map[string]int{applicationJSON: http.StatusOK, graphQLResponseJSON: http.StatusBadRequest} {
			rec := graphtest.RecordRequest(c.Handler, graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", r.body, c.Token, accept))
			if rec.Code != want || hasDataEntry(rec) || len(graphtest.DecodeResponse(t, rec).Errors) == 0 {
				t.Errorf("%s, Accept %s: status %d, body %s; want %d, errors and no data entry", r.name, accept, rec.Code, rec.Body, want)
			}
		}
	}
}

// TestVariablesCoerceAsTheSpecificationSays checks that a variable's value
// coerces as the same value inline would: a number is not a String, a
// string is not an Int, at the top and inside input objects and lists.
func TestVariablesCoerceAsTheSpecificationSays(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	const create = `mutation($in: CreateContactInput!) { createContact(input: $in) { contact { id } userErrors { code } } }`
	const page = `query($n: Int, $search: String) { contacts(first: $n, filter: {search: $search}) { nodes { id } } }`
	tests := []struct {
		name    string
		query   string
		vars    map[string]any
		refused bool
	}{
		{"a number for a String", page, map[string]any{"search": 12}, true},
		{"a string for an Int", page, map[string]any{"n": "10"}, true},
		{"a number for a String in an input object", create, map[string]any{"in": map[string]any{"name": 1234}}, true},
		{"a number for a String in a list", create, map[string]any{"in": map[string]any{"name": "Ada", "tags": []any{"vip", 7}}}, true},
		{"values of their types", page, map[string]any{"n": 10, "search": "12"}, false},
		{"an input object of its types", create, map[string]any{"in": map[string]any{"name": "Ada", "tags": []any{"vip"}}}, false},
	}
	for _, tt := range tests {
		resp := c.Post(tt.query, tt.vars)
		refused := resp.Code() == "GRAPHQL_VALIDATION_FAILED" && !graphtest.HasData(resp)
		if refused != tt.refused {
			t.Errorf("%s: code %q, data %s; want refused %v", tt.name, resp.Code(), resp.Data, tt.refused)
		}
	}
	if n := c.ContactCount(); n != 1 {
		t.Fatalf("the workspace has %d contacts; want 1, from the one valid input", n)
	}
}

func TestResponseContentType(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	tests := []struct {
		accept string
		want   string
	}{
		{graphQLResponseJSON, graphQLResponseJSON},
		{applicationJSON, applicationJSON},
		{"", applicationJSON},
		{"*/*", applicationJSON},
		{graphQLResponseJSON + ", " + applicationJSON + ";q=0.9", graphQLResponseJSON},
	}
	for _, tt := range tests {
		t.Run("Accept "+tt.accept, func(t *testing.T) {
			t.Parallel()
			for _, req := range []*http.Request{
				graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", `{"query":"{ contacts { totalCount } }"}`, c.Token, tt.accept),
				graphtest.GetGraphQL(`{ contacts { totalCount } }`, c.Token, tt.accept),
			} {
				rec := graphtest.RecordRequest(c.Handler, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("%s with Accept %q: status %d; want 200\n%s", req.Method, tt.accept, rec.Code, rec.Body)
				}
				if got := mediaType(rec); got != tt.want {
					t.Errorf("%s with Accept %q: Content-Type %q; want %s", req.Method, tt.accept, rec.Header().Get("Content-Type"), tt.want)
				}
			}
		})
	}
}

func TestRequestErrors(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	tests := []struct {
		name   string
		body   string
		accept string
		// wantStatus 0 leaves the status unchecked: with application/json
		// the GraphQL-over-HTTP spec allows more than one.
		wantStatus int
		wantCode   string
	}{
		{"malformed JSON", `{"query": "{ contacts { totalCount } }"`, graphQLResponseJSON, http.StatusBadRequest, ""},
		{"malformed JSON, application/json", `{"query": `, applicationJSON, http.StatusBadRequest, ""},
		{"body not an object", `"{ contacts { totalCount } }"`, graphQLResponseJSON, http.StatusBadRequest, ""},
		{"syntax error", `{"query": "{ contacts { totalCount }"}`, graphQLResponseJSON, http.StatusBadRequest, "GRAPHQL_PARSE_FAILED"},
		{"syntax error, application/json", `{"query": "query {"}`, applicationJSON, 0, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", `{"query": "{ contacts { nope } }"}`, graphQLResponseJSON, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown field, application/json", `{"query": "{ nope }"}`, applicationJSON, 0, "GRAPHQL_VALIDATION_FAILED"},
		{"variable of the wrong type", `{"query": "query($first: Int) { contacts(first: $first) { totalCount } }", "variables": {"first": "ten"}}`, graphQLResponseJSON, 0, "GRAPHQL_VALIDATION_FAILED"},
		{"required variable missing", `{"query": "query($id: ID!) { node(id: $id) { id } }"}`, graphQLResponseJSON, 0, "GRAPHQL_VALIDATION_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := graphtest.RecordRequest(c.Handler, graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", tt.body, c.Token, tt.accept))
			if tt.wantStatus != 0 && rec.Code != tt.wantStatus {
				t.Errorf("status = %d; want %d\n%s", rec.Code, tt.wantStatus, rec.Body)
			}
			resp := graphtest.DecodeResponse(t, rec)
			if len(resp.Errors) == 0 || graphtest.HasData(resp) {
				t.Fatalf("body %s; want errors and no data", rec.Body)
			}
			if tt.wantCode != "" && resp.Code() != tt.wantCode {
				t.Errorf("error code = %q; want %s (errors %+v)", resp.Code(), tt.wantCode, resp.Errors)
			}
		})
	}
}

func TestHealthChecks(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		rec := graphtest.RecordRequest(h, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d; want 200 while the database answers\n%s", path, rec.Code, rec.Body)
		}
	}
}

func TestPlayground(t *testing.T) {
	t.Parallel()
	rec := graphtest.RecordRequest(graphtest.NewHandler(t), httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: status %d; want 200", rec.Code)
	}
	if got := mediaType(rec); got != "text/html" {
		t.Errorf("GET /: Content-Type %q; want text/html", rec.Header().Get("Content-Type"))
	}
	if !strings.Contains(strings.ToLower(rec.Body.String()), "graphiql") {
		t.Errorf("GET /: page does not mention GraphiQL; want the GraphiQL playground\n%.500s", rec.Body)
	}
}

func TestPlaygroundCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandlerWith(t, httpapi.Options{Playground: false})
	for _, path := range []string{"/", playground.AssetPrefix} {
		if rec := graphtest.RecordRequest(h, httptest.NewRequest(http.MethodGet, path, nil)); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s with the playground off: status %d; want 404", path, rec.Code)
		}
	}
}

func TestCORSOnTheGraphQLEndpoint(t *testing.T) {
	t.Parallel()
	const app = "https://app.example.com"
	origins, err := cors.ParseOrigins(app)
	if err != nil {
		t.Fatal(err)
	}
	h := graphtest.NewHandlerWith(t, httpapi.Options{AllowedOrigins: origins})
	c := graphtest.NewClientWith(t, h, uuid.New(), auth.ScopeRead)

	// The browser's preflight carries no token: it must not need one.
	preflight := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	preflight.Header.Set("Origin", app)
	preflight.Header.Set("Access-Control-Request-Method", http.MethodPost)
	preflight.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	rec := graphtest.RecordRequest(h, preflight)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != app {
		t.Fatalf("preflight: status %d, Access-Control-Allow-Origin %q; want 204 and %s", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), app)
	}

	query := graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", `{"query":"{ contacts { totalCount } }"}`, c.Token, "")
	query.Header.Set("Origin", app)
	rec = graphtest.RecordRequest(h, query)
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != app {
		t.Fatalf("query: status %d, Access-Control-Allow-Origin %q; want 200 and %s", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), app)
	}
}

// wellFormedRequestID is what the service accepts and hands out as a
// request id.
var wellFormedRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,128}$`)

func TestEveryResponseHasARequestID(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	tests := []struct {
		name string
		req  *http.Request
	}{
		{"health check", httptest.NewRequest(http.MethodGet, "/healthz", nil)},
		{"readiness check", httptest.NewRequest(http.MethodGet, "/readyz", nil)},
		{"playground", httptest.NewRequest(http.MethodGet, "/", nil)},
		{"unknown path", httptest.NewRequest(http.MethodGet, "/nope", nil)},
		{"unauthenticated", graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", `{"query":"{ contacts { totalCount } }"}`, "", "")},
		{"query", graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", `{"query":"{ contacts { totalCount } }"}`, c.Token, "")},
		{"GET query", graphtest.GetGraphQL(`{ contacts { totalCount } }`, c.Token, "")},
		{"malformed JSON", graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", `{`, c.Token, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := graphtest.RecordRequest(c.Handler, tt.req)
			if id := rec.Header().Get("X-Request-Id"); !wellFormedRequestID.MatchString(id) {
				t.Fatalf("X-Request-Id = %q (status %d); want a well-formed request id", id, rec.Code)
			}
		})
	}
}

func TestRequestIDIsEchoedOrReplaced(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandler(t)
	tests := []struct {
		name     string
		incoming string
		wantEcho bool
	}{
		{"well-formed", "req-1234567890", true},
		{"with dots and underscores", "trace.abc_DEF-0123", true},
		{"128 characters", strings.Repeat("a", 128), true},
		{"with a space and a bang", "bad id!", false},
		{"too short", "req-1", false},
		{"129 characters", strings.Repeat("a", 129), false},
		{"header injection", "req-1234567890\r\nSet-Cookie: x=1", false},
		{"non-ASCII", "req-12345678é", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			req.Header.Set("X-Request-Id", tt.incoming)
			got := graphtest.RecordRequest(h, req).Header().Get("X-Request-Id")
			switch {
			case tt.wantEcho && got != tt.incoming:
				t.Fatalf("incoming X-Request-Id %q came back as %q; want it echoed", tt.incoming, got)
			case !tt.wantEcho && (got == tt.incoming || !wellFormedRequestID.MatchString(got)):
				t.Fatalf("incoming X-Request-Id %q came back as %q; want it replaced by a well-formed id", tt.incoming, got)
			}
		})
	}

	first := graphtest.RecordRequest(h, httptest.NewRequest(http.MethodGet, "/healthz", nil)).Header().Get("X-Request-Id")
	second := graphtest.RecordRequest(h, httptest.NewRequest(http.MethodGet, "/healthz", nil)).Header().Get("X-Request-Id")
	if first == second {
		t.Errorf("two requests without X-Request-Id both got %q; want distinct ids", first)
	}
}

// paddedBody returns a request body of exactly size bytes (or fails the
// test) whose query is query padded with white space, which GraphQL
// ignores; extra members are put first, as some clients order them.
func paddedBody(t *testing.T, query string, size int, extra string) string {
	t.Helper()
	head := `{` + extra + `"query":"`
	b := head + query + strings.Repeat(" ", max(0, size-len(head)-len(query)-len(`"}`))) + `"}`
	if len(b) != size {
		t.Fatalf("test body has %d bytes; want %d", len(b), size)
	}
	return b
}

func TestRequestBodyLimit(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	// Authentication comes before the body, and a token's first use
	// provisions its workspace: do it now, so that refusals count 0 SQL.
	c.ContactCount()
	limit, bulkLimit := int(httpapi.DefaultLimits.MaxBodyBytes), int(httpapi.DefaultLimits.MaxBulkBodyBytes)
	const (
		query = `{ contacts { totalCount } }`
		bulk  = `mutation { deleteContacts(ids: []) { deletedIds } }`
	)
	// pad returns a member of about n bytes that the server ignores.
	pad := func(n int) string { return `"extensions":{"pad":"` + strings.Repeat("x", n) + `"},` }
	tests := []struct {
		name   string
		body   string
		accept string
		wantOK bool
	}{
		{"query under the limit", paddedBody(t, query, limit-10<<10, ""), graphQLResponseJSON, true},
		{"query at the limit exactly", paddedBody(t, query, limit, ""), graphQLResponseJSON, true},
		{"query a byte over", paddedBody(t, query, limit+1, ""), graphQLResponseJSON, false},
		{"query a byte over, application/json", paddedBody(t, query, limit+1, ""), applicationJSON, false},
		{"query of 1 MiB", paddedBody(t, query, 1<<20, ""), graphQLResponseJSON, false},
		{"bulk mutation over the limit", paddedBody(t, bulk, 1<<20, pad(1<<20-200)), graphQLResponseJSON, true},
		{"bulk mutation at the bulk limit exactly", paddedBody(t, bulk, bulkLimit, pad(bulkLimit-200)), graphQLResponseJSON, true},
		{"bulk mutation a byte over the bulk limit", paddedBody(t, bulk, bulkLimit+1, pad(bulkLimit-200)), graphQLResponseJSON, false},
		{"bulk mutation whose document is over the limit", paddedBody(t, bulk, limit+200, ""), graphQLResponseJSON, false},
		{"bulk mutation with another mutation field", paddedBody(t, `mutation { deleteContacts(ids: []) { deletedIds } deleteContact(id: "contact_x") { deletedId } }`, limit+1, ""), graphQLResponseJSON, false},
		{"bulk mutation beside a query", paddedBody(t, `mutation M { deleteContacts(ids: []) { deletedIds } } query Q { contacts { totalCount } }`, limit+1, `"operationName":"Q",`), graphQLResponseJSON, false},
		{"bulk mutation in a fragment", paddedBody(t, `mutation { ...F } fragment F on Mutation { deleteContacts(ids: []) { deletedIds } }`, limit+1, ""), graphQLResponseJSON, false},
		{"a second query member in other case", paddedBody(t, bulk, limit+1, `"QUERY":"{ contacts { totalCount } }",`), graphQLResponseJSON, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := c.Send(graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", tt.body, c.Token, tt.accept))
			if tt.wantOK {
				if resp.Status != http.StatusOK || !graphtest.HasData(resp) || len(resp.Errors) > 0 {
					t.Fatalf("%d-byte body: status %d, errors %+v; want 200 with data", len(tt.body), resp.Status, resp.Errors)
				}
				return
			}
			if graphtest.HasData(resp) || len(resp.Errors) == 0 {
				t.Fatalf("%d-byte body: status %d, body %.300s; want it refused with an error and no data", len(tt.body), resp.Status, resp.Body)
			}
			if resp.Status != http.StatusRequestEntityTooLarge || resp.Code() != graph.CodeBodyTooLarge {
				t.Errorf("%d-byte body: status %d, code %q; want 413 and %s (errors %+v)", len(tt.body), resp.Status, resp.Code(), graph.CodeBodyTooLarge, resp.Errors)
			}
			if resp.Statements != 0 {
				t.Errorf("the refused request ran %d SQL statements; want 0", resp.Statements)
			}
		})
	}
}

func TestUnsupportedRequestsAreRefused(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	c.ContactCount() // provisions the workspace, as in TestRequestBodyLimit
	const query = `{"query":"{ contacts { totalCount } }"}`
	withType := func(contentType, body string) *http.Request {
		req := graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", body, c.Token, "")
		req.Header.Set("Content-Type", contentType)
		return req
	}
	tests := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantCode   string
	}{
		{"batch of operations", graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", `[`+query+`,`+query+`]`, c.Token, ""), http.StatusBadRequest, graph.CodeBatchNotSupported},
		{"batch after white space", graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", " \n["+query+"]", c.Token, ""), http.StatusBadRequest, graph.CodeBatchNotSupported},
		{"multipart", withType("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n"+query+"\r\n--x--\r\n"), http.StatusUnsupportedMediaType, graph.CodeUnsupportedMediaType},
		{"urlencoded", withType("application/x-www-form-urlencoded", "query="+url.QueryEscape("{ contacts { totalCount } }")), http.StatusUnsupportedMediaType, graph.CodeUnsupportedMediaType},
		{"application/graphql", withType("application/graphql", "{ contacts { totalCount } }"), http.StatusUnsupportedMediaType, graph.CodeUnsupportedMediaType},
		{"no content type", withType("", query), http.StatusUnsupportedMediaType, graph.CodeUnsupportedMediaType},
		{"PUT", graphtest.NewGraphQLRequest(http.MethodPut, "/graphql", query, c.Token, ""), http.StatusMethodNotAllowed, graph.CodeMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := c.Send(tt.req)
			if resp.Status != tt.wantStatus || resp.Code() != tt.wantCode || graphtest.HasData(resp) {
				t.Fatalf("status %d, code %q, data %s; want %d and %s without data (errors %+v)", resp.Status, resp.Code(), resp.Data, tt.wantStatus, tt.wantCode, resp.Errors)
			}
			if resp.Statements != 0 {
				t.Errorf("the refused request ran %d SQL statements; want 0", resp.Statements)
			}
		})
	}
}

// TestServedOverTCP runs a mutation and a query against the handler behind
// a real HTTP server, as clients in other processes reach it: what the
// in-process tests see is what goes over the wire.
func TestServedOverTCP(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClientAt(t, graphtest.Serve(t, nil), auth.ScopeRead+" "+auth.ScopeWrite)
	c.CreateContact(map[string]any{"name": "Ada Lovelace"})
	if n := c.ContactCount(); n != 1 {
		t.Errorf("the workspace has %d contacts over HTTP; want the 1 created", n)
	}
	resp := c.Post(`{ viewer { scopes } }`, nil)
	if resp.Status != http.StatusOK || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("status %d, X-Request-Id %q; want 200 with a request id", resp.Status, resp.Header.Get("X-Request-Id"))
	}
}
