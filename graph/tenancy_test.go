package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/oklog/ulid/v2"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// tenant is a workspace seeded with one record of every kind, and a client
// that calls the API as that workspace. Every tenant uses the same external
// ids, slugs and phone numbers, so lookups by them must stay in the caller's
// workspace.
type tenant struct {
	c *client
	// accountID has external id "acct-1" and is the contact's primary and
	// only account.
	accountID string
	// soloAccountID has an external id that no other workspace has.
	soloAccountID  string
	soloExternalID string
	// contactID has external id "ext-1".
	contactID string
	phoneIDs  []string
	// roleID is the custom role "partner", which the contact has.
	roleID string
	// memberRoleID is the built-in role "member".
	memberRoleID string
	// roleIDs are all the workspace's roles, in the order portalRoles lists them.
	roleIDs []string
	// moreIDs are the ids of records added after seeding.
	moreIDs []string
	// apiKeyID is the workspace's API key, when a test gave it one.
	apiKeyID string
	// soloContactID, when set, is a contact with external id soloExternalID,
	// into which a contact with external id mergedExternalID was merged.
	soloContactID    string
	mergedExternalID string
	// fieldID and accountFieldID, when set, are the custom fields "tier" of
	// contacts and of accounts; soloFieldID is a contact field with a slug,
	// soloSlug, that no other workspace has.
	fieldID, accountFieldID, soloFieldID, soloSlug string
}

// seedTenant gives c's workspace its accounts, custom role and contact.
func seedTenant(t *testing.T, c *client) *tenant {
	t.Helper()
	w := &tenant{c: c, soloExternalID: "solo-" + c.Workspace.String()}
	w.accountID = c.CreateAccount(map[string]any{"name": "Acme", "externalId": "acct-1"})
	w.soloAccountID = c.CreateAccount(map[string]any{"name": "Solo", "externalId": w.soloExternalID})
	var created struct {
		CreatePortalRole struct {
			PortalRole *struct{ ID string }
			UserErrors []graphtest.UserError
		}
	}
	c.MustDo(`mutation { createPortalRole(input: {slug: "partner", name: "Partner"}) { portalRole { id } userErrors { field code message } } }`, nil, &created)
	if p := created.CreatePortalRole; p.PortalRole == nil || len(p.UserErrors) > 0 {
		t.Fatalf("createPortalRole(partner): want a role, got user errors %+v", p.UserErrors)
	}
	w.roleID = created.CreatePortalRole.PortalRole.ID

	contact := c.CreateContact(map[string]any{
		"externalId": "ext-1", "name": "Ada Lovelace",
		"accountId": w.accountID, "accountIds": []string{w.accountID}, "portalRoleId": w.roleID,
		"phones": []map[string]any{{"number": "+14155550101", "type": "MOBILE"}, {"number": "+14155550102", "type": "WORK"}},
	})
	if contact.Account == nil || contact.Account.ID != w.accountID || len(contact.Accounts) != 1 ||
		len(contact.Phones) != 2 || contact.PortalRole.ID != w.roleID {
		t.Fatalf("seed contact: want account %s as primary and only account, 2 phones and role %s; got %+v",
			w.accountID, w.roleID, contact)
	}
	w.contactID = contact.ID
	for _, p := range contact.Phones {
		w.phoneIDs = append(w.phoneIDs, p.ID)
	}

	var roles struct{ PortalRoles []struct{ ID, Slug string } }
	c.MustDo(`{ portalRoles { id slug } }`, nil, &roles)
	for _, r := range roles.PortalRoles {
		w.roleIDs = append(w.roleIDs, r.ID)
		if r.Slug == "member" {
			w.memberRoleID = r.ID
		}
	}
	if len(w.roleIDs) != 4 || w.memberRoleID == "" {
		t.Fatalf("portalRoles: want the 3 built-in roles and partner, got %+v", roles.PortalRoles)
	}
	return w
}

