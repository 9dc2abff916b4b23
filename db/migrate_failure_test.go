package db_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/uptrace/bun"
)

// TestAFailedMigrationIsNotMarkedApplied runs a migration that fails: it
// must not count as applied, so that the next run tries it again rather
// than skip it.
func TestAFailedMigrationIsNotMarkedApplied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, err := db.NewMigrator(openEmpty(t), fstest.MapFS{
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

// cancelAfterCommit cancels a context once a COMMIT has been sent, as a
// SIGTERM arriving then would cancel the server's.
type cancelAfterCommit struct{ cancel context.CancelFunc }

func (h cancelAfterCommit) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h cancelAfterCommit) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if e.Query == "COMMIT" {
		h.cancel()
	}
}

// TestAMigrationRunOutlivesItsContext cancels the context of a migration
// run right after a migration's transaction committed, before Bun marks it
// applied: the run must go on, so that the next one does not run that
// migration again, and fail.
func TestAMigrationRunOutlivesItsContext(t *testing.T) {
	t.Parallel()
	url := dbtest.EmptyDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bdb := dbtest.Open(t, db.Open, url)
	if _, err := db.Migrate(ctx, bdb.WithQueryHook(cancelAfterCommit{cancel})); err != nil {
		t.Errorf("the run whose context ended: %v", err)
	}
	if _, err := db.Migrate(context.Background(), dbtest.Open(t, db.Open, url)); err != nil {
		t.Errorf("the next run fails: %v", err)
	}
}
