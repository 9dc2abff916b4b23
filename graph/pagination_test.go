package graph_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// connectionFields selects what the pagination tests look at on a connection.
const connectionFields = `edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount`

// The GraphQL documents of the pagination tests.
const (
	contactsPageDoc        = `query($first: Int, $after: String) { contacts(first: $first, after: $after) { ` + connectionFields + ` } }`
	accountsPageDoc        = `query($first: Int, $after: String) { accounts(first: $first, after: $after) { ` + connectionFields + ` } }`
	accountContactsPageDoc = `query($id: ID, $first: Int, $after: String) { account(id: $id) { contacts(first: $first, after: $after) { ` + connectionFields + ` } } }`
)

// connectionData is a page of a list as the tests decode it.
type connectionData struct {
	Edges []struct {
		Cursor string
		Node   struct{ ID string }
	}
	Nodes    []struct{ ID string }
	PageInfo struct {
		HasNextPage     bool
		HasPreviousPage bool
		StartCursor     *string
		EndCursor       *string
	}
	TotalCount int
}

// ids returns the ids of the page's edges.
func (p connectionData) ids() []string {
	out := make([]string, len(p.Edges))
	for i, e := range p.Edges {
		out[i] = e.Node.ID
	}
	return out
}

// pageVars returns the variables of a page request; nil values are left out.
func pageVars(first *int, after *string) map[string]any {
	vars := map[string]any{}
	if first != nil {
		vars["first"] = *first
	}
	if after != nil {
		vars["after"] = *after
	}
	return vars
}

// contactsPage fetches a page of the workspace's contacts.
func (c *client) contactsPage(first *int, after *string) connectionData {
	c.T.Helper()
	return rootField[connectionData](c, contactsPageDoc, pageVars(first, after))
}

// accountContactsPage fetches a page of an account's contacts.
func (c *client) accountContactsPage(account string, first *int, after *string) connectionData {
	c.T.Helper()
	vars := pageVars(first, after)
	vars["id"] = account
	var out struct {
		Account struct{ Contacts connectionData }
	}
	c.MustDo(accountContactsPageDoc, vars, &out)
	return out.Account.Contacts
}

// pageWant is what one page of a walk through a list should be.
type pageWant struct {
	size           int
	next, previous bool
}

// pageThrough fetches the pages of a list one after the other, each after
// the last one's end cursor, checks each against want (of total records),
// and returns the ids they gave in order.
func pageThrough(t *testing.T, page func(after *string) connectionData, want []pageWant, total int) []string {
	t.Helper()
	var after *string
	var seen []string
	for i, w := range want {
		p := page(after)
		checkPage(t, i+1, p, w.size, w.next, w.previous, total)
		seen = append(seen, p.ids()...)
		after = p.PageInfo.EndCursor
	}
	return seen
}

// checkPage fails t unless page is consistent in itself (nodes match edges,
// pageInfo's cursors match the first and last edges) and has the size, flags
// and total count wanted.
func checkPage(t *testing.T, n int, page connectionData, size int, hasNext, hasPrevious bool, total int) {
	t.Helper()
	info := page.PageInfo
	if len(page.Edges) != size || info.HasNextPage != hasNext || info.HasPreviousPage != hasPrevious || page.TotalCount != total {
		t.Errorf("page %d: %d edges, hasNextPage %v, hasPreviousPage %v, totalCount %d; want %d, %v, %v, %d",
			n, len(page.Edges), info.HasNextPage, info.HasPreviousPage, page.TotalCount, size, hasNext, hasPrevious, total)
	}
	nodeIDs := make([]string, len(page.Nodes))
	for i, node := range page.Nodes {
		nodeIDs[i] = node.ID
	}
	if !slices.Equal(nodeIDs, page.ids()) {
		t.Errorf("page %d: nodes %q, edges %q; want the same", n, nodeIDs, page.ids())
	}
	if len(page.Edges) == 0 {
		if info.StartCursor != nil || info.EndCursor != nil {
			t.Errorf("page %d: empty page with cursors %v, %v; want null", n, info.StartCursor, info.EndCursor)
		}
		return
	}
	if first := page.Edges[0].Cursor; info.StartCursor == nil || *info.StartCursor != first {
		t.Errorf("page %d: startCursor %v, want the first edge's %s", n, info.StartCursor, first)
	}
	if last := page.Edges[len(page.Edges)-1].Cursor; info.EndCursor == nil || *info.EndCursor != last {
		t.Errorf("page %d: endCursor %v, want the last edge's %s", n, info.EndCursor, last)
	}
}

