package graph_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph/graphtest"
)

const userErrorFields = `userErrors { field code message }`

// The GraphQL documents of the contact tests.
const (
	createContactDoc = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { ` + graphtest.ContactFields + ` } ` + userErrorFields + ` } }`
	updateContactDoc = `mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { contact { ` + graphtest.ContactFields + ` } ` + userErrorFields + ` } }`
	contactByIDDoc   = `query($id: ID) { contact(id: $id) { ` + graphtest.ContactFields + ` } }`
	contactStampDoc  = `query($id: ID) { contact(id: $id) { version createdAt updatedAt } }`
)

// inputAt returns the path of an input field, such as ["input", "phones", "2", "number"].
func inputAt(keys ...string) []string {
	return append([]string{"input"}, keys...)
}

// tryCreateContact runs createContact and returns its payload, whatever it holds.
func (c *client) tryCreateContact(input map[string]any) graphtest.ContactPayload {
	c.T.Helper()
	return rootField[graphtest.ContactPayload](c, createContactDoc, map[string]any{"input": input})
}

// tryUpdateContact runs updateContact and returns its payload, whatever it holds.
func (c *client) tryUpdateContact(id string, input map[string]any) graphtest.ContactPayload {
	c.T.Helper()
	return rootField[graphtest.ContactPayload](c, updateContactDoc, map[string]any{"id": id, "input": input})
}

// mustUpdateContact runs an updateContact that must succeed and returns the contact.
func (c *client) mustUpdateContact(id string, input map[string]any) *graphtest.ContactData {
	c.T.Helper()
	got := c.tryUpdateContact(id, input)
	if len(got.UserErrors) > 0 || got.Contact == nil {
		c.T.Fatalf("updateContact(%v): user errors %s, want none", input, describeErrors(got.UserErrors))
	}
	return got.Contact
}

// contactByID reads a contact back, nil when there is none.
func (c *client) contactByID(id string) *graphtest.ContactData {
	c.T.Helper()
	var out struct{ Contact *graphtest.ContactData }
	c.MustDo(contactByIDDoc, map[string]any{"id": id}, &out)
	return out.Contact
}

// contactStamp is a contact's version and times.
type contactStamp struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func (c *client) contactStamp(id string) contactStamp {
	c.T.Helper()
	return rootField[contactStamp](c, contactStampDoc, map[string]any{"id": id})
}

// deletePayload is the payload of a deletion.
type deletePayload struct {
	DeletedID  *string               `json:"deletedId"`
	UserErrors []graphtest.UserError `json:"userErrors"`
}

// tryDelete runs the deletion mutation named mutation (deleteContact,
// deleteAccount or deletePortalRole) on id.
func (c *client) tryDelete(mutation, id string) deletePayload {
	c.T.Helper()
	var out map[string]deletePayload
	c.MustDo(`mutation($id: ID!) { `+mutation+`(id: $id) { deletedId `+userErrorFields+` } }`, map[string]any{"id": id}, &out)
	return out[mutation]
}

// nodeExists reports whether node(id:) finds a record.
func (c *client) nodeExists(id string) bool {
	c.T.Helper()
	var out struct{ Node *struct{ ID string } }
	c.MustDo(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &out)
	return out.Node != nil
}

func describeErrors(errs []graphtest.UserError) string {
	if len(errs) == 0 {
		return "none"
	}
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = fmt.Sprintf("%s at %q", e.Code, e.Field)
	}
	return strings.Join(parts, ", ")
}

// checkUserError fails t unless errs report code at field, with no error
// of another code beside it.
func checkUserError(t testing.TB, errs []graphtest.UserError, field []string, code string) {
	t.Helper()
	found := false
	for _, e := range errs {
		found = found || (e.Code == code && slices.Equal(e.Field, field))
		if e.Code != code {
			found = false
			break
		}
	}
	if !found {
		t.Errorf("user errors: %s; want %s at %q", describeErrors(errs), code, field)
	}
}

// sameJSON reports whether two JSON documents hold the same value.
func sameJSON(t testing.TB, got []byte, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("decode %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("decode %s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

// phoneList returns a contact's phones as "number:TYPE", "-" for no type.
func phoneList(c *graphtest.ContactData) []string {
	out := make([]string, len(c.Phones))
	for i, p := range c.Phones {
		typ := "-"
		if p.Type != nil {
			typ = *p.Type
		}
		out[i] = p.Number + ":" + typ
	}
	return out
}

// checkPrimaryAndAccounts checks that got's primary account is primary
// and that its accounts are want, in order.
func checkPrimaryAndAccounts(t *testing.T, got *graphtest.ContactData, primary string, want ...string) {
	t.Helper()
	if got.Account == nil || got.Account.ID != primary || !slices.Equal(accountList(got), want) {
		t.Errorf("account, accounts = %+v, %q; want %s, %q", got.Account, accountList(got), primary, want)
	}
}

// accountList returns the ids of a contact's accounts, in order.
func accountList(c *graphtest.ContactData) []string {
	out := make([]string, len(c.Accounts))
	for i, a := range c.Accounts {
		out[i] = a.ID
	}
	return out
}

// phoneNumbers returns n distinct valid numbers starting from first.
func phoneNumbers(first, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("+1415555%04d", first+i)
	}
	return out
}

// phoneInputs turns numbers into PhoneInput values of type MOBILE.
func phoneInputs(numbers ...string) []map[string]any {
	out := make([]map[string]any, len(numbers))
	for i, n := range numbers {
		out[i] = map[string]any{"number": n, "type": "MOBILE"}
	}
	return out
}

// manyTags returns n distinct tags.
func manyTags(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tag%d", i)
	}
	return out
}

// bigObject returns a JSON object that encodes to exactly n bytes.
func bigObject(n int) map[string]any {
	return map[string]any{"k": strings.Repeat("x", n-len(`{"k":""}`))}
}

func TestCreateContactRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	unknownAccount := db.NewID(db.AccountPrefix)
	checkRefusedCreates(t, contactKind, append(fieldRefusals(map[string]any{"name": "Ada"}), []refusal{
		{"name is required without firstName", map[string]any{"lastName": "Lovelace"}, inputAt("name"), "REQUIRED"},
		{"an email with a display name is invalid", map[string]any{"name": "Ada", "email": "Ada <ada@x.com>"}, inputAt("email"), "INVALID"},
		{"a list of emails is invalid", map[string]any{"name": "Ada", "email": "a@x.com, b@x.com"}, inputAt("email"), "INVALID"},
		{"an email without @ is invalid", map[string]any{"name": "Ada", "email": "nope"}, inputAt("email"), "INVALID"},
		{"an email over 254 characters is too long", map[string]any{"name": "Ada", "email": strings.Repeat("a", 243) + "@example.com"}, inputAt("email"), "TOO_LONG"},
		{"an ftp avatarUrl is invalid", map[string]any{"name": "Ada", "avatarUrl": "ftp://x.com/a.png"}, inputAt("avatarUrl"), "INVALID"},
		{"a relative avatarUrl is invalid", map[string]any{"name": "Ada", "avatarUrl": "/a.png"}, inputAt("avatarUrl"), "INVALID"},
		{"a gif avatarUrl is invalid", map[string]any{"name": "Ada", "avatarUrl": "https://x.com/a.gif"}, inputAt("avatarUrl"), "INVALID"},
		{"an avatarUrl over 2048 characters is too long", map[string]any{"name": "Ada", "avatarUrl": "https://x.com/" + strings.Repeat("a", 2048) + ".png"}, inputAt("avatarUrl"), "TOO_LONG"},
		{"accountId with accountExternalId is mutually exclusive", map[string]any{"name": "Ada", "accountId": unknownAccount, "accountExternalId": "acme"}, inputAt("accountExternalId"), "MUTUALLY_EXCLUSIVE"},
		{"an unknown accountId is not found", map[string]any{"name": "Ada", "accountId": unknownAccount}, inputAt("accountId"), "NOT_FOUND"},
		{"a malformed accountId is not found", map[string]any{"name": "Ada", "accountId": "nope"}, inputAt("accountId"), "NOT_FOUND"},
		{"an unknown accountExternalId is not found", map[string]any{"name": "Ada", "accountExternalId": "acme"}, inputAt("accountExternalId"), "NOT_FOUND"},
		{"an unknown id in accountIds is not found", map[string]any{"name": "Ada", "accountIds": []string{unknownAccount}}, inputAt("accountIds", "0"), "NOT_FOUND"},
		{"an unknown portalRoleId is not found", map[string]any{"name": "Ada", "portalRoleId": db.NewID(db.PortalRolePrefix)}, inputAt("portalRoleId"), "NOT_FOUND"},
		{"an unknown portalRole slug is not found", map[string]any{"name": "Ada", "portalRole": "owner"}, inputAt("portalRole"), "NOT_FOUND"},
		{"a phone number with a leading zero is invalid", map[string]any{"name": "Ada", "phones": phoneInputs("+0123")}, inputAt("phones", "0", "number"), "INVALID"},
		{"a phone number of one digit is invalid", map[string]any{"name": "Ada", "phones": phoneInputs("+1")}, inputAt("phones", "0", "number"), "INVALID"},
		{"a phone number of 41 characters is too long", map[string]any{"name": "Ada", "phones": phoneInputs("+1 (415) 555-0100 " + strings.Repeat("0", 23))}, inputAt("phones", "0", "number"), "TOO_LONG"},
		{"a phone number of 16 digits is invalid", map[string]any{"name": "Ada", "phones": phoneInputs("+1234567890123456")}, inputAt("phones", "0", "number"), "INVALID"},
		{"a phone number without plus is invalid at its index", map[string]any{"name": "Ada", "phones": phoneInputs("+14155550100", "+14155550101", "14155550123")}, inputAt("phones", "2", "number"), "INVALID"},
		{"21 phones exceed the limit", map[string]any{"name": "Ada", "phones": phoneInputs(phoneNumbers(0, 21)...)}, inputAt("phones"), "LIMIT_EXCEEDED"},
		{"the same number twice is refused", map[string]any{"name": "Ada", "phones": phoneInputs("+14155550100", "+14155550100")}, inputAt("phones", "1", "number"), "ALREADY_EXISTS"},
	}...))
}

func TestCreateContactAcceptsValidInput(t *testing.T) {
	t.Parallel()
	checkCreates(t, contactKind, []acceptance[graphtest.ContactData]{
		{"name defaults to first and last name", map[string]any{"firstName": "Ada", "lastName": "Lovelace"}, func(t *testing.T, got *graphtest.ContactData) {
			if got.Name != "Ada Lovelace" {
				t.Errorf("name = %q, want %q", got.Name, "Ada Lovelace")
			}
		}},
		{"a given name wins over first and last name", map[string]any{"name": "Countess", "firstName": "Ada", "lastName": "Lovelace"}, func(t *testing.T, got *graphtest.ContactData) {
			if got.Name != "Countess" || got.FirstName == nil || *got.FirstName != "Ada" {
				t.Errorf("name, firstName = %q, %v; want Countess, Ada", got.Name, got.FirstName)
			}
		}},
		{"a name of 255 characters is accepted", map[string]any{"name": strings.Repeat("n", 255)}, func(t *testing.T, got *graphtest.ContactData) {
			if len(got.Name) != 255 {
				t.Errorf("name has %d characters, want 255", len(got.Name))
			}
		}},
		{"an externalId of 120 characters is accepted", map[string]any{"name": "Ada", "externalId": strings.Repeat("x", 120)}, func(t *testing.T, got *graphtest.ContactData) {
			if got.ExternalID == nil || *got.ExternalID != strings.Repeat("x", 120) {
				t.Errorf("externalId = %v, want 120 x", got.ExternalID)
			}
		}},
		{"email is kept as given", map[string]any{"name": "Ada", "email": "Ada.Lovelace@Example.COM"}, func(t *testing.T, got *graphtest.ContactData) {
			if got.Email == nil || *got.Email != "Ada.Lovelace@Example.COM" {
				t.Errorf("email = %v, want Ada.Lovelace@Example.COM", got.Email)
			}
		}},
		{"an email of 254 characters is accepted", map[string]any{"name": "Ada", "email": strings.Repeat("a", 242) + "@example.com"}, func(t *testing.T, got *graphtest.ContactData) {
			if got.Email == nil || len(*got.Email) != 254 {
				t.Errorf("email = %v, want the 254 characters given", got.Email)
			}
		}},
		{"an upper-case PNG avatarUrl is accepted", map[string]any{"name": "Ada", "avatarUrl": "https://x.com/ada.PNG"}, func(t *testing.T, got *graphtest.ContactData) {
			if got.AvatarURL == nil || *got.AvatarURL != "https://x.com/ada.PNG" {
				t.Errorf("avatarUrl = %v, want https://x.com/ada.PNG", got.AvatarURL)
			}
		}},
		{"an avatarUrl with a query string is accepted", map[string]any{"name": "Ada", "avatarUrl": "http://x.com/ada.jpeg?s=64"}, func(t *testing.T, got *graphtest.ContactData) {
			if got.AvatarURL == nil || *got.AvatarURL != "http://x.com/ada.jpeg?s=64" {
				t.Errorf("avatarUrl = %v, want http://x.com/ada.jpeg?s=64", got.AvatarURL)
			}
		}},
		{"tags are trimmed and deduplicated in order", map[string]any{"name": "Ada", "tags": []string{" vip", "lead", "vip ", "b2b", "lead"}}, func(t *testing.T, got *graphtest.ContactData) {
			if want := []string{"vip", "lead", "b2b"}; !slices.Equal(got.Tags, want) {
				t.Errorf("tags = %q, want %q", got.Tags, want)
			}
		}},
		{"50 tags of 64 characters are accepted", map[string]any{"name": "Ada", "tags": append(manyTags(49), strings.Repeat("t", 64))}, func(t *testing.T, got *graphtest.ContactData) {
			if len(got.Tags) != 50 {
				t.Errorf("%d tags, want 50", len(got.Tags))
			}
		}},
		{"metadata round-trips", map[string]any{"name": "Ada", "metadata": map[string]any{"plan": "pro", "seats": 12, "nested": map[string]any{"ok": true, "list": []any{1, "two", nil}}}}, func(t *testing.T, got *graphtest.ContactData) {
			if want := `{"plan":"pro","seats":12,"nested":{"ok":true,"list":[1,"two",null]}}`; !sameJSON(t, got.Metadata, want) {
				t.Errorf("metadata = %s, want %s", got.Metadata, want)
			}
		}},
		{"metadata of 16 KiB is accepted", map[string]any{"name": "Ada", "metadata": bigObject(16 << 10)}, func(t *testing.T, got *graphtest.ContactData) {
			var m map[string]string
			if err := json.Unmarshal(got.Metadata, &m); err != nil || len(m["k"]) != 16<<10-8 {
				t.Errorf("metadata did not round-trip: %v, %d characters", err, len(m["k"]))
			}
		}},
		{"no tags and no metadata give empty ones", map[string]any{"name": "Ada"}, func(t *testing.T, got *graphtest.ContactData) {
			if got.Tags == nil || len(got.Tags) != 0 || !sameJSON(t, got.Metadata, `{}`) {
				t.Errorf("tags, metadata = %#v, %s; want [], {}", got.Tags, got.Metadata)
			}
		}},
		{"20 phones, however written, are accepted in E.164, oldest first", map[string]any{"name": "Ada", "phones": phoneInputs(append(phoneNumbers(0, 18), "+1 (650) 555-0199", "+44 20 7946 0958")...)}, func(t *testing.T, got *graphtest.ContactData) {
			want := append(phoneNumbers(0, 18), "+16505550199", "+442079460958")
			var numbers []string
			for _, p := range got.Phones {
				numbers = append(numbers, p.Number)
			}
			if !slices.Equal(numbers, want) {
				t.Errorf("phones = %q, want %q", numbers, want)
			}
		}},
	})
}

func TestContactExternalIDIsUniquePerWorkspace(t *testing.T) {
	t.Parallel()
	checkDuplicateExternalIDs(t, contactKind,
		map[string]any{"name": "Ada", "externalId": "crm-1"},
		map[string]any{"name": "Grace", "externalId": "crm-1", "phones": phoneInputs("+14155550100")},
		map[string]any{"name": "Grace", "externalId": "crm-2"},
		map[string]any{"externalId": "crm-1", "name": "Grace Hopper"},
		func(c *client, input map[string]any) { c.CreateAccount(input) })
	t.Run("a contact may keep its own one", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		ada := c.CreateContact(map[string]any{"name": "Ada", "externalId": "crm-1"})
		got := c.mustUpdateContact(ada.ID, map[string]any{"externalId": "crm-1", "name": "Ada L."})
		if got.ExternalID == nil || *got.ExternalID != "crm-1" {
			t.Errorf("externalId = %v, want crm-1", got.ExternalID)
		}
	})
}

func TestConcurrentCreatesOfOneExternalID(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.ContactCount() // provisions the workspace, so that only the creates race
	const racers = 10
	responses := graphtest.Concurrently(racers, func(i int) *graphtest.Response {
		return c.Post(createContactDoc, map[string]any{"input": map[string]any{"name": fmt.Sprintf("Racer %d", i), "externalId": "crm-race"}})
	})
	if created := countWritten(t, responses, inputAt("externalId"), "ALREADY_EXISTS"); created != 1 {
		t.Errorf("%d of %d concurrent creates succeeded, want exactly 1", created, racers)
	}
	if n := c.ContactCount(); n != 1 {
		t.Errorf("the workspace has %d contacts, want 1", n)
	}
}

// countWritten counts the responses to concurrent contact mutations that
// wrote their contact; each of the others must be refused at field with
// code.
func countWritten(t *testing.T, responses []*graphtest.Response, field []string, code string) int {
	t.Helper()
	written := 0
	for i, resp := range responses {
		got, ok := payloadOf(t, resp)
		switch {
		case !ok:
			t.Errorf("mutation %d: GraphQL errors %+v, want a payload", i, resp.Errors)
		case got.Contact != nil && len(got.UserErrors) == 0:
			written++
		default:
			checkUserError(t, got.UserErrors, field, code)
		}
	}
	return written
}

// payloadOf decodes the payload of a response to one contact mutation; it
// reports false when the response has GraphQL errors instead.
func payloadOf(t *testing.T, resp *graphtest.Response) (graphtest.ContactPayload, bool) {
	t.Helper()
	if len(resp.Errors) > 0 {
		return graphtest.ContactPayload{}, false
	}
	var out map[string]graphtest.ContactPayload
	if err := json.Unmarshal(resp.Data, &out); err != nil || len(out) != 1 {
		t.Fatalf("decode %s: %v", resp.Data, err)
	}
	for _, payload := range out {
		return payload, true
	}
	return graphtest.ContactPayload{}, false
}

func TestContactAccounts(t *testing.T) {
	t.Parallel()
	// setup returns a client with three accounts, oldest first; the first
	// has the external id "acme".
	setup := func(t *testing.T) (*client, [3]string) {
		c := newClient(t)
		return c, [3]string{
			c.CreateAccount(map[string]any{"name": "Acme", "externalId": "acme"}),
			c.CreateAccount(map[string]any{"name": "Bolt"}),
			c.CreateAccount(map[string]any{"name": "Crux"}),
		}
	}
	t.Run("accountId with accountExternalId is mutually exclusive", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		got := c.tryCreateContact(map[string]any{"name": "Ada", "accountId": a[1], "accountExternalId": "acme"})
		checkUserError(t, got.UserErrors, inputAt("accountExternalId"), "MUTUALLY_EXCLUSIVE")
		if n := c.ContactCount(); n != 0 {
			t.Errorf("the workspace has %d contacts after a refused create, want 0", n)
		}
	})
	t.Run("an unknown id in accountIds is not found at its index", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		got := c.tryCreateContact(map[string]any{"name": "Ada", "accountIds": []string{a[0], db.NewID(db.AccountPrefix), a[2]}})
		checkUserError(t, got.UserErrors, inputAt("accountIds", "1"), "NOT_FOUND")
		if n := c.ContactCount(); n != 0 {
			t.Errorf("the workspace has %d contacts after a refused create, want 0", n)
		}
	})
	t.Run("accountExternalId resolves to the account", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		got := c.CreateContact(map[string]any{"name": "Ada", "accountExternalId": "acme"})
		if got.Account == nil || got.Account.ID != a[0] || !slices.Equal(accountList(got), []string{a[0]}) {
			t.Errorf("account, accounts = %+v, %q; want %s, [%s]", got.Account, accountList(got), a[0], a[0])
		}
	})
	t.Run("accountIds set the membership and the primary is always a member, first", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		got := c.CreateContact(map[string]any{"name": "Ada", "accountId": a[2], "accountIds": []string{a[0], a[1]}})
		readBack := c.contactByID(got.ID)
		if want := []string{a[2], a[0], a[1]}; !slices.Equal(accountList(readBack), want) {
			t.Errorf("accounts = %q, want %q (primary first)", accountList(readBack), want)
		}
	})
	t.Run("the primary is listed first when it is also in accountIds", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		got := c.CreateContact(map[string]any{"name": "Ada", "accountId": a[1], "accountIds": []string{a[0], a[1], a[2]}})
		if accounts := accountList(c.contactByID(got.ID)); len(accounts) != 3 || accounts[0] != a[1] {
			t.Errorf("accounts = %q, want 3 with %s first", accounts, a[1])
		}
	})
	t.Run("updating accountIds replaces the membership", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		ada := c.CreateContact(map[string]any{"name": "Ada", "accountIds": []string{a[0], a[1]}})
		c.mustUpdateContact(ada.ID, map[string]any{"accountIds": []string{a[2]}})
		if got := accountList(c.contactByID(ada.ID)); !slices.Equal(got, []string{a[2]}) {
			t.Errorf("accounts = %q, want [%s]", got, a[2])
		}
	})
	t.Run("updating accountIds keeps the primary", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		ada := c.CreateContact(map[string]any{"name": "Ada", "accountId": a[0], "accountIds": []string{a[1]}})
		c.mustUpdateContact(ada.ID, map[string]any{"accountIds": []string{a[2]}})
		checkPrimaryAndAccounts(t, c.contactByID(ada.ID), a[0], a[0], a[2])
	})
	t.Run("updating accountId adds the new primary to the membership", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		ada := c.CreateContact(map[string]any{"name": "Ada", "accountId": a[0]})
		c.mustUpdateContact(ada.ID, map[string]any{"accountId": a[1]})
		checkPrimaryAndAccounts(t, c.contactByID(ada.ID), a[1], a[1], a[0])
	})
	t.Run("empty accountIds remove every membership but the primary", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		ada := c.CreateContact(map[string]any{"name": "Ada", "accountId": a[0], "accountIds": []string{a[1], a[2]}})
		c.mustUpdateContact(ada.ID, map[string]any{"accountIds": []string{}})
		if got := accountList(c.contactByID(ada.ID)); !slices.Equal(got, []string{a[0]}) {
			t.Errorf("accounts = %q, want [%s]", got, a[0])
		}
	})
	t.Run("updating accountId to null clears the primary and keeps the membership", func(t *testing.T) {
		t.Parallel()
		c, a := setup(t)
		ada := c.CreateContact(map[string]any{"name": "Ada", "accountId": a[0]})
		c.mustUpdateContact(ada.ID, map[string]any{"accountId": nil})
		got := c.contactByID(ada.ID)
		if got.Account != nil || !slices.Equal(accountList(got), []string{a[0]}) {
			t.Errorf("account, accounts = %+v, %q; want null, [%s]", got.Account, accountList(got), a[0])
		}
	})
}

func TestUpdateContactRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	existing := map[string]any{
		"name": "Ada Lovelace", "externalId": "crm-1", "email": "ada@example.com",
		"tags": []string{"vip"}, "metadata": map[string]any{"plan": "pro"}, "phones": phoneInputs("+14155550100"),
	}
	checkRefusedUpdates(t, contactKind, existing, append(fieldRefusals(nil), []refusal{
		{"name cannot be cleared", map[string]any{"name": nil}, inputAt("name"), "REQUIRED"},
		{"an email with a display name is invalid", map[string]any{"email": "Ada <ada@x.com>"}, inputAt("email"), "INVALID"},
		{"a gif avatarUrl is invalid", map[string]any{"avatarUrl": "https://x.com/a.gif"}, inputAt("avatarUrl"), "INVALID"},
		{"an unknown accountId is not found", map[string]any{"accountId": db.NewID(db.AccountPrefix)}, inputAt("accountId"), "NOT_FOUND"},
		{"an unknown id in accountIds is not found", map[string]any{"accountIds": []string{db.NewID(db.AccountPrefix)}}, inputAt("accountIds", "0"), "NOT_FOUND"},
		{"an unknown portalRole is not found", map[string]any{"portalRole": "owner"}, inputAt("portalRole"), "NOT_FOUND"},
		{"an invalid phone is invalid", map[string]any{"phones": []map[string]any{{"number": "+0123"}}}, inputAt("phones", "0", "number"), "INVALID"},
	}...))
}

func TestUpdateContactLeavesAbsentFieldsAlone(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	account := c.CreateAccount(map[string]any{"name": "Acme"})
	ada := c.CreateContact(map[string]any{
		"name": "Ada Lovelace", "firstName": "Ada", "lastName": "Lovelace", "externalId": "crm-1",
		"email": "ada@example.com", "avatarUrl": "https://x.com/ada.png", "description": "Analyst",
		"tags": []string{"vip"}, "metadata": map[string]any{"plan": "pro"}, "accountId": account,
		"portalRole": "admin", "phones": phoneInputs("+14155550100"),
	})
	before := c.contactByID(ada.ID)
	c.mustUpdateContact(ada.ID, map[string]any{"description": "Mathematician"})
	after := c.contactByID(ada.ID)
	want := *before
	want.Description = ptr("Mathematician")
	want.Version = before.Version + 1
	if !reflect.DeepEqual(*after, want) {
		t.Errorf("after updating description:\n got %+v\nwant %+v", *after, want)
	}
}

func TestUpdateContactClearsNullFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		field string
		check func(got *graphtest.ContactData) bool
		want  string
	}{
		{"externalId", func(got *graphtest.ContactData) bool { return got.ExternalID == nil }, "null"},
		{"firstName", func(got *graphtest.ContactData) bool { return got.FirstName == nil && got.Name == "Ada Lovelace" }, "null, name kept"},
		{"lastName", func(got *graphtest.ContactData) bool { return got.LastName == nil }, "null"},
		{"email", func(got *graphtest.ContactData) bool { return got.Email == nil }, "null"},
		{"avatarUrl", func(got *graphtest.ContactData) bool { return got.AvatarURL == nil }, "null"},
		{"description", func(got *graphtest.ContactData) bool { return got.Description == nil }, "null"},
		{"tags", func(got *graphtest.ContactData) bool { return got.Tags != nil && len(got.Tags) == 0 }, "[]"},
		{"metadata", func(got *graphtest.ContactData) bool { return string(got.Metadata) == "{}" }, "{}"},
		{"portalRole", func(got *graphtest.ContactData) bool { return got.PortalRole.Slug == "member" }, "the default role"},
	}
	for _, tt := range tests {
		t.Run(tt.field+" set to null is cleared", func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			ada := c.CreateContact(map[string]any{
				"name": "Ada Lovelace", "firstName": "Ada", "lastName": "Lovelace", "externalId": "crm-1",
				"email": "ada@example.com", "avatarUrl": "https://x.com/ada.png", "description": "Analyst",
				"tags": []string{"vip"}, "metadata": map[string]any{"plan": "pro"}, "portalRole": "admin",
			})
			c.mustUpdateContact(ada.ID, map[string]any{tt.field: nil})
			if got := c.contactByID(ada.ID); !tt.check(got) || got.Version != 2 {
				t.Errorf("after %s: null, contact = %+v; want %s %s and version 2", tt.field, *got, tt.field, tt.want)
			}
		})
	}
}

func TestContactVersionGrowsByOnePerSuccessfulUpdate(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ada := c.CreateContact(map[string]any{"name": "Ada"})
	stamp := c.contactStamp(ada.ID)
	if stamp.Version != 1 || !stamp.UpdatedAt.Equal(stamp.CreatedAt) {
		t.Fatalf("new contact: version %d, updatedAt %v, createdAt %v; want 1 and equal times", stamp.Version, stamp.UpdatedAt, stamp.CreatedAt)
	}
	steps := []struct {
		name        string
		input       map[string]any
		wantVersion int
	}{
		{"a change of a field", map[string]any{"email": "ada@example.com"}, 2},
		{"a change of phones only", map[string]any{"phones": phoneInputs("+14155550100")}, 3},
		{"a refused change", map[string]any{"email": "nope"}, 3},
		{"a change of tags", map[string]any{"tags": []string{"vip"}}, 4},
	}
	for _, step := range steps {
		got := c.tryUpdateContact(ada.ID, step.input)
		next := c.contactStamp(ada.ID)
		if next.Version != step.wantVersion {
			t.Errorf("after %s: version %d, want %d", step.name, next.Version, step.wantVersion)
		}
		if succeeded := len(got.UserErrors) == 0; succeeded && !next.UpdatedAt.After(stamp.UpdatedAt) {
			t.Errorf("after %s: updatedAt %v, want later than %v", step.name, next.UpdatedAt, stamp.UpdatedAt)
		} else if !succeeded && !next.UpdatedAt.Equal(stamp.UpdatedAt) {
			t.Errorf("after %s: updatedAt %v, want unchanged %v", step.name, next.UpdatedAt, stamp.UpdatedAt)
		}
		if got.Contact != nil && got.Contact.Version != next.Version {
			t.Errorf("after %s: payload version %d, read back %d", step.name, got.Contact.Version, next.Version)
		}
		stamp = next
	}
}

func TestConcurrentUpdatesOfOneContact(t *testing.T) {
	t.Parallel()
	t.Run("each bumps the version once", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		ada := c.CreateContact(map[string]any{"name": "Ada"})
		const writers = 10
		responses := graphtest.Concurrently(writers, func(i int) *graphtest.Response {
			return c.Post(updateContactDoc, map[string]any{"id": ada.ID, "input": map[string]any{"description": fmt.Sprintf("edit %d", i)}})
		})
		for i, resp := range responses {
			if got, ok := payloadOf(t, resp); !ok || len(got.UserErrors) > 0 {
				t.Errorf("writer %d: errors %+v, user errors %s; want none", i, resp.Errors, describeErrors(got.UserErrors))
			}
		}
		if got := c.contactStamp(ada.ID).Version; got != 1+writers {
			t.Errorf("version after %d concurrent updates = %d, want %d", writers, got, 1+writers)
		}
	})
	t.Run("phones added at once stay within 20", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		ada := c.CreateContact(map[string]any{"name": "Ada", "phones": phoneInputs(phoneNumbers(0, 15)...)})
		const writers = 10
		extra := phoneNumbers(100, writers)
		responses := graphtest.Concurrently(writers, func(i int) *graphtest.Response {
			return c.Post(updateContactDoc, map[string]any{"id": ada.ID, "input": map[string]any{"phones": phoneInputs(extra[i])}})
		})
		added := countWritten(t, responses, inputAt("phones"), "LIMIT_EXCEEDED")
		if got := len(c.contactByID(ada.ID).Phones); added != 5 || got != 20 {
			t.Errorf("%d of %d concurrent additions succeeded and the contact has %d phones; want 5 and 20", added, writers, got)
		}
	})
}

func TestUpdateContactPhones(t *testing.T) {
	t.Parallel()
	const (
		a, b, c, d, e = "+14155550100", "+14155550101", "+14155550102", "+14155550103", "+14155550104"
	)
	// Changes are built from the ids of the contact's phones (own, oldest
	// first) and of another contact's phone of the same workspace.
	tests := []struct {
		name       string
		initial    []string
		changes    func(own []string, other string) []map[string]any
		wantField  []string
		wantCode   string
		wantPhones []string // after a successful update
	}{
		{
			name: "a change without id adds a phone", initial: []string{a},
			changes:    func(own []string, _ string) []map[string]any { return []map[string]any{{"number": b, "type": "WORK"}} },
			wantPhones: []string{a + ":MOBILE", b + ":WORK"},
		},
		{
			name: "a change with id updates the number", initial: []string{a, b},
			changes:    func(own []string, _ string) []map[string]any { return []map[string]any{{"id": own[0], "number": c}} },
			wantPhones: []string{c + ":MOBILE", b + ":MOBILE"},
		},
		{
			name: "a change with id updates the type alone", initial: []string{a},
			changes:    func(own []string, _ string) []map[string]any { return []map[string]any{{"id": own[0], "type": "HOME"}} },
			wantPhones: []string{a + ":HOME"},
		},
		{
			name: "a change with id and destroy removes the phone", initial: []string{a, b},
			changes: func(own []string, _ string) []map[string]any {
				return []map[string]any{{"id": own[0], "destroy": true}}
			},
			wantPhones: []string{b + ":MOBILE"},
		},
		{
			name: "a valid mix of add, update and remove applies all", initial: []string{a, b, c},
			changes: func(own []string, _ string) []map[string]any {
				return []map[string]any{{"id": own[0], "destroy": true}, {"id": own[1], "number": d}, {"number": e, "type": "OTHER"}}
			},
			wantPhones: []string{d + ":MOBILE", c + ":MOBILE", e + ":OTHER"},
		},
		{
			name: "a number moves from a removed phone to a new one", initial: []string{a},
			changes: func(own []string, _ string) []map[string]any {
				return []map[string]any{{"id": own[0], "destroy": true}, {"number": a, "type": "WORK"}}
			},
			wantPhones: []string{a + ":WORK"},
		},
		{
			name: "two phones swap their numbers", initial: []string{a, b},
			changes: func(own []string, _ string) []map[string]any {
				return []map[string]any{{"id": own[0], "number": b}, {"id": own[1], "number": a}}
			},
			wantPhones: []string{b + ":MOBILE", a + ":MOBILE"},
		},
		{
			name: "a number shifts from one phone to another that changes too", initial: []string{a, b},
			changes: func(own []string, _ string) []map[string]any {
				return []map[string]any{{"id": own[0], "number": b}, {"id": own[1], "number": c}}
			},
			wantPhones: []string{b + ":MOBILE", c + ":MOBILE"},
		},
		{
			name: "a number moves from a changed phone to a new one", initial: []string{a},
			changes: func(own []string, _ string) []map[string]any {
				return []map[string]any{{"number": a, "type": "WORK"}, {"id": own[0], "number": b}}
			},
			wantPhones: []string{b + ":MOBILE", a + ":WORK"},
		},
		{
			name: "removing one makes room for another at 20", initial: phoneNumbers(0, 20),
			changes: func(own []string, _ string) []map[string]any {
				return []map[string]any{{"id": own[0], "destroy": true}, {"number": a}}
			},
			wantPhones: append(suffixAll(phoneNumbers(1, 19), ":MOBILE"), a+":-"),
		},
		{
			name: "a mix with one invalid change writes nothing", initial: []string{a, b, c},
			changes: func(own []string, _ string) []map[string]any {
				return []map[string]any{{"id": own[0], "destroy": true}, {"id": own[1], "number": d}, {"number": "+0123"}}
			},
			wantField: inputAt("phones", "2", "number"), wantCode: "INVALID",
		},
		{
			name: "another contact's phone is not found", initial: []string{a},
			changes: func(own []string, other string) []map[string]any {
				return []map[string]any{{"number": b}, {"id": other, "number": c}}
			},
			wantField: inputAt("phones", "1", "id"), wantCode: "NOT_FOUND",
		},
		{
			name: "another contact's phone cannot be destroyed", initial: []string{a},
			changes: func(own []string, other string) []map[string]any {
				return []map[string]any{{"id": other, "destroy": true}}
			},
			wantField: inputAt("phones", "0", "id"), wantCode: "NOT_FOUND",
		},
		{
			name: "an unknown phone id is not found", initial: []string{a},
			changes: func(own []string, _ string) []map[string]any {
				return []map[string]any{{"id": db.NewID(db.PhonePrefix), "type": "HOME"}}
			},
			wantField: inputAt("phones", "0", "id"), wantCode: "NOT_FOUND",
		},
		{
			name: "adding a number the contact has already exists", initial: []string{a, b},
			changes:   func(own []string, _ string) []map[string]any { return []map[string]any{{"number": b}} },
			wantField: inputAt("phones", "0", "number"), wantCode: "ALREADY_EXISTS",
		},
		{
			name: "changing a number to one the contact has already exists", initial: []string{a, b},
			changes:   func(own []string, _ string) []map[string]any { return []map[string]any{{"id": own[0], "number": b}} },
			wantField: inputAt("phones", "0", "number"), wantCode: "ALREADY_EXISTS",
		},
		{
			name: "adding beyond 20 phones exceeds the limit", initial: phoneNumbers(0, 19),
			changes:   func(own []string, _ string) []map[string]any { return []map[string]any{{"number": a}, {"number": b}} },
			wantField: inputAt("phones"), wantCode: "LIMIT_EXCEEDED",
		},
		{
			name: "a new phone needs a number", initial: []string{a},
			changes:   func(own []string, _ string) []map[string]any { return []map[string]any{{"type": "HOME"}} },
			wantField: inputAt("phones", "0", "number"), wantCode: "REQUIRED",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cl := newClient(t)
			ada := cl.CreateContact(map[string]any{"name": "Ada", "phones": phoneInputs(tt.initial...)})
			other := cl.CreateContact(map[string]any{"name": "Grace", "phones": phoneInputs("+16505550100")})
			own := make([]string, len(ada.Phones))
			for i, p := range ada.Phones {
				own[i] = p.ID
			}
			before := cl.contactByID(ada.ID)
			got := cl.tryUpdateContact(ada.ID, map[string]any{"name": "Ada Lovelace", "phones": tt.changes(own, other.Phones[0].ID)})
			after := cl.contactByID(ada.ID)
			if tt.wantCode != "" {
				checkUserError(t, got.UserErrors, tt.wantField, tt.wantCode)
				if !reflect.DeepEqual(after, before) {
					t.Errorf("contact after a refused update = %+v, want unchanged %+v", after, before)
				}
				if o := cl.contactByID(other.ID); !slices.Equal(phoneList(o), []string{"+16505550100:MOBILE"}) {
					t.Errorf("the other contact's phones = %q, want unchanged", phoneList(o))
				}
				return
			}
			if len(got.UserErrors) > 0 {
				t.Fatalf("user errors %s, want none", describeErrors(got.UserErrors))
			}
			if !slices.Equal(phoneList(after), tt.wantPhones) || after.Name != "Ada Lovelace" || after.Version != 2 {
				t.Errorf("phones, name, version = %q, %q, %d; want %q, Ada Lovelace, 2", phoneList(after), after.Name, after.Version, tt.wantPhones)
			}
			if !slices.Equal(phoneList(got.Contact), tt.wantPhones) {
				t.Errorf("payload phones = %q, want %q", phoneList(got.Contact), tt.wantPhones)
			}
		})
	}
}

func suffixAll(values []string, suffix string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v + suffix
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestDeleteContactRemovesPhonesAndMemberships(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	account := c.CreateAccount(map[string]any{"name": "Acme"})
	ada := c.CreateContact(map[string]any{"name": "Ada", "accountId": account, "phones": phoneInputs("+14155550100", "+14155550101")})
	grace := c.CreateContact(map[string]any{"name": "Grace", "accountIds": []string{account}})

	got := c.tryDelete("deleteContact", ada.ID)
	if got.DeletedID == nil || *got.DeletedID != ada.ID || len(got.UserErrors) > 0 {
		t.Fatalf("deleteContact = %+v, want deletedId %s and no user errors", got, ada.ID)
	}
	if c.contactByID(ada.ID) != nil {
		t.Errorf("contact(id) after delete is not null")
	}
	for _, p := range ada.Phones {
		if c.nodeExists(p.ID) {
			t.Errorf("node(id: %s) of a deleted contact's phone is not null", p.ID)
		}
	}
	var out struct {
		Account struct {
			Contacts struct {
				TotalCount int
				Nodes      []struct{ ID string }
			}
		}
	}
	c.MustDo(`query($id: ID) { account(id: $id) { contacts { totalCount nodes { id } } } }`, map[string]any{"id": account}, &out)
	if members := out.Account.Contacts; members.TotalCount != 1 || len(members.Nodes) != 1 || members.Nodes[0].ID != grace.ID {
		t.Errorf("account contacts after delete = %+v, want only %s", members, grace.ID)
	}
	if again := c.tryDelete("deleteContact", ada.ID); again.DeletedID != nil {
		t.Errorf("second deleteContact: deletedId %v, want null", *again.DeletedID)
	} else {
		checkUserError(t, again.UserErrors, []string{"id"}, "NOT_FOUND")
	}
}

func TestMutationsOnUnknownIDsAreNotFound(t *testing.T) {
	t.Parallel()
	mutations := []struct {
		name string
		kind string // the kind of record the mutation takes
		run  func(c *client, id string) []graphtest.UserError
	}{
		{"updateContact", "contact", func(c *client, id string) []graphtest.UserError {
			return c.tryUpdateContact(id, map[string]any{"name": "Ada"}).UserErrors
		}},
		{"deleteContact", "contact", func(c *client, id string) []graphtest.UserError { return c.tryDelete("deleteContact", id).UserErrors }},
		{"updateAccount", "account", func(c *client, id string) []graphtest.UserError {
			_, _, userErrors := accountKind.update(c, id, map[string]any{"name": "Acme"})
			return userErrors
		}},
		{"deleteAccount", "account", func(c *client, id string) []graphtest.UserError { return c.tryDelete("deleteAccount", id).UserErrors }},
	}
	ids := []struct {
		name string
		id   func(c *client, kind string) string
	}{
		{"a well-formed unknown id", func(_ *client, kind string) string { return db.NewID(kind + "_") }},
		{"a malformed id", func(_ *client, kind string) string { return kind + "_nope" }},
		{"an empty id", func(*client, string) string { return "" }},
		{"an id of another kind of record", func(c *client, kind string) string {
			if kind == "contact" {
				return c.CreateAccount(map[string]any{"name": "Acme"})
			}
			return c.CreateContact(map[string]any{"name": "Ada"}).ID
		}},
		{"an id of another workspace's record", func(c *client, kind string) string {
			other := c.otherWorkspace()
			if kind == "contact" {
				return other.CreateContact(map[string]any{"name": "Theirs"}).ID
			}
			return other.CreateAccount(map[string]any{"name": "Theirs"})
		}},
	}
	for _, m := range mutations {
		for _, id := range ids {
			t.Run(m.name+" with "+id.name, func(t *testing.T) {
				t.Parallel()
				c := newClient(t)
				checkUserError(t, m.run(c, id.id(c, m.kind)), []string{"id"}, "NOT_FOUND")
			})
		}
	}
}
