package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

// faultWait bounds how long a fault test waits for what takes
// milliseconds when the property holds.
const faultWait = 10 * time.Second

// apiClient calls a running server's API as one workspace: the harness's
// client against the server's URL, with this package's checks of what a
// fault may answer.
type apiClient struct{ *graphtest.Client }

func newAPIClient(t *testing.T, addr string) *apiClient {
	t.Helper()
	c := graphtest.NewClientAt(t, "http://"+addr, auth.ScopeRead+" "+auth.ScopeWrite)
	c.HTTP = &http.Client{Timeout: faultWait}
	return &apiClient{c}
}

// answer is what a request to /graphql got: a response, or the error
// that kept it from getting one.
type answer struct {
	*graphtest.Response
	err error
}

// ok reports whether the request succeeded: a 200 without errors.
func (a *answer) ok() bool {
	return a.err == nil && a.Status == http.StatusOK && len(a.Errors) == 0
}

// internal reports whether the request failed as a fault should show: an
// INTERNAL error, or 503; or UNAVAILABLE (see unavailable).
func (a *answer) internal() bool {
	if a.err != nil {
		return false
	}
	for _, e := range a.Errors {
		if e.Extensions["code"] != service.CodeInternal && !a.unavailable() {
			return false
		}
	}
	return len(a.Errors) > 0 || a.Status == http.StatusServiceUnavailable
}

// unavailable reports whether the request failed as an outage of the
// database that wrote nothing shows: 503 with a Retry-After, and only
// UNAVAILABLE errors.
func (a *answer) unavailable() bool {
	if a.err != nil || a.Status != http.StatusServiceUnavailable || a.Header.Get("Retry-After") == "" || len(a.Errors) == 0 {
		return false
	}
	for _, e := range a.Errors {
		if e.Extensions["code"] != service.CodeUnavailable {
			return false
		}
	}
	return true
}

func (a *answer) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	return fmt.Sprintf("status %d: %s", a.Status, bytes.TrimSpace(a.Body))
}

// post sends a GraphQL request.
func (c *apiClient) post(ctx context.Context, query string, vars map[string]any) *answer {
	resp, err := c.Try(ctx, query, vars)
	return &answer{Response: resp, err: err}
}

// mustPost sends a GraphQL request that must succeed.
func (c *apiClient) mustPost(t *testing.T, query string, vars map[string]any) json.RawMessage {
	t.Helper()
	a := c.post(context.Background(), query, vars)
	if !a.ok() {
		t.Fatalf("request failed: %s\nquery: %s", a, query)
	}
	return a.Data
}

// TestServeSetsTheTimeouts checks that the server's own pool has the
// statement timeout of its configuration: a query that waits for a lock
// longer is cancelled by PostgreSQL, and the client sees INTERNAL.
func TestServeSetsTheTimeouts(t *testing.T) {
	t.Parallel()
	cfg := testConfig(dbtest.EmptyDatabase(t))
	cfg.DatabaseTimeouts = db.Timeouts{Statement: 300 * time.Millisecond}
	at, _ := startServing(t, cfg)
	c := newAPIClient(t, at.api.String())
	c.mustPost(t, `{ portalSettings { defaultPortalRole { slug } } }`, nil) // provisions the workspace

	ctx := context.Background()
	tx, err := dbtest.Open(t, db.Open, cfg.DatabaseURL).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	if a := c.post(ctx, `{ contacts { totalCount } }`, nil); !a.internal() {
		t.Fatalf("a query waiting for a lock for longer than the statement timeout: %s; want INTERNAL", a)
	}
}
