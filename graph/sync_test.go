package graph_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
)

const (
	upsertContactDoc  = `mutation($input: UpsertContactInput!) { upsertContact(input: $input) { contact { ` + graphtest.ContactFields + ` mergedExternalIds } created action ` + userErrorFields + ` } }`
	bulkUpsertDoc     = `mutation($inputs: [UpsertContactInput!]!, $atomic: Boolean) { bulkUpsertContacts(inputs: $inputs, atomic: $atomic) { results { index created action contact { id externalId name email tags phones { number } } ` + userErrorFields + ` } } }`
	deleteContactsDoc = `mutation($ids: [ID!]!) { deleteContacts(ids: $ids) { deletedIds ` + userErrorFields + ` } }`
)

// upsertPayload is the payload of upsertContact.
type upsertPayload struct {
	Contact    *graphtest.ContactData `json:"contact"`
	Created    bool                   `json:"created"`
	Action     *string                `json:"action"`
	UserErrors []graphtest.UserError  `json:"userErrors"`
}

// bulkResult is one result of bulkUpsertContacts.
type bulkResult struct {
	Index   int    `json:"index"`
	Created bool   `json:"created"`
	Action  string `json:"action"`
	Contact *struct {
		ID         string   `json:"id"`
		ExternalID string   `json:"externalId"`
		Name       string   `json:"name"`
		Email      *string  `json:"email"`
		Tags       []string `json:"tags"`
		Phones     []struct{ Number string }
	} `json:"contact"`
	UserErrors []graphtest.UserError `json:"userErrors"`
}

func (c *client) upsert(input map[string]any) upsertPayload {
	c.T.Helper()
	return rootField[upsertPayload](c, upsertContactDoc, map[string]any{"input": input})
}

func (c *client) mustUpsert(input map[string]any) *graphtest.ContactData {
	c.T.Helper()
	got := c.upsert(input)
	if len(got.UserErrors) > 0 || got.Contact == nil {
		c.T.Fatalf("upsertContact(%v): user errors %s, want none", input, describeErrors(got.UserErrors))
	}
	return got.Contact
}

func (c *client) bulkUpsert(inputs []map[string]any, atomic bool) []bulkResult {
	c.T.Helper()
	var out struct {
		BulkUpsertContacts struct{ Results []bulkResult }
	}
	c.MustDo(bulkUpsertDoc, map[string]any{"inputs": inputs, "atomic": atomic}, &out)
	return out.BulkUpsertContacts.Results
}

func TestUpsertCreatesThenUpdates(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	first := c.upsert(map[string]any{"externalId": "crm-1", "name": "Ada", "email": "ada@example.com", "tags": []string{"vip"}})
	if !first.Created || first.Contact == nil || first.Contact.Version != 1 {
		t.Fatalf("first upsert = %+v, want created at version 1", first)
	}
	second := c.upsert(map[string]any{"externalId": "crm-1", "description": "Countess"})
	if second.Created || second.Contact == nil {
		t.Fatalf("second upsert = %+v, want an update", second)
	}
	got := second.Contact
	if got.ID != first.Contact.ID || got.Version != 2 || got.Name != "Ada" || *got.Email != "ada@example.com" ||
		!slices.Equal(got.Tags, []string{"vip"}) || *got.Description != "Countess" {
		t.Errorf("after the second upsert the contact is %+v, want the first's fields kept, the description added, version 2", got)
	}
	if n := c.ContactCount(); n != 1 {
		t.Errorf("workspace has %d contacts, want 1", n)
	}
}

func TestUpsertRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input map[string]any
		field []string
		code  string
	}{
		{"name required on create", map[string]any{"externalId": "x"}, inputAt("name"), "REQUIRED"},
		{"empty external id", map[string]any{"externalId": "", "name": "A"}, inputAt("externalId"), "INVALID"},
		{"external id too long", map[string]any{"externalId": strings.Repeat("x", 121), "name": "A"}, inputAt("externalId"), "TOO_LONG"},
		{"bad email", map[string]any{"externalId": "x", "name": "A", "email": "nope"}, inputAt("email"), "INVALID"},
		{"unknown account", map[string]any{"externalId": "x", "name": "A", "accountExternalId": "nope"}, inputAt("accountExternalId"), "NOT_FOUND"},
		{"expected version of a contact that does not exist", map[string]any{"externalId": "x", "name": "A", "expectedVersion": 1}, inputAt("expectedVersion"), "STALE"},
		{"phone ids with REPLACE", map[string]any{"externalId": "x", "name": "A", "phonesMode": "REPLACE", "phones": []map[string]any{{"id": "phone_x", "number": "+14155550100"}}}, inputAt("phones", "0", "id"), "INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			got := c.upsert(tt.input)
			checkUserError(t, got.UserErrors, tt.field, tt.code)
			if got.Contact != nil || c.ContactCount() != 0 {
				t.Errorf("a refused upsert wrote a contact")
			}
		})
	}
}

