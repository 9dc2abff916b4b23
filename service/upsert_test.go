package service_test

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
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
// upserts (for contacts, through an id merged into it), and only that: an
// input whose new external id is spelled like a record's id upserts a
// record of its own.
func TestBulkUpsertClaimsEachRecordOnce(t *testing.T) {
	t.Parallel()
	svc := graphtest.NewService(t)
	name := "Ada"
	account := func(externalID string) *service.UpsertAccountInput {
		return &service.UpsertAccountInput{ExternalID: externalID, UpdateAccountInput: service.UpdateAccountInput{Name: graphql.OmittableOf(&name)}}
	}
	contact := func(externalID string) *service.UpsertContactInput {
		return &service.UpsertContactInput{ExternalID: externalID, UpdateContactInput: service.UpdateContactInput{Name: graphql.OmittableOf(&name)}}
	}
	tests := []struct {
		name string
		// upsert upserts records by the external ids in one call, and
		// returns what each upsert did.
		upsert func(ctx context.Context, externalIDs ...string) ([]outcome, error)
		// merged are the external ids of records merged into the first.
		merged []string
		// again is an external id that finds the first record again.
		again string
	}{
		{name: "accounts", again: "crm-1", upsert: func(ctx context.Context, externalIDs ...string) ([]outcome, error) {
			results, err := svc.BulkUpsertAccounts(ctx, mapped(externalIDs, account), false)
			return mapped(results, func(r *service.UpsertAccountResult) outcome { return outcome{r.Upserted, r.Account} }), err
		}},
		{name: "contacts", merged: []string{"crm-2"}, again: "crm-2", upsert: func(ctx context.Context, externalIDs ...string) ([]outcome, error) {
			results, err := svc.BulkUpsertContacts(ctx, mapped(externalIDs, contact), false)
			return mapped(results, func(r *service.UpsertContactResult) outcome { return outcome{r.Upserted, r.Contact} }), err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := writer(t, svc)
			stored, err := tt.upsert(ctx, append([]string{"crm-1"}, tt.merged...)...)
			if err != nil {
				t.Fatal(err)
			}
			if len(tt.merged) > 0 {
				if _, ps, err := svc.MergeContacts(ctx, stored[0].record.NodeID(), []string{stored[1].record.NodeID()}); err != nil || len(ps) > 0 {
					t.Fatalf("mergeContacts: %v %+v", err, ps)
				}
			}
			results, err := tt.upsert(ctx, stored[0].record.NodeID(), "crm-1", tt.again)
			if err != nil {
				t.Fatal(err)
			}
			checkClaims(t, results[0].Upserted, results[1].Upserted, results[2].Upserted)
		})
	}
}

// outcome is what an upsert did, with the record it wrote (a nil
// pointer when it wrote none).
type outcome struct {
	service.Upserted
	record db.Node
}

func mapped[In, Out any](in []In, f func(In) Out) []Out {
	out := make([]Out, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
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
