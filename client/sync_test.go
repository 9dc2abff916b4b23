package client_test

import (
	"slices"
	"testing"

	"github.com/Khan/genqlient/graphql"

	"github.com/contacts-api/contacts/client"
)

// upsert upserts a contact by external id and returns it.
func upsert(t *testing.T, c graphql.Client, in *client.UpsertContactInput) *client.ContactFields {
	t.Helper()
	resp, err := client.UpsertContact(t.Context(), c, in)
	if err != nil {
		t.Fatalf("UpsertContact %s: %v", in.ExternalId, err)
	}
	noUserErrors(t, "UpsertContact "+in.ExternalId, resp.UpsertContact.UserErrors)
	return resp.UpsertContact.Contact
}

// upsertAccount upserts an account by external id and returns its id.
func upsertAccount(t *testing.T, c graphql.Client, externalID string) string {
	t.Helper()
	resp, err := client.UpsertAccount(t.Context(), c, &client.UpsertAccountInput{ExternalId: externalID, Name: client.Ptr(externalID)})
	if err != nil {
		t.Fatalf("UpsertAccount %s: %v", externalID, err)
	}
	noUserErrors(t, "UpsertAccount "+externalID, resp.UpsertAccount.UserErrors)
	return resp.UpsertAccount.Account.Id
}

// accountsOf returns the external ids of a contact's primary account
// (empty when it has none) and of all its accounts.
func accountsOf(contact *client.ContactFields) (primary string, all []string) {
	if contact.Account != nil {
		primary = *contact.Account.ExternalId
	}
	for _, a := range contact.Accounts {
		all = append(all, *a.ExternalId)
	}
	slices.Sort(all)
	return primary, all
}

// TestDuplicateGroupsPageAndMerge proves AllDuplicateGroups pages through
// the groups in the server's order, one group a page, and MergeGroup
// merges one into its oldest contact, after which it is no group.
func TestDuplicateGroupsPageAndMerge(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t)
	ada := upsert(t, c, &client.UpsertContactInput{ExternalId: "crm-1", Name: client.Ptr("Ada"), Email: client.Ptr("ada@example.com")})
	upsert(t, c, &client.UpsertContactInput{ExternalId: "crm-2", Name: client.Ptr("Ada L."), Email: client.Ptr("ADA@Example.com")})
	upsert(t, c, &client.UpsertContactInput{ExternalId: "crm-3", Name: client.Ptr("Grace"), Phones: []*client.PhoneChange{{Number: client.Ptr("+14155550102")}}})
	upsert(t, c, &client.UpsertContactInput{ExternalId: "crm-4", Name: client.Ptr("Grace H."), Phones: []*client.PhoneChange{{Number: client.Ptr("+1 (415) 555-0102")}}})

	var groups []*client.DuplicateGroup
	for group, err := range client.AllDuplicateGroups(ctx, c, 1, nil) {
		if err != nil {
			t.Fatalf("AllDuplicateGroups: %v", err)
		}
		groups = append(groups, group)
	}
	var got []string
	for _, g := range groups {
		got = append(got, string(g.Reason)+" "+g.Key)
	}
	if want := []string{"EMAIL ada@example.com", "PHONE +14155550102"}; !slices.Equal(got, want) {
		t.Fatalf("AllDuplicateGroups: %q; want %q", got, want)
	}
	if g := groups[0]; g.Size != 2 || len(g.ContactIds) != 2 || g.ContactIds[0] != ada.Id {
		t.Fatalf("the email group: size %d, ids %v; want 2, the oldest (%s) first", g.Size, g.ContactIds, ada.Id)
	}

	merged, err := client.MergeGroup(ctx, c, groups[0])
	if err != nil {
		t.Fatalf("MergeGroup: %v", err)
	}
	noUserErrors(t, "MergeGroup", merged.MergeContacts.UserErrors)
	if merged.MergeContacts.Contact.Id != ada.Id {
		t.Errorf("MergeGroup kept %s; want the oldest, %s", merged.MergeContacts.Contact.Id, ada.Id)
	}
	email := client.DuplicateReasonEmail
	for group, err := range client.AllDuplicateGroups(ctx, c, 10, &email) {
		if err != nil {
			t.Fatalf("AllDuplicateGroups(EMAIL): %v", err)
		}
		t.Errorf("after the merge: the group %s %s is still listed", group.Reason, group.Key)
	}
	if _, err := client.MergeGroup(ctx, c, &client.DuplicateGroup{Reason: email, Key: "x", ContactIds: []string{ada.Id}}); err == nil {
		t.Error("MergeGroup of a group of one: no error; want one")
	}
}

