package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
)

// TestScopedStatementsLeaveNoSettingBehind: outside a mutation's
// transaction, each statement under row-level security names its
// workspace for itself, in the same round trip, and the connection,
// reused at once by the next statement (a pool of one), carries nothing of
// it: not after a read, a write, a prepared statement, nor a failure.
func TestScopedStatementsLeaveNoSettingBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := seedTwoWorkspaces(t)
	pool := dbtest.Open(t, db.OpenAPI, dbtest.URL(t))
	pool.SetMaxOpenConns(1)
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
