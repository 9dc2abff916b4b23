package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

const duplicatesDoc = `query($first: Int, $after: String, $last: Int, $before: String, $reason: DuplicateReason) {
	duplicateContacts(first: $first, after: $after, last: $last, before: $before, reason: $reason) {
		edges { cursor node { reason key accountId size contactIds contacts { id } } }
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
		totalCount
	}
}`

// duplicateGroup is a group as the tests read it.
type duplicateGroup struct {
	Reason     string
	Key        string
	AccountID  *string
	Size       int
	ContactIDs []string
	Contacts   []struct{ ID string }
}

// String names the group and its contacts, for failure messages.
func (g duplicateGroup) String() string {
	account := ""
	if g.AccountID != nil {
		account = " in " + *g.AccountID
	}
	return fmt.Sprintf("%s %q%s: %v", g.Reason, g.Key, account, g.ContactIDs)
}

// duplicatePage is a page of duplicateContacts.
type duplicatePage struct {
	Edges []struct {
		Cursor string
		Node   duplicateGroup
	}
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	TotalCount int
}

func (p duplicatePage) groups() []string {
	var out []string
	for _, e := range p.Edges {
		out = append(out, e.Node.String())
	}
	return out
}

func (c *client) duplicates(vars map[string]any) duplicatePage {
	c.T.Helper()
	return rootField[duplicatePage](c, duplicatesDoc, vars)
}

// TestDuplicateContacts finds a group for each reason, in one workspace,
// with a contact in several groups, pages through them, and merges one.
func TestDuplicateContacts(t *testing.T) {
	t.Parallel()
	graphtest.EachWay(t, func(t *testing.T, svc *service.Service) {
		c := newClientOf(t, svc)
		acme := c.CreateAccount(map[string]any{"name": "Acme"})
		globex := c.CreateAccount(map[string]any{"name": "Globex"})
		ada := c.CreateContact(map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "Ada@Example.com",
			"accountId": acme, "phones": phoneInputs("+14155550100")}).ID
		lovelace := c.CreateContact(map[string]any{"firstName": " ada ", "lastName": "LOVELACE", "email": "ada@example.com",
			"accountId": acme, "phones": phoneInputs("+14155550101")}).ID
		grace := c.CreateContact(map[string]any{"name": "Grace", "phones": phoneInputs("+1 (415) 555-0100")}).ID
		// The same name in another account is another person.
		c.CreateContact(map[string]any{"firstName": "Ada", "lastName": "Lovelace", "accountId": globex})
		emile := c.CreateContact(map[string]any{"firstName": "Émile", "lastName": "Zola", "email": "x@Bücher.de", "accountId": globex}).ID
		zola := c.CreateContact(map[string]any{"name": "ÉMILE  ZOLA", "email": "X@xn--bcher-kva.de", "accountId": globex}).ID
		other := c.otherWorkspace()
		other.CreateContact(map[string]any{"name": "Ada Lovelace", "email": "ada@example.com", "phones": phoneInputs("+14155550100")})

		want := []string{
			fmt.Sprintf("EMAIL %q: %v", "ada@example.com", []string{ada, lovelace}),
			fmt.Sprintf("EMAIL %q: %v", "x@bücher.de", []string{emile, zola}),
			fmt.Sprintf("NAME %q in %s: %v", "ada lovelace", acme, []string{ada, lovelace}),
			fmt.Sprintf("NAME %q in %s: %v", "émile zola", globex, []string{emile, zola}),
			fmt.Sprintf("PHONE %q: %v", "+14155550100", []string{ada, grace}),
		}
		all := c.duplicates(nil)
		if got := all.groups(); !slices.Equal(got, want) {
			t.Fatalf("groups:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if all.TotalCount != len(want) || all.PageInfo.HasNextPage || all.PageInfo.HasPreviousPage {
			t.Errorf("totalCount %d, pageInfo %+v; want %d and no other page", all.TotalCount, all.PageInfo, len(want))
		}
		for _, e := range all.Edges {
			g := e.Node
			ids := make([]string, len(g.Contacts))
			for i, ct := range g.Contacts {
				ids[i] = ct.ID
			}
			if g.Size != len(g.ContactIDs) || !slices.Equal(ids, g.ContactIDs) {
				t.Errorf("%v: size %d, contacts %v; want its size and contacts in the order of its ids", g, g.Size, ids)
			}
		}
		if got := other.duplicates(nil); len(got.Edges) != 0 {
			t.Errorf("the other workspace's groups: %v, want none (its contact matches only this workspace's)", got.groups())
		}

		checkDuplicatePaging(t, c, want)
		if got := c.duplicates(map[string]any{"reason": "NAME"}).groups(); !slices.Equal(got, want[2:4]) {
			t.Errorf("reason NAME: %v, want %v", got, want[2:4])
		}
		resp := c.Post(duplicatesDoc, map[string]any{"reason": "NAME", "after": *all.PageInfo.StartCursor})
		if resp.Code() != "BAD_USER_INPUT" {
			t.Errorf("a cursor of the list of every reason, under reason NAME: code %q, want BAD_USER_INPUT", resp.Code())
		}

		// A group is what mergeContacts takes: the first id is the target.
		first := all.Edges[0].Node
		if merged := c.merge(first.ContactIDs[0], first.ContactIDs[1:]...); len(merged.UserErrors) > 0 {
			t.Fatalf("merge %v: %s", first, describeErrors(merged.UserErrors))
		}
		want = []string{want[1], want[3], want[4]}
		if got := c.duplicates(nil).groups(); !slices.Equal(got, want) {
			t.Errorf("after merging %v, groups:\n%s\nwant:\n%s", first, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// checkDuplicatePaging pages through the groups one at a time, forward
// and backward, and expects want each way.
func checkDuplicatePaging(t *testing.T, c *client, want []string) {
	t.Helper()
	var forward []string
	var after any
	for range len(want) + 1 {
		p := c.duplicates(map[string]any{"first": 1, "after": after})
		forward = append(forward, p.groups()...)
		if !p.PageInfo.HasNextPage {
			break
		}
		after = *p.PageInfo.EndCursor
	}
	if !slices.Equal(forward, want) {
		t.Errorf("paged forward by one: %v, want %v", forward, want)
	}
	var backward []string
	var before any
	for range len(want) + 1 {
		p := c.duplicates(map[string]any{"last": 2, "before": before})
		backward = append(p.groups(), backward...)
		if !p.PageInfo.HasPreviousPage {
			break
		}
		before = *p.PageInfo.StartCursor
	}
	if !slices.Equal(backward, want) {
		t.Errorf("paged backward by two: %v, want %v", backward, want)
	}
}
