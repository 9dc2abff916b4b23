package httpapi

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"github.com/contacts-api/contacts/graph"
)

// turns lets a bounded number of requests at once run past it, as many
// as the database pool has connections (Limits.MaxConcurrentOperations),
// and the others wait their turn in the order they came. Without it, the
// requests over the pool's size would wait for a connection, which
// database/sql hands to a waiter chosen at random: under load the
// unlucky wait many turns, and the slowest answers take many times the
// median (see db.DefaultPoolSize).
//
// A request takes its turn after its body is read, so a slow sender holds
// none, and before the idempotency layer, which holds a connection for
// the request's transaction; it gives it back as soon as its response
// starts to be sent, which is after its last statement, so a slow reader
// holds none either.
type turns struct {
	running *semaphore.Weighted
	waiting atomic.Int64
}

func newTurns(n int) *turns {
	return &turns{running: semaphore.NewWeighted(int64(n))}
}

// take is the middleware.
func (t *turns) take(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.waiting.Add(1)
		err := t.running.Acquire(r.Context(), 1)
		t.waiting.Add(-1)
		if err != nil {
			// The client went away, or the drain's end cut the request,
			// while it waited.
			writeGraphQLError(r.Context(), w, http.StatusServiceUnavailable, graph.InternalError(r.Context(), fmt.Errorf("wait for a turn: %w", err)))
			return
		}
		release := sync.OnceFunc(func() { t.running.Release(1) })
		defer release()
		if rw, ok := w.(*responseWriter); ok {
			rw.beforeSend = release
		}
		next.ServeHTTP(w, r)
	})
}

// Waiting is how many requests wait for their turn.
func (t *turns) Waiting() float64 { return float64(t.waiting.Load()) }
