package extensions_test

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
	"github.com/contacts-api/contacts/graph/extensions"
	"github.com/contacts-api/contacts/graph/graphtest"
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
func registerPersisted(c *graphtest.Client, query, hash string) *graphtest.Response {
	c.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "extensions": persistedQueryExtension(hash)})
	return c.Send(graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", string(body), c.Token, ""))
}

// runPersisted sends only the hash over GET.
func runPersisted(c *graphtest.Client, hash string) *graphtest.Response {
	c.T.Helper()
	ext, _ := json.Marshal(persistedQueryExtension(hash))
	return c.Send(graphtest.NewGraphQLRequest(http.MethodGet, "/graphql?extensions="+url.QueryEscape(string(ext)), "", c.Token, ""))
}

func TestPersistedQueryRunsByHashOverGET(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	c.CreateContact(map[string]any{"name": "Ada Lovelace"})
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
	c := graphtest.NewClient(t)
	const query = `{ contacts { totalCount } }`
	tests := []struct {
		name        string
		send        func() *graphtest.Response
		wantCode    string
		wantMessage string
	}{
		{"unknown hash", func() *graphtest.Response { return runPersisted(c, sha256Hex("{ never sent }")) },
			"PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound"},
		// gqlgen gives this error no code.
		{"hash that does not match the document", func() *graphtest.Response { return registerPersisted(c, query, sha256Hex("{ other }")) },
			"", "provided APQ hash does not match query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.send()
			if graphtest.HasData(resp) || len(resp.Errors) == 0 {
				t.Fatalf("status %d, data %s; want an error and no data", resp.Status, resp.Data)
			}
			if resp.Code() != tt.wantCode || resp.Errors[0].Message != tt.wantMessage {
				t.Fatalf("errors %+v; want code %q and message %q", resp.Errors, tt.wantCode, tt.wantMessage)
			}
		})
	}
}

func TestPersistedMutationIsRefusedOverGET(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	const mutation = `mutation { createContact(input: {name: "Ada Lovelace"}) { contact { id } } }`
	hash := sha256Hex(mutation)
	registerPersisted(c, mutation, hash)
	if resp := runPersisted(c, hash); resp.Status != http.StatusMethodNotAllowed {
		t.Fatalf("GET of a persisted mutation: status %d; want 405", resp.Status)
	}
	if n := c.ContactCount(); n != 1 {
		t.Fatalf("the workspace has %d contacts; want 1, from the POST only", n)
	}
}

func TestPersistedQueryCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t) // a handler of its own, so its cache starts empty
	hashes := make([]string, extensions.PersistedQueryCacheSize+1)
	for i := range hashes {
		query := fmt.Sprintf("query Q%d { __typename }", i)
		hashes[i] = sha256Hex(query)
		if resp := registerPersisted(c, query, hashes[i]); len(resp.Errors) > 0 {
			t.Fatalf("register query %d: errors %+v", i, resp.Errors)
		}
	}
	if code := runPersisted(c, hashes[0]).Code(); code != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("the oldest of %d queries: code %q; want PERSISTED_QUERY_NOT_FOUND, evicted from a cache of %d",
			len(hashes), code, extensions.PersistedQueryCacheSize)
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
	h := graphtest.NewHandler(t)
	a := graphtest.NewClientWith(t, h, uuid.New(), auth.ScopeRead)
	b := graphtest.NewClientWith(t, h, uuid.New(), auth.ScopeRead)
	const query = `query Secret { contacts { totalCount } }`
	hash := sha256Hex(query)
	if resp := registerPersisted(a, query, hash); len(resp.Errors) > 0 {
		t.Fatalf("workspace A registers: errors %+v", resp.Errors)
	}
	if resp := runPersisted(a, hash); len(resp.Errors) > 0 {
		t.Fatalf("workspace A runs by hash: errors %+v; want its own document found", resp.Errors)
	}
	if code := runPersisted(b, hash).Code(); code != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("workspace B runs A's hash: code %q; want PERSISTED_QUERY_NOT_FOUND, as for a hash nobody sent", code)
	}
	if resp := registerPersisted(b, query, hash); len(resp.Errors) > 0 {
		t.Fatalf("workspace B registers: errors %+v", resp.Errors)
	}
	for name, c := range map[string]*graphtest.Client{"A": a, "B": b} {
		if resp := runPersisted(c, hash); len(resp.Errors) > 0 {
			t.Errorf("workspace %s runs by hash once both sent the document: errors %+v", name, resp.Errors)
		}
	}
}
