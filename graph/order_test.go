package graph_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// listDocs are the GraphQL documents of the lists with every argument.
var listDocs = map[string]string{
	"contacts": `query($first: Int, $after: String, $last: Int, $before: String, $filter: ContactFilter, $orderBy: [ContactOrder!]) {
		contacts(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) { ` + connectionFields + ` } }`,
	"accounts": `query($first: Int, $after: String, $last: Int, $before: String, $filter: AccountFilter, $orderBy: [AccountOrder!]) {
		accounts(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) { ` + connectionFields + ` } }`,
	"Account.contacts": `query($id: ID, $first: Int, $after: String, $last: Int, $before: String, $filter: ContactFilter, $orderBy: [ContactOrder!]) {
		account(id: $id) { contacts(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) { ` + connectionFields + ` } } }`,
}

// list fetches one page of a list; vars hold its arguments.
func (c *client) list(list string, vars map[string]any) connectionData {
	c.T.Helper()
	var out struct {
		Contacts connectionData
		Accounts connectionData
		Account  struct{ Contacts connectionData }
	}
	c.MustDo(listDocs[list], vars, &out)
	switch list {
	case "contacts":
		return out.Contacts
	case "accounts":
		return out.Accounts
	}
	return out.Account.Contacts
}

// with returns vars with more variables added.
func with(vars map[string]any, more ...any) map[string]any {
	out := make(map[string]any, len(vars)+len(more)/2)
	for k, v := range vars {
		out[k] = v
	}
	for i := 0; i+1 < len(more); i += 2 {
		out[more[i].(string)] = more[i+1]
	}
	return out
}

// walk pages through a whole list size records at a time, forward with
// first/after or backward with last/before, checks each page's flags and
// returns the ids in list order.
func walk(t *testing.T, c *client, list string, vars map[string]any, size int, forward bool) []string {
	t.Helper()
	var ids []string
	var cursor *string
	for n := 1; ; n++ {
		v := with(vars, "first", size)
		if !forward {
			v = with(vars, "last", size)
		}
		if cursor != nil && forward {
			v["after"] = *cursor
		} else if cursor != nil {
			v["before"] = *cursor
		}
		page := c.list(list, v)
		more := page.PageInfo.HasNextPage
		if !forward {
			more = page.PageInfo.HasPreviousPage
		}
		if len(page.Edges) > size || (more && len(page.Edges) != size) {
			t.Fatalf("%s page %d: %d edges, more %v; want %d", list, n, len(page.Edges), more, size)
		}
		checkPage(t, n, page, len(page.Edges), forward && more || !forward && n > 1, forward && n > 1 || !forward && more, page.TotalCount)
		if forward {
			ids, cursor = append(ids, page.ids()...), page.PageInfo.EndCursor
		} else {
			ids, cursor = append(page.ids(), ids...), page.PageInfo.StartCursor
		}
		if !more {
			return ids
		}
		if n > 100 {
			t.Fatalf("%s: paging does not end", list)
		}
	}
}

