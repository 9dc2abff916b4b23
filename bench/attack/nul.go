package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// nulBytes sends a NUL in a name, retried with one Idempotency-Key and
// without, and counts what was stored.
func nulBytes(ctx context.Context, t *target) []finding {
	email := fmt.Sprintf("nul-%d@attack.test", time.Now().UnixNano())
	create := `mutation($e: String!) { createContact(input: {firstName: "a\u0000b", lastName: "x", email: $e}) { contact { id } userErrors { field code } } }`
	var fs []finding
	internal := 0
	for i := range 3 {
		for _, headers := range [][]string{{"Idempotency-Key", "nul-" + email}, nil} {
			a := t.post(t.adminA, create, map[string]any{"e": email}, headers...)
			if a.hasCode("INTERNAL") || a.status >= 500 {
				internal++
				fs = append(fs, held(fmt.Sprintf("try %d answers INTERNAL", i+1), false, "%s", a))
			}
		}
	}
	stored := countContacts(t, t.adminA, `{email: {equals: $v}}`, email)
	fs = append(fs,
		held("six tries of a NUL name answer no INTERNAL", internal == 0, "%d INTERNAL", internal),
		held("six tries of a NUL name store nothing", stored == 0, "%d stored", stored))
	metadata := t.post(t.adminA, `mutation($m: JSON) { createContact(input: {name: "a", metadata: $m}) { userErrors { code } } }`, map[string]any{"m": map[string]any{"k\u0000": 1}})
	fs = append(fs, held("a NUL in a metadata key", !metadata.hasCode("INTERNAL") && strings.Contains(string(metadata.body), `"code":"INVALID"`), "%s", metadata))
	for _, probe := range []struct{ name, query string }{
		{"a NUL in a tag", `mutation { createContact(input: {name: "a", tags: ["a\u0000"]}) { userErrors { code } } }`},
		{"a NUL in a bulk item", `mutation { bulkUpsertContacts(inputs: [{externalId: "nul\u0000", name: "a"}]) { results { userErrors { code } } } }`},
		{"a NUL in a cursor", `{ contacts(first: 1, after: "\u0000") { nodes { id } } }`},
		{"a NUL in a filter", `{ contacts(first: 1, filter: {name: {in: ["\u0000"]}}) { nodes { id } } }`},
	} {
		a := t.post(t.adminA, probe.query, nil)
		fs = append(fs, held(probe.name, !a.hasCode("INTERNAL") && a.status < 500 && !strings.Contains(string(a.body), `"userErrors":[]`), "%s", a))
	}
	search := t.post(t.adminA, `{ contacts(first: 1, filter: {search: "a\u0000"}) { nodes { id } } }`, nil)
	fs = append(fs, held("a NUL in a search argument", search.hasCode("BAD_USER_INPUT"), "%s", search))
	return fs
}
