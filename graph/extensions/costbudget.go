package extensions

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/httpapi/ratelimit"
)

// CostBudget bounds the summed cost of each workspace's operations per
// minute in this process: it charges each operation's cost once
// QueryShape has measured it, before any resolver runs, tells the
// response of the budget in X-RateLimit-Cost-* headers, and refuses an
// operation the workspace has not that much left for with 429.
type CostBudget struct {
	cost *ratelimit.Limiter[uuid.UUID] // nil when off
}

var (
	_ graphql.HandlerExtension        = (*CostBudget)(nil)
	_ graphql.OperationContextMutator = (*CostBudget)(nil)
)

// NewCostBudget returns the budget of perMinute units of cost a minute;
// zero is off.
func NewCostBudget(perMinute int) *CostBudget {
	b := &CostBudget{}
	if perMinute > 0 {
		b.cost = ratelimit.New[uuid.UUID](perMinute)
	}
	return b
}

// ExtensionName names the cost budget in gqlgen's statistics.
func (*CostBudget) ExtensionName() string { return "CostBudget" }

// Validate accepts any schema.
func (*CostBudget) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext charges the operation's cost to its workspace,
// or refuses it with 429 when the workspace has not that much left.
func (b *CostBudget) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	rec := request.Of(ctx)
	p := auth.FromContext(ctx)
	if b.cost == nil || rec == nil || p == nil {
		return nil
	}
	cost, _ := opCtx.Stats.GetExtension(CostExtension).(int)
	d := b.cost.Take(p.WorkspaceID, cost, time.Now())
	SetRateHeaders(rec.Header(), "X-RateLimit-Cost-", d)
	if d.Allowed {
		return nil
	}
	rec.RefuseRateLimited(d.RetryAfter)
	rec.MarkNotKept()
	return RateLimitedError(d, fmt.Sprintf(
		"This operation costs %d; this workspace has %d left of its %d a minute. Retry after %d seconds, or ask for less (smaller pages, fewer fields).",
		cost, d.Remaining, d.Limit, ratelimit.Seconds(d.RetryAfter)))
}

// SetRateHeaders tells a response of the limit that decided d, in headers
// named with prefix.
func SetRateHeaders(h http.Header, prefix string, d ratelimit.Decision) {
	h.Set(prefix+"Limit", strconv.Itoa(d.Limit))
	h.Set(prefix+"Remaining", strconv.Itoa(d.Remaining))
	h.Set(prefix+"Reset", strconv.Itoa(ratelimit.Seconds(d.Reset)))
}

// RateLimitedError is the error of a request that a rate limit refused.
func RateLimitedError(d ratelimit.Decision, message string) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    message,
		Extensions: map[string]any{"code": graph.CodeRateLimited, "retryAfter": ratelimit.Seconds(d.RetryAfter)},
	}
}
