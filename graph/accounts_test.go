package graph_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// accountFields selects everything a test may look at on an account.
const accountFields = `id externalId name domain tags metadata version createdAt updatedAt`

// The GraphQL documents of the account tests.
const (
	createAccountDoc = `mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { ` + accountFields + ` } ` + userErrorFields + ` } }`
	updateAccountDoc = `mutation($id: ID!, $input: UpdateAccountInput!) { updateAccount(id: $id, input: $input) { account { ` + accountFields + ` } ` + userErrorFields + ` } }`
	accountByIDDoc   = `query($id: ID) { account(id: $id) { ` + accountFields + ` } }`
)

// accountData is an account as the tests decode it.
type accountData struct {
	ID         string          `json:"id"`
	ExternalID *string         `json:"externalId"`
	Name       string          `json:"name"`
	Domain     *string         `json:"domain"`
	Tags       []string        `json:"tags"`
	Metadata   json.RawMessage `json:"metadata"`
	Version    int             `json:"version"`
	CreatedAt  time.Time       `json:"createdAt"`
	UpdatedAt  time.Time       `json:"updatedAt"`
}

func TestCreateAccountRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	checkRefusedCreates(t, accountKind, append(fieldRefusals(map[string]any{"name": "Acme"}), []refusal{
		{"a domain with spaces is invalid", map[string]any{"name": "Acme", "domain": "not a domain"}, inputAt("domain"), "INVALID"},
		{"a URL as domain is invalid", map[string]any{"name": "Acme", "domain": "https://acme.com/"}, inputAt("domain"), "INVALID"},
	}...))
}

func TestCreateAccountAcceptsValidInput(t *testing.T) {
	t.Parallel()
	checkCreates(t, accountKind, []acceptance[accountData]{
		{"a host name is a domain", map[string]any{"name": "Acme", "domain": "acme.com"}, func(t *testing.T, got *accountData) {
			if got.Domain == nil || *got.Domain != "acme.com" {
				t.Errorf("domain = %v, want acme.com", got.Domain)
			}
		}},
		{"a subdomain is a domain", map[string]any{"name": "Acme", "domain": "eu.acme.co.uk"}, func(t *testing.T, got *accountData) {
			if got.Domain == nil || *got.Domain != "eu.acme.co.uk" {
				t.Errorf("domain = %v, want eu.acme.co.uk", got.Domain)
			}
		}},
		{"a name of 255 characters is accepted", map[string]any{"name": strings.Repeat("n", 255)}, func(t *testing.T, got *accountData) {
			if len(got.Name) != 255 {
				t.Errorf("name has %d characters, want 255", len(got.Name))
			}
		}},
		{"tags are trimmed and deduplicated in order", map[string]any{"name": "Acme", "tags": []string{"b2b ", " smb", "b2b"}}, func(t *testing.T, got *accountData) {
			if want := []string{"b2b", "smb"}; !slices.Equal(got.Tags, want) {
				t.Errorf("tags = %q, want %q", got.Tags, want)
			}
		}},
		{"metadata round-trips", map[string]any{"name": "Acme", "metadata": map[string]any{"tier": "gold", "seats": 40, "regions": []any{"eu", "us"}}}, func(t *testing.T, got *accountData) {
			if want := `{"tier":"gold","seats":40,"regions":["eu","us"]}`; !sameJSON(t, got.Metadata, want) {
				t.Errorf("metadata = %s, want %s", got.Metadata, want)
			}
		}},
		{"no tags and no metadata give empty ones", map[string]any{"name": "Acme"}, func(t *testing.T, got *accountData) {
			if got.Tags == nil || len(got.Tags) != 0 || !sameJSON(t, got.Metadata, `{}`) || got.Version != 1 {
				t.Errorf("tags, metadata, version = %#v, %s, %d; want [], {}, 1", got.Tags, got.Metadata, got.Version)
			}
		}},
	})
}

func TestAccountExternalIDIsUniquePerWorkspace(t *testing.T) {
	t.Parallel()
	checkDuplicateExternalIDs(t, accountKind,
		map[string]any{"name": "Acme", "externalId": "crm-1"},
		map[string]any{"name": "Bolt", "externalId": "crm-1"},
		map[string]any{"name": "Bolt", "externalId": "crm-2"},
		map[string]any{"externalId": "crm-1", "name": "Bolt Inc."},
		func(c *client, input map[string]any) { c.CreateContact(input) })
}

func TestUpdateAccountRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	existing := map[string]any{"name": "Acme", "externalId": "crm-1", "domain": "acme.com", "tags": []string{"b2b"}, "metadata": map[string]any{"tier": "gold"}}
	checkRefusedUpdates(t, accountKind, existing, append(fieldRefusals(nil), []refusal{
		{"name cannot be cleared", map[string]any{"name": nil}, inputAt("name"), "REQUIRED"},
		{"a domain with spaces is invalid", map[string]any{"domain": "not a domain"}, inputAt("domain"), "INVALID"},
	}...))
}

func TestUpdateAccountSemantics(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	id := c.CreateAccount(map[string]any{"name": "Acme", "externalId": "crm-1", "domain": "acme.com", "tags": []string{"b2b"}, "metadata": map[string]any{"tier": "gold"}})
	created := accountKind.byID(c, id)

	if _, _, userErrors := accountKind.update(c, id, map[string]any{"domain": "acme.io"}); len(userErrors) > 0 {
		t.Fatalf("updating domain: user errors %s, want none", describeErrors(userErrors))
	}
	changed := accountKind.byID(c, id)
	want := *created
	want.Domain, want.Version, want.UpdatedAt = ptr("acme.io"), 2, changed.UpdatedAt
	if !reflect.DeepEqual(*changed, want) {
		t.Errorf("after updating domain:\n got %+v\nwant %+v", *changed, want)
	}
	if !changed.UpdatedAt.After(created.UpdatedAt) {
		t.Errorf("updatedAt %v, want later than %v", changed.UpdatedAt, created.UpdatedAt)
	}

	if _, _, userErrors := accountKind.update(c, id, map[string]any{"domain": "not a domain"}); len(userErrors) == 0 {
		t.Fatalf("an invalid domain was accepted")
	}
	if refused := accountKind.byID(c, id); !reflect.DeepEqual(refused, changed) {
		t.Errorf("after a refused update = %+v, want unchanged %+v", refused, changed)
	}

	if _, _, userErrors := accountKind.update(c, id, map[string]any{"externalId": nil, "domain": nil, "tags": nil, "metadata": nil}); len(userErrors) > 0 {
		t.Fatalf("clearing fields: user errors %s, want none", describeErrors(userErrors))
	}
	cleared := accountKind.byID(c, id)
	if cleared.ExternalID != nil || cleared.Domain != nil || cleared.Tags == nil || len(cleared.Tags) != 0 ||
		!sameJSON(t, cleared.Metadata, `{}`) || cleared.Name != "Acme" || cleared.Version != 3 {
		t.Errorf("after setting externalId, domain, tags, metadata to null: %+v; want them cleared, name Acme, version 3", *cleared)
	}
}

func TestDeleteAccountKeepsItsContacts(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	acme := c.CreateAccount(map[string]any{"name": "Acme"})
	bolt := c.CreateAccount(map[string]any{"name": "Bolt"})
	primary := c.CreateContact(map[string]any{"name": "Ada", "accountId": acme, "accountIds": []string{bolt}})
	member := c.CreateContact(map[string]any{"name": "Grace", "accountId": bolt, "accountIds": []string{acme}})

	got := c.tryDelete("deleteAccount", acme)
	if got.DeletedID == nil || *got.DeletedID != acme || len(got.UserErrors) > 0 {
		t.Fatalf("deleteAccount = %+v, want deletedId %s and no user errors", got, acme)
	}
	if accountKind.byID(c, acme) != nil {
		t.Errorf("account(id) after delete is not null")
	}
	ada := c.contactByID(primary.ID)
	if ada == nil || ada.Account != nil || !slices.Equal(accountList(ada), []string{bolt}) {
		t.Errorf("contact whose primary was deleted = %+v; want it kept with account null and accounts [%s]", ada, bolt)
	}
	grace := c.contactByID(member.ID)
	if grace == nil || grace.Account == nil || grace.Account.ID != bolt || !slices.Equal(accountList(grace), []string{bolt}) {
		t.Errorf("contact that was a member = %+v; want it kept with account %s and accounts [%s]", grace, bolt, bolt)
	}
	if again := c.tryDelete("deleteAccount", acme); again.DeletedID != nil {
		t.Errorf("second deleteAccount: deletedId %v, want null", *again.DeletedID)
	} else {
		checkUserError(t, again.UserErrors, []string{"id"}, "NOT_FOUND")
	}
}
