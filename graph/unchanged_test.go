package graph_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

// unchangedContact is the full upsert each case of TestUpsertUnchanged
// starts from: a field of every kind.
func unchangedContact(externalID string) map[string]any {
	return map[string]any{
		"externalId": externalID, "name": "Ada Lovelace", "firstName": "Ada", "lastName": "Lovelace",
		"email": "ada@example.com", "avatarUrl": "https://example.com/ada.png", "description": "Countess",
		"tags":              []string{"vip", "b2b"},
		"metadata":          map[string]any{"source": "crm", "score": 1.5, "nested": map[string]any{"a": []any{1, "x"}}},
		"accountExternalId": "acme", "accountIds": []string{}, // filled in by the test
		"phones":       phoneInputs("+14155550101", "+16505550102"),
		"customFields": []map[string]any{{"slug": "note", "value": "hi"}, {"slug": "seats", "value": 5}},
	}
}

// absent, as a change of TestUpsertUnchanged, leaves the field out.
const absent = "<absent>"

// TestUpsertUnchanged proves that an upsert whose input equals what is
// stored writes nothing (same version, same updatedAt) and says
// UNCHANGED, and that a change of any kind of field says UPDATED.
func TestUpsertUnchanged(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	acme := c.CreateAccount(map[string]any{"name": "Acme", "externalId": "acme"})
	beta := c.CreateAccount(map[string]any{"name": "Beta", "externalId": "beta"})
	c.createField("CONTACT", "note", "TEXT")
	c.createField("CONTACT", "seats", "NUMBER")
	tests := []struct {
		name   string
		change map[string]any
		want   string
	}{
		{"the same input again", nil, "UNCHANGED"},
		{"only the key", map[string]any{"name": absent, "firstName": absent, "lastName": absent, "email": absent, "avatarUrl": absent, "description": absent,
			"tags": absent, "metadata": absent, "accountExternalId": absent, "accountIds": absent, "phones": absent, "customFields": absent}, "UNCHANGED"},
		{"the same name", map[string]any{"name": "Ada Lovelace"}, "UNCHANGED"},
		{"another name", map[string]any{"name": "Ada King"}, "UPDATED"},
		{"a cleared description", map[string]any{"description": nil}, "UPDATED"},
		{"the same tags", map[string]any{"tags": []string{"vip", "b2b"}}, "UNCHANGED"},
		{"other tags", map[string]any{"tags": []string{"vip"}}, "UPDATED"},
		{"the same metadata written another way", map[string]any{"metadata": map[string]any{"nested": map[string]any{"a": []any{1.0, "x"}}, "score": 15e-1, "source": "crm"}}, "UNCHANGED"},
		{"other metadata", map[string]any{"metadata": map[string]any{"source": "web"}}, "UPDATED"},
		{"phones MERGE, the same numbers", map[string]any{"phonesMode": "MERGE"}, "UNCHANGED"},
		{"phones MERGE, one of the numbers", map[string]any{"phonesMode": "MERGE", "phones": phoneInputs("+16505550102")}, "UNCHANGED"},
		{"phones MERGE, a number written another way", map[string]any{"phonesMode": "MERGE", "phones": phoneInputs("+1 415 555 0101")}, "UNCHANGED"},
		{"phones MERGE, a new number", map[string]any{"phonesMode": "MERGE", "phones": phoneInputs("+14155550103")}, "UPDATED"},
		{"phones MERGE, another type", map[string]any{"phonesMode": "MERGE", "phones": []map[string]any{{"number": "+14155550101", "type": "WORK"}}}, "UPDATED"},
		{"phones REPLACE, the same numbers", map[string]any{"phonesMode": "REPLACE"}, "UNCHANGED"},
		{"phones REPLACE, the same numbers in another order", map[string]any{"phonesMode": "REPLACE", "phones": phoneInputs("+16505550102", "+14155550101")}, "UNCHANGED"},
		{"phones REPLACE, one of the numbers", map[string]any{"phonesMode": "REPLACE", "phones": phoneInputs("+16505550102")}, "UPDATED"},
		{"the same accounts in another order", map[string]any{"accountIds": []string{beta, acme}}, "UNCHANGED"},
		{"fewer accounts", map[string]any{"accountIds": []string{acme}}, "UPDATED"},
		{"the same primary account", map[string]any{"accountExternalId": "acme", "accountIds": absent}, "UNCHANGED"},
		{"another primary account", map[string]any{"accountExternalId": "beta", "accountIds": absent}, "UPDATED"},
		{"the same custom fields", map[string]any{"customFields": []map[string]any{{"slug": "seats", "value": 5.0}}}, "UNCHANGED"},
		{"another custom field value", map[string]any{"customFields": []map[string]any{{"slug": "seats", "value": 6}}}, "UPDATED"},
		{"a removed custom field value", map[string]any{"customFields": []map[string]any{{"slug": "note", "value": nil}}}, "UPDATED"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub := *c
			sub.T = t
			c := &sub
			input := unchangedContact(fmt.Sprint("crm-unchanged-", i))
			input["accountIds"] = []string{acme, beta}
			first := c.upsert(input)
			if first.Action == nil || *first.Action != "CREATED" {
				t.Fatalf("first upsert: action %v, user errors %s; want CREATED", first.Action, describeErrors(first.UserErrors))
			}
			stored := c.contactStamp(first.Contact.ID)
			for k, v := range tt.change {
				if v == absent {
					delete(input, k)
					continue
				}
				input[k] = v
			}
			again := c.upsert(input)
			if again.Action == nil || *again.Action != tt.want || again.Created {
				t.Fatalf("upsert again: action %v (created %v), user errors %s; want %s", again.Action, again.Created, describeErrors(again.UserErrors), tt.want)
			}
			after := c.contactStamp(first.Contact.ID)
			switch {
			case tt.want == "UNCHANGED" && after != stored:
				t.Errorf("an unchanged upsert wrote: version and times %+v, were %+v", after, stored)
			case tt.want == "UPDATED" && (after.Version != stored.Version+1 || !after.UpdatedAt.After(stored.UpdatedAt)):
				t.Errorf("an update left version and times %+v, were %+v; want the version up one and a later updatedAt", after, stored)
			}
			if got := c.contactByID(first.Contact.ID); got.Version != again.Contact.Version || !slices.Equal(got.Tags, again.Contact.Tags) ||
				len(got.Accounts) != len(again.Contact.Accounts) || len(got.Phones) != len(again.Contact.Phones) {
				t.Errorf("the upsert answered %+v, a later read %+v", again.Contact, got)
			}
		})
	}
}

