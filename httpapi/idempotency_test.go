package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

func TestIdempotentRetryReplaysTheFirstResponse(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	first := c.PostWithKey("key-1", "Ada")
	retry := c.PostWithKey("key-1", "Ada")
	if first.Status != http.StatusOK || first.Replayed || !strings.Contains(first.Body, "contact_") {
		t.Fatalf("first request = %+v", first)
	}
	if retry.Body != first.Body || retry.Status != first.Status || !retry.Replayed {
		t.Errorf("retry = %+v, want the first response replayed: %s", retry, first.Body)
	}
	if n := c.ContactCount(); n != 1 {
		t.Errorf("workspace has %d contacts after a retry, want 1", n)
	}
	other := c.OtherWorkspace()
	if got := other.PostWithKey("key-1", "Ada"); got.Replayed || other.ContactCount() != 1 {
		t.Errorf("the same key in another workspace = %+v, want its own first request", got)
	}
}

func TestIdempotencyKeyReusedWithAnotherBody(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	c.PostWithKey("key-2", "Ada")
	got := c.PostWithKey("key-2", "Grace")
	if got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, "IDEMPOTENCY_KEY_REUSED") {
		t.Errorf("same key, other body = %+v, want 422 IDEMPOTENCY_KEY_REUSED", got)
	}
	if n := c.ContactCount(); n != 1 {
		t.Errorf("workspace has %d contacts, want 1", n)
	}
}

func TestConcurrentIdempotentRetriesRunOnce(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	const retries = 6
	bodies := make([]string, retries)
	graphtest.Concurrently(retries, func(i int) *graphtest.Response {
		got := c.PostWithKey("key-3", "Ada")
		bodies[i] = got.Body
		return nil
	})
	for i, body := range bodies {
		if body != bodies[0] {
			t.Errorf("response %d differs: %s vs %s", i, body, bodies[0])
		}
	}
	if n := c.ContactCount(); n != 1 {
		t.Errorf("%d concurrent retries left %d contacts, want 1", retries, n)
	}
}

func TestIdempotencyKeyLength(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	got := c.PostWithKey(strings.Repeat("k", 256), "Ada")
	if got.Status != http.StatusBadRequest || c.ContactCount() != 0 {
		t.Errorf("256-character key = %+v, want 400 and nothing written", got)
	}
}

func TestExpiredIdempotencyKeysAreForgottenAndSwept(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	c.PostWithKey("key-4", "Ada")
	ctx := context.Background()
	bdb := dbtest.DB(t)
	if _, err := bdb.ExecContext(ctx, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE workspace_id = ?", c.Workspace); err != nil {
		t.Fatal(err)
	}
	if got := c.PostWithKey("key-4", "Ada"); got.Replayed || c.ContactCount() != 2 {
		t.Errorf("retry after expiry = %+v with %d contacts, want a new run", got, c.ContactCount())
	}
	if _, err := bdb.ExecContext(ctx, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE workspace_id = ?", c.Workspace); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewStore(dbtest.APIDB(t)).DeleteExpiredIdempotencyKeys(ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := bdb.QueryRowContext(ctx, "SELECT count(*) FROM idempotency_keys WHERE workspace_id = ?", c.Workspace).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d expired keys left after the sweep (err %v)", left, err)
	}
}

// createReaderKey asks for a contacts:read API key.
const createReaderKey = `mutation { createApiKey(input: {name: "sync", scopes: ["contacts:read"]}) { apiKey { id } secret userErrors { code } } }`

