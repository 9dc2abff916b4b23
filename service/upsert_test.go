package service_test

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

// TestMain gives the tests that write through the service (this file's)
// a database.
func TestMain(m *testing.M) { dbtest.Main(m) }

// writer is a context of a new workspace's writer, provisioned in svc.
func writer(t *testing.T, svc *service.Service) context.Context {
	t.Helper()
	ws := uuid.New()
	ctx := auth.WithPrincipal(t.Context(), &auth.Principal{WorkspaceID: ws, Subject: "writer", Scopes: []string{auth.ScopeWrite}})
	if err := svc.Provision(ctx, ws); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// TestBulkUpsertClaimsEachRecordOnce: the one pipeline refuses, for both
// kinds, a second input of a call that upserts a record an earlier input
// upserts (also through an id merged into it), and only that: an input
// whose new external id is spelled like a record's id upserts a record of
// its own.
func TestBulkUpsertClaimsEachRecordOnce(t *testing.T) {
	t.Parallel()
	svc := graphtest.NewService(t)

	t.Run("accounts", func(t *testing.T) {
		t.Parallel()
		ctx := writer(t, svc)
		name := "Acme"
		account := func(externalID string) *service.UpsertAccountInput {
			return &service.UpsertAccountInput{ExternalID: externalID, UpdateAccountInput: service.UpdateAccountInput{Name: graphql.OmittableOf(&name)}}
		}
		acme, err := svc.UpsertAccount(ctx, *account("acme"))
		if err != nil || acme.Account == nil {
			t.Fatalf("upsertAccount: %v %+v", err, acme)
		}
		results, err := svc.BulkUpsertAccounts(ctx, []*service.UpsertAccountInput{account(acme.Account.ID), account("acme"), account("acme")}, false)
		if err != nil {
			t.Fatal(err)
		}
		checkClaims(t, results[0].Upserted, results[1].Upserted, results[2].Upserted)
	})
	t.Run("contacts", func(t *testing.T) {
		t.Parallel()
		ctx := writer(t, svc)
		name := "Ada"
		contact := func(externalID string) *service.UpsertContactInput {
			return &service.UpsertContactInput{ExternalID: externalID, UpdateContactInput: service.UpdateContactInput{Name: graphql.OmittableOf(&name)}}
		}
		ada, err := svc.UpsertContact(ctx, *contact("crm-1"))
		if err != nil || ada.Contact == nil {
			t.Fatalf("upsertContact: %v %+v", err, ada)
		}
		dup, err := svc.UpsertContact(ctx, *contact("crm-2"))
		if err != nil || dup.Contact == nil {
			t.Fatalf("upsertContact: %v %+v", err, dup)
		}
		if _, ps, err := svc.MergeContacts(ctx, ada.Contact.ID, []string{dup.Contact.ID}); err != nil || len(ps) > 0 {
			t.Fatalf("mergeContacts: %v %+v", err, ps)
		}
		// crm-2 was merged into Ada: it finds her, whom crm-1 claimed.
		results, err := svc.BulkUpsertContacts(ctx, []*service.UpsertContactInput{contact(ada.Contact.ID), contact("crm-1"), contact("crm-2")}, false)
		if err != nil {
			t.Fatal(err)
		}
		checkClaims(t, results[0].Upserted, results[1].Upserted, results[2].Upserted)
	})
}

// checkClaims checks a call's three upserts: the first created a record of
// its own, the second upserted a record already there, and the third,
// which names that record again, was refused at its externalId.
func checkClaims(t *testing.T, own, first, again service.Upserted) {
	t.Helper()
	if !own.Created() || len(own.UserErrors) > 0 {
		t.Errorf("the input whose external id is spelled like a record's id: created %v, errors %+v; want a record of its own", own.Created(), own.UserErrors)
	}
	if first.Action == nil || first.Created() || len(first.UserErrors) > 0 {
		t.Errorf("the first upsert of the stored record: action %v, errors %+v; want it upserted", first.Action, first.UserErrors)
	}
	if len(again.UserErrors) != 1 || again.UserErrors[0].Code != service.AlreadyExists {
		t.Fatalf("the second upsert of the stored record: errors %+v; want ALREADY_EXISTS", again.UserErrors)
	}
	if at := again.UserErrors[0].Field; len(at) != 3 || at[0] != "inputs" || at[1] != "2" || at[2] != "externalId" {
		t.Errorf("the second upsert's error is at %v; want [inputs 2 externalId]", at)
	}
}