// createContacts creates n contacts with input and returns their ids, oldest first.
func createContacts(c *client, n int, input map[string]any) []string {
	ids := make([]string, n)
	for i := range ids {
		in := map[string]any{"name": fmt.Sprintf("Contact %d", i)}
		for k, v := range input {
			in[k] = v
		}
		ids[i] = c.CreateContact(in).ID
	}
	return ids
}

func TestPageSizeMustBeFrom1To999(t *testing.T) {
	t.Parallel()
	lists := []struct {
		name string
		doc  string
	}{
		{"contacts", contactsPageDoc},
		{"accounts", accountsPageDoc},
		{"Account.contacts", accountContactsPageDoc},
	}
	tests := []struct {
		first    int
		wantCode string
	}{
		{0, "BAD_USER_INPUT"},
		{-1, "BAD_USER_INPUT"},
		{1000, "BAD_USER_INPUT"},
		{1, ""},
		{999, ""},
	}
	for _, list := range lists {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s first %d", list.name, tt.first), func(t *testing.T) {
				t.Parallel()
				c := newClient(t)
				account := c.CreateAccount(map[string]any{"name": "Acme"})
				createContacts(c, 2, map[string]any{"accountId": account})
				resp := c.Post(list.doc, map[string]any{"id": account, "first": tt.first})
				if got := resp.Code(); got != tt.wantCode {
					t.Errorf("first: %d: error code %q (errors %+v), want %q", tt.first, got, resp.Errors, tt.wantCode)
				}
			})
		}
	}
}

func TestPageSizesAreHonoured(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ids := createContacts(c, 2, nil)
	one, all := 1, 999
	if page := c.contactsPage(&one, nil); !slices.Equal(page.ids(), ids[:1]) || !page.PageInfo.HasNextPage {
		t.Errorf("first: 1 gave %q, hasNextPage %v; want %q, true", page.ids(), page.PageInfo.HasNextPage, ids[:1])
	}
	if page := c.contactsPage(&all, nil); !slices.Equal(page.ids(), ids) || page.PageInfo.HasNextPage {
		t.Errorf("first: 999 gave %q, hasNextPage %v; want %q, false", page.ids(), page.PageInfo.HasNextPage, ids)
	}
}

func TestDefaultPageSizeIs100(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ids := createContacts(c, 101, nil)
	page := c.contactsPage(nil, nil)
	checkPage(t, 1, page, 100, true, false, 101)
	if !slices.Equal(page.ids(), ids[:100]) {
		t.Errorf("the default page is not the 100 oldest contacts")
	}
	account := c.CreateAccount(map[string]any{"name": "Acme"})
	c.mustUpdateContact(ids[0], map[string]any{"accountId": account})
	if members := c.accountContactsPage(account, nil, nil); !slices.Equal(members.ids(), ids[:1]) {
		t.Errorf("Account.contacts without first = %q, want %q", members.ids(), ids[:1])
	}
}

