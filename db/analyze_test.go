package db_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/db/seed"
	"github.com/contacts-api/contacts/service"
)

// TestPlanRightAfterAnImport imports 10,000 contacts with their phones
// into a fresh database, through bulkUpsertContacts as a customer moving
// from their CRM would, or with `server seed`, and explains the first page
// of the list right after: it must be read off the index in the list's
// order, not sorted from every contact of the workspace, as PostgreSQL
// plans it while the tables' statistics still say they are empty.
func TestPlanRightAfterAnImport(t *testing.T) {
	const contacts = 10_000
	tests := []struct {
		name     string
		importer func(ctx context.Context, t *testing.T, owner, api *bun.DB, ws uuid.UUID)
	}{
		{"bulkUpsertContacts", func(ctx context.Context, t *testing.T, _, api *bun.DB, ws uuid.UUID) {
			importThroughTheAPI(ctx, t, api, ws, contacts)
		}},
		{"server seed", func(ctx context.Context, t *testing.T, owner, _ *bun.DB, ws uuid.UUID) {
			if _, err := seed.Run(ctx, owner, seed.Plan{Workspace: ws, Contacts: contacts, Accounts: contacts / 10,
				PhonesPerContact: seed.DefaultPhonesPerContact, TagsPerContact: seed.DefaultTagsPerContact}, nil); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			owner, api := freshDatabase(ctx, t)
			ws := uuid.New()
			tt.importer(ctx, t, owner, api, ws)

			plan := explainFirstPage(ctx, t, api, ws)
			if !strings.Contains(plan, "Index Scan using contacts_created_idx") || strings.Contains(plan, "Sort") {
				t.Errorf("right after the import, the first page is planned as\n%s\nwant an index scan of contacts_created_idx in the list's order, without a sort", plan)
			}
		})
	}
}

// importThroughTheAPI writes n contacts with two phones each into ws, in
// calls of bulkUpsertContacts of 1,000.
func importThroughTheAPI(ctx context.Context, t *testing.T, api *bun.DB, ws uuid.UUID, n int) {
	svc := service.New(db.NewStore(api))
	defer svc.Close()
	ctx = auth.WithPrincipal(ctx, &auth.Principal{WorkspaceID: ws, Subject: "import", Scopes: []string{auth.ScopeWrite}})
	if err := svc.Provision(ctx, ws); err != nil {
		t.Fatal(err)
	}
	const perCall = 1000
	for first := 0; first < n; first += perCall {
		inputs := make([]*service.UpsertContactInput, perCall)
		for i := range inputs {
			k := first + i
			name, email := fmt.Sprintf("Contact %d", k), fmt.Sprintf("contact.%d@example.com", k)
			mobile, work := fmt.Sprintf("+1415%07d", 2_000_000+k), fmt.Sprintf("+1650%07d", 2_000_000+k)
			inputs[i] = &service.UpsertContactInput{ExternalID: fmt.Sprintf("crm-%d", k), UpdateContactInput: service.UpdateContactInput{
				Name: graphql.OmittableOf(&name), Email: graphql.OmittableOf(&email),
				Phones: []service.PhoneChange{{Number: &mobile}, {Number: &work}},
			}}
		}
		results, err := svc.BulkUpsertContacts(ctx, inputs, true)
		if err != nil {
			t.Fatal(err)
		}
		if problems := results[0].UserErrors; len(problems) > 0 {
			t.Fatalf("the import was refused: %s", problems[0].Message)
		}
	}
}

// explainFirstPage returns the plan of the statement that reads the
// first page of ws's contacts in their default order, as the API runs it
// (explainPrepared), with the workspace as its parameter.
func explainFirstPage(ctx context.Context, t *testing.T, api *bun.DB, ws uuid.UUID) string {
	store := db.NewStore(api)
	lq := db.ListQuery{Order: []db.SortKey{{Field: db.ContactSortFields["CREATED_AT"]}}, Limit: 101}
	page, err := store.ListContacts(ctx, ws, lq)
	if err != nil || len(page) != 101 {
		t.Fatalf("the first page: %d contacts, %v; want 101", len(page), err)
	}
	return explainPrepared(ctx, t, api, ws, db.PageText(store, ws, lq), ws)
}

