package db_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
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
