package db

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

type statementCountKey struct{}

// WithStatementCount returns a context whose SQL statements are counted
// into n: tests use it to prove that a request runs a fixed number of
// statements, and the request log reports it.
func WithStatementCount(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, statementCountKey{}, n)
}

// statementCounter is the Bun hook behind WithStatementCount.
type statementCounter struct{}

func (statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	if n, ok := ctx.Value(statementCountKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return ctx
}

func (statementCounter) AfterQuery(context.Context, *bun.QueryEvent) {}
