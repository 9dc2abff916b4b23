package main

import (
	"context"
	"regexp"
)

var contactID = regexp.MustCompile(`contact_[0-9A-Z]{26}`)

// tenancy creates a contact in workspace A and reaches for it from B by
// every way that names it.
func tenancy(ctx context.Context, t *target) []finding {
	created := t.post(t.adminA, `mutation { createContact(input: {name: "Private Person", externalId: "private-1"}) { contact { id } } }`, nil)
	id := contactID.FindString(string(created.body))
	if id == "" {
		return []finding{held("create a contact in A", false, "%s", created)}
	}
	probes := []struct{ name, query string }{
		{"contact(id:) from B", `query($id: ID!) { contact(id: $id) { id name } }`},
		{"node(id:) from B", `query($id: ID!) { node(id: $id) { id } }`},
		{"updateContact from B", `mutation($id: ID!) { updateContact(id: $id, input: {name: "Taken"}) { contact { id } } }`},
		{"deleteContact from B", `mutation($id: ID!) { deleteContact(id: $id) { deletedId } }`},
	}
	var fs []finding
	for _, p := range probes {
		a := t.post(t.adminB, p.query, map[string]any{"id": id})
		fs = append(fs, held(p.name, !regexp.MustCompile(`Private Person|"id":"`+id).Match(a.body) || a.status >= 400, "%s", a))
	}
	still := t.post(t.adminA, `query($id: ID!) { contact(id: $id) { name } }`, map[string]any{"id": id})
	fs = append(fs, held("A's contact is unchanged", regexp.MustCompile(`Private Person`).Match(still.body), "%s", still))
	return fs
}
