package db

import (
	"reflect"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/schema"
)

// tables holds what the models' bun tags say of their tables, read once
// per model.
var tables = pgdialect.New().Tables()

// tableOf returns the table of R, a pointer to a model.
func tableOf[R any]() *schema.Table {
	return tables.Get(reflect.TypeFor[R]().Elem())
}

// DataFields returns the fields of R's table besides its key, in the order
// the model declares them: what a write of R may change.
func DataFields[R Tracked]() []*schema.Field {
	return tableOf[R]().DataFields
}

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
