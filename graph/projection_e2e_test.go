package graph_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// The fields of each record, with a selection for those that need one.
var (
	contactFieldSelections = []string{"externalId", "name", "firstName", "lastName", "email", "avatarUrl",
		"description", "tags", "metadata", "mergedExternalIds", "version", "account { id name }",
		"accounts { id name }", "phones { id number }", "portalRole { id slug }", "customFields { slug value }",
		`customField(slug: "plan")`, "createdAt", "updatedAt"}
	accountFieldSelections = []string{"externalId", "name", "domain", "tags", "metadata", "version",
		"contacts(first: 2) { nodes { id } }", "customFields { slug value }", `customField(slug: "plan")`,
		"createdAt", "updatedAt"}
	phoneFieldSelections = []string{"number", "type", "countryCode", "region", "national", "international",
		"contact { id name }", "createdAt", "updatedAt"}
)

// TestEachFieldReadsWhatWholeRecordsShow: an operation fetches only the
// columns its fields read (graph/projection.go), so each field, alone or
// among all the fields of its record, must show what it shows when whole
// records are fetched, on every path that loads records.
func TestEachFieldReadsWhatWholeRecordsShow(t *testing.T) {
	t.Parallel()
	optimized, plain := optimizedAndPlain(t)
	seedFields(optimized)
	seedAwkwardContacts(optimized)
	optimized.createField("ACCOUNT", "plan", "TEXT")
	optimized.CreateContact(map[string]any{"name": "Custom", "customFields": []map[string]any{{"slug": "plan", "value": "pro"}, {"slug": "seats", "value": 3}}})
	var first struct {
		Contacts struct{ Nodes []struct{ ID string } }
	}
	optimized.MustDo(`{ contacts(first: 1) { nodes { id } } }`, nil, &first)
	idVars := map[string]any{"id": first.Contacts.Nodes[0].ID}
	places := []struct {
		name   string
		fields []string
		// query has %s where the fields go; it may use $id, the first
		// contact's.
		query string
	}{
		{"a contact by id", contactFieldSelections, `query($id: ID!) { contact(id: $id) { id %s } }`},
		{"a contact by external id", contactFieldSelections, `{ contact(externalId: "crm-1") { id %s } }`},
		{"a node", contactFieldSelections, `query($id: ID!) { node(id: $id) { id ... on Contact { %s } } }`},
		{"a page's contacts", contactFieldSelections, `{ contacts(first: 20) { nodes { id %s } } }`},
		{"a page's edges, ordered by name", contactFieldSelections, `{ contacts(first: 20, orderBy: [{field: NAME, direction: ASC}]) { edges { cursor node { id %s } } } }`},
		{"an account's contacts", contactFieldSelections, `{ accounts(first: 5) { nodes { id contacts(first: 5) { edges { cursor node { id %s } } } } } }`},
		{"a phone's contact", contactFieldSelections, `{ contacts(first: 10) { nodes { id phones { id contact { id %s } } } } }`},
		{"a contact's accounts", accountFieldSelections, `{ contacts(first: 20) { nodes { id account { id %[1]s } accounts { id %[1]s } } } }`},
		{"a contact's phones", phoneFieldSelections, `{ contacts(first: 20) { nodes { id phones { id %s } } } }`},
	}
	for _, place := range places {
		for _, fields := range append([]string{strings.Join(place.fields, " ")}, place.fields...) {
			query := fmt.Sprintf(place.query, fields)
			var vars map[string]any
			if strings.Contains(query, "$id") {
				vars = idVars
			}
			got, want := optimized.Post(query, vars), plain.Post(query, vars)
			if len(want.Errors) > 0 {
				t.Fatalf("%s, %s: %+v", place.name, fields, want.Errors)
			}
			if !bytes.Equal(got.Body, want.Body) {
				t.Errorf("%s, %s: read\n%s\nwhere whole records show\n%s", place.name, fields, got.Body, want.Body)
			}
		}
	}
}
