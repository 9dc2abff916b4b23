package commands

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/service"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestSampleDataFillsAnEmptyWorkspaceOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := service.New(db.NewStore(dbtest.APIDB(t)))
	ws := uuid.New()
	if n, err := addSampleData(ctx, svc, ws); err != nil || n != len(sampleContacts) {
		t.Fatalf("first start: added %d contacts, error %v; want %d and no error", n, err, len(sampleContacts))
	}
	if n, err := addSampleData(ctx, svc, ws); err != nil || n != 0 {
		t.Fatalf("second start: added %d contacts, error %v; want none, the workspace has contacts", n, err)
	}
	readCtx := auth.WithPrincipal(ctx, &auth.Principal{WorkspaceID: ws, Scopes: []string{auth.ScopeRead}})
	page, err := svc.Contacts(readCtx, service.PageArgs{}, nil, nil, db.AllColumns)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != len(sampleContacts) {
		t.Fatalf("the workspace has %d contacts; want the %d samples", len(page.Items), len(sampleContacts))
	}
	accounts, err := svc.Accounts(readCtx, service.PageArgs{}, nil, nil)
	if err != nil || len(accounts.Items) != len(sampleAccounts) {
		t.Fatalf("the workspace has %d accounts (error %v); want the %d samples", len(accounts.Items), err, len(sampleAccounts))
	}
}
