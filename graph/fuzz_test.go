package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
)

// FuzzRequest sends documents and variables through the whole request
// path. Whatever comes in, the answer is JSON, and it is never an INTERNAL
// error: that would be a panic or an unhandled failure.
// Run it longer with: go test ./graph -run XXX -fuzz FuzzRequest -fuzztime 10m
func FuzzRequest(f *testing.F) {
	seeds := []struct{ query, variables string }{
		{`{ contacts(first: 3) { nodes { id name phones { number } } } }`, `{}`},
		{`query($id: ID) { contact(id: $id) { id } }`, `{"id": "contact_01J00000000000000000000000"}`},
		{`mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } userErrors { code } } }`, `{"i": {"name": "A", "phones": [{"number": "+1"}]}}`},
		{`mutation($i: [UpsertContactInput!]!) { bulkUpsertContacts(inputs: $i) { results { index } } }`, `{"i": [{"externalId": "x", "metadata": [1]}]}`},
		{`{ node(id: "portal_role_x") { id } }`, `null`},
		{`{ contacts(first: 0) { totalCount } }`, `{"x": 1}`},
		{`{ __schema { types { name } } }`, `{}`},
		{`mutation { mergeContacts(targetId: "", sourceIds: [""]) { userErrors { code } } }`, `{}`},
		{`{`, `{`},
	}
	for _, s := range seeds {
		f.Add(s.query, s.variables)
	}
	c := newClient(f)
	f.Fuzz(func(t *testing.T, query, variables string) {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": json.RawMessage(validJSONOr(variables))})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.Token)
		rec := httptest.NewRecorder()
		c.Handler.ServeHTTP(rec, req)
		var resp graphtest.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("status %d, body is not JSON: %.200s", rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), `"INTERNAL"`) {
			t.Fatalf("INTERNAL error for %q with %q: %s", query, variables, rec.Body)
		}
	})
}

// validJSONOr keeps s when it is JSON, so that the fuzzer's variables
// reach GraphQL instead of failing the HTTP decoding every time.
func validJSONOr(s string) string {
	if json.Valid([]byte(s)) {
		return s
	}
	return "null"
}
