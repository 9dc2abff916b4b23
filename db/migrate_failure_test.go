package db_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// TestAFailedMigrationIsNotMarkedApplied runs a migration that fails: it
// must not count as applied, so that the next run tries it again rather
// than skip it.
func TestAFailedMigrationIsNotMarkedApplied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb, err := db.Open(ctx, dbtest.EmptyDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	m, err := db.NewMigrator(bdb, fstest.MapFS{
		"migrations/20990101000000_fails.tx.up.sql":   {Data: []byte("SELECT 1 / 0;")},
		"migrations/20990101000000_fails.tx.down.sql": {Data: []byte("SELECT 1;")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx); err == nil {
		t.Fatal("a migration dividing by zero succeeded")
	}
	applied, err := m.AppliedMigrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 0 {
		t.Errorf("after it failed, %s is marked applied", applied[0].Name)
	}
}
