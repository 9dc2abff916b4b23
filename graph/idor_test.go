package graph_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

// seedIDORTenant seeds c's workspace as seedTenant does, and adds what the
// entry points added since reach: an API key, the custom fields "tier" of
// contacts and accounts (the same slugs in every workspace), with the value
// "gold" on the seeded contact and account, and a contact with the
// workspace's own external id (and tier) into which another was merged.
func seedIDORTenant(t *testing.T, c *client) *tenant {
	t.Helper()
	w := seedTenant(t, c)
	key, _ := c.CreateAPIKey("Backend", "contacts:read")
	w.apiKeyID = key.ID
	w.fieldID = c.createField("CONTACT", "tier", "TEXT")
	w.accountFieldID = c.createField("ACCOUNT", "tier", "TEXT")
	w.soloSlug = "only_" + strings.ReplaceAll(c.Workspace.String(), "-", "")
	w.soloFieldID = c.createField("CONTACT", w.soloSlug, "TEXT")
	gold := []jsonObject{{"slug": "tier", "value": "gold"}}
	c.mustUpdateContact(w.contactID, jsonObject{"customFields": gold})
	c.MustDo(`mutation($id: ID!, $input: UpdateAccountInput!) { updateAccount(id: $id, input: $input) { userErrors { code } } }`,
		jsonObject{"id": w.accountID, "input": jsonObject{"customFields": gold}}, nil)

	w.mergedExternalID = "merged-" + c.Workspace.String()
	solo := c.CreateContact(jsonObject{"externalId": w.soloExternalID, "name": "Solo " + w.soloExternalID,
		"customFields": []jsonObject{{"slug": "tier", "value": w.soloExternalID}}})
	dup := c.CreateContact(jsonObject{"externalId": w.mergedExternalID, "name": "Duplicate"})
	if merged := c.merge(solo.ID, dup.ID); merged.Contact == nil || len(merged.UserErrors) > 0 {
		t.Fatalf("merge the seed duplicate: user errors %s", describeErrors(merged.UserErrors))
	}
	w.soloContactID = solo.ID
	return w
}

// Documents of the probes of the entry points added since tenancyCases.
var (
	probeUpsertContact = probeMutation("$input: UpsertContactInput!", "upsertContact(input: $input)",
		"contact { name account { id } accounts { id } portalRole { slug } } created")
	probeBulkUpsertContacts = `mutation($inputs: [UpsertContactInput!]!) { result: bulkUpsertContacts(inputs: $inputs) {
		results { index created record: contact { name account { id } } userErrors { field code message } } } }`
	probeCreateContactNamed = probeMutation("$input: CreateContactInput!", "createContact(input: $input)", "contact { name }")
	probeCreateAccountNamed = probeMutation("$input: CreateAccountInput!", "createAccount(input: $input)", "account { name }")
	probeUpsertAccount      = probeMutation("$input: UpsertAccountInput!", "upsertAccount(input: $input)", "account { name } created")
	probeBulkUpsertAccounts = `mutation($inputs: [UpsertAccountInput!]!) { result: bulkUpsertAccounts(inputs: $inputs) {
		results { index created record: account { name } userErrors { field code message } } } }`
	probeUpdateAccountWith = probeMutation("$id: ID!, $input: UpdateAccountInput!", "updateAccount(id: $id, input: $input)", "account { id }")
	probeMergeContacts     = probeMutation("$target: ID!, $sources: [ID!]!", "mergeContacts(targetId: $target, sourceIds: $sources)", "contact { id }")
	probeDeleteContacts    = probeMutation("$ids: [ID!]!", "deleteContacts(ids: $ids)", "deletedIds")
	probeCreateField       = probeMutation("$input: CreateCustomFieldInput!", "createCustomField(input: $input)", "customField { slug object }")
	probeUpdateField       = probeMutation("$id: ID!", `updateCustomField(id: $id, input: {label: "Mallory"})`, "customField { id }")
	probeDeleteField       = probeMutation("$id: ID!", "deleteCustomField(id: $id)", "deletedId")
	probeContactsFiltered  = `query($filter: ContactFilter) { found: contacts(filter: $filter) { totalCount nodes { id } } }`
	probeAccountsFiltered  = `query($filter: AccountFilter) { found: accounts(filter: $filter) { totalCount nodes { id } } }`
)

