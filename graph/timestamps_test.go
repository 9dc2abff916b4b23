package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/graph/graphtest"
)

// storedTimesDoc reads any record's times back by its id.
const storedTimesDoc = `query($id: ID!) { node(id: $id) { id
	... on Contact { createdAt updatedAt }
	... on Account { createdAt updatedAt }
	... on Phone { createdAt updatedAt }
	... on ApiKey { createdAt revokedAt }
} }`

// TestMutationTimesAreStoredTimes proves that every time a mutation answers,
// for every kind of record that shows times (portal roles and custom field
// definitions show none) and every way of writing it, is the time a later
// read of the record answers, byte for byte: PostgreSQL keeps microseconds,
// so a mutation must not answer nanoseconds it did not store.
func TestMutationTimesAreStoredTimes(t *testing.T) {
	t.Parallel()
	c := newClientWith(t, graphtest.NewHandlerOf(t, graphtest.NewService(t)), uuid.New(), graphtest.AllScopes)
	const contact = `id createdAt updatedAt phones { id createdAt updatedAt }`
	const account = `id createdAt updatedAt`

	ada := c.checkStoredTimes(`mutation { createContact(input: {name: "Ada", phones: [{number: "+14155550199"}]}) { contact { ` + contact + ` } } }`)[0]
	c.checkStoredTimes(fmt.Sprintf(`mutation { updateContact(id: %q, input: {name: "Ada L", phones: [{number: "+14155550100"}]}) { contact { `+contact+` } } }`, ada))
	c.checkStoredTimes(`mutation { upsertContact(input: {externalId: "crm-1", name: "Grace", phones: [{number: "+14155550101"}]}) { contact { ` + contact + ` } } }`)
	c.checkStoredTimes(`mutation { upsertContact(input: {externalId: "crm-1", name: "Grace H"}) { contact { ` + contact + ` } } }`)
	bulk := c.checkStoredTimes(`mutation { bulkUpsertContacts(inputs: [{externalId: "crm-2", name: "Alan", phones: [{number: "+14155550102"}]}, {externalId: "crm-1", name: "Grace Hopper"}]) { results { contact { ` + contact + ` } } } }`)
	c.checkStoredTimes(fmt.Sprintf(`mutation { mergeContacts(targetId: %q, sourceIds: [%q]) { contact { `+contact+` } } }`, ada, bulk[0]))

	acme := c.checkStoredTimes(`mutation { createAccount(input: {name: "Acme"}) { account { ` + account + ` } } }`)[0]
	c.checkStoredTimes(fmt.Sprintf(`mutation { updateAccount(id: %q, input: {name: "Acme Inc"}) { account { `+account+` } } }`, acme))
	c.checkStoredTimes(`mutation { upsertAccount(input: {externalId: "acc-1", name: "Initech"}) { account { ` + account + ` } } }`)
	c.checkStoredTimes(`mutation { upsertAccount(input: {externalId: "acc-1", name: "Initech Ltd"}) { account { ` + account + ` } } }`)
	c.checkStoredTimes(`mutation { bulkUpsertAccounts(inputs: [{externalId: "acc-2", name: "Hooli"}, {externalId: "acc-1", name: "Initech Inc"}]) { results { account { ` + account + ` } } } }`)

	key := c.checkStoredTimes(`mutation { createApiKey(input: {name: "sync", scopes: ["contacts:read"]}) { apiKey { id createdAt } } }`)[0]
	c.checkStoredTimes(fmt.Sprintf(`mutation { revokeApiKey(id: %q) { apiKey { id createdAt revokedAt } } }`, key))
}

// checkStoredTimes sends mutation, then reads back every record its answer
// names and fails unless each time the mutation answered is, as text, the
// time the read answers. It returns the ids of the records, in the order
// the answer names them.
func (c *client) checkStoredTimes(mutation string) []string {
	c.T.Helper()
	var answered any
	c.MustDo(mutation, nil, &answered)
	ids, got := recordTimes(answered, nil, map[string]string{})
	if len(got) == 0 {
		c.T.Fatalf("%s: the answer has no times to check", mutation)
	}
	for _, id := range ids {
		var stored any
		c.MustDo(storedTimesDoc, map[string]any{"id": id}, &stored)
		_, want := recordTimes(stored, nil, map[string]string{})
		for field, at := range got {
			if strings.HasPrefix(field, id+".") && want[field] != at {
				c.T.Errorf("%s: the mutation answered %s = %s, a later read %s", mutation, field, at, want[field])
			}
		}
	}
	return ids
}

// recordTimes walks a decoded answer and collects the id of every record
// in it, and each of its non-null times (fields named …At) under
// "<id>.<field>".
func recordTimes(v any, ids []string, times map[string]string) ([]string, map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["id"].(string); ok {
			ids = append(ids, id)
			for field, at := range v {
				if s, ok := at.(string); ok && strings.HasSuffix(field, "At") {
					times[id+"."+field] = s
				}
			}
		}
		for _, child := range v {
			ids, times = recordTimes(child, ids, times)
		}
	case []any:
		for _, child := range v {
			ids, times = recordTimes(child, ids, times)
		}
	}
	return ids, times
}
