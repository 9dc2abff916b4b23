package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/db/seed"
)

// TestPreparedReadsSurviveANewColumn reads portal roles, a prepared
// statement, then adds a column to their table, as a migration run by a
// newer replica would while this one serves: the same connection must
// read them again. A statement that selects every column (pr.*) changes
// its result's type with the table, which PostgreSQL refuses for a
// prepared statement.
func TestPreparedReadsSurviveANewColumn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, owner, api := dbtest.OwnDatabase(t)
	api.DB.SetMaxOpenConns(1)
	ws := uuid.New()
	if _, err := seed.Run(ctx, owner, seed.Plan{Workspace: ws, Contacts: 1, Accounts: 1, PhonesPerContact: 1, TagsPerContact: 1}, nil); err != nil {
		t.Fatal(err)
	}
	store := db.NewStore(api)
	before, err := store.ListPortalRoles(ctx, ws)
	if err != nil || len(before) == 0 {
		t.Fatalf("portal roles: %d, %v", len(before), err)
	}
	if _, err := owner.ExecContext(ctx, "ALTER TABLE portal_roles ADD COLUMN added_later text"); err != nil {
		t.Fatal(err)
	}
	after, err := store.ListPortalRoles(ctx, ws)
	if err != nil || len(after) != len(before) {
		t.Errorf("after a column was added, portal roles: %d, %v; want %d", len(after), err, len(before))
	}
}
