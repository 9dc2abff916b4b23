package extensions

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/sync/semaphore"

	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/request"
)

// Admission bounds the cost of the operations that run at once in this
// process. An operation holds memory in proportion to its cost (the
// records of its pages and its response, about 20 bytes a unit, up to 1 KiB
// with the longest texts: see TestCostBoundsResponseBytes) until its
// response is written; thirty-two pages of 999 contacts at once would
// hold hundreds of megabytes. Operations over the bound wait their turn,
// first come first served, before any resolver runs: on a server busy
// with big pages, the CPU they would share goes to fewer of them at a
// time, so they finish as soon and the memory stays bounded. What an
// operation holds is given back once its response is written (see
// request.Record.ResponseWritten).
type Admission struct {
	running  *semaphore.Weighted
	capacity int64
}

var (
	_ graphql.HandlerExtension     = (*Admission)(nil)
	_ graphql.OperationInterceptor = (*Admission)(nil)
)

// NewAdmission returns the bound of capacity, in units of cost.
func NewAdmission(capacity int) *Admission {
	return &Admission{running: semaphore.NewWeighted(int64(capacity)), capacity: int64(capacity)}
}

// ExtensionName names the bound in gqlgen's statistics.
func (*Admission) ExtensionName() string { return "Admission" }

// Validate accepts any schema.
func (*Admission) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation waits until the operation's cost fits in the bound.
// An operation that costs more than the whole bound runs alone; one
// outside a request's record, which would never give its cost back, is
// not bounded.
func (a *Admission) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	rec := request.Of(ctx)
	if rec == nil {
		return next(ctx)
	}
	cost, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(CostExtension).(int)
	weight := min(max(int64(cost), 1), a.capacity)
	if err := a.running.Acquire(ctx, weight); err != nil {
		// The client went away while the operation waited.
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{graph.InternalError(ctx, fmt.Errorf("wait to run: %w", err))}})
	}
	rec.AfterResponse(func() { a.running.Release(weight) })
	return next(ctx)
}
