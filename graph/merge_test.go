package graph_test

import (
	"slices"
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
)

const mergeDoc = `mutation($target: ID!, $sources: [ID!]!) { mergeContacts(targetId: $target, sourceIds: $sources) { contact { ` + graphtest.ContactFields + ` mergedExternalIds } ` + userErrorFields + ` } }`

// mergePayload is the payload of mergeContacts.
type mergePayload struct {
	Contact *struct {
		graphtest.ContactData
		MergedExternalIds []string `json:"mergedExternalIds"`
	} `json:"contact"`
	UserErrors []graphtest.UserError `json:"userErrors"`
}

func (c *client) merge(target string, sources ...string) mergePayload {
	c.T.Helper()
	return rootField[mergePayload](c, mergeDoc, map[string]any{"target": target, "sources": sources})
}

func TestMergeContacts(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	acme := c.CreateAccount(map[string]any{"name": "Acme"})
	globex := c.CreateAccount(map[string]any{"name": "Globex"})
	target := c.CreateContact(map[string]any{
		"externalId": "crm-1", "name": "Ada", "email": "ada@example.com", "tags": []string{"vip"},
		"metadata": map[string]any{"plan": "pro"}, "phones": phoneInputs("+14155550100"),
	})
	dup := c.CreateContact(map[string]any{
		"externalId": "crm-2", "name": "A. Lovelace", "email": "other@example.com", "tags": []string{"vip", "beta"},
		"metadata": map[string]any{"plan": "free", "seats": 3}, "accountId": acme, "accountIds": []string{acme, globex},
		"phones": phoneInputs("+14155550100", "+14155550101"),
	})
	merged := c.merge(target.ID, dup.ID)
	if len(merged.UserErrors) > 0 {
		t.Fatalf("merge: %s", describeErrors(merged.UserErrors))
	}
	got := &merged.Contact.ContactData
	if got.Name != "Ada" || *got.Email != "ada@example.com" || got.Version != 2 {
		t.Errorf("target's own fields changed: %+v", got)
	}
	if !slices.Equal(got.Tags, []string{"vip", "beta"}) || string(got.Metadata) != `{"plan":"pro","seats":3}` {
		t.Errorf("tags %v and metadata %s, want vip,beta and the target's plan with the source's seats", got.Tags, got.Metadata)
	}
	if numbers := sorted(numbersOf(got)); !slices.Equal(numbers, []string{"+14155550100", "+14155550101"}) {
		t.Errorf("phones %v, want each number once", numbers)
	}
	if got.Account == nil || got.Account.ID != acme || len(got.Accounts) != 2 {
		t.Errorf("accounts: primary %+v, all %+v; want acme primary and both memberships", got.Account, got.Accounts)
	}
	if ids := merged.Contact.MergedExternalIds; !slices.Equal(ids, []string{"crm-2"}) {
		t.Errorf("mergedExternalIds %v, want [crm-2]", ids)
	}
	if c.contactByID(dup.ID) != nil || c.ContactCount() != 1 {
		t.Errorf("the source still exists")
	}
	again := c.upsert(map[string]any{"externalId": "crm-2", "description": "found by the old id"})
	if again.Created || again.Contact == nil || again.Contact.ID != target.ID {
		t.Errorf("upsert by a merged external id = %+v, want the target updated", again)
	}
}

func TestMergeContactsRules(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	a := c.CreateContact(map[string]any{"name": "A"})
	b := c.CreateContact(map[string]any{"name": "B"})
	foreign := c.otherWorkspace().CreateContact(map[string]any{"name": "F"})
	tests := []struct {
		name    string
		target  string
		sources []string
		field   []string
		code    string
	}{
		{"no sources", a.ID, []string{}, []string{"sourceIds"}, "REQUIRED"},
		{"into itself", a.ID, []string{a.ID}, []string{"sourceIds", "0"}, "INVALID"},
		{"twice", a.ID, []string{b.ID, b.ID}, []string{"sourceIds", "1"}, "INVALID"},
		{"unknown target", "contact_01J00000000000000000000000", []string{b.ID}, []string{"targetId"}, "NOT_FOUND"},
		{"another workspace's source", a.ID, []string{foreign.ID}, []string{"sourceIds", "0"}, "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.merge(tt.target, tt.sources...)
			checkUserError(t, got.UserErrors, tt.field, tt.code)
		})
	}
	if c.ContactCount() != 2 || c.otherWorkspace().ContactCount() != 0 {
		t.Errorf("a refused merge deleted contacts")
	}
}
