package db_test

import (
	"context"
	"testing"

	"github.com/contacts-api/contacts/db/dbtest"
)

// TestVisibleViewsShowEveryColumn: the API reads a table through its view
// visible_<table> (row-level security), whose * PostgreSQL expands when the
// view is made. A column added to the table later is missing from the view
// until a migration makes the view again, and every read of it fails with
// "column does not exist": a migration that adds a column makes the view
// again in the same step (docs/development.md, a new field).
func TestVisibleViewsShowEveryColumn(t *testing.T) {
	t.Parallel()
	rows, err := dbtest.DB(t).QueryContext(context.Background(), `
		SELECT c.table_name, c.column_name
		FROM information_schema.columns c
		JOIN information_schema.views v ON v.table_schema = c.table_schema AND v.table_name = 'visible_' || c.table_name
		WHERE c.table_schema = current_schema()
			AND NOT EXISTS (SELECT 1 FROM information_schema.columns vc
				WHERE vc.table_schema = v.table_schema AND vc.table_name = v.table_name AND vc.column_name = c.column_name)
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	views := 0
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		t.Errorf("visible_%s lacks %s.%s: make the view again in the migration that added the column", table, table, column)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if err := dbtest.DB(t).QueryRowContext(context.Background(),
		`SELECT count(*) FROM information_schema.views WHERE table_schema = current_schema() AND table_name LIKE 'visible\_%'`).Scan(&views); err != nil {
		t.Fatal(err)
	}
	if views < 3 {
		t.Errorf("found %d visible_ views, want those of contacts, accounts and phones: the test checks nothing", views)
	}
}