func TestMalformedCursorIsBadUserInput(t *testing.T) {
	t.Parallel()
	cursors := []struct {
		name   string
		cursor string
	}{
		{"a word", "nope"},
		{"base64 of garbage", base64.RawURLEncoding.EncodeToString([]byte("\x00\xffgarbage"))},
		{"base64 of a JSON array", base64.RawURLEncoding.EncodeToString([]byte(`["contact_01"]`))},
		{"base64 of an unknown version", base64.RawURLEncoding.EncodeToString([]byte(`{"v":9,"id":"contact_01"}`))},
		{"base64 of a cursor without id", base64.RawURLEncoding.EncodeToString([]byte(`{"v":1}`))},
		{"an empty string", ""},
	}
	lists := []struct {
		name string
		doc  string
	}{
		{"contacts", contactsPageDoc},
		{"accounts", accountsPageDoc},
		{"Account.contacts", accountContactsPageDoc},
	}
	for _, list := range lists {
		for _, tt := range cursors {
			t.Run(list.name+" after "+tt.name, func(t *testing.T) {
				t.Parallel()
				c := newClient(t)
				account := c.CreateAccount(map[string]any{"name": "Acme"})
				resp := c.Post(list.doc, map[string]any{"id": account, "after": tt.cursor})
				if got := resp.Code(); got != "BAD_USER_INPUT" {
					t.Errorf("after: %q: error code %q (errors %+v), want BAD_USER_INPUT", tt.cursor, got, resp.Errors)
				}
			})
		}
	}
}

func TestPagingThroughContacts(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ids := createContacts(c, 7, nil)
	first := 3
	seen := pageThrough(t, func(after *string) connectionData { return c.contactsPage(&first, after) },
		[]pageWant{{3, true, false}, {3, true, true}, {1, false, true}}, 7)
	if !slices.Equal(seen, ids) {
		t.Errorf("pages gave %q, want every contact once, oldest first: %q", seen, ids)
	}
}

func TestPagingThroughAnEmptyList(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	checkPage(t, 1, c.contactsPage(nil, nil), 0, false, false, 0)
}

func TestPagingWhileContactsAreCreated(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ids := createContacts(c, 7, nil)
	first := 3
	var seen []string
	page := c.contactsPage(&first, nil)
	seen = append(seen, page.ids()...)
	added := createContacts(c, 2, nil)
	for page.PageInfo.HasNextPage {
		page = c.contactsPage(&first, page.PageInfo.EndCursor)
		seen = append(seen, page.ids()...)
		if len(seen) > 20 {
			t.Fatalf("paging does not end: %q", seen)
		}
	}
	if want := append(slices.Clone(ids), added...); !slices.Equal(seen, want) {
		t.Errorf("pages gave %q, want every contact once, oldest first: %q", seen, want)
	}
}

func TestPagingThroughAccountContacts(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	acme := c.CreateAccount(map[string]any{"name": "Acme"})
	bolt := c.CreateAccount(map[string]any{"name": "Bolt"})
	var members []string
	for i := range 5 {
		members = append(members, c.CreateContact(map[string]any{"name": fmt.Sprintf("Member %d", i), "accountIds": []string{acme}}).ID)
		c.CreateContact(map[string]any{"name": fmt.Sprintf("Outsider %d", i), "accountId": bolt})
	}
	first := 2
	seen := pageThrough(t, func(after *string) connectionData { return c.accountContactsPage(acme, &first, after) },
		[]pageWant{{2, true, false}, {2, true, true}, {1, false, true}}, 5)
	if !slices.Equal(seen, members) {
		t.Errorf("pages gave %q, want the account's contacts once each, oldest first: %q", seen, members)
	}
	checkPage(t, 0, c.accountContactsPage(bolt, nil, nil), 5, false, false, 5)
	empty := c.CreateAccount(map[string]any{"name": "Crux"})
	checkPage(t, 0, c.accountContactsPage(empty, nil, nil), 0, false, false, 0)
}

func TestPagingThroughAccounts(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, c.CreateAccount(map[string]any{"name": fmt.Sprintf("Account %d", i)}))
	}
	first := 2
	var out struct{ Accounts connectionData }
	c.MustDo(accountsPageDoc, pageVars(&first, nil), &out)
	checkPage(t, 1, out.Accounts, 2, true, false, 3)
	seen := out.Accounts.ids()
	c.MustDo(accountsPageDoc, pageVars(&first, out.Accounts.PageInfo.EndCursor), &out)
	checkPage(t, 2, out.Accounts, 1, false, true, 3)
	if seen = append(seen, out.Accounts.ids()...); !slices.Equal(seen, ids) {
		t.Errorf("pages gave %q, want %q", seen, ids)
	}
}

func TestLookupArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		query    string
		vars     func(contact, account string) map[string]any
		wantCode string
		wantID   func(contact, account string) string // "" for null
	}{
		{
			name: "contact with id and externalId is bad input", query: `query($id: ID, $ext: String) { contact(id: $id, externalId: $ext) { id } }`,
			vars:     func(contact, _ string) map[string]any { return map[string]any{"id": contact, "ext": "crm-1"} },
			wantCode: "BAD_USER_INPUT",
		},
		{
			name: "contact with neither is bad input", query: `{ contact { id } }`,
			vars:     func(string, string) map[string]any { return nil },
			wantCode: "BAD_USER_INPUT",
		},
		{
			name: "account with id and externalId is bad input", query: `query($id: ID, $ext: String) { account(id: $id, externalId: $ext) { id } }`,
			vars:     func(_, account string) map[string]any { return map[string]any{"id": account, "ext": "acme"} },
			wantCode: "BAD_USER_INPUT",
		},
		{
			name: "account with neither is bad input", query: `{ account { id } }`,
			vars:     func(string, string) map[string]any { return nil },
			wantCode: "BAD_USER_INPUT",
		},
		{
			name: "contact with an account's id is null", query: `query($id: ID) { contact(id: $id) { id } }`,
			vars:   func(_, account string) map[string]any { return map[string]any{"id": account} },
			wantID: func(string, string) string { return "" },
		},
		{
			name: "account with a contact's id is null", query: `query($id: ID) { account(id: $id) { id } }`,
			vars:   func(contact, _ string) map[string]any { return map[string]any{"id": contact} },
			wantID: func(string, string) string { return "" },
		},
		{
			name: "contact with a malformed id is null", query: `query($id: ID) { contact(id: $id) { id } }`,
			vars:   func(string, string) map[string]any { return map[string]any{"id": "nope"} },
			wantID: func(string, string) string { return "" },
		},
		{
			name: "contact by externalId is found", query: `query($ext: String) { contact(externalId: $ext) { id } }`,
			vars:   func(string, string) map[string]any { return map[string]any{"ext": "crm-1"} },
			wantID: func(contact, _ string) string { return contact },
		},
		{
			name: "contact by the account's externalId is null", query: `query($ext: String) { contact(externalId: $ext) { id } }`,
			vars:   func(string, string) map[string]any { return map[string]any{"ext": "acme"} },
			wantID: func(string, string) string { return "" },
		},
		{
			name: "account by externalId is found", query: `query($ext: String) { account(externalId: $ext) { id } }`,
			vars:   func(string, string) map[string]any { return map[string]any{"ext": "acme"} },
			wantID: func(_, account string) string { return account },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			account := c.CreateAccount(map[string]any{"name": "Acme", "externalId": "acme"})
			contact := c.CreateContact(map[string]any{"name": "Ada", "externalId": "crm-1"}).ID
			resp := c.Post(tt.query, tt.vars(contact, account))
			if tt.wantCode != "" {
				if got := resp.Code(); got != tt.wantCode {
					t.Errorf("error code %q (errors %+v), want %q", got, resp.Errors, tt.wantCode)
				}
				return
			}
			if len(resp.Errors) > 0 {
				t.Fatalf("errors %+v, want none", resp.Errors)
			}
			var out map[string]*struct{ ID string }
			if err := json.Unmarshal(resp.Data, &out); err != nil {
				t.Fatalf("decode %s: %v", resp.Data, err)
			}
			got := ""
			for _, record := range out {
				if record != nil {
					got = record.ID
				}
			}
			if want := tt.wantID(contact, account); got != want {
				t.Errorf("found %q, want %q (\"\" is null)", got, want)
			}
		})
	}
}