// addContact adds a contact with a phone to the tenant's account.
func (w *tenant) addContact(i int) {
	w.c.T.Helper()
	contact := w.c.CreateContact(map[string]any{
		"name": fmt.Sprintf("Contact %d", i), "accountId": w.accountID,
		"phones": []map[string]any{{"number": fmt.Sprintf("+1415555020%d", i)}},
	})
	w.moreIDs = append(w.moreIDs, contact.ID, contact.Phones[0].ID)
}

// ids returns the ids of every record the tenant made or was given.
func (w *tenant) ids() map[string]bool {
	ids := map[string]bool{w.accountID: true, w.soloAccountID: true, w.contactID: true}
	for _, id := range slices.Concat(w.phoneIDs, w.roleIDs, w.moreIDs) {
		ids[id] = true
	}
	for _, id := range []string{w.apiKeyID, w.soloContactID, w.fieldID, w.accountFieldID, w.soloFieldID} {
		if id != "" {
			ids[id] = true
		}
	}
	return ids
}

// contactIDs returns the ids of the tenant's seeded contacts, oldest first.
func (w *tenant) contactIDs() []string {
	if w.soloContactID == "" {
		return []string{w.contactID}
	}
	return []string{w.contactID, w.soloContactID}
}

// missing returns a copy of the tenant whose ids and external ids are well
// formed but name no record anywhere, and a replacer that turns them back
// into the tenant's own. A probe with the tenant's ids must get exactly
// what the same probe with the copy's gets, once the replacer has run.
func (w *tenant) missing() (*tenant, *strings.Replacer) {
	var pairs []string
	fake := func(real string) string {
		if real == "" {
			return ""
		}
		var f string
		switch {
		case strings.HasPrefix(real, "solo-") || strings.HasPrefix(real, "merged-"):
			f = real[:strings.IndexByte(real, '-')+1] + uuid.NewString()
		case strings.HasPrefix(real, "only_"):
			f = "only_" + strings.ReplaceAll(uuid.NewString(), "-", "")
		default:
			f = db.NewID(real[:len(real)-ulid.EncodedSize])
		}
		pairs = append(pairs, f, real)
		return f
	}
	fakes := func(real []string) []string {
		out := make([]string, len(real))
		for i, id := range real {
			out[i] = fake(id)
		}
		return out
	}
	m := *w
	m.accountID, m.soloAccountID, m.contactID = fake(w.accountID), fake(w.soloAccountID), fake(w.contactID)
	m.soloExternalID, m.mergedExternalID = fake(w.soloExternalID), fake(w.mergedExternalID)
	m.roleID, m.memberRoleID, m.apiKeyID = fake(w.roleID), fake(w.memberRoleID), fake(w.apiKeyID)
	m.soloContactID, m.fieldID, m.accountFieldID = fake(w.soloContactID), fake(w.fieldID), fake(w.accountFieldID)
	m.soloFieldID, m.soloSlug = fake(w.soloFieldID), fake(w.soloSlug)
	m.phoneIDs, m.roleIDs, m.moreIDs = fakes(w.phoneIDs), fakes(w.roleIDs), fakes(w.moreIDs)
	return &m, strings.NewReplacer(pairs...)
}

// in returns the tenant with a client that reports to t, so that subtests
// fail themselves rather than their parent.
func (w *tenant) in(t testing.TB) *tenant {
	c := *w.c
	c.T = t
	cp := *w
	cp.c = &c
	return &cp
}

// probedAccountFields selects everything a test may look at on an account.
const probedAccountFields = `id externalId name domain tags metadata version createdAt updatedAt`

