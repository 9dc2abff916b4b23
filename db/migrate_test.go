package db_test

import (
	"context"
	"sync"
	"testing"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/uptrace/bun"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// tables are the tables the migrations must create.
var tables = []string{"workspaces", "portal_roles", "accounts", "contacts", "contact_accounts", "phones", "api_keys"}

// openEmpty opens a new database with no migrations applied, closed when
// the test ends.
func openEmpty(t *testing.T) *bun.DB {
	t.Helper()
	return dbtest.Open(t, db.Open, dbtest.EmptyDatabase(t))
}

func TestMigrateFromEmptyThenAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := openEmpty(t)

	applied, err := db.Migrate(ctx, bdb)
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if len(applied) == 0 {
		t.Fatal("first migrate on an empty database applied nothing")
	}
	for _, table := range tables {
		var exists bool
		if err := bdb.QueryRowContext(ctx, "SELECT to_regclass(?) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
			t.Errorf("table %s missing after migrate (err %v)", table, err)
		}
	}

	again, err := db.Migrate(ctx, bdb)
	if err != nil {
		t.Fatalf("second migrate on a migrated database: %v", err)
	}
	if len(again) != 0 {
		t.Errorf("second migrate applied %v, want nothing", again)
	}
}

func TestMigrateConcurrentReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.EmptyDatabase(t)
	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	applied := make([][]string, replicas)
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bdb, err := db.Open(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer bdb.Close()
			applied[i], errs[i] = db.Migrate(ctx, bdb)
		}()
	}
	wg.Wait()
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
		total += len(applied[i])
	}
	if want := len(migrationNames(t, url)); total != want {
		t.Errorf("replicas applied %d migrations in all, want each of the %d exactly once", total, want)
	}
}

func TestRollbackAndReapply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bdb := openEmpty(t)
	if _, err := db.Migrate(ctx, bdb); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Rollback(ctx, bdb); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	var exists bool
	if err := bdb.QueryRowContext(ctx, "SELECT to_regclass('contacts') IS NOT NULL").Scan(&exists); err != nil || exists {
		t.Fatalf("contacts table still there after rollback (err %v)", err)
	}
	if _, err := db.Migrate(ctx, bdb); err != nil {
		t.Fatalf("migrate after rollback: %v", err)
	}
}

// migrationNames lists the migrations recorded as applied in the database.
func migrationNames(t *testing.T, url string) []string {
	t.Helper()
	bdb, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	status, err := db.MigrationStatus(context.Background(), bdb)
	if err != nil {
		t.Fatal(err)
	}
	return status
}
