package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/db/dbtest"
	"github.com/contacts-api/contacts/graph/graphtest"
)

const updateWorkspaceSettingsDoc = `mutation($input: UpdateWorkspaceSettingsInput!) {
	updateWorkspaceSettings(input: $input) { workspaceSettings { defaultPhoneRegion } ` + userErrorFields + ` } }`

// setDefaultPhoneRegion runs updateWorkspaceSettings with region (nil to
// clear it) and returns the region it answers and its user errors.
func (c *client) setDefaultPhoneRegion(region any) (*string, []graphtest.UserError) {
	c.T.Helper()
	var out struct {
		UpdateWorkspaceSettings struct {
			WorkspaceSettings *struct{ DefaultPhoneRegion *string }
			UserErrors        []graphtest.UserError
		}
	}
	c.MustDo(updateWorkspaceSettingsDoc, map[string]any{"input": map[string]any{"defaultPhoneRegion": region}}, &out)
	got := out.UpdateWorkspaceSettings
	if got.WorkspaceSettings == nil {
		return nil, got.UserErrors
	}
	return got.WorkspaceSettings.DefaultPhoneRegion, got.UserErrors
}

// numbers returns the numbers of a contact's phones, oldest first.
func numbers(c *graphtest.ContactData) []string {
	out := make([]string, len(c.Phones))
	for i, p := range c.Phones {
		out[i] = p.Number
	}
	return out
}

// TestPhonesAsWritten: numbers are read as people write them, with the
// input's region, else the workspace's default, and stored in E.164 form;
// numbers that are not valid are refused with why.
func TestPhonesAsWritten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		defaultRegion string
		phones        []map[string]any
		want          []string
		// wantCode and wantField are the user error expected instead.
		wantCode, wantField, wantMessage string
	}{
		{"the + form, however written", "", []map[string]any{{"number": "+1 (415) 555-0199"}, {"number": "+44 20 7946 0958"}}, []string{"+14155550199", "+442079460958"}, "", "", ""},
		{"a national number with its region", "", []map[string]any{{"number": "4155550199", "region": "US"}, {"number": "020 7946 0958", "region": "gb"}}, []string{"+14155550199", "+442079460958"}, "", "", ""},
		{"a national number with the default region", "US", []map[string]any{{"number": "(415) 555-0199"}}, []string{"+14155550199"}, "", "", ""},
		{"the input's region wins over the default", "US", []map[string]any{{"number": "0044 20 7946 0958", "region": "GB"}}, []string{"+442079460958"}, "", "", ""},
		{"a national number without any region asks for the + form", "", []map[string]any{{"number": "4155550199"}}, nil, "INVALID", "input.phones.0.number", "international form"},
		{"+12 is too short", "", []map[string]any{{"number": "+12"}}, nil, "INVALID", "input.phones.0.number", "too short"},
		{"not a valid number of its country", "", []map[string]any{{"number": "+1 123 456 7890"}}, nil, "INVALID", "input.phones.0.number", "not a valid number of +1 (US"},
		{"an extension is refused", "US", []map[string]any{{"number": "(415) 555-0199 ext. 12"}}, nil, "INVALID", "input.phones.0.number", "extension"},
		{"an unknown region", "", []map[string]any{{"number": "4155550199", "region": "XX"}}, nil, "INVALID", "input.phones.0.region", "ISO 3166-1"},
		{"over 40 characters", "", []map[string]any{{"number": "+1 415 555 0199" + strings.Repeat(" ", 26)}}, nil, "TOO_LONG", "input.phones.0.number", "40"},
		{"a number written twice another way", "", []map[string]any{{"number": "+14155550199"}, {"number": "(415) 555-0199", "region": "US"}}, nil, "ALREADY_EXISTS", "input.phones.1.number", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			if tt.defaultRegion != "" {
				c.setDefaultPhoneRegion(tt.defaultRegion)
			}
			got := c.tryCreateContact(map[string]any{"name": "Ada", "phones": tt.phones})
			if tt.wantCode == "" {
				if len(got.UserErrors) > 0 || got.Contact == nil || !slices.Equal(numbers(got.Contact), tt.want) {
					t.Fatalf("created %+v with %s; want phones %q", got.Contact, describeErrors(got.UserErrors), tt.want)
				}
				return
			}
			found := slices.ContainsFunc(got.UserErrors, func(e graphtest.UserError) bool {
				return e.Code == tt.wantCode && strings.Join(e.Field, ".") == tt.wantField && strings.Contains(e.Message, tt.wantMessage)
			})
			if got.Contact != nil || !found {
				t.Errorf("created %+v with %+v; want %s at %s saying %q", got.Contact, got.UserErrors, tt.wantCode, tt.wantField, tt.wantMessage)
			}
		})
	}
}

