package graph_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

// contactPageFields selects every batched nested field of a contact.
const contactPageFields = `id name account { id name } accounts { id name }
	phones { id number contact { id } } portalRole { id slug }`

// pageQuery asks for a page of contacts, both as nodes and as edges.
const pageQuery = `query($first: Int) { contacts(first: $first) {
	nodes { ` + contactPageFields + ` }
	edges { cursor node { ` + contactPageFields + ` } }
} }`

// TestPageStatementsDoNotGrowWithPageSize proves the dataloaders: a page of
// contacts with their accounts, phones and portal roles runs the same
// few statements for 3 contacts as for 100.
func TestPageStatementsDoNotGrowWithPageSize(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	accounts := []string{c.CreateAccount(map[string]any{"name": "Acme"}), c.CreateAccount(map[string]any{"name": "Globex"})}
	for i := range 100 {
		c.CreateContact(map[string]any{
			"name":       fmt.Sprintf("Contact %d", i),
			"accountId":  accounts[i%2],
			"accountIds": accounts,
			"phones": []map[string]any{
				{"number": fmt.Sprintf("+1415555%04d", i)},
				{"number": fmt.Sprintf("+1650555%04d", i), "type": "WORK"},
			},
		})
	}
	statements := map[int]int64{}
	for _, first := range []int{3, 100} {
		var out struct {
			Contacts struct{ Nodes []struct{ ID string } }
		}
		resp := c.Post(pageQuery, map[string]any{"first": first})
		if len(resp.Errors) > 0 {
			t.Fatalf("page of %d: errors %+v", first, resp.Errors)
		}
		if err := json.Unmarshal(resp.Data, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Contacts.Nodes) != first {
			t.Fatalf("page of %d returned %d contacts", first, len(out.Contacts.Nodes))
		}
		statements[first] = resp.Statements
	}
	if statements[3] != statements[100] {
		t.Errorf("statements grow with page size: %d for 3 contacts, %d for 100", statements[3], statements[100])
	}
	if statements[100] > 10 {
		t.Errorf("a page of 100 ran %d statements, want at most 10", statements[100])
	}
	t.Logf("statements per page: %v", statements)
	// Busy, the server must not split a page's loads between batches.
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if resp := c.Post(pageQuery, map[string]any{"first": 100}); resp.Statements != statements[100] {
				t.Errorf("a page of 100 among 16 at once ran %d statements, alone %d", resp.Statements, statements[100])
			}
		})
	}
	wg.Wait()
}

// TestAccountContactsStatementsDoNotGrowWithPageSize proves the same for a
// page of accounts, each with a page of its contacts.
func TestAccountContactsStatementsDoNotGrowWithPageSize(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for i := range 30 {
		account := c.CreateAccount(map[string]any{"name": fmt.Sprintf("Account %d", i)})
		c.CreateContact(map[string]any{"name": fmt.Sprintf("Contact %d", i), "accountId": account})
	}
	const query = `query($first: Int) { accounts(first: $first) { nodes { id contacts(first: 5) { nodes { id name } } } } }`
	checkAccountPagesCostTheSame(t, c, query, func(json.RawMessage) {})
}

// checkAccountPagesCostTheSame sends query, a page of $first accounts,
// for 3 and for 30 accounts, checks the data of each answer, and fails
// unless both ran as many statements, at most 10.
func checkAccountPagesCostTheSame(t *testing.T, c *client, query string, check func(data json.RawMessage)) {
	t.Helper()
	statements := map[int]int64{}
	for _, first := range []int{3, 30} {
		resp := c.Post(query, map[string]any{"first": first})
		if len(resp.Errors) > 0 {
			t.Fatalf("page of %d: errors %+v", first, resp.Errors)
		}
		check(resp.Data)
		statements[first] = resp.Statements
	}
	if statements[3] != statements[30] || statements[30] > 10 {
		t.Errorf("statements for 3 and 30 accounts = %d and %d, want equal and at most 10", statements[3], statements[30])
	}
}

