package db_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/db/seed"
)

// TestAccountsLookupOfAPageUsesItsIndex explains, as the server's sessions
// plan it (once, generic), the lookup of a page's hundred accounts in a
// workspace of a thousand: it must descend the primary key, not scan the
// table testing every row against every key, which PostgreSQL's default
// costs chose for a table of that size (issue 18: 2 to 6 ms instead of
// 0.2, and page_100's throughput bimodal from run to run).
func TestAccountsLookupOfAPageUsesItsIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner, api := freshDatabase(ctx, t)
	ws := uuid.New()
	if _, err := seed.Run(ctx, owner, seed.Plan{Workspace: ws, Contacts: 1000, Accounts: 1000,
		PhonesPerContact: 1, TagsPerContact: 1}, nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := owner.NewSelect().Table("accounts").Column("id").Where("workspace_id = ?", ws).Limit(100).Scan(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	text := explainPrepared(ctx, t, api, ws, db.AccountsByIDText(db.NewStore(api)), ws, pgdialect.Array(ids))
	if !strings.Contains(text, "Index Scan using accounts_pkey") || strings.Contains(text, "Seq Scan") {
		t.Errorf("the lookup of a page's accounts is planned as\n%s\nwant an index scan of accounts_pkey", text)
	}
}

// freshDatabase creates a migrated database of the test's own, whose
// tables have never been analyzed, and returns it connected as the tables'
// owner and as the API connects.
func freshDatabase(ctx context.Context, t *testing.T) (owner, api *bun.DB) {
	t.Helper()
	_, owner, api = dbtest.OwnDatabase(t)
	return owner, api
}
