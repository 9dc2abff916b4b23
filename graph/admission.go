package graph

import (
	"context"
	"fmt"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/sync/semaphore"
)

// admission bounds the cost of the operations that run at once in this
// process. An operation holds memory in proportion to its cost (the
// records of its pages and its response, about 20 bytes a unit, up to 1 KiB
// with the longest texts: see TestCostBoundsResponseBytes) until its
// response is written; thirty-two pages of 999 contacts at once would
// hold hundreds of megabytes. Operations over the bound wait their turn,
// first come first served, before any resolver runs: on a server busy
// with big pages, the CPU they would share goes to fewer of them at a
// time, so they finish as soon and the memory stays bounded.
type admission struct {
	running  *semaphore.Weighted
	capacity int64
}

var (
	_ graphql.HandlerExtension     = (*admission)(nil)
	_ graphql.OperationInterceptor = (*admission)(nil)
)

func newAdmission(capacity int) *admission {
	return &admission{running: semaphore.NewWeighted(int64(capacity)), capacity: int64(capacity)}
}

type admittedKey struct{}

// admitted is the cost an operation holds of the bound until its
// response is written.
type admitted struct{ cost int64 }

// middleware gives back, once the response is written, what the request's
// operation was admitted with.
func (a *admission) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		held := &admitted{}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), admittedKey{}, held)))
		if held.cost > 0 {
			a.running.Release(held.cost)
		}
	})
}

// ExtensionName names the bound in gqlgen's statistics.
func (*admission) ExtensionName() string { return "Admission" }

// Validate accepts any schema.
func (*admission) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation waits until the operation's cost fits in the bound.
// An operation that costs more than the whole bound runs alone.
func (a *admission) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	held, ok := ctx.Value(admittedKey{}).(*admitted)
	if !ok {
		return next(ctx)
	}
	cost, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(costExtension).(int)
	weight := min(max(int64(cost), 1), a.capacity)
	if err := a.running.Acquire(ctx, weight); err != nil {
		// The client went away while the operation waited.
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{internalError(ctx, fmt.Errorf("wait to run: %w", err))}})
	}
	held.cost = weight
	return next(ctx)
}
