package graph_test

import (
	"slices"
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
)

// membership is a contact's primary account and accounts, by account
// name, sorted.
type membership struct {
	primary  string
	accounts []string
}

// TestMembershipsByDelta proves that memberships change one at a time, on
// update, upsert and their own mutations, and that a contact moves to an
// account in one call.
func TestMembershipsByDelta(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ids := map[string]string{}
	for _, name := range []string{"acme", "beta", "corp"} {
		ids[name] = c.CreateAccount(map[string]any{"name": name, "externalId": name})
	}
	names := map[string]string{}
	for name, id := range ids {
		names[id] = name
	}
	start := func(externalID string) string {
		return c.mustUpsert(map[string]any{"externalId": externalID, "name": "Ada", "accountExternalId": "acme", "accountIds": []string{ids["beta"]}}).ID
	}
	of := func(id string) membership {
		got := c.contactByID(id)
		var m membership
		if got.Account != nil {
			m.primary = names[got.Account.ID]
		}
		for _, a := range got.Accounts {
			m.accounts = append(m.accounts, names[a.ID])
		}
		slices.Sort(m.accounts)
		return m
	}
	const (
		update = `mutation($id: ID!, $input: UpdateContactInput!) { result: updateContact(id: $id, input: $input) { contact { id } ` + userErrorFields + ` } }`
		add    = `mutation($id: ID!, $account: ID!) { result: addContactToAccount(contactId: $id, accountId: $account) { contact { id } ` + userErrorFields + ` } }`
		remove = `mutation($id: ID!, $account: ID!) { result: removeContactFromAccount(contactId: $id, accountId: $account) { contact { id } ` + userErrorFields + ` } }`
		move   = `mutation($id: ID!, $account: ID!, $keep: Boolean) { result: moveContactToAccount(contactId: $id, accountId: $account, keepPreviousAccount: $keep) { contact { id } ` + userErrorFields + ` } }`
	)
	tests := []struct {
		name string
		doc  string
		vars func(id, externalID string) map[string]any
		want membership
	}{
		{"update adds an account", update, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "input": map[string]any{"addAccountIds": []string{ids["corp"]}}}
		}, membership{"acme", []string{"acme", "beta", "corp"}}},
		{"update removes an account", update, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "input": map[string]any{"removeAccountIds": []string{ids["beta"]}}}
		}, membership{"acme", []string{"acme"}}},
		{"update removes the primary account, which clears it", update, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "input": map[string]any{"removeAccountIds": []string{ids["acme"]}}}
		}, membership{"", []string{"beta"}}},
		{"a new primary account keeps the previous one by default", update, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "input": map[string]any{"accountId": ids["corp"]}}
		}, membership{"corp", []string{"acme", "beta", "corp"}}},
		{"a new primary account with keepPreviousAccount false moves the contact", update, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "input": map[string]any{"accountExternalId": "corp", "keepPreviousAccount": false}}
		}, membership{"corp", []string{"beta", "corp"}}},
		{"upsert adds and removes", upsertContactDoc, func(id, externalID string) map[string]any {
			return map[string]any{"input": map[string]any{"externalId": externalID, "addAccountIds": []string{ids["corp"]}, "removeAccountIds": []string{ids["beta"]}}}
		}, membership{"acme", []string{"acme", "corp"}}},
		{"upsert moves the contact", upsertContactDoc, func(id, externalID string) map[string]any {
			return map[string]any{"input": map[string]any{"externalId": externalID, "accountExternalId": "beta", "keepPreviousAccount": false}}
		}, membership{"beta", []string{"beta"}}},
		{"addContactToAccount", add, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "account": ids["corp"]}
		}, membership{"acme", []string{"acme", "beta", "corp"}}},
		{"removeContactFromAccount", remove, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "account": ids["beta"]}
		}, membership{"acme", []string{"acme"}}},
		{"removeContactFromAccount of an account it does not belong to", remove, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "account": ids["corp"]}
		}, membership{"acme", []string{"acme", "beta"}}},
		{"moveContactToAccount", move, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "account": ids["corp"]}
		}, membership{"corp", []string{"beta", "corp"}}},
		{"moveContactToAccount keeping the previous account", move, func(id, externalID string) map[string]any {
			return map[string]any{"id": id, "account": ids["corp"], "keep": true}
		}, membership{"corp", []string{"acme", "beta", "corp"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := start(tt.name)
			vars := tt.vars(id, tt.name)
			var out struct {
				Result struct{ UserErrors []graphtest.UserError }
			}
			c.MustDo(tt.doc, vars, &out)
			if len(out.Result.UserErrors) > 0 {
				t.Fatalf("user errors %s, want none", describeErrors(out.Result.UserErrors))
			}
			if got := of(id); got.primary != tt.want.primary || !slices.Equal(got.accounts, tt.want.accounts) {
				t.Errorf("membership %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestMembershipErrors proves the refusals of membership changes, each at
// the field that caused it.
func TestMembershipErrors(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	acme := c.CreateAccount(map[string]any{"name": "Acme"})
	contact := c.CreateContact(map[string]any{"name": "Ada"}).ID
	both := c.tryUpdateContact(contact, map[string]any{"accountIds": []string{acme}, "addAccountIds": []string{acme}})
	checkUserError(t, both.UserErrors, inputAt("accountIds"), "MUTUALLY_EXCLUSIVE")
	unknown := c.tryUpdateContact(contact, map[string]any{"addAccountIds": []string{acme, "account_nope"}})
	checkUserError(t, unknown.UserErrors, inputAt("addAccountIds", "1"), "NOT_FOUND")
	var out struct {
		Result struct{ UserErrors []graphtest.UserError }
	}
	c.MustDo(`mutation($id: ID!, $account: ID!) { result: moveContactToAccount(contactId: $id, accountId: $account) { `+userErrorFields+` } }`,
		map[string]any{"id": contact, "account": "account_nope"}, &out)
	checkUserError(t, out.Result.UserErrors, []string{"accountId"}, "NOT_FOUND")
	c.MustDo(`mutation($id: ID!, $account: ID!) { result: addContactToAccount(contactId: $id, accountId: $account) { `+userErrorFields+` } }`,
		map[string]any{"id": "contact_nope", "account": acme}, &out)
	checkUserError(t, out.Result.UserErrors, []string{"contactId"}, "NOT_FOUND")
	if got := c.contactByID(contact); got.Version != 1 || len(got.Accounts) != 0 {
		t.Errorf("refused membership changes wrote: %+v", got)
	}
}
