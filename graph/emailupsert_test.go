package graph_test

import (
	"strings"
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
)

const upsertByEmailDoc = `mutation($email: String!, $input: UpdateContactInput!, $mode: PhonesMode) {
	upsertContactByEmail(email: $email, input: $input, phonesMode: $mode) { contact { ` + graphtest.ContactFields + ` } created action ` + userErrorFields + ` } }`

func (c *client) upsertByEmail(email string, input map[string]any) upsertPayload {
	c.T.Helper()
	return rootField[upsertPayload](c, upsertByEmailDoc, map[string]any{"email": email, "input": input})
}

// TestUpsertByEmail proves that a backend that knows people by email
// creates a contact once and then finds it, in any case and however the
// domain is written.
func TestUpsertByEmail(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	first := c.upsertByEmail("ada@bücher.example", map[string]any{"name": "Ada"})
	if first.Action == nil || *first.Action != "CREATED" || first.Contact.Email == nil || *first.Contact.Email != "ada@bücher.example" {
		t.Fatalf("first upsert: %+v, user errors %s; want CREATED with the email", first.Contact, describeErrors(first.UserErrors))
	}
	tests := []struct {
		name, email string
		input       map[string]any
		want        string
	}{
		{"the same email and fields", "ada@bücher.example", map[string]any{"name": "Ada"}, "UNCHANGED"},
		{"another case", "ADA@Bücher.Example", map[string]any{"name": "Ada"}, "UNCHANGED"},
		{"the domain in punycode", "ada@xn--bcher-kva.example", map[string]any{"name": "Ada"}, "UNCHANGED"},
		{"a change", "Ada@bücher.example", map[string]any{"description": "Countess"}, "UPDATED"},
	}
	for _, tt := range tests {
		got := c.upsertByEmail(tt.email, tt.input)
		if got.Action == nil || *got.Action != tt.want || got.Contact.ID != first.Contact.ID {
			t.Errorf("%s: action %v, contact %+v, user errors %s; want %s of %s", tt.name, got.Action, got.Contact, describeErrors(got.UserErrors), tt.want, first.Contact.ID)
		}
	}
	if n := c.ContactCount(); n != 1 {
		t.Errorf("the workspace has %d contacts, want 1", n)
	}
	invalid := c.upsertByEmail("not an email", map[string]any{"name": "Ada"})
	checkUserError(t, invalid.UserErrors, []string{"email"}, "INVALID")
	missingName := c.upsertByEmail("grace@example.com", map[string]any{})
	checkUserError(t, missingName.UserErrors, inputAt("name"), "REQUIRED")
}

// TestUpsertByEmailAmbiguous proves that an email several contacts have
// refuses the upsert, naming them.
func TestUpsertByEmailAmbiguous(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	a := c.CreateContact(map[string]any{"name": "Ada", "email": "ada@example.com"}).ID
	b := c.CreateContact(map[string]any{"name": "Ada L.", "email": "Ada@Example.com"}).ID
	got := c.upsertByEmail("ada@example.com", map[string]any{"name": "Ada"})
	checkUserError(t, got.UserErrors, []string{"email"}, "AMBIGUOUS")
	if got.Contact != nil || len(got.UserErrors) != 1 || !strings.Contains(got.UserErrors[0].Message, a) || !strings.Contains(got.UserErrors[0].Message, b) {
		t.Errorf("ambiguous upsert: %+v, user errors %s; want no contact and an error naming %s and %s", got.Contact, describeErrors(got.UserErrors), a, b)
	}
}

// TestConcurrentUpsertsByEmail proves the upsert race-safe: concurrent
// upserts of one email create one contact and lose no field.
func TestConcurrentUpsertsByEmail(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	fields := []map[string]any{{"firstName": "Ada"}, {"lastName": "Lovelace"}, {"description": "Countess"}, {"tags": []string{"vip"}}, {"externalId": "crm-ada"}, {"avatarUrl": "https://example.com/ada.png"}}
	responses := graphtest.Concurrently(len(fields), func(i int) *graphtest.Response {
		input := map[string]any{"name": "Ada Lovelace"}
		for k, v := range fields[i] {
			input[k] = v
		}
		return c.Post(upsertByEmailDoc, map[string]any{"email": "ada@example.com", "input": input})
	})
	created := 0
	for _, p := range upsertPayloads(t, responses) {
		if p.Created {
			created++
		}
	}
	got := c.upsertByEmail("ada@example.com", map[string]any{}).Contact
	if created != 1 || c.ContactCount() != 1 || got.FirstName == nil || got.LastName == nil || got.Description == nil || len(got.Tags) != 1 || got.ExternalID == nil || got.AvatarURL == nil {
		t.Errorf("%d upserts created a contact, the workspace has %d, the contact is %+v; want 1, 1 and every field set", created, c.ContactCount(), got)
	}
}
