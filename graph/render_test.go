package graph_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/db/seed"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
)

// optimizedAndPlain returns two clients of one new workspace: one of the
// server as it runs, which renders the lists of connections itself and
// fetches only the columns an operation reads, and one of the same server
// without these shortcuts, where gqlgen resolves every field and the
// loaders fetch whole records.
func optimizedAndPlain(t *testing.T) (optimized, plain *client) {
	svc := graphtest.NewService(t)
	ws, scope := uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite
	optimized = newClientWith(t, graphtest.NewHandlerWith(t, httpapi.Options{Service: svc}), ws, scope)
	plain = newClientWith(t, graphtest.NewHandlerWith(t, graphtest.Plain(httpapi.Options{Service: svc})), ws, scope)
	return optimized, plain
}

// seedAwkwardContacts adds contacts with every field set or left empty,
// and strings that JSON must escape.
func seedAwkwardContacts(c *client) {
	acme := c.CreateAccount(map[string]any{
		"name": `Acme "Quotes" \ Backslash`, "externalId": "acc-1", "domain": "acme.example",
		"tags": []string{"b2b", "<vip>&"}, "metadata": map[string]any{"tier": "gold", "note": "line\nbreak \u2028 ü"},
	})
	globex := c.CreateAccount(map[string]any{"name": "Globex\ttab"})
	c.CreateContact(map[string]any{
		"externalId": "crm-1", "firstName": "Zoë 😀", "lastName": `Lovelace "the first"`,
		"email": "ada@example.com", "avatarUrl": "https://example.com/a.png",
		"description": "multi\nline <b>&</b>\r\u007f\\", "tags": []string{"vip", "ß<>"},
		"metadata":  map[string]any{"a": []any{1, 2.5, map[string]any{"b": nil}}, "u": "\u2028"},
		"accountId": acme, "accountIds": []string{globex}, "portalRole": "admin",
		"phones": []map[string]any{{"number": "+14155550100", "type": "MOBILE"}, {"number": "+14155550101"}},
	})
	c.CreateContact(map[string]any{"name": "Bare"})
	target := c.CreateContact(map[string]any{"name": "Target", "externalId": "crm-3", "accountId": globex})
	source := c.CreateContact(map[string]any{"name": "Source", "externalId": "crm-4", "accountIds": []string{acme}})
	c.MustDo(`mutation($t: ID!, $s: [ID!]!) { mergeContacts(targetId: $t, sourceIds: $s) { userErrors { code } } }`,
		map[string]any{"t": target.ID, "s": []string{source.ID}}, nil)
	// A primary account that joined after another: it still comes first.
	late := c.CreateContact(map[string]any{"name": "Late primary", "accountIds": []string{globex}})
	c.MustDo(`mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { userErrors { code } } }`,
		map[string]any{"id": late.ID, "input": map[string]any{"accountId": acme}}, nil)
	for i := range 4 {
		c.CreateContact(map[string]any{"name": fmt.Sprint("Plain ", i), "accountId": globex,
			"phones": []map[string]any{{"number": fmt.Sprintf("+1650555%04d", i), "type": "WORK"}}})
	}
}