// tenantSnapshotQuery reads everything a tenant's records show, with
// versions and update times, so that any write to them changes its result.
const tenantSnapshotQuery = `query($contact: ID!, $account: ID!, $solo: ID!) {
	contact(id: $contact) { ` + graphtest.ContactFields + ` phoneTimes: phones { id createdAt updatedAt contact { id } } }
	account(id: $account) { ` + probedAccountFields + ` contacts { totalCount nodes { id version } } }
	solo: account(id: $solo) { ` + probedAccountFields + ` contacts { totalCount nodes { id } } }
	contacts { totalCount nodes { id version updatedAt } }
	accounts { totalCount nodes { id version updatedAt } }
	portalRoles { id slug name builtIn isDefault }
	portalSettings { defaultPortalRole { id } }
	customFieldDefinitions { id slug label options }
}`

// snapshot returns the tenant's data as the API shows it.
func (w *tenant) snapshot() string {
	w.c.T.Helper()
	var data json.RawMessage
	w.c.MustDo(tenantSnapshotQuery, map[string]any{"contact": w.contactID, "account": w.accountID, "solo": w.soloAccountID}, &data)
	return string(data)
}

// jsonObject is a JSON object in a case's expected data.
type jsonObject = map[string]any

// tenancyCase probes one entry point as the own tenant with the other
// tenant's ids or external ids.
type tenancyCase struct {
	name  string
	query string
	vars  func(own, other *tenant) jsonObject
	// want is the whole data the response must have, user errors' messages
	// left out.
	want func(own *tenant) any
	// wantCode, when set, is the code of the GraphQL error that the
	// response must have instead of data and want.
	wantCode string
	// writes says that the case, as it should, writes to the caller's
	// workspace: it then runs as a new workspace, so that the seeded one
	// stays as the other cases expect it.
	writes bool
}

// check runs the case and compares the response with what it wants, and
// with the response to the same case naming well-formed ids that do not
// exist: the other workspace's ids must be indistinguishable from those.
func (tc tenancyCase) check(t *testing.T, own, other *tenant) {
	caller := func() *tenant {
		if tc.writes {
			return &tenant{c: own.c.otherWorkspace()}
		}
		return own
	}
	me := caller()
	resp := tc.send(t, me, other)
	ghost, unghost := other.missing()
	if absent := tc.send(t, caller(), ghost); unghost.Replace(string(absent.Body)) != string(resp.Body) {
		t.Errorf("want the same response as for ids that do not exist (shown with the other's ids in their place)\nwant %s\ngot  %s",
			unghost.Replace(string(absent.Body)), resp.Body)
	}
	if tc.wantCode != "" {
		return
	}
	var got any
	if err := json.Unmarshal(resp.Data, &got); err != nil {
		t.Fatalf("decode data: %v\n%s", err, resp.Data)
	}
	if leaked := idsAmong(got, other.ids()); len(leaked) > 0 {
		t.Errorf("want none of the other workspace's ids, got %v in %s", leaked, resp.Data)
	}
	want := decodedJSON(t, tc.want(me))
	if got = withoutMessages(got); !reflect.DeepEqual(got, want) {
		wantJSON, _ := json.Marshal(want)
		t.Errorf("want %s\ngot  %s", wantJSON, resp.Data)
	}
}

// send runs the case as own against other's records, and fails the test
// unless the response is data without errors, or the error the case wants.
func (tc tenancyCase) send(t *testing.T, own, other *tenant) *graphtest.Response {
	t.Helper()
	resp := own.in(t).c.Post(tc.query, tc.vars(own, other))
	if tc.wantCode != "" {
		if resp.Code() != tc.wantCode {
			t.Fatalf("want a %s error, got status %d, errors %+v, data %s", tc.wantCode, resp.Status, resp.Errors, resp.Data)
		}
		return resp
	}
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("want data without errors, got status %d, errors %+v", resp.Status, resp.Errors)
	}
	return resp
}

// withoutMessages drops the messages of the user errors in decoded data,
// which wants leave to the comparison with missing ids.
func withoutMessages(data any) any {
	switch v := data.(type) {
	case []any:
		for _, e := range v {
			withoutMessages(e)
		}
	case map[string]any:
		for key, e := range v {
			if key == "message" {
				delete(v, key)
				continue
			}
			withoutMessages(e)
		}
	}
	return data
}