// TestUnchangedIsNotStale proves that an old expectedVersion refuses only
// a write that changes something: nothing the client did not see is
// overwritten by a write of what is stored.
func TestUnchangedIsNotStale(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.mustUpsert(map[string]any{"externalId": "crm-1", "name": "Ada"})
	c.mustUpsert(map[string]any{"externalId": "crm-1", "email": "ada@example.com"})
	same := c.upsert(map[string]any{"externalId": "crm-1", "name": "Ada", "expectedVersion": 1})
	if len(same.UserErrors) > 0 || same.Action == nil || *same.Action != "UNCHANGED" || same.Contact.Version != 2 {
		t.Errorf("an unchanged upsert at an old version: action %v, user errors %s, contact %+v; want UNCHANGED at version 2",
			same.Action, describeErrors(same.UserErrors), same.Contact)
	}
	changed := c.upsert(map[string]any{"externalId": "crm-1", "name": "Ada King", "expectedVersion": 1})
	checkUserError(t, changed.UserErrors, inputAt("expectedVersion"), "STALE")
	if changed.Action != nil {
		t.Errorf("a STALE upsert answered action %v, want null", *changed.Action)
	}
	update := c.tryUpdateContact(same.Contact.ID, map[string]any{"email": "ada@example.com", "expectedVersion": 1})
	if len(update.UserErrors) > 0 || update.Contact.Version != 2 {
		t.Errorf("an unchanged update at an old version: user errors %s, contact %+v; want version 2", describeErrors(update.UserErrors), update.Contact)
	}
}

// TestAccountUpsertUnchanged proves unchanged account writes write nothing,
// single and in bulk, and that bulk results say what each input did.
func TestAccountUpsertUnchanged(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.createField("ACCOUNT", "tier", "TEXT")
	input := map[string]any{"externalId": "acme", "name": "Acme", "domain": "acme.com", "tags": []string{"b2b"},
		"metadata": map[string]any{"a": 1}, "customFields": []map[string]any{{"slug": "tier", "value": "gold"}}}
	first := decodeAccountUpsert(t, c.Post(upsertAccountDoc, map[string]any{"input": input}))
	again := decodeAccountUpsert(t, c.Post(upsertAccountDoc, map[string]any{"input": input}))
	if again.Action == nil || *again.Action != "UNCHANGED" || again.Account.Version != first.Account.Version {
		t.Errorf("the same account upsert again: action %v, version %d; want UNCHANGED at version %d", again.Action, again.Account.Version, first.Account.Version)
	}
	if got, _, userErrors := accountKind.update(c, first.Account.ID, map[string]any{"name": "Acme"}); len(userErrors) > 0 || got.Version != first.Account.Version {
		t.Errorf("updateAccount to its own name: %+v, user errors %s; want version %d", got, describeErrors(userErrors), first.Account.Version)
	}
	changed := maps.Clone(input)
	changed["customFields"] = []map[string]any{{"slug": "tier", "value": "silver"}}
	var out struct {
		BulkUpsertAccounts struct {
			Results []struct {
				Index  int
				Action *string
			}
		}
	}
	c.MustDo(`mutation($inputs: [UpsertAccountInput!]!) { bulkUpsertAccounts(inputs: $inputs) { results { index action } } }`,
		map[string]any{"inputs": []any{changed, map[string]any{"externalId": "beta", "name": "Beta"}, map[string]any{"externalId": "beta2", "name": ""}}}, &out)
	var got []string
	for _, r := range out.BulkUpsertAccounts.Results {
		got = append(got, deref(r.Action))
	}
	if want := []string{"UPDATED", "CREATED", ""}; !slices.Equal(got, want) {
		t.Errorf("bulk results %q, want %q", got, want)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
