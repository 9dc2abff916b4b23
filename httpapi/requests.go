package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph/extensions"
	"github.com/contacts-api/contacts/httpapi/ratelimit"
)

// RateLimits are the per-workspace limits of one process, so that one
// tenant cannot starve the others. A zero limit is off.
type RateLimits struct {
	// RequestsPerMinute bounds a workspace's requests to /graphql.
	RequestsPerMinute int
	// CostPerMinute bounds the summed cost (see graph's complexity.go)
	// of a workspace's operations: extensions.CostBudget.
	CostPerMinute int
	// FailedAuthPerMinute bounds the failed authentications of one
	// client network (an IPv4 address, an IPv6 /64), whatever it tries.
	FailedAuthPerMinute int
}

// DefaultRateLimits are the limits of a server that sets none.
var DefaultRateLimits = RateLimits{RequestsPerMinute: 1200, CostPerMinute: 1_000_000, FailedAuthPerMinute: 60}

// limitRequests refuses a workspace's request over its request limit
// with 429, and tells every response of the limit in X-RateLimit-*
// headers. It runs after authentication, which names the workspace; the
// cost of its operation is charged later, by extensions.CostBudget.
func limitRequests(l RateLimits) func(http.Handler) http.Handler {
	if l.RequestsPerMinute <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	requests := ratelimit.New[uuid.UUID](l.RequestsPerMinute)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := auth.FromContext(r.Context())
			if p == nil {
				next.ServeHTTP(w, r)
				return
			}
			d := requests.Take(p.WorkspaceID, 1, time.Now())
			extensions.SetRateHeaders(w.Header(), "X-RateLimit-", d)
			if !d.Allowed {
				w.Header().Set("Retry-After", strconv.Itoa(ratelimit.Seconds(d.RetryAfter)))
				writeGraphQLError(r.Context(), w, http.StatusTooManyRequests, extensions.RateLimitedError(d, fmt.Sprintf(
					"This workspace is over its limit of %d requests a minute; retry after %d seconds.", d.Limit, ratelimit.Seconds(d.RetryAfter))))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
