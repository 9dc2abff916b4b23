package db

import (
	"reflect"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
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

// tables are the Bun models' metadata, for ModelColumns.
var tables = pgdialect.New().Tables()

// ModelColumns returns the columns of model, a pointer to a Bun model's
// struct, by the name of the Go field that holds each, and which of them
// are keys: every read fetches those. ok is false when model is not a Bun
// model.
func ModelColumns(model reflect.Type) (columns map[string]string, keys map[string]bool, ok bool) {
	if model.Kind() != reflect.Pointer || model.Elem().Kind() != reflect.Struct {
		return nil, nil, false
	}
	if f, found := model.Elem().FieldByName("BaseModel"); !found || f.Type != reflect.TypeFor[bun.BaseModel]() {
		return nil, nil, false
	}
	table := tables.Get(model.Elem())
	columns, keys = make(map[string]string, len(table.Fields)), make(map[string]bool, len(table.PKs))
	for _, f := range table.Fields {
		columns[f.GoName] = f.Name
	}
	for _, f := range table.PKs {
		keys[f.Name] = true
	}
	return columns, keys, true
}