// TestIdempotencyKeyBelongsToItsCaller replays a keys:admin caller's
// createApiKey, key and body alike, with every other credential of the
// workspace: each is refused as a reuse of the key and sees nothing of
// the first response; the caller itself, with a fresh token, gets it.
func TestIdempotencyKeyBelongsToItsCaller(t *testing.T) {
	t.Parallel()
	admin := graphtest.NewClientWith(t, graphtest.NewHandler(t), uuid.New(), graphtest.AllScopes)
	ws := admin.Workspace
	_, readerKey := admin.CreateAPIKey("reader", auth.ScopeRead)
	_, adminKey := admin.CreateAPIKey("admin", auth.Scopes...)

	first := admin.SendWithKey("new-key", createReaderKey, nil)
	var out struct {
		CreateAPIKey graphtest.CreateAPIKeyPayload `json:"createApiKey"`
	}
	if err := json.Unmarshal(first.Data, &out); err != nil || out.CreateAPIKey.Secret == nil {
		t.Fatalf("createApiKey: status %d, %s; want a new key and its secret", first.Status, first.Body)
	}
	secret := *out.CreateAPIKey.Secret

	others := []struct{ name, token string }{
		{"a contacts:read API key", readerKey},
		{"an API key with every scope", adminKey},
		{"a token of the same subject without scopes", graphtest.MintTokenOf(t, ws, "", "test")},
		{"a token of the same subject with fewer scopes", graphtest.MintTokenOf(t, ws, auth.ScopeRead+" "+auth.ScopeWrite, "test")},
		{"a token of another subject with the same scopes", graphtest.MintTokenOf(t, ws, graphtest.AllScopes, "someone-else")},
	}
	for _, o := range others {
		got := admin.WithToken(o.token).SendWithKey("new-key", createReaderKey, nil)
		if got.Status != http.StatusUnprocessableEntity || got.Code() != "IDEMPOTENCY_KEY_REUSED" || got.Replayed() {
			t.Errorf("%s replaying the key: status %d, replayed %v, %s; want 422 IDEMPOTENCY_KEY_REUSED", o.name, got.Status, got.Replayed(), got.Body)
		}
		if bytes.Contains(got.Body, []byte(secret)) || bytes.Contains(got.Body, []byte(out.CreateAPIKey.APIKey.ID)) {
			t.Errorf("%s got the first response's key or secret: %s", o.name, got.Body)
		}
	}
	// The same caller: its subject and scopes, in another token.
	scopes := slices.Clone(auth.Scopes)
	slices.Reverse(scopes)
	again := admin.WithToken(graphtest.MintTokenOf(t, ws, strings.Join(scopes, " "), "test")).SendWithKey("new-key", createReaderKey, nil)
	if again.Status != http.StatusOK || !again.Replayed() || !bytes.Contains(again.Body, []byte(out.CreateAPIKey.APIKey.ID)) ||
		bytes.Contains(again.Body, []byte(secret)) || again.Code() != graph.CodeSecretNotReplayed {
		t.Errorf("the caller's retry with a fresh token: status %d, replayed %v, %s; want its response replayed without the secret", again.Status, again.Replayed(), again.Body)
	}
	if n := len(admin.ListAPIKeys()); n != 3 {
		t.Errorf("the workspace has %d API keys; want 3, the new one created once", n)
	}

	// An API key's own retries are replayed to it alone.
	backend := admin.WithToken(adminKey)
	created := backend.SendWithKey("backend-key", `mutation { createContact(input: {name: "Ada"}) { contact { id } } }`, nil)
	if retry := backend.SendWithKey("backend-key", `mutation { createContact(input: {name: "Ada"}) { contact { id } } }`, nil); !retry.Replayed() || !bytes.Equal(retry.Body, created.Body) {
		t.Errorf("an API key's retry: replayed %v, %s; want its first response %s", retry.Replayed(), retry.Body, created.Body)
	}
}

// TestRefusalsAreNotKept sends createApiKey with a token that lacks
// keys:admin, then the same key and body with one that has it: the
// refusal was not kept, so the second caller's request runs.
func TestRefusalsAreNotKept(t *testing.T) {
	t.Parallel()
	admin := graphtest.NewClientWith(t, graphtest.NewHandler(t), uuid.New(), graphtest.AllScopes)
	writer := admin.WithToken(graphtest.MintTokenOf(t, admin.Workspace, auth.ScopeRead+" "+auth.ScopeWrite, "writer"))
	for range 2 {
		if got := writer.SendWithKey("key", createReaderKey, nil); got.Code() != service.CodeForbidden || got.Replayed() {
			t.Fatalf("createApiKey without keys:admin: replayed %v, %s; want FORBIDDEN, not replayed", got.Replayed(), got.Body)
		}
	}
	got := admin.SendWithKey("key", createReaderKey, nil)
	if got.Status != http.StatusOK || got.Replayed() || len(got.Errors) > 0 || !bytes.Contains(got.Body, []byte(`"secret":"ck_`)) {
		t.Errorf("the same key and body with keys:admin: status %d, replayed %v, %s; want the key created", got.Status, got.Replayed(), got.Body)
	}
}

// faultAfter makes the first query that contains substring, once a query
// that contains after has run, panic: a fault on the way of one request,
// which its retry does not meet.
type faultAfter struct {
	after, substring string
	armed, fired     atomic.Bool
}

func (h *faultAfter) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if h.armed.Load() && strings.Contains(e.Query, h.substring) && h.fired.CompareAndSwap(false, true) {
		panic("forced fault after " + h.after)
	}
	if strings.Contains(e.Query, h.after) {
		h.armed.Store(true)
	}
	return ctx
}

func (*faultAfter) AfterQuery(context.Context, *bun.QueryEvent) {}