// upsertNew returns vars that upsert a contact with an external id no
// workspace has and the fields that field picks from both tenants.
func upsertNew(field func(own, other *tenant) jsonObject) func(own, other *tenant) jsonObject {
	return func(own, other *tenant) jsonObject {
		input := field(own, other)
		input["externalId"], input["name"] = "idor-new", "Mallory"
		return jsonObject{"input": input}
	}
}

// upsertByTheirExternalID returns vars that create or upsert a record named
// Mallory with the other tenant's external id that ext picks, and more fields.
func upsertByTheirExternalID(ext func(*tenant) string, more jsonObject) func(own, other *tenant) jsonObject {
	return func(_, other *tenant) jsonObject {
		input := jsonObject{"externalId": ext(other), "name": "Mallory"}
		for k, v := range more {
			input[k] = v
		}
		return jsonObject{"input": input}
	}
}

// theirContactFilter returns vars with a contact filter built from the
// other tenant's records.
func theirContactFilter(filter func(other *tenant) jsonObject) func(own, other *tenant) jsonObject {
	return func(_, other *tenant) jsonObject { return jsonObject{"filter": filter(other)} }
}

// Picks of a tenant's external ids and the records added for these cases.
func soloExternalIDOf(w *tenant) string   { return w.soloExternalID }
func mergedExternalIDOf(w *tenant) string { return w.mergedExternalID }
func soloContactOf(w *tenant) string      { return w.soloContactID }
func fieldOf(w *tenant) string            { return w.fieldID }
func accountFieldOf(w *tenant) string     { return w.accountFieldID }

// theirSlugValued is an input that sets the custom field that only the
// other tenant has.
func theirSlugValued(_, other *tenant) jsonObject {
	return jsonObject{"customFields": []jsonObject{{"slug": other.soloSlug, "value": "x"}}}
}

// idIn is an IDFilter that matches the ids that ids picks.
func idIn(w *tenant, ids ...func(*tenant) string) jsonObject {
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = id(w)
	}
	return jsonObject{"in": in}
}

// upsertRefused is the data of an upsert refused with code at field.
func upsertRefused(code string, field ...string) func(*tenant) any {
	return func(*tenant) any {
		return jsonObject{"result": jsonObject{"record": nil, "created": false, "userErrors": []jsonObject{{"field": field, "code": code}}}}
	}
}

// createdAsMallory is the data of an upsert that created a record named
// Mallory, which selects only its name.
func createdAsMallory(*tenant) any {
	return jsonObject{"result": jsonObject{"record": jsonObject{"name": "Mallory"}, "created": true, "userErrors": []jsonObject{}}}
}

// contactCreatedAsMallory is the data of probeUpsertContact when it created
// a contact named Mallory with the workspace's defaults.
func contactCreatedAsMallory(*tenant) any {
	return jsonObject{"result": jsonObject{"record": jsonObject{"name": "Mallory", "account": nil, "accounts": []jsonObject{}, "portalRole": jsonObject{"slug": "member"}},
		"created": true, "userErrors": []jsonObject{}}}
}

// namedMallory is the data of a create that selects only the name, of a
// record named Mallory.
func namedMallory(*tenant) any {
	return jsonObject{"result": jsonObject{"record": jsonObject{"name": "Mallory"}, "userErrors": []jsonObject{}}}
}

// listed is the data of a filtered list that found ids.
func listed(ids ...string) any {
	return jsonObject{"found": jsonObject{"totalCount": len(ids), "nodes": idObjects(ids...)}}
}

// nothingListed is the data of a filtered list that found nothing.
func nothingListed(*tenant) any { return listed() }

