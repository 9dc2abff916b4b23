package db

import (
	"slices"

	"github.com/uptrace/bun"
)

// Columns are the columns a read fetches of its records, besides those it
// finds and orders them by, which it always fetches. AllColumns, nil,
// fetches every column: what the service's reads must fetch, since it
// writes the records back. The reads of GraphQL fetch only the columns the
// operation's fields read (see graph/fastpath): a page of contacts
// then scans eight columns instead of eighteen.
type Columns []string

// AllColumns fetches every column of the records.
var AllColumns Columns

// apply limits q, a query of a model, to cols and needed, unless cols is
// AllColumns.
func (cols Columns) apply(q *bun.SelectQuery, needed ...string) *bun.SelectQuery {
	if cols == nil {
		return q
	}
	return q.Column(cols.with(needed...)...)
}

// with returns the columns of cols and needed, each once.
func (cols Columns) with(needed ...string) []string {
	all := slices.Concat(needed, cols)
	slices.Sort(all)
	return slices.Compact(all)
}
