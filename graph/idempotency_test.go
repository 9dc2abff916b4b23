package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// idempotentResult is a raw response to a request with an Idempotency-Key.
type idempotentResult struct {
	status   int
	replayed bool
	body     string
}

// postWithKey sends createContact for name with an Idempotency-Key.
func (c *client) postWithKey(key, name string) idempotentResult {
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id name } userErrors { code } } }`,
		"variables": map[string]any{"input": map[string]any{"name": name}},
	})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", key)
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, req)
	return idempotentResult{rec.Code, rec.Header().Get("Idempotent-Replayed") == "true", rec.Body.String()}
}

func TestIdempotentRetryReplaysTheFirstResponse(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	first := c.postWithKey("key-1", "Ada")
	retry := c.postWithKey("key-1", "Ada")
	if first.status != http.StatusOK || first.replayed || !strings.Contains(first.body, "contact_") {
		t.Fatalf("first request = %+v", first)
	}
	if retry.body != first.body || retry.status != first.status || !retry.replayed {
		t.Errorf("retry = %+v, want the first response replayed: %s", retry, first.body)
	}
	if n := c.contactCount(); n != 1 {
		t.Errorf("workspace has %d contacts after a retry, want 1", n)
	}
	other := c.otherWorkspace()
	if got := other.postWithKey("key-1", "Ada"); got.replayed || other.contactCount() != 1 {
		t.Errorf("the same key in another workspace = %+v, want its own first request", got)
	}
}

func TestIdempotencyKeyReusedWithAnotherBody(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.postWithKey("key-2", "Ada")
	got := c.postWithKey("key-2", "Grace")
	if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "IDEMPOTENCY_KEY_REUSED") {
		t.Errorf("same key, other body = %+v, want 422 IDEMPOTENCY_KEY_REUSED", got)
	}
	if n := c.contactCount(); n != 1 {
		t.Errorf("workspace has %d contacts, want 1", n)
	}
}

func TestConcurrentIdempotentRetriesRunOnce(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	const retries = 6
	bodies := make([]string, retries)
	concurrently(retries, func(i int) *response {
		got := c.postWithKey("key-3", "Ada")
		bodies[i] = got.body
		return nil
	})
	for i, body := range bodies {
		if body != bodies[0] {
			t.Errorf("response %d differs: %s vs %s", i, body, bodies[0])
		}
	}
	if n := c.contactCount(); n != 1 {
		t.Errorf("%d concurrent retries left %d contacts, want 1", retries, n)
	}
}

func TestIdempotencyKeyLength(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	got := c.postWithKey(strings.Repeat("k", 256), "Ada")
	if got.status != http.StatusBadRequest || c.contactCount() != 0 {
		t.Errorf("256-character key = %+v, want 400 and nothing written", got)
	}
}

func TestExpiredIdempotencyKeysAreForgottenAndSwept(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.postWithKey("key-4", "Ada")
	ctx := context.Background()
	bdb := dbtest.DB(t)
	if _, err := bdb.ExecContext(ctx, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE workspace_id = ?", c.workspace); err != nil {
		t.Fatal(err)
	}
	if got := c.postWithKey("key-4", "Ada"); got.replayed || c.contactCount() != 2 {
		t.Errorf("retry after expiry = %+v with %d contacts, want a new run", got, c.contactCount())
	}
	if _, err := bdb.ExecContext(ctx, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE workspace_id = ?", c.workspace); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewStore(dbtest.APIDB(t)).DeleteExpiredIdempotencyKeys(ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := bdb.QueryRowContext(ctx, "SELECT count(*) FROM idempotency_keys WHERE workspace_id = ?", c.workspace).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d expired keys left after the sweep (err %v)", left, err)
	}
}
