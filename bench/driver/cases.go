package main

import (
	"encoding/json"
	"fmt"
	"net/url"

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
)

// cases returns the benchmark's cases over the sampled records. The cases
// of issue 8 that the API cannot serve yet, bulk_upsert_1000 and
// search_page, join the list with bulkUpsertContacts and search.
func cases(s sample) []benchCase {
	return []benchCase{
		{
			name:     "contact_by_id",
			graphql:  each(s.contactIDs, func(id string) load.Request { return graphql(contactQuery, map[string]any{"id": id}) }),
			baseline: each(s.contactIDs, func(id string) load.Request { return get("/contact?id=" + url.QueryEscape(id)) }),
			check:    checkContact,
		},
		pageCase("page_100", 100, s.pageStarts),
		pageCase("page_999", 999, s.pageStarts),
		{
			name:    "create_contact",
			graphql: createRequests(s.accountIDs),
			check:   checkCreated,
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
				{"number": fmt.Sprintf("+1555%07d", 2*i), "type": "MOBILE"},
				{"number": fmt.Sprintf("+1555%07d", 2*i+1), "type": "WORK"},
			},
		}})
	}
	return reqs
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

func checkPage(first int) func(json.RawMessage) error {
	return func(data json.RawMessage) error {
		var d struct {
			Contacts struct {
				Nodes []struct {
					Account    *struct{ ID string }   `json:"account"`
					Accounts   []struct{ ID string }  `json:"accounts"`
					Phones     []struct{ ID string }  `json:"phones"`
					PortalRole *struct{ Slug string } `json:"portalRole"`
				} `json:"nodes"`
			} `json:"contacts"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return err
		}
		nodes := d.Contacts.Nodes
		if len(nodes) != first {
			return fmt.Errorf("want %d contacts, got %d", first, len(nodes))
		}
		for _, n := range nodes {
			if n.Account == nil || len(n.Accounts) == 0 || len(n.Phones) != 2 || n.PortalRole == nil {
				return fmt.Errorf("want every contact with an account, accounts, 2 phones and a portal role, got %+v", n)
			}
		}
		return nil
	}
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