// decodedJSON returns v as encoding/json decodes it, for comparing with
// decoded data.
func decodedJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// idsAmong returns the strings anywhere in decoded JSON data that are in ids.
func idsAmong(data any, ids map[string]bool) []string {
	var found []string
	for _, s := range jsonStrings(data) {
		if ids[s] {
			found = append(found, s)
		}
	}
	return found
}

// jsonStrings returns every string anywhere in decoded JSON data.
func jsonStrings(data any) []string {
	var all []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			all = append(all, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(data)
	return all
}

// Documents of the lookups; each returns its record as `found`.
const (
	probeContactByID         = `query($id: ID!) { found: contact(id: $id) { id } }`
	probeContactByExternalID = `query($ext: String!) { found: contact(externalId: $ext) { id externalId } }`
	probeAccountByID         = `query($id: ID!) { found: account(id: $id) { id } }`
	probeAccountByExternalID = `query($ext: String!) { found: account(externalId: $ext) { id externalId } }`
	probeNodeByID            = `query($id: ID!) { found: node(id: $id) { id } }`
)

// probeMutation returns a document that runs call as `result` and selects
// its record as `record` beside its user errors.
func probeMutation(params, call, record string) string {
	return fmt.Sprintf("mutation(%s) { result: %s { record: %s userErrors { field code message } } }", params, call, record)
}

var (
	probeCreateContact        = probeMutation("$input: CreateContactInput!", "createContact(input: $input)", "contact { id account { id } }")
	probeUpdateContact        = probeMutation("$id: ID!, $input: UpdateContactInput!", "updateContact(id: $id, input: $input)", "contact { id account { id } }")
	probeDeleteContact        = probeMutation("$id: ID!", "deleteContact(id: $id)", "deletedId")
	probeUpdateAccount        = probeMutation("$id: ID!", `updateAccount(id: $id, input: {name: "Mallory"})`, "account { id }")
	probeDeleteAccount        = probeMutation("$id: ID!", "deleteAccount(id: $id)", "deletedId")
	probeUpdatePortalRole     = probeMutation("$id: ID!", `updatePortalRole(id: $id, input: {name: "Mallory"})`, "portalRole { id }")
	probeDeletePortalRole     = probeMutation("$id: ID!", "deletePortalRole(id: $id)", "deletedId")
	probeUpdatePortalSettings = probeMutation("$id: ID!", "updatePortalSettings(input: {defaultPortalRoleId: $id})", "portalSettings { defaultPortalRole { id } }")
)

// theirRecord returns vars that name one of the other tenant's records as $id.
func theirRecord(id func(*tenant) string) func(own, other *tenant) jsonObject {
	return func(_, other *tenant) jsonObject { return jsonObject{"id": id(other)} }
}

// sharedExternalID returns vars that name the external id ext.
func sharedExternalID(ext string) func(own, other *tenant) jsonObject {
	return func(_, _ *tenant) jsonObject { return jsonObject{"ext": ext} }
}

// newContactWith returns vars that create a contact with fields set to what
// field picks from both tenants.
func newContactWith(field func(own, other *tenant) jsonObject) func(own, other *tenant) jsonObject {
	return func(own, other *tenant) jsonObject {
		input := field(own, other)
		input["name"] = "Mallory"
		return jsonObject{"input": input}
	}
}

// ownContactChangedWith returns vars that update the own tenant's contact
// with the input that input makes.
func ownContactChangedWith(input func(own, other *tenant) jsonObject) func(own, other *tenant) jsonObject {
	return func(own, other *tenant) jsonObject {
		return jsonObject{"id": own.contactID, "input": input(own, other)}
	}
}

// Picks of one of a tenant's records.
func contactOf(w *tenant) string    { return w.contactID }
func accountOf(w *tenant) string    { return w.accountID }
func phoneOf(w *tenant) string      { return w.phoneIDs[0] }
func roleOf(w *tenant) string       { return w.roleID }
func memberRoleOf(w *tenant) string { return w.memberRoleID }

// Inputs that name one of the other tenant's records.
func theirAccountID(_, other *tenant) jsonObject { return jsonObject{"accountId": other.accountID} }
func theirAccountInList(own, other *tenant) jsonObject {
	return jsonObject{"accountIds": []string{own.accountID, other.accountID}}
}
func theirRoleID(_, other *tenant) jsonObject { return jsonObject{"portalRoleId": other.roleID} }
func theirAccountExternalID(_, other *tenant) jsonObject {
	return jsonObject{"accountExternalId": other.soloExternalID}
}
func theirPhoneChanged(_, other *tenant) jsonObject {
	return jsonObject{"phones": []jsonObject{{"id": other.phoneIDs[0], "number": "+14155550199"}}}
}
func theirPhoneDestroyed(_, other *tenant) jsonObject {
	return jsonObject{"phones": []jsonObject{{"id": other.phoneIDs[0], "destroy": true}}}
}

// nothingFound is the data of a lookup that found nothing.
func nothingFound(*tenant) any { return jsonObject{"found": nil} }

// refusedNotFound is the data of a mutation refused with NOT_FOUND at field.
func refusedNotFound(field ...string) func(*tenant) any {
	return func(*tenant) any {
		return jsonObject{"result": jsonObject{"record": nil, "userErrors": []jsonObject{{"field": field, "code": "NOT_FOUND"}}}}
	}
}

// idObjects returns a list of objects with the given ids.
func idObjects(ids ...string) []jsonObject {
	out := make([]jsonObject, len(ids))
	for i, id := range ids {
		out[i] = jsonObject{"id": id}
	}
	return out
}

// tenancyCases are the entry points through which one workspace could
// reach another's records.
var tenancyCases = append([]tenancyCase{
	// Lookups of the other workspace's records find nothing.
	{name: "contact(id)", query: probeContactByID, vars: theirRecord(contactOf), want: nothingFound},
	{name: "account(id)", query: probeAccountByID, vars: theirRecord(accountOf), want: nothingFound},
	{name: "account(externalId) only theirs", query: probeAccountByExternalID,
		vars: func(_, other *tenant) jsonObject { return jsonObject{"ext": other.soloExternalID} }, want: nothingFound},
	{name: "node(contact id)", query: probeNodeByID, vars: theirRecord(contactOf), want: nothingFound},
	{name: "node(account id)", query: probeNodeByID, vars: theirRecord(accountOf), want: nothingFound},
	{name: "node(phone id)", query: probeNodeByID, vars: theirRecord(phoneOf), want: nothingFound},
	{name: "node(portal role id)", query: probeNodeByID, vars: theirRecord(roleOf), want: nothingFound},
	{name: "node(built-in portal role id)", query: probeNodeByID, vars: theirRecord(memberRoleOf), want: nothingFound},
	{name: "contact(id) batched with own id",
		query: `query($mine: ID!, $theirs: ID!) { mine: contact(id: $mine) { id } theirs: contact(id: $theirs) { id } }`,
		vars: func(own, other *tenant) jsonObject {
			return jsonObject{"mine": own.contactID, "theirs": other.contactID}
		},
		want: func(own *tenant) any { return jsonObject{"mine": jsonObject{"id": own.contactID}, "theirs": nil} }},

	// Shared external ids resolve to the caller's own records.
	{name: "contact(externalId) shared", query: probeContactByExternalID, vars: sharedExternalID("ext-1"),
		want: func(own *tenant) any {
			return jsonObject{"found": jsonObject{"id": own.contactID, "externalId": "ext-1"}}
		}},
	{name: "account(externalId) shared", query: probeAccountByExternalID, vars: sharedExternalID("acct-1"),
		want: func(own *tenant) any {
			return jsonObject{"found": jsonObject{"id": own.accountID, "externalId": "acct-1"}}
		}},

	// Lists and nested fields show only own records.
	{name: "contacts", query: `{ found: contacts { totalCount nodes { id } edges { node { id } } } }`,
		vars: func(_, _ *tenant) jsonObject { return nil },
		want: func(own *tenant) any {
			ids := own.contactIDs()
			edges := make([]jsonObject, len(ids))
			for i, id := range ids {
				edges[i] = jsonObject{"node": jsonObject{"id": id}}
			}
			return jsonObject{"found": jsonObject{"totalCount": len(ids), "nodes": idObjects(ids...), "edges": edges}}
		}},
	{name: "accounts", query: `{ found: accounts { totalCount nodes { id } } }`,
		vars: func(_, _ *tenant) jsonObject { return nil },
		want: func(own *tenant) any {
			return jsonObject{"found": jsonObject{"totalCount": 2, "nodes": idObjects(own.accountID, own.soloAccountID)}}
		}},
	{name: "portalRoles", query: `{ found: portalRoles { id } }`,
		vars: func(_, _ *tenant) jsonObject { return nil },
		want: func(own *tenant) any { return jsonObject{"found": idObjects(own.roleIDs...)} }},
	{name: "Account.contacts", query: `query($id: ID!) { found: account(id: $id) { contacts { totalCount nodes { id } } } }`,
		vars: func(own, _ *tenant) jsonObject { return jsonObject{"id": own.accountID} },
		want: func(own *tenant) any {
			return jsonObject{"found": jsonObject{"contacts": jsonObject{"totalCount": 1, "nodes": idObjects(own.contactID)}}}
		}},
	{name: "Contact.account/accounts/phones/portalRole",
		query: `query($id: ID!) { found: contact(id: $id) { account { id } accounts { id } phones { id } portalRole { id } } }`,
		vars:  func(own, _ *tenant) jsonObject { return jsonObject{"id": own.contactID} },
		want: func(own *tenant) any {
			return jsonObject{"found": jsonObject{
				"account": jsonObject{"id": own.accountID}, "accounts": idObjects(own.accountID),
				"phones": idObjects(own.phoneIDs...), "portalRole": jsonObject{"id": own.roleID},
			}}
		}},
	{name: "Phone.contact", query: `query($id: ID!) { found: node(id: $id) { ... on Phone { contact { id } } } }`,
		vars: func(own, _ *tenant) jsonObject { return jsonObject{"id": own.phoneIDs[0]} },
		want: func(own *tenant) any {
			return jsonObject{"found": jsonObject{"contact": jsonObject{"id": own.contactID}}}
		}},

	// Mutations of the other workspace's records find nothing.
	{name: "updateContact", query: probeUpdateContact,
		vars: func(_, other *tenant) jsonObject {
			return jsonObject{"id": other.contactID, "input": jsonObject{"name": "Mallory"}}
		},
		want: refusedNotFound("id")},
	{name: "deleteContact", query: probeDeleteContact, vars: theirRecord(contactOf), want: refusedNotFound("id")},
	{name: "updateAccount", query: probeUpdateAccount, vars: theirRecord(accountOf), want: refusedNotFound("id")},
	{name: "deleteAccount", query: probeDeleteAccount, vars: theirRecord(accountOf), want: refusedNotFound("id")},
	{name: "updatePortalRole", query: probeUpdatePortalRole, vars: theirRecord(roleOf), want: refusedNotFound("id")},
	{name: "updatePortalRole(built-in)", query: probeUpdatePortalRole, vars: theirRecord(memberRoleOf), want: refusedNotFound("id")},
	{name: "deletePortalRole", query: probeDeletePortalRole, vars: theirRecord(roleOf), want: refusedNotFound("id")},
	{name: "deletePortalRole(built-in)", query: probeDeletePortalRole, vars: theirRecord(memberRoleOf), want: refusedNotFound("id")},
	{name: "updatePortalSettings", query: probeUpdatePortalSettings, vars: theirRecord(roleOf),
		want: refusedNotFound("input", "defaultPortalRoleId")},
	{name: "updatePortalSettings(built-in)", query: probeUpdatePortalSettings, vars: theirRecord(memberRoleOf),
		want: refusedNotFound("input", "defaultPortalRoleId")},

	// Foreign keys into the other workspace find nothing: those of
	// contactReferenceCases, and the phones of the contact.
	{name: "updateContact(phones change)", query: probeUpdateContact, vars: ownContactChangedWith(theirPhoneChanged),
		want: refusedNotFound("input", "phones", "0", "id")},
	{name: "updateContact(phones destroy)", query: probeUpdateContact, vars: ownContactChangedWith(theirPhoneDestroyed),
		want: refusedNotFound("input", "phones", "0", "id")},
	{name: "updateContact(accountExternalId) shared", query: probeUpdateContact,
		vars: ownContactChangedWith(func(_, _ *tenant) jsonObject { return jsonObject{"accountExternalId": "acct-1"} }),
		want: func(own *tenant) any {
			return jsonObject{"result": jsonObject{"record": jsonObject{"id": own.contactID, "account": jsonObject{"id": own.accountID}}, "userErrors": []jsonObject{}}}
		}},
}, contactReferenceCases()...)

// contactReferenceCases probe createContact and updateContact alike with
// each reference of a contact's input into the other workspace: both must
// refuse it as not found.
func contactReferenceCases() []tenancyCase {
	references := []struct {
		field string
		input func(own, other *tenant) jsonObject
		entry []string // the index of the refused entry, in a list
	}{
		{"accountId", theirAccountID, nil},
		{"accountIds", theirAccountInList, []string{"1"}},
		{"portalRoleId", theirRoleID, nil},
		{"accountExternalId", theirAccountExternalID, nil},
	}
	var cases []tenancyCase
	for _, ref := range references {
		want := refusedNotFound(append([]string{"input", ref.field}, ref.entry...)...)
		cases = append(cases,
			tenancyCase{name: "createContact(" + ref.field + ")", query: probeCreateContact, vars: newContactWith(ref.input), want: want},
			tenancyCase{name: "updateContact(" + ref.field + ")", query: probeUpdateContact, vars: ownContactChangedWith(ref.input), want: want})
	}
	return cases
}

// TestTenantIsolation probes every entry point with the other workspace's
// ids, in both directions, and checks that the probed workspace is unchanged.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	a := seedTenant(t, newClient(t))
	b := seedTenant(t, a.c.otherWorkspace())
	checkIsolation(t, a, b, tenancyCases)
}