// explainPrepared returns the plan of the statement text run with args
// in ws's scope, as the API runs it: prepared, and so planned once,
// generically (see PlannerSettings).
func explainPrepared(ctx context.Context, t *testing.T, api *bun.DB, ws uuid.UUID, text string, args ...any) string {
	t.Helper()
	tx, err := api.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT set_config('app.workspace_id', ?, true)", ws.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "PREPARE explained AS "+text); err != nil {
		t.Fatal(err)
	}
	defer tx.ExecContext(ctx, "DEALLOCATE explained")
	params := strings.Repeat("?, ", len(args))
	var plan []string
	if err := tx.NewRaw("EXPLAIN EXECUTE explained("+strings.TrimSuffix(params, ", ")+")", args...).Scan(ctx, &plan); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestStatisticsAreRefreshedWhenATableGrewByHalf: the server analyzes a
// table when the rows written since its statistics reach 500 and half of
// what they count, and leaves a tenth of growth, which flips no plan, to
// autovacuum.
func TestStatisticsAreRefreshedWhenATableGrewByHalf(t *testing.T) {
	ctx := context.Background()
	owner, api := freshDatabase(ctx, t)
	seedAndAnalyze(ctx, t, owner, 2_000)
	before := analyzeCount(ctx, t, owner, "contacts")

	if due := db.RefreshStatistics(ctx, api, map[string]int64{"contacts": 1_400}); len(due) != 0 {
		t.Errorf("after a refresh, %v are still due", due)
	}
	if n := analyzeCount(ctx, t, owner, "contacts"); n != before {
		t.Errorf("1,400 rows written to 2,000 analyzed contacts: analyzed %d times, want none (that is autovacuum's growth)", n-before)
	}
	db.RefreshStatistics(ctx, api, map[string]int64{"contacts": 1_500})
	if n := analyzeCount(ctx, t, owner, "contacts"); n != before+1 {
		t.Errorf("1,500 rows written to 2,000 analyzed contacts: analyzed %d times, want once", n-before)
	}
}

// TestARefreshOutlastsTheStatementTimeout: a refresh runs under its own
// timeout, not the pool's statement timeout, which ANALYZE of a large
// table on a busy machine outlasts: here ANALYZE waits for a lock that
// another transaction holds longer than the pool's statement timeout
// (and shorter than the function's lock_timeout).
func TestARefreshOutlastsTheStatementTimeout(t *testing.T) {
	ctx := context.Background()
	url, owner, _ := dbtest.OwnDatabase(t)
	seedAndAnalyze(ctx, t, owner, 1_000)
	const statementTimeout = 300 * time.Millisecond
	api := dbtest.Open(t, db.OpenAPI, url, db.WithTimeouts(db.Timeouts{Statement: statementTimeout}))
	before := analyzeCount(ctx, t, owner, "contacts")

	holder := holdAsAnalyzeWould(ctx, t, owner, "contacts")
	released := make(chan error, 1)
	go func() {
		// Hold the lock until the refresh has waited for it past the
		// statement timeout.
		waitForRefreshToWait(ctx, owner)
		time.Sleep(2 * statementTimeout)
		released <- holder.Commit()
	}()
	due := db.RefreshStatistics(ctx, api, map[string]int64{"contacts": 5_000})
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	if n := analyzeCount(ctx, t, owner, "contacts"); n != before+1 {
		t.Errorf("the refresh analyzed contacts %d times, want once: it was cut by the pool's statement timeout", n-before)
	}
	if len(due) != 0 {
		t.Errorf("after the refresh, %v are still due", due)
	}
}