// idorCases probe the entry points added since tenancyCases: upserts,
// bulk writes, merges, custom fields, filters and API keys.
var idorCases = []tenancyCase{
	// An upsert by an external id that only the other workspace has
	// creates a record of the caller's own.
	{name: "upsertContact(externalId) only theirs", query: probeUpsertContact, writes: true,
		vars: upsertByTheirExternalID(soloExternalIDOf, nil),
		want: contactCreatedAsMallory},
	{name: "upsertContact(externalId) merged into theirs", query: probeUpsertContact, writes: true,
		vars: upsertByTheirExternalID(mergedExternalIDOf, nil),
		want: contactCreatedAsMallory},
	{name: "bulkUpsertContacts(externalId) only theirs and merged into theirs", query: probeBulkUpsertContacts, writes: true,
		vars: func(_, other *tenant) jsonObject {
			return jsonObject{"inputs": []jsonObject{
				{"externalId": other.soloExternalID, "name": "Mallory"}, {"externalId": other.mergedExternalID, "name": "Mallory"},
			}}
		},
		want: func(*tenant) any {
			created := func(i int) jsonObject {
				return jsonObject{"index": i, "created": true, "record": jsonObject{"name": "Mallory", "account": nil}, "userErrors": []jsonObject{}}
			}
			return jsonObject{"result": jsonObject{"results": []jsonObject{created(0), created(1)}}}
		}},
	{name: "createContact(externalId) only theirs", query: probeCreateContactNamed, writes: true,
		vars: upsertByTheirExternalID(soloExternalIDOf, nil), want: namedMallory},
	{name: "createContact(externalId) merged into theirs", query: probeCreateContactNamed, writes: true,
		vars: upsertByTheirExternalID(mergedExternalIDOf, nil), want: namedMallory},
	{name: "createAccount(externalId) only theirs", query: probeCreateAccountNamed, writes: true,
		vars: upsertByTheirExternalID(soloExternalIDOf, nil), want: namedMallory},
	{name: "upsertContact(expectedVersion) only theirs", query: probeUpsertContact,
		vars: upsertByTheirExternalID(soloExternalIDOf, jsonObject{"expectedVersion": 1}),
		want: upsertRefused("STALE", "input", "expectedVersion")},
	{name: "upsertAccount(externalId) only theirs", query: probeUpsertAccount, writes: true,
		vars: upsertByTheirExternalID(soloExternalIDOf, nil), want: createdAsMallory},
	{name: "upsertAccount(expectedVersion) only theirs", query: probeUpsertAccount,
		vars: upsertByTheirExternalID(soloExternalIDOf, jsonObject{"expectedVersion": 1}),
		want: upsertRefused("STALE", "input", "expectedVersion")},
	{name: "bulkUpsertAccounts(externalId) only theirs", query: probeBulkUpsertAccounts, writes: true,
		vars: func(_, other *tenant) jsonObject {
			return jsonObject{"inputs": []jsonObject{{"externalId": other.soloExternalID, "name": "Mallory"}}}
		},
		want: func(*tenant) any {
			return jsonObject{"result": jsonObject{"results": []jsonObject{
				{"index": 0, "created": true, "record": jsonObject{"name": "Mallory"}, "userErrors": []jsonObject{}},
			}}}
		}},

	// Upserts that name the other workspace's records find nothing.
	{name: "upsertContact(accountId)", query: probeUpsertContact, vars: upsertNew(theirAccountID),
		want: upsertRefused("NOT_FOUND", "input", "accountId")},
	{name: "upsertContact(accountIds)", query: probeUpsertContact, vars: upsertNew(theirAccountInList),
		want: upsertRefused("NOT_FOUND", "input", "accountIds", "1")},
	{name: "upsertContact(portalRoleId)", query: probeUpsertContact, vars: upsertNew(theirRoleID),
		want: upsertRefused("NOT_FOUND", "input", "portalRoleId")},
	{name: "upsertContact(accountExternalId)", query: probeUpsertContact, vars: upsertNew(theirAccountExternalID),
		want: upsertRefused("NOT_FOUND", "input", "accountExternalId")},
	{name: "upsertContact(phones change) of own contact", query: probeUpsertContact,
		vars: func(own, other *tenant) jsonObject {
			input := theirPhoneChanged(own, other)
			input["externalId"] = "ext-1"
			return jsonObject{"input": input}
		},
		want: upsertRefused("NOT_FOUND", "input", "phones", "0", "id")},
	{name: "bulkUpsertContacts(accountId, accountIds, portalRoleId, accountExternalId)", query: probeBulkUpsertContacts,
		vars: func(own, other *tenant) jsonObject {
			var inputs []jsonObject
			for i, field := range []func(own, other *tenant) jsonObject{theirAccountID, theirAccountInList, theirRoleID, theirAccountExternalID} {
				input := field(own, other)
				input["externalId"], input["name"] = "idor-bulk-"+strconv.Itoa(i), "Mallory"
				inputs = append(inputs, input)
			}
			return jsonObject{"inputs": inputs}
		},
		want: func(*tenant) any {
			refused := func(i int, field ...string) jsonObject {
				path := append([]string{"inputs", strconv.Itoa(i)}, field...)
				return jsonObject{"index": i, "created": false, "record": nil, "userErrors": []jsonObject{{"field": path, "code": "NOT_FOUND"}}}
			}
			return jsonObject{"result": jsonObject{"results": []jsonObject{
				refused(0, "accountId"), refused(1, "accountIds", "1"), refused(2, "portalRoleId"), refused(3, "accountExternalId"),
			}}}
		}},

	// Writes by id to the other workspace's records find nothing, whatever
	// version they expect.
	{name: "updateContact(expectedVersion) of theirs", query: probeUpdateContact,
		vars: func(_, other *tenant) jsonObject {
			return jsonObject{"id": other.contactID, "input": jsonObject{"name": "Mallory", "expectedVersion": 1000}}
		},
		want: refusedNotFound("id")},
	{name: "updateAccount(expectedVersion) of theirs", query: probeUpdateAccountWith,
		vars: func(_, other *tenant) jsonObject {
			return jsonObject{"id": other.accountID, "input": jsonObject{"name": "Mallory", "expectedVersion": 1000}}
		},
		want: refusedNotFound("id")},
	{name: "deleteContacts", query: probeDeleteContacts,
		vars: func(own, other *tenant) jsonObject {
			return jsonObject{"ids": []string{own.soloContactID, other.contactID}}
		},
		want: func(*tenant) any {
			return jsonObject{"result": jsonObject{"record": []string{}, "userErrors": []jsonObject{{"field": []string{"ids", "1"}, "code": "NOT_FOUND"}}}}
		}},
	{name: "mergeContacts(targetId)", query: probeMergeContacts,
		vars: func(own, other *tenant) jsonObject {
			return jsonObject{"target": other.contactID, "sources": []string{own.soloContactID}}
		},
		want: refusedNotFound("targetId")},
	{name: "mergeContacts(sourceIds)", query: probeMergeContacts,
		vars: func(own, other *tenant) jsonObject {
			return jsonObject{"target": own.contactID, "sources": []string{own.soloContactID, other.soloContactID}}
		},
		want: refusedNotFound("sourceIds", "1")},

	// Custom fields: the same slugs in both workspaces, each its own.
	{name: "createCustomField(slug) theirs too", query: probeCreateField, writes: true,
		vars: func(_, _ *tenant) jsonObject {
			return jsonObject{"input": jsonObject{"object": "CONTACT", "slug": "tier", "label": "Tier", "type": "TEXT"}}
		},
		want: func(*tenant) any {
			return jsonObject{"result": jsonObject{"record": jsonObject{"slug": "tier", "object": "CONTACT"}, "userErrors": []jsonObject{}}}
		}},
	{name: "updateCustomField", query: probeUpdateField, vars: theirRecord(fieldOf), want: refusedNotFound("id")},
	{name: "updateCustomField(account field)", query: probeUpdateField, vars: theirRecord(accountFieldOf), want: refusedNotFound("id")},
	{name: "deleteCustomField", query: probeDeleteField, vars: theirRecord(fieldOf), want: refusedNotFound("id")},
	{name: "node(custom field id)", query: probeNodeByID, vars: theirRecord(fieldOf), want: nothingFound},
	{name: "customFieldDefinitions", query: `{ found: customFieldDefinitions { id } }`,
		vars: func(_, _ *tenant) jsonObject { return nil },
		want: func(own *tenant) any {
			return jsonObject{"found": idObjects(own.fieldID, own.accountFieldID, own.soloFieldID)}
		}},
	{name: "createContact(customFields) slug only theirs", query: probeCreateContact,
		vars: newContactWith(theirSlugValued), want: refusedNotFound("input", "customFields", "0", "value")},
	{name: "upsertContact(customFields) slug only theirs", query: probeUpsertContact,
		vars: upsertNew(theirSlugValued), want: upsertRefused("NOT_FOUND", "input", "customFields", "0", "value")},
	{name: "updateContact(customFields) slug only theirs", query: probeUpdateContact,
		vars: ownContactChangedWith(theirSlugValued), want: refusedNotFound("input", "customFields", "0", "value")},
	{name: "Contact.customField(slug) only theirs", query: `query($id: ID!, $slug: String!) { found: contact(id: $id) { customField(slug: $slug) } }`,
		vars: func(own, other *tenant) jsonObject { return jsonObject{"id": own.contactID, "slug": other.soloSlug} },
		want: func(*tenant) any { return jsonObject{"found": jsonObject{"customField": nil}} }},
	{name: "contacts(customFields) slug only theirs", query: probeContactsFiltered, wantCode: "BAD_USER_INPUT",
		vars: theirContactFilter(func(other *tenant) jsonObject {
			return jsonObject{"customFields": []jsonObject{{"slug": other.soloSlug, "isSet": true}}}
		})},
	{name: "Contact.customFields/customField", query: `query($id: ID!) { found: contact(id: $id) {
			customFields { slug value definition { id } } tier: customField(slug: "tier") } }`,
		vars: func(own, _ *tenant) jsonObject { return jsonObject{"id": own.contactID} },
		want: func(own *tenant) any {
			return jsonObject{"found": jsonObject{"customFields": []jsonObject{{"slug": "tier", "value": "gold", "definition": jsonObject{"id": own.fieldID}}}, "tier": "gold"}}
		}},
	{name: "Account.customFields", query: `query($id: ID!) { found: account(id: $id) { customFields { value definition { id } } } }`,
		vars: func(own, _ *tenant) jsonObject { return jsonObject{"id": own.accountID} },
		want: func(own *tenant) any {
			return jsonObject{"found": jsonObject{"customFields": []jsonObject{{"value": "gold", "definition": jsonObject{"id": own.accountFieldID}}}}}
		}},
	{name: "contacts(customFields equals) only theirs", query: probeContactsFiltered,
		vars: theirContactFilter(func(other *tenant) jsonObject {
			return jsonObject{"customFields": []jsonObject{{"slug": "tier", "equals": other.soloExternalID}}}
		}),
		want: nothingListed},
	{name: "contacts(customFields equals) shared", query: probeContactsFiltered,
		vars: func(_, _ *tenant) jsonObject {
			return jsonObject{"filter": jsonObject{"customFields": []jsonObject{{"slug": "tier", "equals": "gold"}}}}
		},
		want: func(own *tenant) any { return listed(own.contactID) }},
	{name: "accounts(customFields equals) shared", query: probeAccountsFiltered,
		vars: func(_, _ *tenant) jsonObject {
			return jsonObject{"filter": jsonObject{"customFields": []jsonObject{{"slug": "tier", "equals": "gold"}}}}
		},
		want: func(own *tenant) any { return listed(own.accountID) }},

	// Filters naming the other workspace's records match nothing.
	{name: "contacts(accountId in)", query: probeContactsFiltered,
		vars: theirContactFilter(func(other *tenant) jsonObject { return jsonObject{"accountId": idIn(other, accountOf, soloAccountOf)} }),
		want: nothingListed},
	{name: "contacts(accountId equals)", query: probeContactsFiltered,
		vars: theirContactFilter(func(other *tenant) jsonObject { return jsonObject{"accountId": jsonObject{"equals": other.accountID}} }),
		want: nothingListed},
	{name: "contacts(portalRoleId in)", query: probeContactsFiltered,
		vars: theirContactFilter(func(other *tenant) jsonObject { return jsonObject{"portalRoleId": idIn(other, roleOf, memberRoleOf)} }),
		want: nothingListed},
	{name: "contacts(id in)", query: probeContactsFiltered,
		vars: theirContactFilter(func(other *tenant) jsonObject { return jsonObject{"id": idIn(other, contactOf, soloContactOf)} }),
		want: nothingListed},
	{name: "contacts(id notIn)", query: probeContactsFiltered,
		vars: theirContactFilter(func(other *tenant) jsonObject {
			return jsonObject{"id": jsonObject{"notIn": []string{other.contactID}}}
		}),
		want: func(own *tenant) any { return listed(own.contactIDs()...) }},
	{name: "contacts(search) only theirs", query: probeContactsFiltered,
		vars: theirContactFilter(func(other *tenant) jsonObject { return jsonObject{"search": other.soloExternalID} }),
		want: nothingListed},
	{name: "contacts(search) shared phone", query: probeContactsFiltered,
		vars: func(_, _ *tenant) jsonObject { return jsonObject{"filter": jsonObject{"search": "+1 (415) 555-0101"}} },
		want: func(own *tenant) any { return listed(own.contactID) }},
	{name: "accounts(id in)", query: probeAccountsFiltered,
		vars: func(_, other *tenant) jsonObject {
			return jsonObject{"filter": jsonObject{"id": idIn(other, accountOf, soloAccountOf)}}
		},
		want: nothingListed},
	{name: "accounts(search) only theirs", query: probeAccountsFiltered,
		vars: func(_, other *tenant) jsonObject {
			return jsonObject{"filter": jsonObject{"search": other.soloExternalID}}
		},
		want: nothingListed},
	{name: "Account.contacts(id in)", query: `query($id: ID!, $filter: ContactFilter) {
			found: account(id: $id) { contacts(filter: $filter) { totalCount nodes { id } } } }`,
		vars: func(own, other *tenant) jsonObject {
			return jsonObject{"id": own.accountID, "filter": jsonObject{"id": idIn(other, contactOf)}}
		},
		want: func(*tenant) any {
			return jsonObject{"found": jsonObject{"contacts": jsonObject{"totalCount": 0, "nodes": []jsonObject{}}}}
		}},
	{name: "contact(externalId) merged into theirs", query: probeContactByExternalID,
		vars: func(_, other *tenant) jsonObject { return jsonObject{"ext": other.mergedExternalID} }, want: nothingFound},
	{name: "contact(externalId) only theirs", query: probeContactByExternalID,
		vars: func(_, other *tenant) jsonObject { return jsonObject{"ext": other.soloExternalID} }, want: nothingFound},
}