// checkIsolation runs cases as a against b's records, then as b against
// a's, and checks that the probed workspace is unchanged.
func checkIsolation(t *testing.T, a, b *tenant, cases []tenancyCase) {
	directions := []struct {
		name       string
		own, other *tenant
	}{
		{"B probes A", b, a},
		{"A probes B", a, b},
	}
	// The directions run one after the other: a probe that wrongly
	// succeeds changes its own workspace, the one the next direction probes.
	for _, dir := range directions {
		t.Run(dir.name, func(t *testing.T) {
			own, other := dir.own.in(t), dir.other.in(t)
			before := other.snapshot()
			t.Run("matrix", func(t *testing.T) {
				for _, tc := range cases {
					t.Run(tc.name, func(t *testing.T) {
						t.Parallel()
						tc.check(t, own.in(t), other)
					})
				}
			})
			if after := other.snapshot(); after != before {
				t.Errorf("want the probed workspace unchanged, got a change %s\nbefore: %s\nafter:  %s",
					firstDifference(before, after), before, after)
			}
		})
	}
}

// firstDifference shows where two texts first differ, with some context.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-60, 0)
	return fmt.Sprintf("at byte %d: %q became %q", i, a[from:min(i+40, len(a))], b[from:min(i+40, len(b))])
}