// TestMembershipsByDelta proves the client's membership mutations and
// delta fields change one membership and leave the others.
func TestMembershipsByDelta(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t)
	acme, globex, initech := upsertAccount(t, c, "acme"), upsertAccount(t, c, "globex"), upsertAccount(t, c, "initech")
	ada := upsert(t, c, &client.UpsertContactInput{ExternalId: "crm-1", Name: client.Ptr("Ada"), AccountId: &acme})

	steps := []struct {
		name        string
		do          func() (*client.ContactFields, []*client.UserErrorFields, error)
		wantPrimary string
		wantAll     []string
	}{
		{"AddContactToAccount keeps the primary", func() (*client.ContactFields, []*client.UserErrorFields, error) {
			resp, err := client.AddContactToAccount(ctx, c, ada.Id, globex)
			if err != nil {
				return nil, nil, err
			}
			return resp.AddContactToAccount.Contact, resp.AddContactToAccount.UserErrors, nil
		}, "acme", []string{"acme", "globex"}},
		{"the upsert's addAccountIds adds one", func() (*client.ContactFields, []*client.UserErrorFields, error) {
			resp, err := client.UpsertContact(ctx, c, &client.UpsertContactInput{ExternalId: "crm-1", AddAccountIds: []string{initech}})
			if err != nil {
				return nil, nil, err
			}
			return resp.UpsertContact.Contact, resp.UpsertContact.UserErrors, nil
		}, "acme", []string{"acme", "globex", "initech"}},
		{"MoveContactToAccount leaves the previous primary", func() (*client.ContactFields, []*client.UserErrorFields, error) {
			resp, err := client.MoveContactToAccount(ctx, c, ada.Id, globex, nil)
			if err != nil {
				return nil, nil, err
			}
			return resp.MoveContactToAccount.Contact, resp.MoveContactToAccount.UserErrors, nil
		}, "globex", []string{"globex", "initech"}},
		{"MoveContactToAccount keeping the previous one", func() (*client.ContactFields, []*client.UserErrorFields, error) {
			resp, err := client.MoveContactToAccount(ctx, c, ada.Id, acme, client.Ptr(true))
			if err != nil {
				return nil, nil, err
			}
			return resp.MoveContactToAccount.Contact, resp.MoveContactToAccount.UserErrors, nil
		}, "acme", []string{"acme", "globex", "initech"}},
		{"the update's removeAccountIds removes one", func() (*client.ContactFields, []*client.UserErrorFields, error) {
			resp, err := client.UpdateContact(ctx, c, ada.Id, &client.UpdateContactInput{RemoveAccountIds: []string{initech}})
			if err != nil {
				return nil, nil, err
			}
			return resp.UpdateContact.Contact, resp.UpdateContact.UserErrors, nil
		}, "acme", []string{"acme", "globex"}},
		{"RemoveContactFromAccount of the primary clears it", func() (*client.ContactFields, []*client.UserErrorFields, error) {
			resp, err := client.RemoveContactFromAccount(ctx, c, ada.Id, acme)
			if err != nil {
				return nil, nil, err
			}
			return resp.RemoveContactFromAccount.Contact, resp.RemoveContactFromAccount.UserErrors, nil
		}, "", []string{"globex"}},
	}
	for _, step := range steps {
		contact, userErrors, err := step.do()
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		noUserErrors(t, step.name, userErrors)
		if primary, all := accountsOf(contact); primary != step.wantPrimary || !slices.Equal(all, step.wantAll) {
			t.Fatalf("%s: primary %q, accounts %q; want %q and %q", step.name, primary, all, step.wantPrimary, step.wantAll)
		}
	}
}

// TestPhonesAsPeopleWriteThem proves the client sends numbers as people
// write them, with a region, and reads back the stored number's parts.
func TestPhonesAsPeopleWriteThem(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	contact := upsert(t, c, &client.UpsertContactInput{ExternalId: "crm-1", Name: client.Ptr("Ada"), Phones: []*client.PhoneChange{
		{Number: client.Ptr("020 7946 0958"), Region: client.Ptr("gb")},
	}})
	p := contact.Phones[0]
	if p.Number != "+442079460958" || *p.CountryCode != 44 || *p.Region != "GB" || p.National != "020 7946 0958" || p.International != "+44 20 7946 0958" {
		t.Errorf("phone: %s, %d, %s, %q, %q; want +442079460958, 44, GB, 020 7946 0958, +44 20 7946 0958",
			p.Number, *p.CountryCode, *p.Region, p.National, p.International)
	}
	resp, err := client.UpsertContact(t.Context(), c, &client.UpsertContactInput{ExternalId: "crm-2", Name: client.Ptr("Bob"), Phones: []*client.PhoneChange{{Number: client.Ptr("+12")}}})
	if err != nil {
		t.Fatal(err)
	}
	if errs := resp.UpsertContact.UserErrors; len(errs) != 1 || errs[0].Code != client.UserErrorCodeInvalid {
		t.Errorf("+12: user errors %+v; want one INVALID", errs)
	}
}

// TestUnchangedWritesThroughTheClient proves the client reports a sync
// that sends what is stored, by external id, by email (in another case) or
// in bulk, as UNCHANGED, and that it wrote nothing: the contact keeps its
// version and updatedAt.
func TestUnchangedWritesThroughTheClient(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newClient(t)
	in := &client.UpsertContactInput{ExternalId: "crm-42", Name: client.Ptr("Ada Lovelace"), Email: client.Ptr("ada@example.com"), Tags: []string{"vip"}}
	created := upsert(t, c, in)

	var actions []client.WriteAction
	again, err := client.UpsertContact(ctx, c, in)
	if err != nil {
		t.Fatal(err)
	}
	actions = append(actions, *again.UpsertContact.Action)
	byEmail, err := client.UpsertContactByEmail(ctx, c, "ADA@example.com", &client.UpdateContactInput{Name: in.Name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	actions = append(actions, *byEmail.UpsertContactByEmail.Action)
	bulk, err := client.BulkUpsertContacts(ctx, c, []*client.UpsertContactInput{in}, nil)
	if err != nil {
		t.Fatal(err)
	}
	actions = append(actions, *bulk.BulkUpsertContacts.Results[0].Action)
	unchanged := client.WriteActionUnchanged
	if want := []client.WriteAction{unchanged, unchanged, unchanged}; !slices.Equal(actions, want) {
		t.Fatalf("the same contact again (by external id, by email, in bulk): %v; want %v", actions, want)
	}
	if v := bulk.BulkUpsertContacts.Results[0].Contact; v.Version != created.Version || !v.UpdatedAt.Equal(created.UpdatedAt) {
		t.Fatalf("after unchanged writes: version %d, updatedAt %v; want %d, %v", v.Version, v.UpdatedAt, created.Version, created.UpdatedAt)
	}
}
