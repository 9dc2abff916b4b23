package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/service"
)

// BenchmarkRowSecurity measures what row-level security costs a request:
// the same requests, in one process and one workspace, through the API's
// pool (its role under row-level security, each statement naming its
// workspace) and
// through the owner's (a superuser in the tests, which bypasses it, and
// reads outside transactions: ROW_LEVEL_SECURITY=off). Run the modes
// interleaved, several times (-count), and compare medians: the machine's
// other work moves both alike.
func BenchmarkRowSecurity(b *testing.B) {
	ws := uuid.New()
	scope := auth.ScopeRead + " " + auth.ScopeWrite
	bypass := service.New(db.NewStore(dbtest.DB(b)).WithoutRowSecurity())
	b.Cleanup(bypass.Close)
	clients := map[string]*client{
		"rls":    newClientWith(b, graphtest.NewHandlerOf(b, graphtest.NewService(b)), ws, scope),
		"bypass": newClientWith(b, graphtest.NewHandlerOf(b, bypass), ws, scope),
	}
	seed := clients["rls"]
	resp := seed.Post(bulkBenchDoc, map[string]any{"inputs": bulkInputs("rls", 200)})
	if len(resp.Errors) > 0 {
		b.Fatal(resp.Errors)
	}
	var first struct {
		Contacts struct{ Nodes []struct{ ID string } }
	}
	if err := json.Unmarshal(seed.Post(`{ contacts(first: 1) { nodes { id } } }`, nil).Data, &first); err != nil || len(first.Contacts.Nodes) == 0 {
		b.Fatalf("no seeded contact: %v", err)
	}
	id := first.Contacts.Nodes[0].ID
	requests := []struct {
		name string
		doc  string
		vars func(i int) map[string]any
	}{
		{"contact_by_id", `query($id: ID!) { contact(id: $id) { id externalId name firstName lastName email tags createdAt updatedAt version } }`,
			func(int) map[string]any { return map[string]any{"id": id} }},
		{"page_100", `{ contacts(first: 100) { nodes { id name account { id name } accounts { id } phones { id number } portalRole { id slug } } } }`,
			func(int) map[string]any { return nil }},
		{"search", `query($q: String!) { contacts(first: 20, filter: {search: $q}) { nodes { id name } } }`,
			func(i int) map[string]any { return map[string]any{"q": fmt.Sprint("contact ", i%100)} }},
		{"create_contact", `mutation($in: CreateContactInput!) { createContact(input: $in) { contact { id phones { id } } userErrors { code } } }`,
			func(i int) map[string]any {
				return map[string]any{"in": map[string]any{"name": fmt.Sprint("New ", i), "phones": phoneInputs(fmt.Sprintf("+1212%07d", 2_000_000+i), fmt.Sprintf("+1646%07d", 2_000_000+i))}}
			}},
	}
	for _, r := range requests {
		for _, mode := range []string{"rls", "bypass"} {
			b.Run(r.name+"/"+mode, func(b *testing.B) {
				c := clients[mode]
				for i := 0; b.Loop(); i++ {
					if resp := c.Post(r.doc, r.vars(i)); len(resp.Errors) > 0 {
						b.Fatal(resp.Errors)
					}
				}
			})
		}
	}
}
