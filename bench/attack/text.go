package main

import (
	"context"
	"strings"
)

// hugeText sends names of a megabyte, alone and in bulk, and asks for a
// page of whatever got in.
func hugeText(ctx context.Context, t *target) []finding {
	// As large as the body limits let through: 100 KB for a mutation,
	// 2 MiB for a bulk one.
	huge := strings.Repeat("x", 900_000)
	single := t.post(t.adminA, `mutation($n: String!) { createContact(input: {firstName: $n, lastName: $n}) { contact { id } userErrors { field code } } }`, map[string]any{"n": huge[:45_000]})
	inputs := []map[string]any{{"externalId": "huge", "firstName": huge, "lastName": huge}}
	bulk := t.post(t.adminA, `mutation($in: [UpsertContactInput!]!) { bulkUpsertContacts(inputs: $in) { results { contact { id } userErrors { field code } } } }`, map[string]any{"in": inputs})
	page := t.post(t.adminA, `{ contacts(first: 60) { nodes { firstName lastName } } }`, nil)
	search := t.post(t.adminA, `query($q: String!) { contacts(first: 1, filter: {search: $q}) { nodes { id } } }`, map[string]any{"q": huge[:60_000]})
	twinA := t.post(t.adminA, `mutation { createContact(input: {name: "Twin", email: "ada@xn--bcher-kva.de"}) { contact { email } } }`, nil)
	twinB := t.post(t.adminA, `mutation { createContact(input: {name: "Twin", email: "ada@BÜCHER.de"}) { contact { email } } }`, nil)
	twins := countContacts(t, t.adminA, `{email: {equals: $v}}`, "ada@bücher.de")
	zeroWidth := t.post(t.adminA, `mutation { createContact(input: {name: "a", externalId: "crm\u200b1"}) { contact { id } userErrors { code } } }`, nil)
	cursor := t.post(t.adminA, `query($c: String) { contacts(first: 1, after: $c) { nodes { id } } }`, map[string]any{"c": huge[:50_000]})
	return []finding{
		held("an email's punycode and Unicode twins are one address", twins == 2, "%d of 2 found by one filter; %s; %s", twins, twinA, twinB),
		held("a zero-width space in an external id", !strings.Contains(string(zeroWidth.body), `"contact":{"id"`), "%s", zeroWidth),
		held("a cursor of 50,000 characters", cursor.hasCode("BAD_USER_INPUT"), "%s", cursor),
		held("45 KB first and last names", !strings.Contains(string(single.body), `"contact":{"id"`), "%s", single),
		held("900 KB names in a bulk upsert", bulk.status == 200 && !strings.Contains(string(bulk.body), `"contact":{"id"`), "%s", bulk),
		held("a page of what got in stays small", len(page.body) < 1<<20, "%d bytes", len(page.body)),
		held("a 60 KB search argument", !search.hasCode("INTERNAL") && search.status < 500, "%s", search),
	}
}
