package main

import (
	"context"
	"encoding/json"
	"fmt"
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
	stored := t.post(t.adminA, `query($e: String!) { contacts(first: 10, filter: {email: {equals: $e}}) { nodes { id firstName } } }`, map[string]any{"e": email})
	var page struct {
		Data struct {
			Contacts struct{ Nodes []json.RawMessage } `json:"contacts"`
		} `json:"data"`
	}
	json.Unmarshal(stored.body, &page)
	fs = append(fs,
		held("six tries of a NUL name answer no INTERNAL", internal == 0, "%d INTERNAL", internal),
		held("six tries of a NUL name store nothing", len(page.Data.Contacts.Nodes) == 0, "%d stored", len(page.Data.Contacts.Nodes)))
	search := t.post(t.adminA, `{ contacts(first: 1, filter: {search: "a\u0000"}) { nodes { id } } }`, nil)
	fs = append(fs, held("a NUL in a search argument", search.hasCode("BAD_USER_INPUT"), "%s", search))
	return fs
}
