package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// twoWorkspacesOnConnections seeds two workspaces of one contact each,
// and returns them with a pool of the API's role of at most conns
// connections.
func twoWorkspacesOnConnections(t *testing.T, conns int) (a, b uuid.UUID, pool *bun.DB) {
	t.Helper()
	a, b = seedTwoWorkspaces(t)
	pool = dbtest.Open(t, db.OpenAPI, dbtest.URL(t))
	pool.SetMaxOpenConns(conns)
	return a, b, pool
}

// TestScopedStatementsLeaveNoSettingBehind: outside a mutation's
// transaction, each statement under row-level security names its
// workspace for itself, in the same round trip, and the connection,
// reused at once by the next statement (a pool of one), carries nothing of
// it: not after a read, a write, a prepared statement, nor a failure.
func TestScopedStatementsLeaveNoSettingBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, pool := twoWorkspacesOnConnections(t, 1)
	// left checks what the pool's one connection sees unscoped: no
	// setting, and so no contact.
	left := func(after string) {
		t.Helper()
		var setting string
		var n int
		err := pool.QueryRowContext(ctx, "SELECT coalesce(current_setting('app.workspace_id', true), ''), (SELECT count(*) FROM contacts)").Scan(&setting, &n)
		if err != nil || setting != "" || n != 0 {
			t.Errorf("after %s, the connection has app.workspace_id %q and sees %d contacts (err %v); want none and 0", after, setting, n, err)
		}
	}
	left("opening")
	for _, ws := range []uuid.UUID{a, b} {
		scoped := db.ScopedTo(pool, ws)
		var setting string
		var n int
		err := scoped.QueryRowContext(ctx, "SELECT current_setting('app.workspace_id'), (SELECT count(*) FROM contacts)").Scan(&setting, &n)
		if err != nil || setting != ws.String() || n != 1 {
			t.Errorf("a scoped read saw app.workspace_id %q and %d contacts (err %v); want %s and its 1", setting, n, err, ws)
		}
		left("a scoped read")

		// As the lookups send them: prepared, with parameters.
		for range 2 {
			total, err := db.LookupCount(ctx, scoped, "SELECT count(*)::text FROM contacts WHERE workspace_id = ANY($1)", []uuid.UUID{a, b})
			if err != nil || total != 1 {
				t.Errorf("a prepared scoped read counted %d contacts of both workspaces (err %v); want its own 1", total, err)
			}
		}
		left("a prepared scoped read")

		res, err := scoped.ExecContext(ctx, "UPDATE contacts SET name = 'Grace'")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Errorf("a scoped update of every contact changed %d; want its workspace's 1", n)
		}
		left("a scoped write")

		if _, err := scoped.ExecContext(ctx, "SELECT 1/0"); err == nil {
			t.Error("SELECT 1/0 succeeded")
		}
		left("a failed scoped statement")
	}
}

// TestTheWorkspaceStaysInTheSession: a connection's scoped statement
// leaves its workspace in the session, so that the next one of the same
// workspace is sent alone; one of another workspace sets its own, even
// after a statement that failed (and so rolled back what its batch set);
// and a statement that names no workspace finds it cleared.
func TestTheWorkspaceStaysInTheSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, pool := twoWorkspacesOnConnections(t, 1)
	session := func(after string, wantKept string, wantKnown bool, wantHeld string) {
		t.Helper()
		conn, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		kept, known, own, held, err := db.KeptSession(ctx, conn.Conn)
		if err != nil || !own || kept != wantKept || known != wantKnown || held != wantHeld {
			t.Errorf("after %s: the connection keeps %q (known %v, its own session %v) and its session holds %q (err %v); want %q (known %v), its own, and %q",
				after, kept, known, own, held, err, wantKept, wantKnown, wantHeld)
		}
	}
	read := func(ws uuid.UUID) {
		t.Helper()
		var setting string
		var n int
		err := db.ScopedTo(pool, ws).QueryRowContext(ctx, "SELECT current_setting('app.workspace_id'), (SELECT count(*) FROM contacts)").Scan(&setting, &n)
		if err != nil || setting != ws.String() || n != 1 {
			t.Errorf("a scoped read saw app.workspace_id %q and %d contacts (err %v); want %s and its 1", setting, n, err, ws)
		}
	}
	// The first sets its workspace for itself, as it checks that the
	// connection has a session of its own (no pooler between).
	read(a)
	session("a first read of a", "", true, "")
	read(a)
	session("a second read of a", a.String(), true, a.String())
	read(a)
	session("a third read of a", a.String(), true, a.String())
	if _, err := db.ScopedTo(pool, b).ExecContext(ctx, "SELECT 1/0"); err == nil {
		t.Error("SELECT 1/0 succeeded")
	}
	session("a failed statement of b", a.String(), false, a.String())
	read(b)
	session("a read of b", b.String(), true, b.String())
	if n, err := db.LookupCount(ctx, db.ScopedTo(pool, a), "SELECT count(*)::text FROM contacts WHERE workspace_id = ANY($1)", []uuid.UUID{a, b}); err != nil || n != 1 {
		t.Errorf("a prepared read of a counted %d contacts of both workspaces (err %v); want its 1", n, err)
	}
	session("a prepared read of a", a.String(), true, a.String())
	var n int
	if err := pool.QueryRowContext(ctx, "SELECT count(*) FROM contacts").Scan(&n); err != nil || n != 0 {
		t.Errorf("an unscoped read after a's saw %d contacts (err %v); want none", n, err)
	}
	session("an unscoped read", "", true, "")
}