// nestedListings list contacts with everything they reach, and look up
// the account external id that every workspace has. Their page sizes keep
// them under the complexity limit.
const nestedListings = `
	contacts(first: 20) { totalCount nodes {
		id account { id } portalRole { id }
		accounts { id contacts(first: 10) { totalCount nodes { id } } }
		phones { id contact { id } }
	} }
	accounts { nodes { id } }
	portalRoles { id }
	accountByExternalId: account(externalId: "acct-1") { id }`

// nestedContactsQuery is nestedListings with the contact external id that
// every workspace has.
const nestedContactsQuery = `{` + nestedListings + `
	byExternalId: contact(externalId: "ext-1") { id accounts { id } }
}`

// TestTenantIsolationUnderConcurrency lists two workspaces' contacts from
// several goroutines at once: batched loads must never mix workspaces.
func TestTenantIsolationUnderConcurrency(t *testing.T) {
	t.Parallel()
	checkConcurrentListings(t, graphtest.NewHandler(t), nestedContactsQuery, nil, 200)
}

// checkConcurrentListings seeds two workspaces on h, then sends query as
// each in turn, requests times from 8 goroutines, with the variables that
// vars makes: every response must be the one the workspace got alone.
func checkConcurrentListings(t *testing.T, h http.Handler, query string, vars func(own, other *tenant) jsonObject, requests int64) {
	c := newClientWith(t, h, uuid.New(), auth.ScopeRead+" "+auth.ScopeWrite)
	tenants := [2]*tenant{seedTenant(t, c), seedTenant(t, c.otherWorkspace())}
	if vars == nil {
		vars = func(_, _ *tenant) jsonObject { return nil }
	}
	var baselines [2]string
	for i, w := range tenants {
		for n := range 3 {
			w.addContact(n)
		}
		resp := w.c.Post(query, vars(w, tenants[1-i]))
		if problem := listingProblem(w, tenants[1-i], resp, string(resp.Data)); problem != "" {
			t.Fatalf("listing workspace %s alone: %s", w.c.Workspace, problem)
		}
		baselines[i] = string(resp.Data)
	}

	const workers, reported = 8, 5
	var next, failures atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for n := next.Add(1) - 1; n < requests; n = next.Add(1) - 1 {
				own, other := tenants[n%2], tenants[1-n%2]
				problem := listingProblem(own, other, own.c.Post(query, vars(own, other)), baselines[n%2])
				if problem != "" && failures.Add(1) <= reported {
					t.Errorf("request %d as workspace %s: %s", n, own.c.Workspace, problem)
				}
			}
		})
	}
	wg.Wait()
	if n := failures.Load(); n > reported {
		t.Errorf("%d of %d requests failed; the first %d are reported above", n, requests, reported)
	}
}

// listingProblem says what is wrong with a response of nestedContactsQuery
// sent as own, or returns "".
func listingProblem(own, other *tenant, resp *graphtest.Response, baseline string) string {
	if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		return fmt.Sprintf("want data without errors, got status %d, errors %+v", resp.Status, resp.Errors)
	}
	var data any
	if err := json.Unmarshal(resp.Data, &data); err != nil {
		return fmt.Sprintf("decode data: %v", err)
	}
	if leaked := idsAmong(data, other.ids()); len(leaked) > 0 {
		return fmt.Sprintf("want only own ids, got the other workspace's %v", leaked)
	}
	mine := own.ids()
	for _, s := range jsonStrings(data) {
		if !mine[s] {
			return fmt.Sprintf("want only ids the workspace created, got %q", s)
		}
	}
	if string(resp.Data) != baseline {
		return fmt.Sprintf("want the same data as when listed alone\nwant %s\ngot  %s", baseline, resp.Data)
	}
	return ""
}
