package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

// filterFixture is a workspace of four contacts and three accounts that
// the filter tests query, with the ids of its records by name ("ada",
// "acme", "vipRole", …) and the creation times of the contacts.
type filterFixture struct {
	ids     map[string]string
	names   map[string]string
	created map[string]time.Time
}

// seedFilterFixture creates the fixture in c's workspace.
func seedFilterFixture(c *client) *filterFixture {
	c.T.Helper()
	f := &filterFixture{ids: map[string]string{}, names: map[string]string{}, created: map[string]time.Time{}}
	add := func(name, id string) {
		f.ids[name], f.names[id] = id, name
	}
	add("acme", c.CreateAccount(map[string]any{"name": "Acme Corp", "domain": "acme.com", "externalId": "ACC-1", "tags": []string{"enterprise"}}))
	add("globex", c.CreateAccount(map[string]any{"name": "Globex", "domain": "globex.com", "externalId": "acc-2", "tags": []string{"smb", "beta"}}))
	add("initech", c.CreateAccount(map[string]any{"name": "Initech Smith"}))
	var role struct {
		CreatePortalRole struct{ PortalRole struct{ ID string } }
	}
	c.MustDo(`mutation { createPortalRole(input: {slug: "vip", name: "VIP"}) { portalRole { id } } }`, nil, &role)
	add("vipRole", role.CreatePortalRole.PortalRole.ID)
	var roles struct{ PortalRoles []struct{ ID, Slug string } }
	c.MustDo(`{ portalRoles { id slug } }`, nil, &roles)
	for _, r := range roles.PortalRoles {
		add(r.Slug+"Role", r.ID)
	}
	contacts := []struct {
		name  string
		input map[string]any
	}{
		{"ada", map[string]any{
			"name": "Ada Lovelace", "email": "ada@acme.com", "externalId": "CRM-001", "tags": []string{"vip", "beta"},
			"phones": phoneInputs("+14155550101"), "accountId": f.ids["acme"], "portalRole": "admin",
		}},
		{"bob", map[string]any{
			"name": "Bob Smith", "email": "bob.smith@Globex.com", "externalId": "crm-002", "tags": []string{"beta"},
			"phones": phoneInputs("+442071234567", "+14155550199"), "accountId": f.ids["globex"], "accountIds": []string{f.ids["acme"]},
		}},
		{"carol", map[string]any{"name": "Carol Smithers", "portalRole": "vip"}},
		{"dan", map[string]any{
			"name": "dan o'brien", "email": "dan_100%@initech.io", "externalId": "X_1", "tags": []string{"vip"},
			"accountId": f.ids["initech"],
		}},
	}
	for _, ct := range contacts {
		add(ct.name, c.CreateContact(ct.input).ID)
		f.created[ct.name] = c.contactStamp(f.ids[ct.name]).CreatedAt
	}
	c.mustUpdateContact(f.ids["carol"], map[string]any{"description": "changed last"})
	return f
}

// resolve replaces the "$name" strings in a filter with the fixture's ids
// and "time:name" strings with the creation time of the contact.
func (f *filterFixture) resolve(v any) any {
	switch v := v.(type) {
	case string:
		if id, ok := strings.CutPrefix(v, "$"); ok {
			return f.ids[id]
		}
		if name, ok := strings.CutPrefix(v, "time:"); ok {
			return f.created[name].Format(time.RFC3339Nano)
		}
		return v
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = f.resolve(s)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = f.resolve(s)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, s := range v {
			out[k] = f.resolve(s)
		}
		return out
	}
	return v
}

// named returns the fixture names of a page's records; a record of no
// fixture name (another workspace's) shows as "?" and its id.
func (f *filterFixture) named(page connectionData) []string {
	out := make([]string, len(page.Edges))
	for i, id := range page.ids() {
		out[i] = f.names[id]
		if out[i] == "" {
			out[i] = "?" + id
		}
	}
	return out
}

