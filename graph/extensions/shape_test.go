package extensions_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
)

// deepQuery returns a valid query whose selection sets nest depth levels:
// contact → account → contacts → nodes → account → …, which finds nothing
// and so reads little.
func deepQuery(depth int) string {
	cycle := []string{"account", "contacts(first: 1)", "nodes"}
	fields := []string{`contact(externalId: "none")`}
	for i := 0; len(fields) < depth-1; i++ {
		fields = append(fields, cycle[i%len(cycle)])
	}
	leaf := "id"
	if strings.HasPrefix(fields[len(fields)-1], "contacts") {
		leaf = "totalCount"
	}
	return "{ " + strings.Join(fields, " { ") + " { " + leaf + strings.Repeat(" }", len(fields)) + " }"
}

// aliased returns n selections of field aliased prefix0, prefix1, ….
func aliased(prefix string, n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s%d: %s ", prefix, i, field)
	}
	return b.String()
}

// introspectionQuery is the query of GraphiQL's documentation pane
// (graphql-js's getIntrospectionQuery): its TypeRef fragment nests 9
// ofType levels, so its deepest field is 15 levels down.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// checkShapeRefused checks that resp is a refusal with code that ran no SQL.
func checkShapeRefused(t *testing.T, resp *graphtest.Response, code string) {
	t.Helper()
	if resp.Code() != code || graphtest.HasData(resp) {
		t.Fatalf("status %d, code %q, data %s; want %s and no data (errors %+v)", resp.Status, resp.Code(), resp.Data, code, resp.Errors)
	}
	if resp.Status != http.StatusOK && resp.Status != http.StatusBadRequest {
		t.Errorf("status %d; want 200 (or 400 with application/graphql-response+json), as for any invalid document", resp.Status)
	}
	if resp.Statements != 0 {
		t.Errorf("the refused operation ran %d SQL statements; want 0", resp.Statements)
	}
}

// checkRuns checks that resp has data and no error.
func checkRuns(t *testing.T, resp *graphtest.Response) {
	t.Helper()
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 || !graphtest.HasData(resp) {
		t.Fatalf("status %d, errors %+v; want 200 with data", resp.Status, resp.Errors)
	}
}

func TestQueryShapeLimits(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	c.ContactCount() // provisions the workspace, so refusals can run no SQL
	limits := httpapi.DefaultLimits
	// fragments defines fragments of 8 aliased fields each.
	fragments := func(names ...string) string {
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, " fragment %s on ContactConnection { %s }", n, aliased(n, 8, "totalCount"))
		}
		return b.String()
	}
	deepThroughFragment := strings.TrimSuffix(strings.Replace(deepQuery(limits.MaxDepth+1),
		`contact(externalId: "none") { `, `contact(externalId: "none") { ...C } } fragment C on Contact { `, 1), " }")
	tests := []struct {
		name     string
		query    string
		vars     map[string]any
		wantCode string
	}{
		{"depth at the limit", deepQuery(limits.MaxDepth), nil, ""},
		{"depth over the limit", deepQuery(limits.MaxDepth + 1), nil, graph.CodeQueryTooDeep},
		{"GraphiQL's introspection query", introspectionQuery, nil, ""},
		{"depth over the limit through a fragment", deepThroughFragment, nil, graph.CodeQueryTooDeep},
		{"aliases at the limit", "{ contacts { " + aliased("a", limits.MaxAliases, "totalCount") + "} }", nil, ""},
		{"aliases at the limit on two levels", "{ " + aliased("a", limits.MaxAliases-1, "portalRoles { id }") + " contacts { " + aliased("a", limits.MaxAliases, "totalCount") + "} }", nil, ""},
		{"aliases over the limit", "{ contacts { " + aliased("a", limits.MaxAliases+1, "totalCount") + "} }", nil, graph.CodeTooManyAliases},
		{"aliases over the limit at the root", "{ " + aliased("a", limits.MaxAliases+1, "portalSettings { defaultPortalRole { id } }") + "}", nil, graph.CodeTooManyAliases},
		{"aliases over the limit from two fragments", "{ contacts { ...A ...B } }" + fragments("A", "B"), nil, graph.CodeTooManyAliases},
		{"aliases from one fragment spread twice", "{ contacts { ...A ...A } }" + fragments("A"), nil, ""},
		// 100 accounts of 499 contacts: 100 × (1 + 499 × (1 + 1)) = 99,900.
		{"complexity under the limit", `query($n: Int) { accounts(first: 100) { nodes { contacts(first: $n) { nodes { id } } } } }`, map[string]any{"n": 499}, ""},
		{"complexity over the limit", `query($n: Int) { accounts(first: 100) { nodes { contacts(first: $n) { nodes { id } } } } }`, map[string]any{"n": 500}, graph.CodeComplexityLimitExceed},
		{"complexity of default page sizes", `{ accounts { nodes { contacts { nodes { id name phones { number } } } } } }`, nil, graph.CodeComplexityLimitExceed},
		{"complexity of a contact's phones", `{ contacts(first: 999) { nodes { phones { contact { phones { id } } } } } }`, nil, graph.CodeComplexityLimitExceed},
		{"complexity of an interface's field", `{ node(id: "account_x") { ... on Account { contacts(first: 999) { nodes { accounts { id } } } } } }`, nil, graph.CodeComplexityLimitExceed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := c.Post(tt.query, tt.vars)
			if tt.wantCode == "" {
				checkRuns(t, resp)
				return
			}
			checkShapeRefused(t, resp, tt.wantCode)
		})
	}
}