func soloAccountOf(w *tenant) string { return w.soloAccountID }

// TestIDOR runs every entry point, the older ones of tenancyCases and API
// keys included, with the other workspace's ids and with ids that do not
// exist: the responses must be the same but for the ids. It runs under
// row-level security, and without it (ROW_LEVEL_SECURITY=off), where the
// application's workspace filters are the only wall.
func TestIDOR(t *testing.T) {
	t.Parallel()
	graphtest.EachWay(t, func(t *testing.T, svc *service.Service) {
		h := graphtest.NewHandlerOf(t, svc)
		a := seedIDORTenant(t, newClientWith(t, h, uuid.New(), graphtest.AllScopes))
		b := seedIDORTenant(t, newClientWith(t, h, uuid.New(), graphtest.AllScopes))
		checkIsolation(t, a, b, slices.Concat(tenancyCases, apiKeyTenancyCases, idorCases))
		for _, w := range []*tenant{a, b} {
			if keys := w.in(t).c.ListAPIKeys(); len(keys) != 1 || keys[0].ID != w.apiKeyID || keys[0].RevokedAt != nil {
				t.Errorf("workspace %s lists keys %+v; want its own key %s, not revoked", w.c.Workspace, keys, w.apiKeyID)
			}
		}
	})
}

// TestIdempotencyKeyIsPerWorkspace sends the Idempotency-Key of one
// workspace's request from another: it must run there as a key never used
// would, once, whatever the body, and never replay the first workspace's
// response or refuse the body as another's.
func TestIdempotencyKeyIsPerWorkspace(t *testing.T) {
	t.Parallel()
	a := newClient(t)
	first := a.PostWithKey("shared-key", "Ada")
	tests := []struct {
		name, body string
	}{
		{"same body", "Ada"},
		{"another body", "Grace"},
	}
	for _, tt := range tests {
		c := a.otherWorkspace()
		got, unused := c.PostWithKey("shared-key", tt.body), c.PostWithKey("unused-key", tt.body)
		if got.Status != unused.Status || got.Replayed != unused.Replayed || got.Replayed || got.Body == first.Body {
			t.Errorf("%s: a key another workspace used = %+v; want what an unused key gets, %+v", tt.name, got, unused)
		}
		if retry := c.PostWithKey("shared-key", tt.body); !retry.Replayed || retry.Body != got.Body {
			t.Errorf("%s: retry in the second workspace = %+v; want its own first response replayed: %s", tt.name, retry, got.Body)
		}
		if n := c.ContactCount(); n != 2 {
			t.Errorf("%s: the second workspace has %d contacts; want 2, one per key", tt.name, n)
		}
	}
	if retry := a.PostWithKey("shared-key", "Ada"); !retry.Replayed || retry.Body != first.Body || a.ContactCount() != 1 {
		t.Errorf("retry in the first workspace = %+v with %d contacts; want its own response replayed and 1 contact", retry, a.ContactCount())
	}
}