// TestFilteredAccountContactsStatementsDoNotGrow: a filtered, sorted page
// of each account's contacts, with its count, still costs one statement
// for all the accounts of a page.
func TestFilteredAccountContactsStatementsDoNotGrow(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for i := range 30 {
		account := c.CreateAccount(map[string]any{"name": fmt.Sprintf("Account %d", i)})
		c.CreateContact(map[string]any{"name": fmt.Sprintf("Contact %d", i), "accountId": account, "tags": []string{"vip"}})
		c.CreateContact(map[string]any{"name": fmt.Sprintf("Other %d", i), "accountId": account})
	}
	const query = `query($first: Int) { accounts(first: $first, orderBy: [{field: NAME, direction: DESC}]) { nodes { id
		contacts(first: 5, filter: {tags: {hasAny: ["vip"]}}, orderBy: [{field: NAME, direction: ASC}]) { totalCount nodes { id name } } } } }`
	checkAccountPagesCostTheSame(t, c, query, func(data json.RawMessage) {
		var out struct {
			Accounts struct {
				Nodes []struct {
					Contacts struct {
						TotalCount int
						Nodes      []struct{ Name string }
					}
				}
			}
		}
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("decode %s: %v", data, err)
		}
		for _, a := range out.Accounts.Nodes {
			if a.Contacts.TotalCount != 1 || len(a.Contacts.Nodes) != 1 {
				t.Fatalf("an account's vip contacts: %+v, want one", a.Contacts)
			}
		}
	})
}

// TestRootLookupsShareAStatement: the root fields of a query resolve at
// once and their lookups of one kind run as one statement, however late
// the scheduler starts each field; a lookup alone runs at once.
func TestRootLookupsShareAStatement(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	a, b, d := c.CreateContact(map[string]any{"name": "A"}), c.CreateContact(map[string]any{"name": "B"}), c.CreateContact(map[string]any{"name": "D"})
	tests := []struct {
		query string
		vars  map[string]any
		want  string
	}{
		{`query($a: ID!) { contact(id: $a) { id } }`, map[string]any{"a": a.ID}, `{"contact":{"id":"` + a.ID + `"}}`},
		{`query($a: ID!, $b: ID!, $d: ID!) { a: contact(id: $a) { id } b: contact(id: $b) { id } d: node(id: $d) { id } }`,
			map[string]any{"a": a.ID, "b": b.ID, "d": d.ID},
			`{"a":{"id":"` + a.ID + `"},"b":{"id":"` + b.ID + `"},"d":{"id":"` + d.ID + `"}}`},
	}
	for _, tt := range tests {
		// 16 at once keep the CPU busy, so that the goroutines of some
		// root fields start late: they must not miss the batch.
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				resp := c.Post(tt.query, tt.vars)
				if len(resp.Errors) > 0 || resp.Statements != 1 || string(resp.Data) != tt.want {
					t.Errorf("%s: %d statements, data %s, errors %+v; want one statement, in no transaction, data %s", tt.query, resp.Statements, resp.Data, resp.Errors, tt.want)
				}
			})
		}
		wg.Wait()
	}
}

// TestAWritesAnswerReadsNothingItWrote creates contacts with an account,
// phones and a portal role, and asks for all of them back: the write
// hands its loaders what its transaction read and wrote, so answering
// costs no statement more than answering with the id alone, and says what
// a read afterwards says.
func TestAWritesAnswerReadsNothingItWrote(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	account := c.CreateAccount(map[string]any{"name": "Acme"})
	const create = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { %s } userErrors { code } } }`
	const shown = `id name account { id name } accounts { id name } phones { id number type } portalRole { id slug }`
	input := func(i int) map[string]any {
		return map[string]any{"input": map[string]any{"name": fmt.Sprint("Ada ", i), "accountId": account,
			"phones": []map[string]any{{"number": fmt.Sprintf("+1415555%04d", 2*i), "type": "WORK"}, {"number": fmt.Sprintf("+1415555%04d", 2*i+1)}}}}
	}
	idOnly := c.Post(fmt.Sprintf(create, "id"), input(0))
	everything := c.Post(fmt.Sprintf(create, shown), input(1))
	if len(idOnly.Errors)+len(everything.Errors) > 0 || everything.Statements != idOnly.Statements {
		t.Fatalf("answering with the account, phones and portal role ran %d statements, with the id alone %d; want as many (errors %+v %+v)",
			everything.Statements, idOnly.Statements, idOnly.Errors, everything.Errors)
	}
	var written struct {
		CreateContact struct{ Contact json.RawMessage }
	}
	if err := json.Unmarshal(everything.Data, &written); err != nil {
		t.Fatal(err)
	}
	var id struct{ ID string }
	json.Unmarshal(written.CreateContact.Contact, &id)
	read := c.Post(`query($id: ID!) { contact(id: $id) { `+shown+` } }`, map[string]any{"id": id.ID})
	var after struct{ Contact json.RawMessage }
	if err := json.Unmarshal(read.Data, &after); err != nil {
		t.Fatal(err)
	}
	if string(written.CreateContact.Contact) != string(after.Contact) {
		t.Errorf("the write answered\n%s\nwhere a read after it answers\n%s", written.CreateContact.Contact, after.Contact)
	}
}