// TestFaultAfterAMutationNeverDoesItTwice fails an idempotent mutation
// once, after it wrote, at each step left before the client has its
// answer, and retries it: the retry runs the mutation once in all, or
// replays its committed response.
func TestFaultAfterAMutationNeverDoesItTwice(t *testing.T) {
	t.Parallel()
	const createAccount = `mutation { createAccount(input: {name: "Acme"}) { account { id contacts(first: 5) { nodes { id } } } userErrors { code } } }`
	tests := []struct{ name, substring string }{
		{"reading what it wrote for the response", "JOIN contact_accounts AS ca"},
		{"keeping the response", `INSERT INTO "idempotency_keys"`},
		{"committing", "COMMIT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			healthy := graphtest.NewClient(t)
			healthy.AccountCount() // provisions the workspace
			fault := &faultAfter{after: `INSERT INTO "accounts"`, substring: tt.substring}
			c := graphtest.NewClientWith(t, graphtest.NewHandlerOf(t, graphtest.ServiceWithHook(t, fault)), healthy.Workspace, graphtest.AllScopes)
			first := c.SendWithKey("create-acme", createAccount, nil)
			if !fault.fired.Load() || first.Code() != service.CodeInternal {
				t.Fatalf("first attempt: fault fired %v, status %d, %s; want the fault to fail it as INTERNAL", fault.fired.Load(), first.Status, first.Body)
			}
			if length := first.Header.Get("Content-Length"); length != "" && length != strconv.Itoa(len(first.Body)) {
				t.Errorf("first attempt: Content-Length %s for a body of %d bytes (%s); the response not sent must not lend its length to the error sent instead", length, len(first.Body), first.Body)
			}
			retry := c.SendWithKey("create-acme", createAccount, nil)
			if retry.Status != http.StatusOK || len(retry.Errors) > 0 || !bytes.Contains(retry.Body, []byte(`"id":"account_`)) {
				t.Errorf("retry: status %d, %s; want the account, created or replayed", retry.Status, retry.Body)
			}
			if n := healthy.AccountCount(); n != 1 {
				t.Errorf("the workspace has %d accounts after a failed attempt and a retry; want 1", n)
			}
		})
	}
}

// TestIdempotentMutationsKeepTheirOwnTransactions sends, with an
// Idempotency-Key, a document of four mutations whose second is refused:
// the request runs in one transaction, but each mutation keeps its own
// rule, so the others write and the second writes nothing, and the last
// finds what the first wrote. With row-level security and without.
func TestIdempotentMutationsKeepTheirOwnTransactions(t *testing.T) {
	t.Parallel()
	const doc = `mutation {
		ada: createContact(input: {name: "Ada", externalId: "ada"}) { contact { id } userErrors { code } }
		twin: createContact(input: {name: "Ada again", externalId: "ada"}) { contact { id } userErrors { code } }
		grace: createContact(input: {name: "Grace"}) { contact { id } userErrors { code } }
		byExternalId: upsertContact(input: {externalId: "ada", description: "first"}) { contact { name description } userErrors { code } }
	}`
	graphtest.EachWay(t, func(t *testing.T, svc *service.Service) {
		c := graphtest.NewClientOf(t, svc)
		first := c.SendWithKey("four", doc, nil)
		var out struct {
			Ada, Twin, Grace struct {
				Contact    *struct{ ID string }
				UserErrors []graphtest.UserError
			}
			ByExternalID struct {
				Contact *struct{ Name, Description string }
			}
		}
		if err := json.Unmarshal(first.Data, &out); err != nil || len(first.Errors) > 0 {
			t.Fatalf("status %d, %s; want data without errors", first.Status, first.Body)
		}
		if out.Ada.Contact == nil || out.Grace.Contact == nil || out.Twin.Contact != nil || len(out.Twin.UserErrors) != 1 || out.Twin.UserErrors[0].Code != "ALREADY_EXISTS" {
			t.Errorf("got %s; want ada and grace created, twin refused with ALREADY_EXISTS", first.Data)
		}
		if u := out.ByExternalID.Contact; u == nil || u.Name != "Ada" || u.Description != "first" {
			t.Errorf("the update by external id got %+v; want it to find what the first mutation wrote", u)
		}
		if n := c.ContactCount(); n != 2 {
			t.Errorf("%d contacts; want 2", n)
		}
		if retry := c.SendWithKey("four", doc, nil); !retry.Replayed() || !bytes.Equal(retry.Body, first.Body) || c.ContactCount() != 2 {
			t.Errorf("retry: replayed %v, %s; want the first response and nothing more written", retry.Replayed(), retry.Body)
		}
	})
}

// TestIdempotentRequestHoldsOneConnection runs idempotent requests, a
// mutation that reads what it wrote and a query of several lookups, on a
// pool of one connection: a request that needed a second connection while
// holding its first would wait for it until its deadline.
func TestIdempotentRequestHoldsOneConnection(t *testing.T) {
	t.Parallel()
	bdb := dbtest.Open(t, db.OpenAPI, dbtest.URL(t))
	bdb.SetMaxOpenConns(1)
	c := graphtest.NewClientOf(t, graphtest.ServiceOf(t, bdb))
	docs := []string{
		`mutation { createAccount(input: {name: "Acme"}) { account { id contacts(first: 5) { nodes { id } } } } }`,
		`mutation { createContact(input: {name: "Ada", phones: [{number: "+44 20 7946 0000"}]}) { contact { id phones { number } portalRole { slug } } } }`,
		`{ contacts { totalCount nodes { id phones { number } } } accounts { nodes { id } } portalRoles { id } }`,
	}
	for i, doc := range docs {
		body, _ := json.Marshal(map[string]any{"query": doc})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req := graphtest.NewGraphQLRequest(http.MethodPost, "/graphql", string(body), c.Token, "").WithContext(ctx)
		req.Header.Set("Idempotency-Key", fmt.Sprint("one-connection-", i))
		got := c.Send(req)
		cancel()
		if got.Status != http.StatusOK || len(got.Errors) > 0 {
			t.Errorf("%s on a pool of one connection: status %d, %s; want it served", doc, got.Status, got.Body)
		}
	}
}
