package extensions_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/extensions"
	"github.com/contacts-api/contacts/graph/graphtest"
	"github.com/contacts-api/contacts/httpapi"
	"github.com/contacts-api/contacts/service"
)

// TestResponseCeiling proves that a response past MaxResponseBytes ends
// with RESPONSE_TOO_LARGE and no data, whether the fast path (graph/fastpath) writes its
// records or gqlgen does, and that one under it is whole.
func TestResponseCeiling(t *testing.T) {
	t.Parallel()
	const ceiling = 2048
	svc := graphtest.NewService(t)
	ws := uuid.New()
	opts := httpapi.Options{Service: svc, Limits: httpapi.Limits{MaxResponseBytes: ceiling}}
	scope := auth.ScopeRead + " " + auth.ScopeWrite
	clients := map[string]*graphtest.Client{
		"rendered": graphtest.NewClientWith(t, graphtest.NewHandlerWith(t, opts), ws, scope),
		"gqlgen":   graphtest.NewClientWith(t, graphtest.NewHandlerWith(t, graphtest.Plain(opts)), ws, scope),
	}
	// About 600 bytes a contact: the longest name, first and last names.
	for range 5 {
		clients["rendered"].CreateContact(map[string]any{"name": strings.Repeat("n", 255), "firstName": strings.Repeat("f", 127), "lastName": strings.Repeat("l", 127)})
	}
	const page = `query($n: Int) { contacts(first: $n) { nodes { id name firstName lastName phones { number } } } }`
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			if resp := c.Post(page, map[string]any{"n": 3}); resp.Status != http.StatusOK || len(resp.Errors) > 0 || len(resp.Data) < 1500 {
				t.Fatalf("3 contacts of 600 bytes: status %d, errors %+v, %d bytes of data; want them all, under the ceiling of %d", resp.Status, resp.Errors, len(resp.Data), ceiling)
			}
			resp := c.Post(page, map[string]any{"n": 5})
			if resp.Code() != graph.CodeResponseTooLarge || graphtest.HasData(resp) || resp.Status != http.StatusOK {
				t.Fatalf("5 contacts of 600 bytes: status %d, code %q, data %.100s; want 200, %s and no data", resp.Status, resp.Code(), resp.Data, graph.CodeResponseTooLarge)
			}
		})
	}

	// A mutation runs to the end, and its error says so.
	c := clients["rendered"]
	resp := c.Post(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { description } } }`,
		map[string]any{"input": map[string]any{"name": "B", "description": strings.Repeat("d", 3000)}})
	if resp.Code() != graph.CodeResponseTooLarge || !strings.Contains(resp.Errors[0].Message, "mutation ran") {
		t.Fatalf("a mutation's response over the ceiling: code %q, errors %+v; want %s saying that it ran", resp.Code(), resp.Errors, graph.CodeResponseTooLarge)
	}
	if n := c.ContactCount(); n != 6 {
		t.Fatalf("%d contacts; want 6: the mutation's contact is there", n)
	}
}

// bytesPerCost is the most bytes of response a unit of cost stands for
// when every text is as long as its rules allow, free texts aside: a name
// of 255 characters of 4 bytes each (1,020 bytes in JSON) costs one unit,
// as an id does. Typical records are nearer 20 bytes a unit, which is
// what docs/performance.md#memory sizes MAX_CONCURRENT_COST by.
const bytesPerCost = 1024

// TestCostBoundsResponseBytes checks the cost model against real
// responses: pages of contacts whose texts are at their longest, in
// characters of four bytes, stay under their cost times bytesPerCost.
// description, metadata, tags and custom fields, free texts of up to
// 10,000 characters or 16 KiB priced as a unit each, are bounded by
// MaxResponseBytes instead.
func TestCostBoundsResponseBytes(t *testing.T) {
	t.Parallel()
	c := graphtest.NewClient(t)
	const contacts = 100
	text := func(prefix string, n int) string {
		return prefix + strings.Repeat("𝄞", n-utf8.RuneCountInString(prefix))
	}
	inputs := make([]map[string]any, contacts)
	for i := range inputs {
		phones := make([]map[string]any, service.MaxPhones)
		for j := range phones {
			phones[j] = map[string]any{"number": fmt.Sprintf("+1415%07d", 2_000_000+i*100+j), "type": "MOBILE"}
		}
		inputs[i] = map[string]any{
			"externalId": text(fmt.Sprint(i), 120), "name": text("", 255), "firstName": text("", 127), "lastName": text("", 127),
			"email": fmt.Sprintf("%s%d@%s.example.com", strings.Repeat("a", 60), i, strings.Repeat("b", 63)), "phones": phones,
		}
	}
	c.MustDo(`mutation($inputs: [UpsertContactInput!]!) { bulkUpsertContacts(inputs: $inputs, atomic: true) { results { userErrors { field code message } } } }`,
		map[string]any{"inputs": inputs}, nil)
	if n := c.ContactCount(); n != contacts {
		t.Fatalf("%d contacts; want %d, with the longest texts", n, contacts)
	}
	for _, query := range []string{
		`{ contacts(first: 100) { nodes { id externalId name firstName lastName email version createdAt updatedAt } } }`,
		`{ contacts(first: 100) { nodes { name firstName lastName } } }`,
		// The worst: as many copies of a long name as may be asked.
		`{ contacts(first: 1) { nodes { firstName ` + aliased("a", httpapi.DefaultLimits.MaxAliases, "firstName") + `} } }`,
		`{ contacts(first: 100) { nodes { id phones { id number type createdAt updatedAt } } } }`,
		`{ contacts(first: 100) { edges { cursor node { externalId email portalRole { slug name } } } pageInfo { endCursor } } }`,
	} {
		resp := c.Post(query, nil)
		if len(resp.Errors) > 0 {
			t.Fatalf("%s: errors %+v", query, resp.Errors)
		}
		cost := extensions.CostOf(t, query, nil)
		t.Logf("%s: %d bytes, cost %d: %d bytes a unit", query, len(resp.Data), cost, len(resp.Data)/cost)
		if len(resp.Data) > cost*bytesPerCost {
			t.Errorf("%s: %d bytes for a cost of %d, %d bytes a unit; want at most %d", query, len(resp.Data), cost, len(resp.Data)/cost, bytesPerCost)
		}
	}
}