// TestFragmentsAreMeasuredOnce proves that measuring a document takes
// time in proportion to its size: each of its fragments spreads the next
// one twice, 2^60 times in all (as many as MaxFields and
// MaxFragmentSpreads allow).
func TestFragmentsAreMeasuredOnce(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	c.ContactCount()
	const n = 60
	var b strings.Builder
	b.WriteString("{ contact(id: \"x\") { ...F0 } }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Contact { a: account { contacts(first: 1) { nodes { ...F%d } } } b: account { contacts(first: 1) { nodes { ...F%d } } } }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Contact { id }", n)
	checkShapeRefused(t, c.Post(b.String(), nil), graph.CodeQueryTooDeep)
}

// tokenCount returns how many tokens GraphQL's lexer reads in doc.
func tokenCount(t *testing.T, doc string) int {
	t.Helper()
	lex := lexer.New(&ast.Source{Input: doc})
	for n := 0; ; n++ {
		tok, err := lex.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		if tok.Kind == lexer.EOF {
			return n
		}
	}
}

// tokens returns a valid query of exactly n tokens: a list of strings
// as the default of a variable.
func tokens(t *testing.T, n int) string {
	t.Helper()
	doc := func(items int) string {
		return `query($ids: [ID!] = [` + strings.Repeat(`"x" `, items) + `]) { contacts { totalCount } } fragment Unused on Query { node(id: "") { id } }`
	}
	base := tokenCount(t, doc(0))
	q := doc(n - base)
	if got := tokenCount(t, q); got != n {
		t.Fatalf("test document has %d tokens; want %d", got, n)
	}
	return q
}

func TestParserTokenLimit(t *testing.T) {
	t.Parallel()
	// A body limit of 2 MiB lets 100,000 tokens reach the parser.
	c := graphtest.NewClientWith(t, graphtest.NewHandlerWith(t, httpapi.Options{Limits: httpapi.Limits{MaxBodyBytes: 2 << 20}}), uuid.New(), auth.ScopeRead)
	c.ContactCount()
	limit := httpapi.DefaultLimits.MaxTokens
	tests := []struct {
		name     string
		tokens   int
		wantCode string
	}{
		{"at the limit", limit, "GRAPHQL_VALIDATION_FAILED"}, // parsed: only the unused fragment is wrong
		{"a token over", limit + 1, graph.CodeTooManyTokens},
		{"100,000 tokens", 100_000, graph.CodeTooManyTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkShapeRefused(t, c.Post(tokens(t, tt.tokens), nil), tt.wantCode)
		})
	}
}

func TestIntrospectionCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	on := graphtest.NewClient(t)
	off := graphtest.NewClientWith(t, graphtest.NewHandlerWith(t, httpapi.Options{DisableIntrospection: true}), uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite)
	off.ContactCount()

	for _, q := range []string{`{ __schema { types { name } } }`, `{ __type(name: "Contact") { name } }`, `{ contacts { totalCount } ...F } fragment F on Query { __schema { queryType { name } } }`} {
		checkRuns(t, on.Post(q, nil))
		checkShapeRefused(t, off.Post(q, nil), graph.CodeIntrospectionDisabled)
	}
	checkRuns(t, off.Post(`{ contacts { __typename } }`, nil))

	// Each of these gets a suggestion from a different validation rule.
	mistakes := []string{
		`{ contats { totalCount } }`,
		`{ contacts(frist: 1) { totalCount } }`,
		`mutation { createContact(input: {name: "A", phones: [{number: "+14155550100", type: MOBIEL}]}) { contact { id } } }`,
		`mutation { createContact(input: {nmae: "A"}) { contact { id } } }`,
		`{ contacts { nodes { phones { numbr } } } }`,
	}
	for _, q := range mistakes {
		if resp := on.Post(q, nil); !strings.Contains(string(resp.Body), "Did you mean") {
			t.Errorf("%s with introspection on: body %s; want a suggestion (Did you mean), or this case proves nothing", q, resp.Body)
		}
		resp := off.Post(q, nil)
		if len(resp.Errors) == 0 {
			t.Errorf("%s: no error; want a validation error", q)
		}
		if strings.Contains(string(resp.Body), "Did you mean") {
			t.Errorf("%s with introspection off: body %s; want no suggestion", q, resp.Body)
		}
	}
}

// BenchmarkRefusals times the refusal of hostile requests, each of which
// must be decided in well under 5 ms: a document of 100,000 tokens, one of
// 50,000 that fits the body limit and reaches the parser, and 2 MB bodies
// that are not bulk mutations, with the query first or after 2 MB of
// variables.
func BenchmarkRefusals(b *testing.B) {
	c := graphtest.NewClientWith(b, graphtest.NewHandler(b), uuid.New(), auth.ScopeRead)
	c.ContactCount()
	const twoMB = 2_000_000
	query := `{ contacts { totalCount } }`
	bench := []struct {
		name     string
		body     string
		wantCode string
	}{
		{"100k tokens", `{"query":"{ contacts { totalCount } } ` + strings.Repeat(`fragment F on Query { __typename } `, 100_000/6) + `"}`, graph.CodeBodyTooLarge},
		{"50k tokens in 100 KiB", `{"query":"{` + strings.Repeat(`a `, 50_000) + `}"}`, graph.CodeTooManyTokens},
		{"2 MB query", `{"query":"` + query + strings.Repeat(" ", twoMB) + `"}`, graph.CodeBodyTooLarge},
		{"2 MB of variables before the query", `{"variables":{"x":[` + strings.Repeat(`{"a":"b\"c"},`, twoMB/13) + `1]},"query":"` + query + `"}`, graph.CodeBodyTooLarge},
	}
	for _, bb := range bench {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				resp := c.Send(graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", bb.body, c.Token, ""))
				if resp.Code() != bb.wantCode {
					b.Fatalf("code %q; want %s", resp.Code(), bb.wantCode)
				}
			}
		})
	}
}
