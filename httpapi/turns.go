package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/sync/semaphore"

	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/request"
	"github.com/contacts-api/contacts/service"
)

// turns lets a bounded number of requests at once run past it, as many
// as the database pool has connections for them
// (Limits.MaxConcurrentOperations), and the others wait their turn in the
// order they came. Without it, the requests over the pool's size would
// wait for a connection, which database/sql hands to a waiter chosen at
// random: under load the unlucky wait many turns, and the slowest answers
// take many times the median (see db.DefaultPoolSize).
//
// A request takes its turn after its body is read, so a slow sender holds
// none, and before the idempotency layer, which holds a connection for
// the request's transaction; it gives it back as soon as its response
// starts to be sent, which is after its last statement, so a slow reader
// holds none either, and while it waits for another request that holds
// its idempotency key. A query or mutation sent over a WebSocket takes a
// turn too; a subscription, which waits for events, does not.
type turns struct {
	running *semaphore.Weighted
	waiting atomic.Int64
	// maxWait bounds a request's wait (maxTurnWait).
	maxWait time.Duration
}

// maxTurnWait bounds how long a request waits for its turn: past it, the
// server is over what it can serve, and the client is told to come back
// (503 SERVER_BUSY with Retry-After) rather than kept waiting for an
// answer it may no longer want.
const maxTurnWait = 10 * time.Second

func newTurns(n int) *turns {
	return &turns{running: semaphore.NewWeighted(int64(n)), maxWait: maxTurnWait}
}

// errNoTurn says a request waited maxTurnWait, or until it ended,
// without getting its turn.
var errNoTurn = errors.New("no turn")

// writeNoTurn answers a request that got no turn: it did not run, or
// (an idempotent retry that lent its turn while it waited) runs no more,
// so the client may retry it as it is.
func writeNoTurn(ctx context.Context, w http.ResponseWriter) {
	writeRefusal(ctx, w, http.StatusServiceUnavailable, graph.CodeServerBusy,
		"The server runs as many requests as it may; retry in a second.")
}

// turn is one request's turn: held, given back, taken again.
type turn struct {
	turns *turns
	mu    sync.Mutex
	held  bool
}

// take waits for the turn, in order, for at most maxTurnWait.
func (tn *turn) take(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, tn.turns.maxWait)
	defer cancel()
	tn.turns.waiting.Add(1)
	err := tn.turns.running.Acquire(ctx, 1)
	tn.turns.waiting.Add(-1)
	if err != nil {
		return errNoTurn
	}
	tn.mu.Lock()
	defer tn.mu.Unlock()
	tn.held = true
	return nil
}

// give gives the turn back, if it is held.
func (tn *turn) give() {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if tn.held {
		tn.held = false
		tn.turns.running.Release(1)
	}
}

// pause gives the turn back for d, then waits for it again: how a request
// waits for the one that holds its idempotency key (service.WithPause).
func (tn *turn) pause(ctx context.Context, d time.Duration) error {
	tn.give()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
	}
	return tn.take(ctx)
}

// take is the middleware.
func (t *turns) take(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tn := &turn{turns: t}
		if err := tn.take(r.Context()); err != nil {
			writeNoTurn(r.Context(), w)
			return
		}
		defer tn.give()
		if rw, ok := w.(*responseWriter); ok {
			rw.beforeSend = tn.give
		}
		next.ServeHTTP(w, r.WithContext(service.WithPause(r.Context(), tn.pause)))
	})
}

var (
	_ graphql.HandlerExtension     = (*turns)(nil)
	_ graphql.OperationInterceptor = (*turns)(nil)
)

// ExtensionName names the turns in gqlgen's statistics.
func (*turns) ExtensionName() string { return "Turns" }

// Validate accepts any schema.
func (*turns) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation makes a query or mutation sent over a WebSocket
// take a turn, as an HTTP request does in the middleware (an HTTP request
// has a record; a WebSocket's operations have none).
func (t *turns) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if request.Of(ctx) != nil || graphql.GetOperationContext(ctx).Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	tn := &turn{turns: t}
	if err := tn.take(ctx); err != nil {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    "The server runs as many operations as it may; retry in a second.",
			Extensions: map[string]any{"code": graph.CodeServerBusy},
		}}})
	}
	// Should the transport never ask for the response, the operation's
	// end gives the turn back all the same.
	context.AfterFunc(ctx, tn.give)
	responses := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		defer tn.give()
		return responses(ctx)
	}
}

// Waiting is how many requests wait for their turn.
func (t *turns) Waiting() float64 { return float64(t.waiting.Load()) }