func TestUpsertPhoneModes(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	base := map[string]any{"externalId": "crm-1", "name": "Ada", "phones": phoneInputs("+14155550100", "+14155550101")}
	c.mustUpsert(base)
	retried := c.mustUpsert(base)
	if got := phoneList(retried); len(got) != 2 {
		t.Errorf("MERGE retried with the same numbers: phones %v, want the 2 numbers once each", got)
	}
	typed := c.mustUpsert(map[string]any{"externalId": "crm-1", "phones": []map[string]any{{"number": "+14155550100", "type": "WORK"}, {"number": "+14155550102"}}})
	if got := phoneList(typed); len(got) != 3 {
		t.Errorf("MERGE with one known and one new number: phones %v, want 3", got)
	}
	replaced := c.mustUpsert(map[string]any{"externalId": "crm-1", "phonesMode": "REPLACE", "phones": phoneInputs("+14155550101", "+14155550199")})
	if got := sorted(numbersOf(replaced)); !slices.Equal(got, []string{"+14155550101", "+14155550199"}) {
		t.Errorf("REPLACE: phones %v, want exactly +14155550101 and +14155550199", got)
	}
}

func numbersOf(c *graphtest.ContactData) []string {
	out := make([]string, len(c.Phones))
	for i, p := range c.Phones {
		out[i] = p.Number
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// upsertsAtOnce sends doc once for each of fields, all at once, each with
// the input base and that one's fields.
func (c *client) upsertsAtOnce(doc string, base map[string]any, fields []map[string]any) []*graphtest.Response {
	return graphtest.Concurrently(len(fields), func(i int) *graphtest.Response {
		input := maps.Clone(base)
		maps.Copy(input, fields[i])
		return c.Post(doc, map[string]any{"input": input})
	})
}

// upsertPayloads returns the payload of each response to an upsert (of
// whichever mutation), and fails the test when one failed.
func upsertPayloads(t *testing.T, responses []*graphtest.Response) []upsertPayload {
	t.Helper()
	payloads := make([]upsertPayload, len(responses))
	for i, resp := range responses {
		var out map[string]upsertPayload
		if len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &out) != nil || len(out) != 1 {
			t.Fatalf("upsert %d failed: %+v %s", i, resp.Errors, resp.Data)
		}
		for _, p := range out {
			if len(p.UserErrors) > 0 {
				t.Fatalf("upsert %d failed: %s", i, resp.Data)
			}
			payloads[i] = p
		}
	}
	return payloads
}

// TestConcurrentUpsertsLoseNoField hammers one external id from several
// goroutines, each setting a different field: one contact must remain,
// with every field set.
func TestConcurrentUpsertsLoseNoField(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	fields := []map[string]any{
		{"name": "Ada Lovelace"}, {"firstName": "Ada"}, {"lastName": "Lovelace"}, {"email": "ada@example.com"},
		{"description": "Countess"}, {"avatarUrl": "https://example.com/ada.png"}, {"tags": []string{"vip"}},
		{"metadata": map[string]any{"source": "crm"}},
	}
	responses := c.upsertsAtOnce(upsertContactDoc, map[string]any{"externalId": "crm-race", "name": "Ada Lovelace"}, fields)
	created, updated := 0, 0
	for _, p := range upsertPayloads(t, responses) {
		if p.Created {
			created++
		}
		if p.Action != nil && *p.Action == "UPDATED" {
			updated++
		}
	}
	if created != 1 || c.ContactCount() != 1 {
		t.Fatalf("%d upserts created a contact and the workspace has %d, want 1 and 1", created, c.ContactCount())
	}
	got := c.mustUpsert(map[string]any{"externalId": "crm-race"})
	if got.FirstName == nil || got.LastName == nil || got.Email == nil || got.Description == nil || got.AvatarURL == nil ||
		!slices.Equal(got.Tags, []string{"vip"}) || string(got.Metadata) != `{"source":"crm"}` {
		t.Errorf("after concurrent upserts the contact is %+v, want every field set", got)
	}
	if want := 1 + updated; got.Version != want {
		t.Errorf("version %d, want %d (created once, then one for each upsert that answered UPDATED)", got.Version, want)
	}
}

func TestExpectedVersion(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	contact := c.CreateContact(map[string]any{"name": "Ada"})
	stale := c.tryUpdateContact(contact.ID, map[string]any{"email": "a@example.com", "expectedVersion": 7})
	checkUserError(t, stale.UserErrors, inputAt("expectedVersion"), "STALE")
	if got := c.contactByID(contact.ID); got.Email != nil || got.Version != 1 {
		t.Errorf("a STALE update wrote: %+v", got)
	}
	// Concurrent updates based on the same version: exactly one wins.
	responses := graphtest.Concurrently(8, func(i int) *graphtest.Response {
		return c.Post(updateContactDoc, map[string]any{"id": contact.ID, "input": map[string]any{"description": fmt.Sprint(i), "expectedVersion": 1}})
	})
	wins, stales := 0, 0
	for _, resp := range responses {
		payload, ok := payloadOf(t, resp)
		switch {
		case !ok:
			t.Fatalf("GraphQL errors: %+v", resp.Errors)
		case len(payload.UserErrors) == 0:
			wins++
		case payload.UserErrors[0].Code == "STALE":
			stales++
		}
	}
	if wins != 1 || stales != 7 {
		t.Errorf("%d updates won and %d were STALE, want 1 and 7", wins, stales)
	}
	if got := c.contactByID(contact.ID); got.Version != 2 {
		t.Errorf("version %d after one winning update, want 2", got.Version)
	}
}

func TestBulkUpsertPartialAndAtomic(t *testing.T) {
	t.Parallel()
	inputs := []map[string]any{
		{"externalId": "b-0", "name": "Zero"},
		{"externalId": "b-1", "name": "One", "phones": phoneInputs("+14155550100", "+14155550101")},
		{"externalId": "b-2", "name": "Two", "email": "not an email"},
		{"externalId": "b-0", "name": "Zero again"},
		{"externalId": "b-4", "name": "Four", "tags": []string{"a", "b"}},
	}
	t.Run("partial", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		results := c.bulkUpsert(inputs, false)
		if len(results) != len(inputs) {
			t.Fatalf("%d results for %d inputs", len(results), len(inputs))
		}
		for _, i := range []int{0, 1, 4} {
			if r := results[i]; r.Index != i || !r.Created || r.Contact == nil || len(r.UserErrors) > 0 {
				t.Errorf("result %d = %+v, want created", i, r)
			}
		}
		checkUserError(t, results[2].UserErrors, []string{"inputs", "2", "email"}, "INVALID")
		checkUserError(t, results[3].UserErrors, []string{"inputs", "3", "externalId"}, "ALREADY_EXISTS")
		if results[2].Contact != nil || results[3].Contact != nil {
			t.Errorf("failed inputs returned contacts")
		}
		if n := c.ContactCount(); n != 3 {
			t.Errorf("workspace has %d contacts, want the 3 valid ones", n)
		}
		if got := len(results[1].Contact.Phones); got != 2 {
			t.Errorf("b-1 has %d phones, want 2", got)
		}
	})
	t.Run("atomic", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		results := c.bulkUpsert(inputs, true)
		checkUserError(t, results[2].UserErrors, []string{"inputs", "2", "email"}, "INVALID")
		for _, r := range results {
			if r.Contact != nil || r.Created {
				t.Errorf("atomic call with errors returned written contact %+v", r)
			}
		}
		if n := c.ContactCount(); n != 0 {
			t.Errorf("atomic call with errors left %d contacts, want none", n)
		}
	})
}