// TestRenderedListsMatchGqlgen: every list that the server renders itself
// reads byte for byte as gqlgen writes it from whole records, whatever the
// selection, and selections it cannot render fall back to gqlgen unchanged.
func TestRenderedListsMatchGqlgen(t *testing.T) {
	t.Parallel()
	rendered, gqlgen := optimizedAndPlain(t)
	seedAwkwardContacts(rendered)
	const allContactFields = `__typename id externalId name firstName lastName email avatarUrl description
		tags metadata mergedExternalIds version createdAt updatedAt
		account { __typename id externalId name domain tags metadata version createdAt updatedAt }
		accounts { id name domain } phones { __typename id number type countryCode region national international createdAt updatedAt }
		portalRole { __typename id slug name builtIn isDefault }`
	tests := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"every field of a contact", `{ contacts(first: 20) { nodes { ` + allContactFields + ` } } }`, nil},
		{"edges", `{ contacts(first: 20) { edges { __typename cursor node { ` + allContactFields + ` } } pageInfo { endCursor } } }`, nil},
		{"nodes and edges together", `{ contacts(first: 20) { edges { node { id phones { number } } } nodes { name account { name } } } }`, nil},
		{"aliases, fragments and directives", `query($email: Boolean!, $phones: Boolean!) { contacts(first: 20) { nodes {
			key: id ...Names ... on Node { id } ... on Contact { email @include(if: $email) }
			phones @skip(if: $phones) { number } account { ...AccountName } second: account { id } } } }
			fragment Names on Contact { name firstName name }
			fragment AccountName on Account { name n2: name }`, map[string]any{"email": true, "phones": false}},
		{"the same with the directives turned", `query($email: Boolean!, $phones: Boolean!) { contacts(first: 20) { nodes {
			key: id ... on Contact { email @include(if: $email) } phones @skip(if: $phones) { number } } } }`,
			map[string]any{"email": false, "phones": true}},
		{"every field skipped", `{ contacts(first: 3) { nodes { id @skip(if: true) } } }`, nil},
		{"a page backwards", `{ contacts(last: 3) { nodes { id name } edges { cursor } } }`, nil},
		{"an empty page", `{ contacts(first: 5, filter: {search: "nothing matches this"}) { nodes { id } edges { cursor } } }`, nil},
		{"a field with a resolver of its own", `{ contacts(first: 20) { nodes { id customFields { slug } } } }`, nil},
		{"a field with arguments", `{ contacts(first: 20) { nodes { id customField(slug: "plan") } } }`, nil},
		{"a phone's contact", `{ contacts(first: 20) { nodes { id phones { number contact { id name } } } } }`, nil},
		{"an account's contacts", `{ contacts(first: 20) { nodes { id account { name contacts(first: 2) { nodes { id } } } } } }`, nil},
		{"every field of an account", `{ accounts(first: 10) { nodes { __typename id externalId name domain tags metadata version createdAt updatedAt } } }`, nil},
		{"a contact", `{ contact(externalId: "crm-1") { ` + allContactFields + ` } }`, nil},
		{"a contact's phones' contact", `{ contact(externalId: "crm-1") { phones { contact { name } } } }`, nil},
		{"no contact", `{ contact(externalId: "nobody") { id } }`, nil},
		{"an account", `{ account(externalId: "acc-1") { __typename id externalId name domain tags metadata version createdAt updatedAt } }`, nil},
		{"the contacts of each account", `{ accounts(first: 10) { nodes { name contacts(first: 5) {
			nodes { id name phones { number } portalRole { slug } } edges { cursor node { email } } } } } }`, nil},
	}
	for _, tt := range tests {
		want, got := gqlgen.Post(tt.query, tt.vars), rendered.Post(tt.query, tt.vars)
		if len(want.Errors) > 0 {
			t.Errorf("%s: gqlgen answered errors %+v", tt.name, want.Errors)
		}
		if got.Status != want.Status || !bytes.Equal(got.Body, want.Body) {
			t.Errorf("%s: rendered\n%s\nwhere gqlgen writes\n%s", tt.name, got.Body, want.Body)
		}
	}
}

// TestBenchPageIsRendered: the page that make bench measures is rendered,
// not left to gqlgen, which allocates several times as much for it. (Not
// parallel: allocations are counted for the whole process.)
func TestBenchPageIsRendered(t *testing.T) {
	rendered, gqlgen := optimizedAndPlain(t)
	plan := seed.Plan{Workspace: rendered.Workspace, Contacts: 50, Accounts: 10, PhonesPerContact: 2, TagsPerContact: 3}
	if _, err := seed.Run(context.Background(), dbtest.DB(t), plan, nil); err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"first": 50}
	allocs := func(c *client) float64 {
		return testing.AllocsPerRun(5, func() { c.Post(benchPageQuery, vars) })
	}
	r, g := allocs(rendered), allocs(gqlgen)
	if r > g/2 {
		t.Errorf("a page of 50 took %.0f allocations rendered and %.0f by gqlgen; want fewer than half", r, g)
	}
	t.Logf("allocations of a page of 50: %.0f rendered, %.0f by gqlgen", r, g)
}