// sortedRecord is what the order tests sort by in Go to know the order.
type sortedRecord struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     *string   `json:"email"`
	Domain    *string   `json:"domain"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// orderKey is one key of an orderBy argument.
type orderKey struct{ field, direction string }

// expectedOrder sorts records as the API must: each key (text without
// regard to case, a missing email or domain as ""), then the id in the
// direction of the last key.
func expectedOrder(records []sortedRecord, keys []orderKey) []string {
	text := func(s *string) string {
		if s == nil {
			return ""
		}
		return strings.ToLower(*s)
	}
	sorted := slices.Clone(records)
	slices.SortStableFunc(sorted, func(a, b sortedRecord) int {
		for _, k := range keys {
			var c int
			switch k.field {
			case "NAME":
				c = cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
			case "EMAIL":
				c = cmp.Compare(text(a.Email), text(b.Email))
			case "DOMAIN":
				c = cmp.Compare(text(a.Domain), text(b.Domain))
			case "CREATED_AT":
				c = a.CreatedAt.Compare(b.CreatedAt)
			case "UPDATED_AT":
				c = a.UpdatedAt.Compare(b.UpdatedAt)
			}
			if k.direction == "DESC" {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		c := cmp.Compare(a.ID, b.ID)
		if keys[len(keys)-1].direction == "DESC" {
			c = -c
		}
		return c
	})
	ids := make([]string, len(sorted))
	for i, r := range sorted {
		ids[i] = r.ID
	}
	return ids
}

func orderArg(keys []orderKey) []map[string]any {
	out := make([]map[string]any, len(keys))
	for i, k := range keys {
		out[i] = map[string]any{"field": k.field, "direction": k.direction}
	}
	return out
}

// seedTies creates 23 contacts in one bulk call, so that they share their
// creation time, with few distinct names and emails (some missing), all
// members of one account; a few are updated later.
func seedTies(c *client) (account string, records []sortedRecord) {
	c.T.Helper()
	account = c.CreateAccount(map[string]any{"name": "Acme"})
	names := []string{"bob", "Alice", "alice", "Carol", "BOB"}
	inputs := make([]map[string]any, 23)
	for i := range inputs {
		inputs[i] = map[string]any{"externalId": fmt.Sprintf("tie-%d", i), "name": names[i%len(names)], "accountId": account}
		if i%3 != 0 {
			inputs[i]["email"] = fmt.Sprintf("%s@example.com", names[i%4])
		}
	}
	c.MustDo(bulkBenchDoc, map[string]any{"inputs": inputs}, nil)
	var out struct {
		Contacts struct{ Nodes []sortedRecord }
	}
	c.MustDo(`{ contacts(first: 999) { nodes { id name email createdAt updatedAt } } }`, nil, &out)
	for _, n := range out.Contacts.Nodes[:5] {
		c.mustUpdateContact(n.ID, map[string]any{"description": "touched"})
	}
	c.MustDo(`{ contacts(first: 999) { nodes { id name email createdAt updatedAt } } }`, nil, &out)
	return account, out.Contacts.Nodes
}

// TestOrderedPagingBothWays pages through lists in every order, forward
// and backward, across pages whose boundaries fall inside runs of equal
// sort keys (equal names, missing emails, one shared creation time): every
// record comes exactly once, in the order the keys and then the id say.
func TestOrderedPagingBothWays(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	account, records := seedTies(c)
	orders := [][]orderKey{
		nil,
		{{"CREATED_AT", "ASC"}},
		{{"CREATED_AT", "DESC"}},
		{{"UPDATED_AT", "DESC"}},
		{{"NAME", "ASC"}},
		{{"NAME", "DESC"}},
		{{"EMAIL", "ASC"}},
		{{"EMAIL", "DESC"}},
		{{"NAME", "ASC"}, {"EMAIL", "DESC"}},
		{{"EMAIL", "DESC"}, {"NAME", "ASC"}, {"UPDATED_AT", "ASC"}},
	}
	for _, order := range orders {
		keys := order
		if keys == nil {
			keys = []orderKey{{"CREATED_AT", "ASC"}}
		}
		want := expectedOrder(records, keys)
		for _, list := range []string{"contacts", "Account.contacts"} {
			for _, forward := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s %v forward %v", list, order, forward), func(t *testing.T) {
					t.Parallel()
					vars := map[string]any{"id": account}
					if order != nil {
						vars["orderBy"] = orderArg(order)
					}
					if got := walk(t, c, list, vars, 4, forward); !slices.Equal(got, want) {
						t.Errorf("pages gave\n%q\nwant\n%q", got, want)
					}
				})
			}
		}
	}
}

// TestAccountsOrderedBothWays does the same for accounts, whose domain
// may be missing.
func TestAccountsOrderedBothWays(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for i := range 9 {
		in := map[string]any{"name": []string{"Zeta", "alpha", "Beta"}[i%3]}
		if i%2 == 0 {
			in["domain"] = fmt.Sprintf("d%d.example.com", i%4)
		}
		c.CreateAccount(in)
	}
	var out struct {
		Accounts struct{ Nodes []sortedRecord }
	}
	c.MustDo(`{ accounts(first: 999) { nodes { id name domain createdAt updatedAt } } }`, nil, &out)
	for _, keys := range [][]orderKey{{{"DOMAIN", "ASC"}}, {{"NAME", "DESC"}}, {{"DOMAIN", "DESC"}, {"NAME", "ASC"}}} {
		want := expectedOrder(out.Accounts.Nodes, keys)
		for _, forward := range []bool{true, false} {
			if got := walk(t, c, "accounts", map[string]any{"orderBy": orderArg(keys)}, 2, forward); !slices.Equal(got, want) {
				t.Errorf("%v forward %v: pages gave %q, want %q", keys, forward, got, want)
			}
		}
	}
}

// TestPagingBackwardWhileContactsAreCreated: contacts created while a
// client pages backward from the end do not disturb the pages before its
// cursor.
func TestPagingBackwardWhileContactsAreCreated(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ids := createContacts(c, 7, nil)
	page := c.list("contacts", map[string]any{"last": 3})
	seen := page.ids()
	createContacts(c, 2, nil)
	for page.PageInfo.HasPreviousPage {
		page = c.list("contacts", map[string]any{"last": 3, "before": *page.PageInfo.StartCursor})
		seen = append(page.ids(), seen...)
	}
	if !slices.Equal(seen, ids) {
		t.Errorf("pages gave %q, want %q", seen, ids)
	}
}

// TestListArgumentsAreChecked: arguments that cannot make a page, and
// cursors used with another list, filter or order, are BAD_USER_INPUT.
func TestListArgumentsAreChecked(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	account := c.CreateAccount(map[string]any{"name": "Acme"})
	createContacts(c, 3, map[string]any{"accountId": account})
	byName := orderArg([]orderKey{{"NAME", "ASC"}})
	cursorOf := func(list string, vars map[string]any) string {
		return *c.list(list, with(vars, "first", 1, "id", account)).PageInfo.EndCursor
	}
	nameCursor := cursorOf("contacts", map[string]any{"orderBy": byName})
	filterCursor := cursorOf("contacts", map[string]any{"filter": map[string]any{"name": map[string]any{"startsWith": "contact"}}})
	accountCursor := cursorOf("accounts", nil)
	defaultCursor := cursorOf("contacts", nil)
	tests := []struct {
		name string
		list string
		vars map[string]any
	}{
		{"first and last together", "contacts", map[string]any{"first": 1, "last": 1}},
		{"last 0", "contacts", map[string]any{"last": 0}},
		{"last 1000", "Account.contacts", map[string]any{"last": 1000}},
		{"a field twice in orderBy", "contacts", map[string]any{"orderBy": orderArg([]orderKey{{"NAME", "ASC"}, {"NAME", "DESC"}})}},
		{"a name-order cursor with the default order", "contacts", map[string]any{"after": nameCursor}},
		{"a name-order cursor with descending names", "contacts", map[string]any{"before": nameCursor, "orderBy": orderArg([]orderKey{{"NAME", "DESC"}})}},
		{"a filtered cursor without the filter", "contacts", map[string]any{"after": filterCursor}},
		{"a filtered cursor with another filter", "Account.contacts", map[string]any{"after": filterCursor, "filter": map[string]any{"name": map[string]any{"startsWith": "x"}}}},
		{"an accounts cursor on contacts", "contacts", map[string]any{"after": accountCursor}},
		{"a contacts cursor on accounts", "accounts", map[string]any{"before": defaultCursor}},
		{"an old id-only cursor", "contacts", map[string]any{"after": "eyJ2IjoxLCJpZCI6ImNvbnRhY3RfMDEifQ"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := c.Post(listDocs[tt.list], with(tt.vars, "id", account))
			if got := resp.Code(); got != "BAD_USER_INPUT" {
				t.Errorf("error code %q (errors %+v), want BAD_USER_INPUT", got, resp.Errors)
			}
		})
	}
	if page := c.list("Account.contacts", map[string]any{"id": account, "after": defaultCursor}); len(page.Edges) != 2 {
		t.Errorf("a contacts cursor on Account.contacts with the same order gave %d contacts, want 2", len(page.Edges))
	}
}