func TestBulkUpsertLimit(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	inputs := make([]map[string]any, 1001)
	for i := range inputs {
		inputs[i] = map[string]any{"externalId": fmt.Sprint(i), "name": "N"}
	}
	resp := c.Post(bulkUpsertDoc, map[string]any{"inputs": inputs})
	if resp.Code() != "LIMIT_EXCEEDED" {
		t.Errorf("1,001 inputs: code %q (errors %+v), want LIMIT_EXCEEDED", resp.Code(), resp.Errors)
	}
	if n := c.ContactCount(); n != 0 {
		t.Errorf("a refused bulk call wrote %d contacts", n)
	}
}

// TestBulkUpsertStatementsDoNotGrow proves the set-based writes: a call of
// 200 contacts runs as many statements as a call of 5, for creates and
// for updates.
func TestBulkUpsertStatementsDoNotGrow(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.CreateAccount(map[string]any{"name": "Acme", "externalId": "acme"})
	batch := func(prefix string, n int, round string) []map[string]any {
		inputs := make([]map[string]any, n)
		for i := range inputs {
			inputs[i] = map[string]any{
				"externalId": fmt.Sprintf("%s-%d", prefix, i), "name": fmt.Sprint("Contact ", i, " ", round),
				"tags": []string{"a", "b"}, "accountExternalId": "acme",
				"phones": phoneInputs(fmt.Sprintf("+1415555%04d", i), fmt.Sprintf("+1650555%04d", i)),
			}
		}
		return inputs
	}
	statements := map[string]int64{}
	for _, n := range []int{5, 200} {
		for _, round := range []string{"create", "update"} {
			resp := c.Post(bulkUpsertDoc, map[string]any{"inputs": batch(fmt.Sprint("s", n), n, round)})
			var out struct {
				BulkUpsertContacts struct{ Results []bulkResult }
			}
			if len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &out) != nil {
				t.Fatalf("bulk of %d: %+v", n, resp.Errors)
			}
			want := map[string]string{"create": "CREATED", "update": "UPDATED"}[round]
			for _, r := range out.BulkUpsertContacts.Results {
				if len(r.UserErrors) > 0 || r.Created != (round == "create") || r.Action != want {
					t.Fatalf("bulk of %d (%s): result %+v", n, round, r)
				}
			}
			statements[fmt.Sprint(round, n)] = resp.Statements
		}
	}
	if statements["create5"] != statements["create200"] || statements["update5"] != statements["update200"] {
		t.Errorf("statements grow with the batch: %v", statements)
	}
	t.Logf("statements per bulk call: %v", statements)
}