// TestUpdatePhoneAsWritten: a changed number is read the same way.
func TestUpdatePhoneAsWritten(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	ada := c.CreateContact(map[string]any{"name": "Ada", "phones": phoneInputs("+14155550100")})
	got := c.mustUpdateContact(ada.ID, map[string]any{"phones": []map[string]any{
		{"id": ada.Phones[0].ID, "number": "06 12 34 56 78", "region": "FR"},
		{"number": "+1 650.555.0100"},
	}})
	if want := []string{"+33612345678", "+16505550100"}; !slices.Equal(numbers(got), want) {
		t.Errorf("phones = %q; want %q", numbers(got), want)
	}
	refused := c.tryUpdateContact(ada.ID, map[string]any{"phones": []map[string]any{{"id": ada.Phones[0].ID, "number": "+12"}}})
	if len(refused.UserErrors) != 1 || refused.UserErrors[0].Code != "INVALID" {
		t.Errorf("changing a number to +12: %s; want INVALID", describeErrors(refused.UserErrors))
	}
}

// TestDefaultPhoneRegion: the workspace's default phone region is set in
// any case, read back in capitals, cleared with null, and checked.
func TestDefaultPhoneRegion(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	read := func() *string {
		var out struct {
			WorkspaceSettings struct{ DefaultPhoneRegion *string }
		}
		c.MustDo(`{ workspaceSettings { defaultPhoneRegion } }`, nil, &out)
		return out.WorkspaceSettings.DefaultPhoneRegion
	}
	if got := read(); got != nil {
		t.Errorf("a new workspace's default region = %q; want null", *got)
	}
	if got, errs := c.setDefaultPhoneRegion("gb"); got == nil || *got != "GB" || len(errs) > 0 {
		t.Fatalf("setting gb answered %v, %s; want GB", got, describeErrors(errs))
	}
	if got := read(); got == nil || *got != "GB" {
		t.Errorf("default region read back = %v; want GB", got)
	}
	if numbers := numbers(c.CreateContact(map[string]any{"name": "Ada", "phones": phoneInputs("020 7946 0958")})); !slices.Equal(numbers, []string{"+442079460958"}) {
		t.Errorf("a British national number = %q; want +442079460958", numbers)
	}
	if _, errs := c.setDefaultPhoneRegion("England"); len(errs) != 1 || errs[0].Code != "TOO_LONG" || strings.Join(errs[0].Field, ".") != "input.defaultPhoneRegion" {
		t.Errorf("setting England: %s; want TOO_LONG at input.defaultPhoneRegion", describeErrors(errs))
	}
	if _, errs := c.setDefaultPhoneRegion("ZZ"); len(errs) != 1 || errs[0].Code != "INVALID" || strings.Join(errs[0].Field, ".") != "input.defaultPhoneRegion" {
		t.Errorf("setting ZZ: %s; want INVALID at input.defaultPhoneRegion", describeErrors(errs))
	}
	if got := read(); got == nil || *got != "GB" {
		t.Errorf("after a refused change the default region = %v; want GB still", got)
	}
	if got, errs := c.setDefaultPhoneRegion(nil); got != nil || len(errs) > 0 {
		t.Fatalf("clearing answered %v, %s; want null", got, describeErrors(errs))
	}
	refused := c.tryCreateContact(map[string]any{"name": "Bob", "phones": phoneInputs("020 7946 0958")})
	if len(refused.UserErrors) != 1 || refused.UserErrors[0].Code != "INVALID" {
		t.Errorf("a national number after clearing: %s; want INVALID", describeErrors(refused.UserErrors))
	}
	if other := c.otherWorkspace(); other.tryCreateContact(map[string]any{"name": "Eve", "phones": phoneInputs("020 7946 0958")}).Contact != nil {
		t.Error("another workspace used this workspace's default region")
	}
}

