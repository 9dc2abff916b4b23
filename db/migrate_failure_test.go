package db_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
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

// migrationsFS returns the migrations on disk whose names sort before
// until.
func migrationsFS(t *testing.T, until string) fs.FS {
	m := fstest.MapFS{}
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() >= until {
			continue
		}
		data, err := os.ReadFile("migrations/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		m["migrations/"+e.Name()] = &fstest.MapFile{Data: data}
	}
	return m
}

func migratorOf(t *testing.T, bdb *bun.DB, files fs.FS) *migrate.Migrator {
	m, err := db.NewMigrator(bdb, files)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestEventsCostDownKeepsLiveWorkspacesEvents rolls back
// 20261205120000_events_cost as an owner that row-level security binds:
// the events of workspaces that still exist must stay.
func TestEventsCostDownKeepsLiveWorkspacesEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner := ownerDatabase(t)
	if _, err := migratorOf(t, owner, migrationsFS(t, "20261205120000_events_cost")).Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Through events_cost, not the later migrations, which its down
	// migration would otherwise wait behind.
	last := migratorOf(t, owner, migrationsFS(t, "20261205120000_events_cost.z"))
	if group, err := last.Migrate(ctx); err != nil || len(group.Migrations) != 1 {
		t.Fatalf("migrate events_cost: %v, %v", group, err)
	}
	ws := uuid.New()
	inWorkspace := func(fn func(tx bun.Tx) error) {
		t.Helper()
		if err := owner.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SET LOCAL app.workspace_id = ?", ws.String()); err != nil {
				return err
			}
			return fn(tx)
		}); err != nil {
			t.Fatal(err)
		}
	}
	inWorkspace(func(tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO workspaces (id) VALUES (?)", ws); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO events (workspace_id, id, type, record_id, actor) VALUES (?, 'evt_1', 'contact.created', 'contact_1', 'me')`, ws)
		return err
	})
	if _, err := last.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	inWorkspace(func(tx bun.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n)
	})
	if n != 1 {
		t.Errorf("after the down migration, the live workspace has %d events; want its 1", n)
	}
}
