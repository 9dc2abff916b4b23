package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
)

// checkRateLimited checks that resp is a 429 RATE_LIMITED refusal with a
// Retry-After of wantRetry seconds that ran no SQL.
func checkRateLimited(t *testing.T, resp *graphtest.Response, wantRetry int) {
	t.Helper()
	if resp.Status != http.StatusTooManyRequests || resp.Code() != graph.CodeRateLimited || graphtest.HasData(resp) {
		t.Fatalf("status %d, code %q, data %s; want 429 and %s without data (errors %+v)", resp.Status, resp.Code(), resp.Data, graph.CodeRateLimited, resp.Errors)
	}
	if got := resp.Header.Get("Retry-After"); got != strconv.Itoa(wantRetry) {
		t.Errorf("Retry-After %q; want %d seconds", got, wantRetry)
	}
	if got := resp.Errors[0].Extensions["retryAfter"]; got != float64(wantRetry) {
		t.Errorf("extensions.retryAfter %v; want %d", got, wantRetry)
	}
	if resp.Statements != 0 {
		t.Errorf("the refused request ran %d SQL statements; want 0", resp.Statements)
	}
}

// checkIdempotentRateLimited checks that resp is a 429 RATE_LIMITED
// refusal of a request with an Idempotency-Key, which was not replayed.
func checkIdempotentRateLimited(t *testing.T, resp *graphtest.Response) {
	t.Helper()
	if resp.Status != http.StatusTooManyRequests || resp.Code() != graph.CodeRateLimited || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, code %q, Retry-After %q; want 429 and %s with a Retry-After (errors %+v)",
			resp.Status, resp.Code(), resp.Header.Get("Retry-After"), graph.CodeRateLimited, resp.Errors)
	}
	if resp.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the refusal was replayed; want a refused request's key released, so its retry runs")
	}
}

// checkRateHeaders checks the rate-limit headers of kind. Remaining may
// exceed remaining by what the bucket refills in a second (limit/60), the
// time a loaded machine may take between two requests of a test.
func checkRateHeaders(t *testing.T, resp *graphtest.Response, kind string, limit, remaining int) {
	t.Helper()
	h := resp.Header
	got, err := strconv.Atoi(h.Get("X-RateLimit" + kind + "-Remaining"))
	if h.Get("X-RateLimit"+kind+"-Limit") != strconv.Itoa(limit) || err != nil || got < remaining || got > remaining+limit/60 || h.Get("X-RateLimit"+kind+"-Reset") == "" {
		t.Errorf("X-RateLimit%[1]s-Limit %q, -Remaining %q, -Reset %q; want %d, %d (or up to a second's refill more) and seconds", kind,
			h.Get("X-RateLimit"+kind+"-Limit"), h.Get("X-RateLimit"+kind+"-Remaining"), h.Get("X-RateLimit"+kind+"-Reset"), limit, remaining)
	}
}

func TestRequestRateLimit(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandlerWith(t, httpapi.Options{RateLimits: httpapi.RateLimits{RequestsPerMinute: 3}})
	c := graphtest.NewClientWith(t, h, uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite)
	for i := range 3 {
		resp := c.Post(`{ contacts { totalCount } }`, nil)
		if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
			t.Fatalf("request %d of 3: status %d, errors %+v; want it served", i+1, resp.Status, resp.Errors)
		}
		checkRateHeaders(t, resp, "", 3, 2-i)
	}
	// 3 a minute: the next token comes in 20 seconds.
	resp := c.Post(`{ contacts { totalCount } }`, nil)
	checkRateLimited(t, resp, 20)
	checkRateHeaders(t, resp, "", 3, 0)
	if got := resp.Header.Get("X-RateLimit-Reset"); got != "60" {
		t.Errorf("X-RateLimit-Reset %q; want 60 seconds until the bucket is full", got)
	}

	other := c.OtherWorkspace()
	if resp := other.Post(`{ contacts { totalCount } }`, nil); resp.Status != http.StatusOK {
		t.Fatalf("another workspace: status %d, errors %+v; want it served, whatever the first one did", resp.Status, resp.Errors)
	}
}

func TestCostRateLimit(t *testing.T) {
	t.Parallel()
	h := graphtest.NewHandlerWith(t, httpapi.Options{RateLimits: httpapi.RateLimits{CostPerMinute: 3000}})
	c := graphtest.NewClientWith(t, h, uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite)
	const page = `{ contacts(first: 999) { nodes { id } } }` // 999 × (1 + 1) = 1,998
	resp := c.Post(page, nil)
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("first page: status %d, errors %+v; want it served", resp.Status, resp.Errors)
	}
	checkRateHeaders(t, resp, "-Cost", 3000, 1002)
	if resp.Header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("X-RateLimit-Limit %q with the request limit off; want none", resp.Header.Get("X-RateLimit-Limit"))
	}

	// 996 more are needed at 50 a second: 20 seconds.
	resp = c.Post(page, nil)
	checkRateLimited(t, resp, 20)
	checkRateHeaders(t, resp, "-Cost", 3000, 1002)

	if resp := c.Post(`{ contacts(first: 10) { nodes { id } } }`, nil); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("a cheaper page: status %d, errors %+v; want it served from what is left", resp.Status, resp.Errors)
	}

	// A refused mutation is not kept for its Idempotency-Key: its retry
	// is refused again rather than replayed.
	for range 2 {
		req := c.Request(`mutation { createAccount(input: {name: "Acme"}) { account { contacts(first: 999) { nodes { id } } } } }`)
		req.Header.Set("Idempotency-Key", "retry-me")
		checkIdempotentRateLimited(t, c.Send(req))
	}
	var out struct{ Accounts struct{ TotalCount int } }
	graphtest.NewClientWith(t, graphtest.NewHandler(t), c.Workspace, auth.ScopeRead).MustDo(`{ accounts { totalCount } }`, nil, &out)
	if out.Accounts.TotalCount != 0 {
		t.Errorf("the refused mutations created %d accounts; want none", out.Accounts.TotalCount)
	}
}
