package graph

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph/ratelimit"
)

// RateLimits are the per-workspace limits of one process, so that one
// tenant cannot starve the others. A zero limit is off.
type RateLimits struct {
	// RequestsPerMinute bounds a workspace's requests to /graphql.
	RequestsPerMinute int
	// CostPerMinute bounds the summed cost (see complexityRoot) of a
	// workspace's operations.
	CostPerMinute int
	// FailedAuthPerMinute bounds the failed authentications of one
	// client network (an IPv4 address, an IPv6 /64), whatever it tries.
	FailedAuthPerMinute int
}

// DefaultRateLimits are the limits of a server that sets none.
var DefaultRateLimits = RateLimits{RequestsPerMinute: 1200, CostPerMinute: 1_000_000, FailedAuthPerMinute: 60}

// CodeRateLimited refuses a request over a rate limit, with HTTP 429.
const CodeRateLimited = "RATE_LIMITED"

// rateLimiter applies RateLimits: its middleware counts requests, and as
// a gqlgen extension it charges each operation's cost once queryShape has
// measured it, before any resolver runs.
type rateLimiter struct {
	requests *ratelimit.Limiter[uuid.UUID] // nil when off
	cost     *ratelimit.Limiter[uuid.UUID] // nil when off
}

func newRateLimiter(l RateLimits) *rateLimiter {
	rl := &rateLimiter{}
	if l.RequestsPerMinute > 0 {
		rl.requests = ratelimit.New[uuid.UUID](l.RequestsPerMinute)
	}
	if l.CostPerMinute > 0 {
		rl.cost = ratelimit.New[uuid.UUID](l.CostPerMinute)
	}
	return rl
}

// rateState carries what the cost budget decides to the response writer.
type rateState struct {
	header     http.Header
	retryAfter time.Duration
}

type rateStateKey struct{}

// middleware refuses a workspace's request over its request limit with
// 429, and tells every response of the limit in X-RateLimit-* headers. It
// runs after authentication, which names the workspace.
func (rl *rateLimiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		if p == nil || rl.requests == nil && rl.cost == nil {
			next.ServeHTTP(w, r)
			return
		}
		if rl.requests != nil {
			d := rl.requests.Take(p.WorkspaceID, 1, time.Now())
			setRateHeaders(w.Header(), "X-RateLimit-", d)
			if !d.Allowed {
				w.Header().Set("Retry-After", strconv.Itoa(seconds(d.RetryAfter)))
				writeGraphQLError(r.Context(), w, http.StatusTooManyRequests, rateLimitedError(d, fmt.Sprintf(
					"This workspace is over its limit of %d requests a minute; retry after %d seconds.", d.Limit, seconds(d.RetryAfter))))
				return
			}
		}
		state := &rateState{header: w.Header()}
		ctx := context.WithValue(r.Context(), rateStateKey{}, state)
		next.ServeHTTP(&rateLimitedWriter{ResponseWriter: w, state: state}, r.WithContext(ctx))
	})
}

// ExtensionName names the cost budget in gqlgen's statistics.
func (*rateLimiter) ExtensionName() string { return "CostBudget" }

// Validate accepts any schema.
func (*rateLimiter) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext charges the operation's cost to its workspace,
// or refuses it with 429 when the workspace has not that much left.
func (rl *rateLimiter) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	state, _ := ctx.Value(rateStateKey{}).(*rateState)
	p := auth.FromContext(ctx)
	if rl.cost == nil || state == nil || p == nil {
		return nil
	}
	cost, _ := opCtx.Stats.GetExtension(costExtension).(int)
	d := rl.cost.Take(p.WorkspaceID, cost, time.Now())
	setRateHeaders(state.header, "X-RateLimit-Cost-", d)
	if d.Allowed {
		return nil
	}
	state.retryAfter = d.RetryAfter
	markNotKept(ctx)
	return rateLimitedError(d, fmt.Sprintf(
		"This operation costs %d; this workspace has %d left of its %d a minute. Retry after %d seconds, or ask for less (smaller pages, fewer fields).",
		cost, d.Remaining, d.Limit, seconds(d.RetryAfter)))
}

func setRateHeaders(h http.Header, prefix string, d ratelimit.Decision) {
	h.Set(prefix+"Limit", strconv.Itoa(d.Limit))
	h.Set(prefix+"Remaining", strconv.Itoa(d.Remaining))
	h.Set(prefix+"Reset", strconv.Itoa(seconds(d.Reset)))
}

// seconds rounds d up to whole seconds.
func seconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

func rateLimitedError(d ratelimit.Decision, message string) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    message,
		Extensions: map[string]any{"code": CodeRateLimited, "retryAfter": seconds(d.RetryAfter)},
	}
}

// rateLimitedWriter turns the status of a response whose operation the
// cost budget refused into 429, with Retry-After.
type rateLimitedWriter struct {
	http.ResponseWriter
	state       *rateState
	wroteHeader bool
}

func (w *rateLimitedWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	if w.state.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(seconds(w.state.retryAfter)))
		status = http.StatusTooManyRequests
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *rateLimitedWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *rateLimitedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
