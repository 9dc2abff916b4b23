package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/contacts-api/contacts/bench/load"
)

// benchCase is one kind of request the benchmark measures.
type benchCase struct {
	name    string
	graphql []load.Request
	// baseline asks the raw baseline for the same rows; nil when the case
	// has no baseline.
	baseline []load.Request
	// check tells whether a response (of either server: they answer in the
	// same shape) is what the case asks for.
	check func(data json.RawMessage) error
	// concurrency, when not zero, caps the run's number of clients for
	// this case.
	concurrency int
	// read is a case that only reads: its floor is measured.
	read bool
}

// The GraphQL documents of the cases.
const (
	contactQuery = `query Contact($id: ID!) { contact(id: $id) {
  id externalId name firstName lastName email tags metadata version createdAt } }`
	pageQuery = `query Page($first: Int!, $after: String) { contacts(first: $first, after: $after) {
  nodes { id name email tags account { id name } accounts { id name } phones { id number type } portalRole { id slug } }
  pageInfo { hasNextPage endCursor } } }`
	createContactMutation = `mutation Create($input: CreateContactInput!) { createContact(input: $input) {
  contact { id name email tags account { id name } phones { id number type } portalRole { id slug } }
  userErrors { field code message } } }`
	searchQuery = `query Search($search: String!) { contacts(first: 100, filter: {search: $search}) {
  nodes { id name email tags account { id name } accounts { id name } phones { id number type } portalRole { id slug } }
  pageInfo { hasNextPage endCursor } } }`
	bulkUpsertMutation = `mutation Bulk($inputs: [UpsertContactInput!]!) { bulkUpsertContacts(inputs: $inputs) {
  results { index created contact { id tags phones { id number } } userErrors { field code message } } } }`
)

// searchWords are surnames of the seed (db/seed), each of about 2% of the
// contacts: a search page is always full.
var searchWords = []string{"smith", "garcia", "patel", "nguyen", "rossi", "tanaka", "wagner", "santos"}

// bulkSize is the number of contacts of one bulk_upsert_1000 call: the
// most one call may send.
const bulkSize = 1000

// bulkConcurrency is how many bulk_upsert_1000 calls run at once: 32
// calls of 1,000 contacts would queue in the server for many seconds and
// measure the queue. Four is what a sync job might run, as in
// graph.BenchmarkBulkUpsert100k.
const bulkConcurrency = 4

// uniqueMarker is replaced in each bulk_upsert_1000 call by a key of its
// own (see load.Request.Unique).
const uniqueMarker = "@UNIQUE@"

// cases returns the benchmark's cases over the sampled records. The read
// cases come first and bulk_upsert_1000 last: its contacts, which have no
// account, would otherwise enter the pages the read cases check.
func cases(s sample) []benchCase {
	return []benchCase{
		{
			name:     "contact_by_id",
			graphql:  each(s.contactIDs, func(id string) load.Request { return graphql(contactQuery, map[string]any{"id": id}) }),
			baseline: each(s.contactIDs, func(id string) load.Request { return get("/contact?id=" + url.QueryEscape(id)) }),
			check:    checkContact,
			read:     true,
		},
		pageCase("page_100", 100, s.pageStarts),
		pageCase("page_999", 999, s.pageStarts),
		{
			name:    "search_page",
			graphql: each(searchWords, func(word string) load.Request { return graphql(searchQuery, map[string]any{"search": word}) }),
			check:   checkSearch,
			read:    true,
		},
		{
			name:    "create_contact",
			graphql: createRequests(s.accountIDs),
			check:   checkCreated,
		},
		{
			name:        "bulk_upsert_1000",
			graphql:     bulkRequest(),
			check:       checkBulk,
			concurrency: bulkConcurrency,
		},
	}
}

// pageCase reads pages of size first, from the first contact and after
// each of the cursors in starts.
func pageCase(name string, first int, starts []string) benchCase {
	afters := append([]string{""}, starts...)
	return benchCase{
		name: name,
		graphql: each(afters, func(after string) load.Request {
			vars := map[string]any{"first": first}
			if after != "" {
				vars["after"] = after
			}
			return graphql(pageQuery, vars)
		}),
		baseline: each(afters, func(after string) load.Request {
			path := fmt.Sprintf("/contacts?first=%d", first)
			if after != "" {
				path += "&after=" + url.QueryEscape(after)
			}
			return get(path)
		}),
		check: checkPage(first),
		read:  true,
	}
}

// createRequests makes contacts with two phones in the sampled accounts.
func createRequests(accountIDs []string) []load.Request {
	reqs := make([]load.Request, 200)
	for i := range reqs {
		reqs[i] = graphql(createContactMutation, map[string]any{"input": map[string]any{
			"firstName": "Bench",
			"lastName":  fmt.Sprintf("Contact %d", i),
			"email":     fmt.Sprintf("bench.contact.%d@example.com", i),
			"tags":      []string{"bench", "load-test"},
			"accountId": accountIDs[i%len(accountIDs)],
			"phones": []map[string]any{
				{"number": fmt.Sprintf("+1212%07d", 2_000_000+2*i), "type": "MOBILE"},
				{"number": fmt.Sprintf("+1212%07d", 2_000_000+2*i+1), "type": "WORK"},
			},
		}})
	}
	return reqs
}