// TestAFailedRefreshWaitsForMoreWrites: a refresh that fails is not asked
// for again at the next COMMIT, which would keep a backend analyzing when
// it fails by running too long.
func TestAFailedRefreshWaitsForMoreWrites(t *testing.T) {
	ctx := context.Background()
	_, _, api := dbtest.OwnDatabase(t)
	api.Close()
	if due := db.RefreshStatistics(ctx, api, map[string]int64{"contacts": 5_000}); len(due) != 0 {
		t.Errorf("after a failed refresh, %v are due again at once", due)
	}
}

// holdAsAnalyzeWould takes the lock that ANALYZE and VACUUM take of
// table, in a transaction rolled back when the test ends unless the test
// ends it first.
func holdAsAnalyzeWould(ctx context.Context, t *testing.T, owner *bun.DB, table string) bun.Tx {
	t.Helper()
	holder, err := owner.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Rollback() })
	if _, err := holder.ExecContext(ctx, "LOCK TABLE "+table+" IN SHARE UPDATE EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	return holder
}

// seedAndAnalyze writes n contacts into a workspace of their own and
// analyzes the tables, so that their statistics count them.
func seedAndAnalyze(ctx context.Context, t *testing.T, owner *bun.DB, n int) {
	t.Helper()
	if _, err := seed.Run(ctx, owner, seed.Plan{Workspace: uuid.New(), Contacts: n, Accounts: n / 10,
		PhonesPerContact: seed.DefaultPhonesPerContact, TagsPerContact: seed.DefaultTagsPerContact}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
}

// analyzeCount is how many times table was analyzed other than by
// autovacuum.
func analyzeCount(ctx context.Context, t *testing.T, owner *bun.DB, table string) (n int64) {
	t.Helper()
	if err := owner.QueryRowContext(ctx, "SELECT pg_stat_clear_snapshot(), analyze_count FROM pg_stat_user_tables WHERE relname = ?",
		table).Scan(new(any), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitForRefreshToWait returns once a call of refresh_statistics waits
// for a lock, or after ten seconds.
func waitForRefreshToWait(ctx context.Context, owner *bun.DB) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var waiting bool
		err := owner.QueryRowContext(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%refresh_statistics%')`).Scan(&waiting)
		if err != nil || waiting {
			return
		}
	}
}

// TestARefreshWaitsForItsTransactionsConnection: the refresh that a
// COMMIT calls for runs once the transaction's connection is back in the
// pool, so that in a pool of one connection it does not wait for its
// own.
func TestARefreshWaitsForItsTransactionsConnection(t *testing.T) {
	ctx := context.Background()
	owner, api := freshDatabase(ctx, t)
	api.SetMaxOpenConns(1)
	before := analyzeCount(ctx, t, owner, "contacts")
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		importThroughTheAPI(ctx, t, api, uuid.New(), 1_000)
	}()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("1,000 contacts written through a pool of one connection: not done after 30s; the refresh waits for the connection its transaction holds")
	}
	if n := analyzeCount(ctx, t, owner, "contacts"); n != before+1 {
		t.Errorf("contacts were analyzed %d times after the import, want once", n-before)
	}
}

// TestATableHeldByAnotherAnalyzeWaitsForMoreWrites: a table that
// refresh_statistics could not analyze, because another ANALYZE or a
// VACUUM held it past its lock_timeout, is asked about again after as many
// rows more, not at the next COMMIT.
func TestATableHeldByAnotherAnalyzeWaitsForMoreWrites(t *testing.T) {
	ctx := context.Background()
	owner, api := freshDatabase(ctx, t)
	holdAsAnalyzeWould(ctx, t, owner, "contacts")
	if due := db.RefreshStatistics(ctx, api, map[string]int64{"contacts": 5_000}); len(due) != 0 {
		t.Errorf("a table another transaction held is due again at once: %v", due)
	}
}