func TestDeleteContacts(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	a := c.CreateContact(map[string]any{"name": "A", "phones": phoneInputs("+14155550100")})
	b := c.CreateContact(map[string]any{"name": "B"})
	other := c.otherWorkspace().CreateContact(map[string]any{"name": "Other"})

	var out struct {
		DeleteContacts struct {
			DeletedIds []string
			UserErrors []graphtest.UserError
		}
	}
	c.MustDo(deleteContactsDoc, map[string]any{"ids": []string{a.ID, other.ID}}, &out)
	checkUserError(t, out.DeleteContacts.UserErrors, []string{"ids", "1"}, "NOT_FOUND")
	if len(out.DeleteContacts.DeletedIds) != 0 || c.ContactCount() != 2 {
		t.Fatalf("a call with another workspace's id deleted %v; contacts left %d, want 2", out.DeleteContacts.DeletedIds, c.ContactCount())
	}
	c.MustDo(deleteContactsDoc, map[string]any{"ids": []string{a.ID, b.ID}}, &out)
	if len(out.DeleteContacts.UserErrors) > 0 || len(out.DeleteContacts.DeletedIds) != 2 || c.ContactCount() != 0 {
		t.Errorf("deleteContacts = %+v, contacts left %d; want both deleted", out.DeleteContacts, c.ContactCount())
	}
	if c.nodeExists(a.Phones[0].ID) {
		t.Errorf("a deleted contact's phone is still there")
	}
}

func TestUpsertStaysInItsWorkspace(t *testing.T) {
	t.Parallel()
	a := newClient(t)
	b := a.otherWorkspace()
	theirs := a.mustUpsert(map[string]any{"externalId": "shared", "name": "A's"})
	ours := b.upsert(map[string]any{"externalId": "shared", "name": "B's"})
	if !ours.Created || ours.Contact.ID == theirs.ID {
		t.Fatalf("B's upsert of an external id A uses = %+v, want a new contact of B's", ours)
	}
	results := b.bulkUpsert([]map[string]any{{"externalId": "shared", "description": "changed by B"}}, false)
	if results[0].Created || results[0].Contact.ID != ours.Contact.ID {
		t.Errorf("B's bulk upsert = %+v, want B's own contact updated", results[0])
	}
	if got := a.contactByID(theirs.ID); got.Description != nil || got.Version != 1 {
		t.Errorf("A's contact changed through B: %+v", got)
	}
}