// bulkRequest makes a call of bulkSize new contacts with 2 phones and 2
// tags each. Every sending gets external ids of its own, so every call
// creates its contacts.
func bulkRequest() []load.Request {
	inputs := make([]map[string]any, bulkSize)
	for i := range inputs {
		inputs[i] = map[string]any{
			"externalId": fmt.Sprintf("bench-%s-%d", uniqueMarker, i),
			"name":       fmt.Sprintf("Bulk Contact %d", i),
			"email":      fmt.Sprintf("bulk.%d@example.com", i),
			"tags":       []string{"crm", "sync"},
			"phones": []map[string]any{
				{"number": fmt.Sprintf("+1415%07d", 2_000_000+i), "type": "MOBILE"},
				{"number": fmt.Sprintf("+1650%07d", 2_000_000+i), "type": "WORK"},
			},
		}
	}
	req := graphql(bulkUpsertMutation, map[string]any{"inputs": inputs})
	req.Unique = uniqueMarker
	return []load.Request{req}
}

func each(values []string, request func(string) load.Request) []load.Request {
	reqs := make([]load.Request, len(values))
	for i, v := range values {
		reqs[i] = request(v)
	}
	return reqs
}

func graphql(query string, variables map[string]any) load.Request {
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return load.Request{Method: "POST", Path: "/graphql", Body: body}
}

func get(path string) load.Request {
	return load.Request{Method: "GET", Path: path}
}

func checkContact(data json.RawMessage) error {
	var d struct {
		Contact *struct {
			ID   string   `json:"id"`
			Tags []string `json:"tags"`
		} `json:"contact"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	if d.Contact == nil || d.Contact.ID == "" || len(d.Contact.Tags) != 3 {
		return fmt.Errorf("want a contact with an id and 3 tags")
	}
	return nil
}

// pageNode is what the checks read of a page's contact.
type pageNode struct {
	Name       string                 `json:"name"`
	Email      string                 `json:"email"`
	Account    *struct{ ID string }   `json:"account"`
	Accounts   []struct{ ID string }  `json:"accounts"`
	Phones     []struct{ ID string }  `json:"phones"`
	PortalRole *struct{ Slug string } `json:"portalRole"`
}

// pageData is the data of a page's answer.
type pageData struct {
	Contacts struct {
		Nodes []pageNode `json:"nodes"`
	} `json:"contacts"`
}

func (d pageData) list() []pageNode { return d.Contacts.Nodes }

// checkPage checks that a page holds first contacts, each with an
// account, accounts, 2 phones and a portal role.
func checkPage(first int) func(json.RawMessage) error {
	return func(data json.RawMessage) error {
		return checkList[pageData](data, first, func(_ int, n pageNode) error { return checkPageNode(n) })
	}
}

func checkPageNode(n pageNode) error {
	if n.Account == nil || len(n.Accounts) == 0 || len(n.Phones) != 2 || n.PortalRole == nil {
		return fmt.Errorf("want every contact with an account, accounts, 2 phones and a portal role, got %+v", n)
	}
	return nil
}

// checkSearch checks a search page as checkPage(100) does, and that each
// contact has one of searchWords in its name or email (the answer does not
// say which word was searched for).
func checkSearch(data json.RawMessage) error {
	return checkList[pageData](data, 100, func(_ int, n pageNode) error {
		if err := checkPageNode(n); err != nil {
			return err
		}
		if !containsWord(n.Name, n.Email) {
			return fmt.Errorf("want contacts matching one of %v, got %q <%s>", searchWords, n.Name, n.Email)
		}
		return nil
	})
}

// listData is the data of an answer that holds a list of T.
type listData[T any] interface{ list() []T }

// checkList decodes data as D and checks that its list holds n items,
// each of which check accepts (given its index).
func checkList[D listData[T], T any](data json.RawMessage, n int, check func(int, T) error) error {
	var d D
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	items := d.list()
	if len(items) != n {
		return fmt.Errorf("want %d items, got %d", n, len(items))
	}
	for i, item := range items {
		if err := check(i, item); err != nil {
			return err
		}
	}
	return nil
}

// containsWord tells whether any of texts contains one of searchWords,
// without regard to case.
func containsWord(texts ...string) bool {
	for _, t := range texts {
		for _, w := range searchWords {
			if strings.Contains(strings.ToLower(t), w) {
				return true
			}
		}
	}
	return false
}

func checkCreated(data json.RawMessage) error {
	var d struct {
		CreateContact struct {
			Contact *struct {
				ID     string                `json:"id"`
				Phones []struct{ ID string } `json:"phones"`
			} `json:"contact"`
			UserErrors []json.RawMessage `json:"userErrors"`
		} `json:"createContact"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return err
	}
	if c := d.CreateContact.Contact; c == nil || len(c.Phones) != 2 || len(d.CreateContact.UserErrors) > 0 {
		return fmt.Errorf("want a created contact with 2 phones and no user errors")
	}
	return nil
}

// bulkResult is what the checks read of a bulk_upsert_1000 result.
type bulkResult struct {
	Index   int  `json:"index"`
	Created bool `json:"created"`
	Contact *struct {
		Tags   []string              `json:"tags"`
		Phones []struct{ ID string } `json:"phones"`
	} `json:"contact"`
	UserErrors []json.RawMessage `json:"userErrors"`
}

// bulkData is the data of a bulk_upsert_1000 answer.
type bulkData struct {
	BulkUpsertContacts struct {
		Results []bulkResult `json:"results"`
	} `json:"bulkUpsertContacts"`
}

func (d bulkData) list() []bulkResult { return d.BulkUpsertContacts.Results }

// checkBulk checks that a bulk_upsert_1000 call created every contact,
// with its tags and phones.
func checkBulk(data json.RawMessage) error {
	return checkList[bulkData](data, bulkSize, func(i int, r bulkResult) error {
		if r.Index != i || !r.Created || len(r.UserErrors) > 0 || r.Contact == nil || len(r.Contact.Tags) != 2 || len(r.Contact.Phones) != 2 {
			return fmt.Errorf("want result %d a created contact with 2 tags, 2 phones and no user errors, got %+v", i, r)
		}
		return nil
	})
}
