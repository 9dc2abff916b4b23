package db

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/ctxkey"
)

// statementCountKey holds the innermost statement counter of a context.
var statementCountKey = ctxkey.New[*statementCount]("db.statementCount")

// statementCount is a counter of a context, and the counters of the
// contexts it was derived from.
type statementCount struct {
	n     *atomic.Int64
	outer *statementCount
}

// WithStatementCount returns a context whose SQL statements are counted
// into n, as well as into the counters ctx already had: tests use it to
// prove that a request runs a fixed number of statements, and the request
// log reports it.
func WithStatementCount(ctx context.Context, n *atomic.Int64) context.Context {
	return statementCountKey.With(ctx, &statementCount{n: n, outer: statementCountKey.Value(ctx)})
}

// statementCounter is the Bun hook behind WithStatementCount.
type statementCounter struct{}

func (statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	countStatement(ctx)
	return ctx
}

// countStatement counts one statement into the counters of ctx: the hook
// counts Bun's statements, and lookup those it sends past Bun.
func countStatement(ctx context.Context) {
	for c := statementCountKey.Value(ctx); c != nil; c = c.outer {
		c.n.Add(1)
	}
}

func (statementCounter) AfterQuery(context.Context, *bun.QueryEvent) {}