// TestUpsertRecognisesANumberWrittenAnotherWay: a number equal in E.164
// form is the same phone, in MERGE and REPLACE mode, single and in bulk,
// so that retries stay idempotent.
func TestUpsertRecognisesANumberWrittenAnotherWay(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	first := c.mustUpsert(map[string]any{"externalId": "crm-1", "name": "Ada", "phones": phoneInputs("+14155550199")})
	for _, mode := range []string{"MERGE", "REPLACE"} {
		got := c.mustUpsert(map[string]any{"externalId": "crm-1", "phonesMode": mode, "phones": []map[string]any{
			{"number": "(415) 555-0199", "region": "US", "type": "WORK"},
		}})
		if len(got.Phones) != 1 || got.Phones[0].ID != first.Phones[0].ID || got.Phones[0].Type == nil || *got.Phones[0].Type != "WORK" {
			t.Errorf("%s with the number written another way: phones %+v; want the phone %s, now WORK", mode, got.Phones, first.Phones[0].ID)
		}
	}
	c.setDefaultPhoneRegion("US")
	input := map[string]any{"externalId": "crm-2", "name": "Bob", "phones": []map[string]any{{"number": "650-555-0100"}, {"number": "+44 20 7946 0958"}}}
	for round := range 2 {
		results := c.bulkUpsert([]map[string]any{input}, true)
		if len(results) != 1 || len(results[0].UserErrors) > 0 || results[0].Contact == nil {
			t.Fatalf("bulk round %d: %+v", round, results)
		}
		var got []string
		for _, p := range results[0].Contact.Phones {
			got = append(got, p.Number)
		}
		if want := []string{"+16505550100", "+442079460958"}; !slices.Equal(got, want) {
			t.Errorf("bulk round %d: phones %q; want %q", round, got, want)
		}
	}
}

// TestPhoneDetails: the fields computed from a stored number are right,
// rendered by the server and resolved by gqlgen alike, also for a number
// stored before numbers were checked.
func TestPhoneDetails(t *testing.T) {
	t.Parallel()
	optimized, plain := optimizedAndPlain(t)
	ada := optimized.CreateContact(map[string]any{"name": "Ada", "phones": phoneInputs("+14155550199", "+442079460958", "+80012345678")})
	legacy := db.Phone{Key: db.Key{WorkspaceID: optimized.Workspace, ID: db.NewID(db.PhonePrefix)}, ContactID: ada.ID, Number: "+12"}
	if _, err := dbtest.DB(t).NewInsert().Model(&legacy).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	type details struct {
		Number, National, International string
		CountryCode                     *int
		Region                          *string
	}
	ptr := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	want := []details{
		{"+14155550199", "(415) 555-0199", "+1 415-555-0199", num(1), ptr("US")},
		{"+442079460958", "020 7946 0958", "+44 20 7946 0958", num(44), ptr("GB")},
		{"+80012345678", "1234 5678", "+800 1234 5678", num(800), nil},
		{"+12", "+12", "+12", nil, nil},
	}
	for _, query := range []string{
		`query($id: ID!) { contact(id: $id) { phones { number countryCode region national international } } }`,
		`query($id: ID!) { contacts(first: 5, filter: {id: {equals: $id}}) { nodes { phones { number countryCode region national international } } } }`,
		`query($id: ID!) { node(id: $id) { ... on Contact { phones { number countryCode region national international } } } }`,
	} {
		vars := map[string]any{"id": ada.ID}
		got, whole := optimized.Post(query, vars), plain.Post(query, vars)
		if !bytes.Equal(got.Body, whole.Body) {
			t.Errorf("%s: rendered\n%s\nwhere gqlgen writes\n%s", query, got.Body, whole.Body)
		}
		var out struct {
			Contact  *struct{ Phones []details }
			Node     *struct{ Phones []details }
			Contacts *struct{ Nodes []struct{ Phones []details } }
		}
		plain.MustDo(query, vars, &out)
		var phones []details
		switch {
		case out.Contact != nil:
			phones = out.Contact.Phones
		case out.Node != nil:
			phones = out.Node.Phones
		case out.Contacts != nil && len(out.Contacts.Nodes) == 1:
			phones = out.Contacts.Nodes[0].Phones
		}
		if g, w := asJSON(t, phones), asJSON(t, want); g != w {
			t.Errorf("%s: phones %s; want %s", query, g, w)
		}
	}
}

func asJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMergeKeepsOneOfANumberWrittenTwoWays: numbers are stored in E.164
// form, so merging contacts that were given one number in two ways leaves
// the target with one phone of it.
func TestMergeKeepsOneOfANumberWrittenTwoWays(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	target := c.CreateContact(map[string]any{"name": "Ada", "phones": phoneInputs("+1 415 555 0199")})
	source := c.CreateContact(map[string]any{"name": "A. Lovelace", "phones": []map[string]any{
		{"number": "(415) 555-0199", "region": "US"}, {"number": "020 7946 0958", "region": "GB"},
	}})
	merged := c.merge(target.ID, source.ID)
	if merged.Contact == nil || len(merged.UserErrors) > 0 {
		t.Fatalf("merge: %s", describeErrors(merged.UserErrors))
	}
	if got, want := numbers(&merged.Contact.ContactData), []string{"+14155550199", "+442079460958"}; !slices.Equal(got, want) {
		t.Errorf("merged phones = %q; want %q", got, want)
	}
}