// loadQuery is nestedContactsQuery with lookups of both workspaces' records
// by id and external id.
const loadQuery = `query($myContact: ID!, $theirContact: ID!, $theirAccount: ID!, $theirPhone: ID!, $theirExt: String!) {` + nestedListings + `
	byExternalId: contact(externalId: "ext-1") { id accounts { id } phones { id } portalRole { id } }
	mine: contact(id: $myContact) { id account { id } }
	theirs: contact(id: $theirContact) { id }
	theirAccount: account(id: $theirAccount) { id }
	theirAccountByExternalId: account(externalId: $theirExt) { id }
	theirPhone: node(id: $theirPhone) { id }
}`

// loadVars names own's contact and the other's records in loadQuery.
func loadVars(own, other *tenant) jsonObject {
	return jsonObject{"myContact": own.contactID, "theirContact": other.contactID, "theirAccount": other.accountID,
		"theirPhone": other.phoneIDs[0], "theirExt": other.soloExternalID}
}

// TestTenantIsolationUnderLoad sends 10,000 requests (1,000 unless
// CONTACTS_LONG_TESTS=1) that alternate between two workspaces through a
// pool of 2 connections, so that every connection serves both workspaces
// over and over: no response may show a record of the other workspace.
func TestTenantIsolationUnderLoad(t *testing.T) {
	t.Parallel()
	requests := int64(1000)
	if os.Getenv("CONTACTS_LONG_TESTS") == "1" {
		requests = 10000
	}
	bdb := dbtest.Open(t, db.OpenAPI, dbtest.URL(t))
	bdb.DB.SetMaxOpenConns(2)
	svc := graphtest.ServiceOf(t, bdb)
	start := time.Now()
	checkConcurrentListings(t, graphtest.NewHandlerOf(t, svc), loadQuery, loadVars, requests)
	t.Logf("%d requests in %v", requests, time.Since(start).Round(time.Millisecond))
}
