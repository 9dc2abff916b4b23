package graph_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
)

// persistedQueryExtension is the Apollo protocol's extension naming a
// document by its hash.
func persistedQueryExtension(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

func sha256Hex(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// registerPersisted sends query with its hash over POST, as a client does
// after PERSISTED_QUERY_NOT_FOUND, and returns the response.
func registerPersisted(c *client, query, hash string) *response {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "extensions": persistedQueryExtension(hash)})
	return c.send(newGraphQLRequest(http.MethodPost, "/graphql", string(body), c.token, ""))
}

// runPersisted sends only the hash over GET.
func runPersisted(c *client, hash string) *response {
	c.t.Helper()
	ext, _ := json.Marshal(persistedQueryExtension(hash))
	return c.send(newGraphQLRequest(http.MethodGet, "/graphql?extensions="+url.QueryEscape(string(ext)), "", c.token, ""))
}

func TestPersistedQueryRunsByHashOverGET(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.createContact(map[string]any{"name": "Ada Lovelace"})
	const query = `query Names { contacts { nodes { name } } }`
	hash := sha256Hex(query)

	if resp := registerPersisted(c, query, hash); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("register: status %d, errors %+v; want 200 without errors", resp.Status, resp.Errors)
	}
	resp := runPersisted(c, hash)
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("GET by hash: status %d, errors %+v; want 200 without errors", resp.Status, resp.Errors)
	}
	if want := `{"contacts":{"nodes":[{"name":"Ada Lovelace"}]}}`; string(resp.Data) != want {
		t.Fatalf("GET by hash: data %s; want %s", resp.Data, want)
	}
}

func TestPersistedQueryErrors(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	const query = `{ contacts { totalCount } }`
	tests := []struct {
		name        string
		send        func() *response
		wantCode    string
		wantMessage string
	}{
		{"unknown hash", func() *response { return runPersisted(c, sha256Hex("{ never sent }")) },
			"PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"},
		// gqlgen gives this error no code.
		{"hash that does not match the document", func() *response { return registerPersisted(c, query, sha256Hex("{ other }")) },
			"", "provided APQ hash does not match query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.send()
			if hasData(resp) || len(resp.Errors) == 0 {
				t.Fatalf("status %d, data %s; want an error and no data", resp.Status, resp.Data)
			}
			if resp.code() != tt.wantCode || resp.Errors[0].Message != tt.wantMessage {
				t.Fatalf("errors %+v; want code %q and message %q", resp.Errors, tt.wantCode, tt.wantMessage)
			}
		})
	}
}

func TestPersistedMutationIsRefusedOverGET(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	const mutation = `mutation { createContact(input: {name: "Ada Lovelace"}) { contact { id } } }`
	hash := sha256Hex(mutation)
	registerPersisted(c, mutation, hash)
	if resp := runPersisted(c, hash); resp.Status != http.StatusMethodNotAllowed {
		t.Fatalf("GET of a persisted mutation: status %d; want 405", resp.Status)
	}
	if n := countContacts(c); n != 1 {
		t.Fatalf("the workspace has %d contacts; want 1, from the POST only", n)
	}
}

func TestPersistedQueryCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newClient(t) // a handler of its own, so its cache starts empty
	hashes := make([]string, graph.PersistedQueryCacheSize+1)
	for i := range hashes {
		query := fmt.Sprintf("query Q%d { __typename }", i)
		hashes[i] = sha256Hex(query)
		if resp := registerPersisted(c, query, hashes[i]); len(resp.Errors) > 0 {
			t.Fatalf("register query %d: errors %+v", i, resp.Errors)
		}
	}
	if code := runPersisted(c, hashes[0]).code(); code != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("the oldest of %d queries: code %q; want PERSISTED_QUERY_NOT_FOUND, evicted from a cache of %d",
			len(hashes), code, graph.PersistedQueryCacheSize)
	}
	if resp := runPersisted(c, hashes[len(hashes)-1]); len(resp.Errors) > 0 {
		t.Errorf("the newest query: errors %+v; want it still cached", resp.Errors)
	}
}

// TestPersistedQueriesAreKeptPerWorkspace proves that a workspace cannot
// learn whether another one sent a document: a hash another workspace
// registered is not found for it until it sends the document itself.
func TestPersistedQueriesAreKeptPerWorkspace(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	a := newClientWith(t, h, uuid.New(), auth.ScopeRead)
	b := newClientWith(t, h, uuid.New(), auth.ScopeRead)
	const query = `query Secret { contacts { totalCount } }`
	hash := sha256Hex(query)
	if resp := registerPersisted(a, query, hash); len(resp.Errors) > 0 {
		t.Fatalf("workspace A registers: errors %+v", resp.Errors)
	}
	if resp := runPersisted(a, hash); len(resp.Errors) > 0 {
		t.Fatalf("workspace A runs by hash: errors %+v; want its own document found", resp.Errors)
	}
	if code := runPersisted(b, hash).code(); code != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("workspace B runs A's hash: code %q; want PERSISTED_QUERY_NOT_FOUND, as for a hash nobody sent", code)
	}
	if resp := registerPersisted(b, query, hash); len(resp.Errors) > 0 {
		t.Fatalf("workspace B registers: errors %+v", resp.Errors)
	}
	for name, c := range map[string]*client{"A": a, "B": b} {
		if resp := runPersisted(c, hash); len(resp.Errors) > 0 {
			t.Errorf("workspace %s runs by hash once both sent the document: errors %+v", name, resp.Errors)
		}
	}
}