// TestConnectionsServeEachStatementItsOwnScope: however the statements of
// two workspaces, of another setting and of none, and failures, follow
// each other on a pool's few connections, at once, each statement sees
// the rows of its own workspace and no other.
func TestConnectionsServeEachStatementItsOwnScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, pool := twoWorkspacesOnConnections(t, 2)
	// sees returns the workspace setting a statement saw and the
	// workspaces of the contacts it saw.
	sees := func(idb bun.IConn) (setting, seen string, err error) {
		err = idb.QueryRowContext(ctx, `SELECT coalesce(current_setting('app.workspace_id', true), ''),
			coalesce((SELECT string_agg(workspace_id::text, ',') FROM contacts), '')`).Scan(&setting, &seen)
		return setting, seen, err
	}
	steps := []func() error{
		func() error { // a workspace's read
			for _, ws := range []uuid.UUID{a, b} {
				if setting, seen, err := sees(db.ScopedTo(pool, ws)); err != nil || setting != ws.String() || seen != ws.String() {
					return fmt.Errorf("a read of %s saw setting %q and contacts of %q (err %v)", ws, setting, seen, err)
				}
			}
			return nil
		},
		func() error { // a workspace's prepared read
			for _, ws := range []uuid.UUID{b, a} {
				if n, err := db.LookupCount(ctx, db.ScopedTo(pool, ws), "SELECT count(*)::text FROM contacts WHERE workspace_id = ANY($1)", []uuid.UUID{a, b}); err != nil || n != 1 {
					return fmt.Errorf("a prepared read of %s counted %d contacts (err %v)", ws, n, err)
				}
			}
			return nil
		},
		func() error { // a failure
			if _, err := db.ScopedTo(pool, b).ExecContext(ctx, "SELECT 1/0"); err == nil {
				return errors.New("SELECT 1/0 succeeded")
			}
			return nil
		},
		func() error { // another setting
			if setting, seen, err := sees(db.ScopedToSetting(pool, "app.sweep", "on")); err != nil || setting != "" || seen != "" {
				return fmt.Errorf("a read under app.sweep saw setting %q and contacts of %q (err %v)", setting, seen, err)
			}
			return nil
		},
		func() error { // no setting
			if setting, seen, err := sees(pool); err != nil || setting != "" || seen != "" {
				return fmt.Errorf("an unscoped read saw setting %q and contacts of %q (err %v)", setting, seen, err)
			}
			return nil
		},
		func() error { // a transaction
			tx, err := pool.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			if setting, seen, err := sees(tx); err != nil || setting != "" || seen != "" {
				return fmt.Errorf("a transaction saw setting %q and contacts of %q (err %v)", setting, seen, err)
			}
			return nil
		},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				if err := steps[(g+i*(g+1))%len(steps)](); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestStatementsAreNotPreparedThroughDatabaseSQL: a statement prepared
// through database/sql would run later outside the connection's scoping,
// in whatever workspace its session last held; the API's pool refuses to
// prepare one.
func TestStatementsAreNotPreparedThroughDatabaseSQL(t *testing.T) {
	t.Parallel()
	_, _, pool := twoWorkspacesOnConnections(t, 1)
	if stmt, err := pool.PrepareContext(context.Background(), "SELECT count(*) FROM contacts"); err == nil {
		stmt.Close()
		t.Fatal("the API's pool prepared a statement through database/sql; want it refused")
	}
}