// filterCase is a filter and the records it must select, or the error
// code it must cause.
type filterCase struct {
	name     string
	filter   map[string]any
	want     []string
	wantCode string
}

type m = map[string]any

// contactFilterCases cover each operator on each field of ContactFilter,
// empty lists, case-insensitivity, LIKE's special characters and the
// combinations.
var contactFilterCases = []filterCase{
	{"id equals", m{"id": m{"equals": "$ada"}}, []string{"ada"}, ""},
	{"id in", m{"id": m{"in": []string{"$bob", "$dan"}}}, []string{"bob", "dan"}, ""},
	{"id in empty matches nothing", m{"id": m{"in": []string{}}}, nil, ""},
	{"id notIn", m{"id": m{"notIn": []string{"$ada"}}}, []string{"bob", "carol", "dan"}, ""},
	{"id notIn empty matches everything", m{"id": m{"notIn": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"id of an account matches nothing", m{"id": m{"equals": "$acme"}}, nil, ""},

	{"externalId equals ignores case", m{"externalId": m{"equals": "crm-001"}}, []string{"ada"}, ""},
	{"externalId in", m{"externalId": m{"in": []string{"CRM-002", "x_1"}}}, []string{"bob", "dan"}, ""},
	{"externalId in empty", m{"externalId": m{"in": []string{}}}, nil, ""},
	{"externalId notIn keeps the unset", m{"externalId": m{"notIn": []string{"CRM-001"}}}, []string{"bob", "carol", "dan"}, ""},
	{"externalId notIn empty", m{"externalId": m{"notIn": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"externalId contains", m{"externalId": m{"contains": "Rm-00"}}, []string{"ada", "bob"}, ""},
	{"externalId startsWith takes _ literally", m{"externalId": m{"startsWith": "x_"}}, []string{"dan"}, ""},
	{"externalId startsWith no wildcard", m{"externalId": m{"startsWith": "c_"}}, nil, ""},
	{"externalId isSet", m{"externalId": m{"isSet": true}}, []string{"ada", "bob", "dan"}, ""},
	{"externalId is not set", m{"externalId": m{"isSet": false}}, []string{"carol"}, ""},

	{"name equals ignores case", m{"name": m{"equals": "ada LOVELACE"}}, []string{"ada"}, ""},
	{"name in", m{"name": m{"in": []string{"BOB SMITH", "nobody"}}}, []string{"bob"}, ""},
	{"name in empty", m{"name": m{"in": []string{}}}, nil, ""},
	{"name notIn", m{"name": m{"notIn": []string{"Ada Lovelace", "carol smithers"}}}, []string{"bob", "dan"}, ""},
	{"name notIn empty", m{"name": m{"notIn": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"name contains", m{"name": m{"contains": "SMITH"}}, []string{"bob", "carol"}, ""},
	{"name contains a quote", m{"name": m{"contains": "o'b"}}, []string{"dan"}, ""},
	{"name startsWith", m{"name": m{"startsWith": "DAN"}}, []string{"dan"}, ""},
	{"name isSet", m{"name": m{"isSet": true}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"name is never unset", m{"name": m{"isSet": false}}, nil, ""},
	{"name operators combine", m{"name": m{"contains": "smith", "startsWith": "car"}}, []string{"carol"}, ""},

	{"email equals ignores case", m{"email": m{"equals": "BOB.SMITH@globex.com"}}, []string{"bob"}, ""},
	{"email equals empty matches nothing", m{"email": m{"equals": ""}}, nil, ""},
	{"email in", m{"email": m{"in": []string{"ADA@ACME.COM", "dan_100%@initech.io"}}}, []string{"ada", "dan"}, ""},
	{"email in empty", m{"email": m{"in": []string{}}}, nil, ""},
	{"email notIn keeps the unset", m{"email": m{"notIn": []string{"ada@acme.com"}}}, []string{"bob", "carol", "dan"}, ""},
	{"email notIn empty", m{"email": m{"notIn": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"email contains", m{"email": m{"contains": "@acme"}}, []string{"ada"}, ""},
	{"email contains takes % literally", m{"email": m{"contains": "0%@"}}, []string{"dan"}, ""},
	{"email contains takes _ literally", m{"email": m{"contains": "_"}}, []string{"dan"}, ""},
	{"email startsWith", m{"email": m{"startsWith": "BOB."}}, []string{"bob"}, ""},
	{"email isSet", m{"email": m{"isSet": true}}, []string{"ada", "bob", "dan"}, ""},
	{"email is not set", m{"email": m{"isSet": false}}, []string{"carol"}, ""},

	{"phone equals by digits", m{"phone": m{"equals": "+1 (415) 555-0101"}}, []string{"ada"}, ""},
	{"phone in", m{"phone": m{"in": []string{"44 20 7123 4567", "+10000000000"}}}, []string{"bob"}, ""},
	{"phone in empty", m{"phone": m{"in": []string{}}}, nil, ""},
	{"phone notIn", m{"phone": m{"notIn": []string{"+14155550101"}}}, []string{"bob", "carol", "dan"}, ""},
	{"phone notIn one of several phones", m{"phone": m{"notIn": []string{"+14155550199"}}}, []string{"ada", "carol", "dan"}, ""},
	{"phone notIn empty", m{"phone": m{"notIn": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"phone contains", m{"phone": m{"contains": "555-01"}}, []string{"ada", "bob"}, ""},
	{"phone startsWith", m{"phone": m{"startsWith": "+44"}}, []string{"bob"}, ""},
	{"phone isSet", m{"phone": m{"isSet": true}}, []string{"ada", "bob"}, ""},
	{"phone is not set", m{"phone": m{"isSet": false}}, []string{"carol", "dan"}, ""},
	{"phone without digits is bad input", m{"phone": m{"equals": "abc"}}, nil, "BAD_USER_INPUT"},

	{"accountId equals any membership", m{"accountId": m{"equals": "$acme"}}, []string{"ada", "bob"}, ""},
	{"accountId in", m{"accountId": m{"in": []string{"$globex", "$initech"}}}, []string{"bob", "dan"}, ""},
	{"accountId in empty", m{"accountId": m{"in": []string{}}}, nil, ""},
	{"accountId notIn", m{"accountId": m{"notIn": []string{"$acme"}}}, []string{"carol", "dan"}, ""},
	{"accountId notIn empty", m{"accountId": m{"notIn": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},

	{"portalRoleId equals", m{"portalRoleId": m{"equals": "$vipRole"}}, []string{"carol"}, ""},
	{"portalRoleId in", m{"portalRoleId": m{"in": []string{"$adminRole", "$vipRole"}}}, []string{"ada", "carol"}, ""},
	{"portalRoleId in empty", m{"portalRoleId": m{"in": []string{}}}, nil, ""},
	{"portalRoleId notIn", m{"portalRoleId": m{"notIn": []string{"$memberRole"}}}, []string{"ada", "carol"}, ""},
	{"portalRoleId notIn empty", m{"portalRoleId": m{"notIn": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},

	{"portalRole equals ignores case", m{"portalRole": m{"equals": "VIP"}}, []string{"carol"}, ""},
	{"portalRole in", m{"portalRole": m{"in": []string{"admin", "member"}}}, []string{"ada", "bob", "dan"}, ""},
	{"portalRole in empty", m{"portalRole": m{"in": []string{}}}, nil, ""},
	{"portalRole notIn", m{"portalRole": m{"notIn": []string{"member"}}}, []string{"ada", "carol"}, ""},
	{"portalRole notIn empty", m{"portalRole": m{"notIn": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"portalRole contains", m{"portalRole": m{"contains": "EMB"}}, []string{"bob", "dan"}, ""},
	{"portalRole startsWith", m{"portalRole": m{"startsWith": "ad"}}, []string{"ada"}, ""},
	{"portalRole isSet", m{"portalRole": m{"isSet": true}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"portalRole is never unset", m{"portalRole": m{"isSet": false}}, nil, ""},

	{"tags hasAny", m{"tags": m{"hasAny": []string{"vip", "nope"}}}, []string{"ada", "dan"}, ""},
	{"tags hasAny empty", m{"tags": m{"hasAny": []string{}}}, nil, ""},
	{"tags hasAny is exact", m{"tags": m{"hasAny": []string{"VIP"}}}, nil, ""},
	{"tags hasAll", m{"tags": m{"hasAll": []string{"vip", "beta"}}}, []string{"ada"}, ""},
	{"tags hasAll empty", m{"tags": m{"hasAll": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"tags hasNone", m{"tags": m{"hasNone": []string{"beta"}}}, []string{"carol", "dan"}, ""},
	{"tags hasNone empty", m{"tags": m{"hasNone": []string{}}}, []string{"ada", "bob", "carol", "dan"}, ""},

	{"createdAt after", m{"createdAt": m{"after": "time:ada"}}, []string{"bob", "carol", "dan"}, ""},
	{"createdAt before", m{"createdAt": m{"before": "time:bob"}}, []string{"ada"}, ""},
	{"createdAt between", m{"createdAt": m{"after": "time:ada", "before": "time:dan"}}, []string{"bob", "carol"}, ""},
	{"updatedAt after", m{"updatedAt": m{"after": "time:dan"}}, []string{"carol"}, ""},
	{"updatedAt before", m{"updatedAt": m{"before": "time:bob"}}, []string{"ada"}, ""},

	{"search one word", m{"search": "SMITH"}, []string{"bob", "carol"}, ""},
	{"search every word must match", m{"search": "smith bob"}, []string{"bob"}, ""},
	{"search email", m{"search": "acme.com"}, []string{"ada"}, ""},
	{"search external id", m{"search": "crm-00"}, []string{"ada", "bob"}, ""},
	{"search phone however written", m{"search": "(415) 555-0199"}, []string{"bob"}, ""},
	{"search phone in national form with a trunk prefix", m{"search": "020 7123 4567"}, []string{"bob"}, ""},
	{"search phone with an international prefix", m{"search": "0044 20 7123 4567"}, []string{"bob"}, ""},
	{"search phone of zeros matches by its digits", m{"search": "000"}, nil, ""},
	{"search phone part", m{"search": "415 555 01"}, []string{"ada", "bob"}, ""},
	{"search with a quote", m{"search": "O'Brien"}, []string{"dan"}, ""},
	{"search no match", m{"search": "zzz"}, nil, ""},
	{"search too long", m{"search": strings.Repeat("a", 201)}, nil, "BAD_USER_INPUT"},

	{"fields combine with AND", m{"name": m{"contains": "smith"}, "email": m{"isSet": true}}, []string{"bob"}, ""},
	{"or", m{"or": []any{m{"name": m{"equals": "ada lovelace"}}, m{"tags": m{"hasAny": []string{"vip"}}}}}, []string{"ada", "dan"}, ""},
	{"or empty matches nothing", m{"or": []any{}}, nil, ""},
	{"and", m{"and": []any{m{"tags": m{"hasAny": []string{"beta"}}}, m{"not": m{"accountId": m{"equals": "$globex"}}}}}, []string{"ada"}, ""},
	{"and empty matches everything", m{"and": []any{}}, []string{"ada", "bob", "carol", "dan"}, ""},
	{"not", m{"not": m{"name": m{"contains": "smith"}}}, []string{"ada", "dan"}, ""},
	{"or beside a field", m{"search": "smith", "or": []any{m{"email": m{"isSet": false}}, m{"phone": m{"startsWith": "+44"}}}}, []string{"bob", "carol"}, ""},
	{"five levels", m{"and": []any{m{"or": []any{m{"not": m{"and": []any{m{"name": m{"contains": "a"}}}}}}}}}, []string{"bob"}, ""},
	{"six levels is bad input", m{"and": []any{m{"or": []any{m{"not": m{"and": []any{m{"not": m{"name": m{"contains": "a"}}}}}}}}}}, nil, "BAD_USER_INPUT"},
}

// accountFilterCases cover AccountFilter's fields.
var accountFilterCases = []filterCase{
	{"id in", m{"id": m{"in": []string{"$acme", "$ada"}}}, []string{"acme"}, ""},
	{"id notIn", m{"id": m{"notIn": []string{"$acme"}}}, []string{"globex", "initech"}, ""},
	{"externalId equals", m{"externalId": m{"equals": "acc-1"}}, []string{"acme"}, ""},
	{"externalId is not set", m{"externalId": m{"isSet": false}}, []string{"initech"}, ""},
	{"name contains", m{"name": m{"contains": "CORP"}}, []string{"acme"}, ""},
	{"name in", m{"name": m{"in": []string{"globex", "initech smith"}}}, []string{"globex", "initech"}, ""},
	{"domain equals", m{"domain": m{"equals": "ACME.com"}}, []string{"acme"}, ""},
	{"domain startsWith", m{"domain": m{"startsWith": "glo"}}, []string{"globex"}, ""},
	{"domain notIn keeps the unset", m{"domain": m{"notIn": []string{"acme.com"}}}, []string{"globex", "initech"}, ""},
	{"domain is not set", m{"domain": m{"isSet": false}}, []string{"initech"}, ""},
	{"tags hasAll", m{"tags": m{"hasAll": []string{"smb", "beta"}}}, []string{"globex"}, ""},
	{"tags hasNone", m{"tags": m{"hasNone": []string{"smb"}}}, []string{"acme", "initech"}, ""},
	{"createdAt before", m{"createdAt": m{"before": "time:ada"}}, []string{"acme", "globex", "initech"}, ""},
	{"updatedAt after", m{"updatedAt": m{"after": "time:ada"}}, nil, ""},
	{"search", m{"search": "smith"}, []string{"initech"}, ""},
	{"search domain", m{"search": "globex.com"}, []string{"globex"}, ""},
	{"or and not", m{"or": []any{m{"not": m{"domain": m{"isSet": true}}}, m{"externalId": m{"equals": "ACC-2"}}}}, []string{"globex", "initech"}, ""},
	{"six levels is bad input", m{"not": m{"not": m{"not": m{"not": m{"not": m{"name": m{"contains": "a"}}}}}}}, nil, "BAD_USER_INPUT"},
}

// TestFilters runs every filter case against its list, under row-level
// security and without it: search and the filters that it prefilters
// compile to other SQL each way, and must select the same records. The
// workspace has a twin with the same records, so a filter that leaked
// across workspaces would return the twin's records too: each case also
// proves isolation.
func TestFilters(t *testing.T) {
	t.Parallel()
	onFilterFixture(t, testFilters)
}

// onFilterFixture runs test each way (eachWay), with a client of a new
// workspace that holds the filter fixture.
func onFilterFixture(t *testing.T, test func(t *testing.T, c *client, f *filterFixture)) {
	t.Helper()
	graphtest.EachWay(t, func(t *testing.T, svc *service.Service) {
		c := newClientOf(t, svc)
		test(t, c, seedFilterFixture(c))
	})
}

func testFilters(t *testing.T, c *client, f *filterFixture) {
	twin := seedFilterFixture(c.otherWorkspace())
	lists := []struct {
		list  string
		cases []filterCase
	}{{"contacts", contactFilterCases}, {"accounts", accountFilterCases}}
	for _, l := range lists {
		for _, tt := range l.cases {
			t.Run(l.list+" "+tt.name, func(t *testing.T) {
				t.Parallel()
				checkFilter(t, c, f, l.list, nil, tt)
			})
		}
	}
	crossWorkspace := []filterCase{
		{"id of the twin's contact", m{"id": m{"in": []string{twin.ids["ada"], twin.ids["bob"]}}}, nil, ""},
		{"accountId of the twin's account", m{"accountId": m{"in": []string{twin.ids["acme"], twin.ids["globex"]}}}, nil, ""},
		{"portalRoleId of the twin's role", m{"portalRoleId": m{"equals": twin.ids["vipRole"]}}, nil, ""},
	}
	for _, tt := range crossWorkspace {
		t.Run("contacts "+tt.name, func(t *testing.T) {
			t.Parallel()
			checkFilter(t, c, f, "contacts", nil, tt)
		})
	}
}

// checkFilter runs one filter case and checks the records and totalCount.
func checkFilter(t *testing.T, c *client, f *filterFixture, list string, vars map[string]any, tt filterCase) {
	t.Helper()
	resp := c.Post(listDocs[list], with(vars, "first", 999, "filter", f.resolve(tt.filter)))
	if tt.wantCode != "" {
		if got := resp.Code(); got != tt.wantCode {
			t.Errorf("filter %v: error code %q (errors %+v), want %q", tt.filter, got, resp.Errors, tt.wantCode)
		}
		return
	}
	var out struct {
		Contacts connectionData
		Accounts connectionData
		Account  struct{ Contacts connectionData }
	}
	if len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &out) != nil {
		t.Fatalf("filter %v: errors %+v", tt.filter, resp.Errors)
	}
	page := map[string]connectionData{"contacts": out.Contacts, "accounts": out.Accounts, "Account.contacts": out.Account.Contacts}[list]
	if got := f.named(page); !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
		t.Errorf("filter %v selected %q, want %q", tt.filter, got, tt.want)
	}
	if page.TotalCount != len(tt.want) {
		t.Errorf("filter %v: totalCount %d, want %d", tt.filter, page.TotalCount, len(tt.want))
	}
}

// TestAccountContactsFilter: Account.contacts filters each account's
// members, in one batch, with the counts of the filtered lists, under
// row-level security and without it.
func TestAccountContactsFilter(t *testing.T) {
	t.Parallel()
	onFilterFixture(t, testAccountContactsFilter)
}

func testAccountContactsFilter(t *testing.T, c *client, f *filterFixture) {
	tests := []filterCase{
		{"name", m{"name": m{"contains": "bob"}}, []string{"bob"}, ""},
		{"tags", m{"tags": m{"hasAny": []string{"vip"}}}, []string{"ada"}, ""},
		{"search", m{"search": "lovelace"}, []string{"ada"}, ""},
		{"bad", m{"not": m{"not": m{"not": m{"not": m{"not": m{}}}}}}, nil, "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkFilter(t, c, f, "Account.contacts", map[string]any{"id": f.ids["acme"]}, tt)
		})
	}
	const doc = `{ accounts(orderBy: [{field: NAME, direction: ASC}]) { nodes { name contacts(filter: {tags: {hasAny: ["beta"]}}) { totalCount nodes { name } } } } }`
	var out struct {
		Accounts struct {
			Nodes []struct {
				Name     string
				Contacts struct {
					TotalCount int
					Nodes      []struct{ Name string }
				}
			}
		}
	}
	c.MustDo(doc, nil, &out)
	got := map[string]int{}
	for _, a := range out.Accounts.Nodes {
		got[a.Name] = a.Contacts.TotalCount
		if len(a.Contacts.Nodes) != a.Contacts.TotalCount {
			t.Errorf("%s: %d contacts, totalCount %d", a.Name, len(a.Contacts.Nodes), a.Contacts.TotalCount)
		}
	}
	if want := map[string]int{"Acme Corp": 2, "Globex": 1, "Initech Smith": 0}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("beta contacts per account %v, want %v", got, want)
	}
}
