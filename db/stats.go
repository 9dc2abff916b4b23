package db

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

type statementCountKey struct{}

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
	outer, _ := ctx.Value(statementCountKey{}).(*statementCount)
	return context.WithValue(ctx, statementCountKey{}, &statementCount{n: n, outer: outer})
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
	c, _ := ctx.Value(statementCountKey{}).(*statementCount)
	for ; c != nil; c = c.outer {
		c.n.Add(1)
	}
}

func (statementCounter) AfterQuery(context.Context, *bun.QueryEvent) {}
