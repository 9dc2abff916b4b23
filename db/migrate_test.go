package db_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
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

// TestRollbackAndReapply undoes the one migration of a migrated database
// and applies it again, as the role that migrates may be: a superuser, or
// an owner that row-level security binds (docs/security.md). The down
// migration must leave none of the API's objects (the job queue's stay),
// so that the up one runs again and builds the same schema.
func TestRollbackAndReapply(t *testing.T) {
	t.Parallel()
	owners := []struct {
		name string
		open func(*testing.T) *bun.DB
	}{
		{"superuser", openEmpty},
		{"owner bound by row-level security", ownerDatabase},
	}
	for _, owner := range owners {
		t.Run(owner.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bdb := owner.open(t)
			if _, err := db.Migrate(ctx, bdb); err != nil {
				t.Fatal(err)
			}
			migrated := schemaObjects(t, bdb)
			if _, err := db.Rollback(ctx, bdb); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			var exists bool
			if err := bdb.QueryRowContext(ctx, "SELECT to_regclass('contacts') IS NOT NULL").Scan(&exists); err != nil || exists {
				t.Fatalf("contacts table still there after rollback (err %v)", err)
			}
			for _, object := range schemaObjects(t, bdb) {
				if name := strings.Fields(object)[1]; !strings.HasPrefix(name, "river_") && !strings.HasPrefix(name, "bun_") {
					t.Errorf("after rollback, %s is left", object)
				}
			}
			if _, err := db.Migrate(ctx, bdb); err != nil {
				t.Fatalf("migrate after rollback: %v", err)
			}
			if again := schemaObjects(t, bdb); !slices.Equal(again, migrated) {
				t.Errorf("migrate after rollback built\n%s\nwant, as the first time,\n%s", strings.Join(again, "\n"), strings.Join(migrated, "\n"))
			}
		})
	}
}

// schemaObjects lists the relations (with their columns), functions,
// enums, policies and triggers of the database's schema, each as a line
// that starts with its kind and name, sorted; not those of extensions.
func schemaObjects(t *testing.T, bdb *bun.DB) []string {
	t.Helper()
	var objects []string
	err := bdb.NewRaw(`
		WITH s AS (SELECT current_schema()::regnamespace AS ns)
		SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' '
			|| coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
			             FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
		FROM pg_class AS c, s WHERE c.relnamespace = s.ns
			AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.objid = c.oid AND d.deptype = 'e')
		UNION ALL
		SELECT 'function ' || p.oid::regprocedure::text || ' ' || pg_get_functiondef(p.oid)
		FROM pg_proc AS p, s WHERE p.pronamespace = s.ns
			AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.objid = p.oid AND d.deptype = 'e')
		UNION ALL
		SELECT 'type ' || y.typname FROM pg_type AS y, s WHERE y.typnamespace = s.ns AND y.typtype IN ('d', 'e')
		UNION ALL
		SELECT 'policy ' || polname || ' ' || polrelid::regclass::text || ' ' || polcmd::text || ' '
			|| coalesce(pg_get_expr(polqual, polrelid), '') || ' ' || coalesce(pg_get_expr(polwithcheck, polrelid), '')
		FROM pg_policy
		UNION ALL
		SELECT 'trigger ' || tgname || ' ' || pg_get_triggerdef(g.oid)
		FROM pg_trigger AS g JOIN pg_class AS c ON c.oid = g.tgrelid, s WHERE c.relnamespace = s.ns AND NOT g.tgisinternal
		ORDER BY 1`).Scan(context.Background(), &objects)
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

// TestMigrateADatabaseOfTheHistory migrates databases that releases
// before the squash of the migrations into one migrated: one that had run
// them all holds the schema and runs nothing; one that had not must be
// refused, for the baseline counts as applied there and what it lacks
// would never be created. The migrations of a later release are left
// alone, as Bun always did.
func TestMigrateADatabaseOfTheHistory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		applied []string // beside the baseline, 20261123000001_core
		wantErr string
	}{
		{"migrated to the end of the history", []string{"20261205140000_event_listeners", "20261205160000_refresh_statistics_growth"}, ""},
		{"halfway through the history", []string{"20261205120000_events_cost", "20261205140000_event_listeners"}, "migrate it with an earlier release first"},
		{"by a later release", []string{"20991231000000_later"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			bdb := openEmpty(t)
			if _, err := db.Migrate(ctx, bdb); err != nil {
				t.Fatal(err)
			}
			for _, name := range tt.applied {
				if _, err := bdb.ExecContext(ctx, "INSERT INTO bun_migrations (name, group_id) VALUES (?, 1)", name); err != nil {
					t.Fatal(err)
				}
			}
			applied, err := db.Migrate(ctx, bdb)
			if tt.wantErr == "" {
				if err != nil || len(applied) != 0 {
					t.Errorf("migrate: %v, applied %v; want nothing to run", err, applied)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("migrate: %v, applied %v; want an error saying %q", err, applied, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.applied[len(tt.applied)-1]) {
				t.Errorf("the error %q does not name the last migration applied, %s", err, tt.applied[len(tt.applied)-1])
			}
			if _, err := db.Rollback(ctx, bdb); err == nil {
				t.Error("rollback of the database halfway through the history succeeded")
			}
		})
	}
}

// ownerDatabase returns a pool to a new empty database owned by a role
// that is neither a superuser nor bypasses row-level security, as
// docs/security.md allows for the role that migrates.
func ownerDatabase(t *testing.T) *bun.DB {
	ctx := context.Background()
	su := dbtest.EmptyDatabase(t)
	admin := dbtest.Open(t, db.Open, su)
	b := make([]byte, 4)
	rand.Read(b)
	role := "migrating_owner_" + hex.EncodeToString(b)
	u, _ := url.Parse(su)
	name := strings.TrimPrefix(u.Path, "/")
	for _, stmt := range []string{
		"CREATE ROLE " + role + " LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS",
		"ALTER DATABASE " + name + " OWNER TO " + role,
	} {
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	u.User = url.User(role)
	return dbtest.Open(t, db.Open, u.String())
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
