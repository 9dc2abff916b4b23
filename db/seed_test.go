// The seed's tests live here rather than in db/seed so that they share
// this package's throwaway cluster: a cluster per test binary is what
// costs time in `make test`.
package db_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/db/seed"
)

func TestSeedFillsTheWorkspace(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	bdb := dbtest.DB(t)
	plan := seed.Plan{
		Workspace: uuid.New(), Contacts: 200, Accounts: 20,
		PhonesPerContact: seed.DefaultPhonesPerContact, TagsPerContact: seed.DefaultTagsPerContact,
	}
	var reported seed.Progress
	res, err := seed.Run(ctx, bdb, plan, func(p seed.Progress) { reported = p })
	if err != nil {
		t.Fatal(err)
	}
	if res.Contacts != 200 || res.Accounts != 20 || res.Phones != 400 || res.Memberships != 220 {
		t.Errorf("result = %+v, want 200 contacts, 20 accounts, 400 phones, 220 memberships (one in ten contacts has a second account)", res)
	}
	if reported.Done != reported.Total || reported.Total != 20+200+220+400 {
		t.Errorf("last progress = %+v, want done = total = 840 rows", reported)
	}

	ws := plan.Workspace
	count := func(query string) int {
		t.Helper()
		var n int
		if err := bdb.QueryRowContext(ctx, query, ws).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	checks := []struct {
		name  string
		query string
		want  int
	}{
		{"contacts", "SELECT count(*) FROM contacts WHERE workspace_id = ?", 200},
		{"accounts", "SELECT count(*) FROM accounts WHERE workspace_id = ?", 20},
		{"contacts without exactly 2 phones", `SELECT count(*) FROM contacts c WHERE workspace_id = ?
			AND (SELECT count(*) FROM phones p WHERE p.workspace_id = c.workspace_id AND p.contact_id = c.id) <> 2`, 0},
		{"contacts not members of their primary account", `SELECT count(*) FROM contacts c WHERE workspace_id = ?
			AND NOT EXISTS (SELECT 1 FROM contact_accounts ca WHERE ca.workspace_id = c.workspace_id
				AND ca.contact_id = c.id AND ca.account_id = c.account_id)`, 0},
		{"contacts without 3 tags", "SELECT count(*) FROM contacts WHERE workspace_id = ? AND cardinality(tags) <> 3", 0},
		{"contacts without the default portal role", `SELECT count(*) FROM contacts c JOIN workspaces w ON w.id = c.workspace_id
			WHERE c.workspace_id = ? AND c.portal_role_id IS DISTINCT FROM w.default_portal_role_id`, 0},
		{"phone numbers that are not E.164", `SELECT count(*) FROM phones WHERE workspace_id = ? AND number !~ '^\+[1-9][0-9]{1,14}$'`, 0},
		{"duplicate phone numbers", "SELECT count(*) - count(DISTINCT number) FROM phones WHERE workspace_id = ?", 0},
	}
	for _, c := range checks {
		if got := count(c.query); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}

	// The API reads the seeded records like any others.
	contacts, err := db.NewStore(bdb).ListContacts(ctx, ws, db.ListQuery{Order: []db.SortKey{{Field: db.ContactSortFields["CREATED_AT"]}}, Limit: 5})
	if err != nil || len(contacts) != 5 || contacts[0].Email == nil || contacts[0].AccountID == nil {
		t.Errorf("ListContacts after seed = %d contacts (err %v), want 5 with email and account", len(contacts), err)
	}
}

func TestSeedRefusesImpossiblePlans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		plan seed.Plan
	}{
		{"no workspace", seed.Plan{Contacts: 1, Accounts: 1}},
		{"contacts without accounts", seed.Plan{Workspace: uuid.New(), Contacts: 1}},
		{"more phones than the API allows", seed.Plan{Workspace: uuid.New(), Contacts: 1, Accounts: 1, PhonesPerContact: 21}},
		{"negative contacts", seed.Plan{Workspace: uuid.New(), Contacts: -1, Accounts: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := seed.Run(t.Context(), dbtest.DB(t), tt.plan, nil); err == nil {
				t.Errorf("Run(%+v) succeeded, want an error", tt.plan)
			}
		})
	}
}
