package db

import (
	"reflect"

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
