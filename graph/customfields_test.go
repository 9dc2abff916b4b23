package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
)

// The GraphQL documents of the custom field tests.
const (
	createFieldDoc = `mutation($input: CreateCustomFieldInput!) { createCustomField(input: $input) {
		customField { id slug label type object options } ` + userErrorFields + ` } }`
	updateFieldDoc = `mutation($id: ID!, $input: UpdateCustomFieldInput!) { updateCustomField(id: $id, input: $input) {
		customField { id slug label type object options } ` + userErrorFields + ` } }`
	contactFieldsDoc = `query($id: ID) { contact(id: $id) { customFields { slug value definition { id type } } plan: customField(slug: "plan") } }`
)

// fieldPayload is the payload of a custom field mutation.
type fieldPayload struct {
	CustomField *struct {
		ID, Slug, Label, Type, Object string
		Options                       []string
	}
	UserErrors []graphtest.UserError
}

// tryCreateField runs createCustomField and returns its payload.
func (c *client) tryCreateField(input map[string]any) fieldPayload {
	c.T.Helper()
	return rootField[fieldPayload](c, createFieldDoc, map[string]any{"input": input})
}

// createField creates a custom field that must be valid and returns its id.
func (c *client) createField(object, slug, typ string, options ...string) string {
	c.T.Helper()
	in := map[string]any{"object": object, "slug": slug, "label": strings.ToUpper(slug), "type": typ}
	if options != nil {
		in["options"] = options
	}
	got := c.tryCreateField(in)
	if got.CustomField == nil {
		c.T.Fatalf("createCustomField(%v): user errors %s", in, describeErrors(got.UserErrors))
	}
	return got.CustomField.ID
}

// fieldValues returns a contact's custom field values by slug.
func (c *client) fieldValues(id string) map[string]string {
	c.T.Helper()
	var out struct {
		Contact struct {
			CustomFields []struct {
				Slug       string
				Value      json.RawMessage
				Definition struct{ ID, Type string }
			}
		}
	}
	c.MustDo(contactFieldsDoc, map[string]any{"id": id}, &out)
	values := map[string]string{}
	for _, v := range out.Contact.CustomFields {
		values[v.Slug] = string(v.Value)
	}
	return values
}

// seedFields creates one contact field of each type.
func seedFields(c *client) {
	c.createField("CONTACT", "note", "TEXT")
	c.createField("CONTACT", "seats", "NUMBER")
	c.createField("CONTACT", "beta", "BOOLEAN")
	c.createField("CONTACT", "renewal", "DATE")
	c.createField("CONTACT", "plan", "SELECT", "free", "pro", "enterprise")
	c.createField("CONTACT", "langs", "MULTI_SELECT", "en", "fr", "de")
	c.createField("CONTACT", "site", "URL")
}

func TestCustomFieldDefinitionRules(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.createField("CONTACT", "plan", "SELECT", "free", "pro")
	tests := []struct {
		name  string
		input map[string]any
		field []string
		code  string
	}{
		{"the same slug on the other object is fine", m{"object": "ACCOUNT", "slug": "plan", "label": "Plan", "type": "TEXT"}, nil, ""},
		{"a slug is unique per object", m{"object": "CONTACT", "slug": "plan", "label": "Plan", "type": "TEXT"}, inputAt("slug"), "ALREADY_EXISTS"},
		{"a slug starts with a letter", m{"object": "CONTACT", "slug": "1plan", "label": "Plan", "type": "TEXT"}, inputAt("slug"), "INVALID"},
		{"a slug is lowercase", m{"object": "CONTACT", "slug": "Plan", "label": "Plan", "type": "TEXT"}, inputAt("slug"), "INVALID"},
		{"a slug is at most 63 characters", m{"object": "CONTACT", "slug": "a" + strings.Repeat("b", 63), "label": "Plan", "type": "TEXT"}, inputAt("slug"), "TOO_LONG"},
		{"a label is required", m{"object": "CONTACT", "slug": "x", "label": " ", "type": "TEXT"}, inputAt("label"), "REQUIRED"},
		{"a label is at most 255 characters", m{"object": "CONTACT", "slug": "x", "label": strings.Repeat("l", 256), "type": "TEXT"}, inputAt("label"), "TOO_LONG"},
		{"TEXT takes no options", m{"object": "CONTACT", "slug": "x", "label": "X", "type": "TEXT", "options": []string{"a"}}, inputAt("options"), "INVALID"},
		{"SELECT needs options", m{"object": "CONTACT", "slug": "x", "label": "X", "type": "SELECT"}, inputAt("options"), "REQUIRED"},
		{"MULTI_SELECT options are distinct", m{"object": "CONTACT", "slug": "x", "label": "X", "type": "MULTI_SELECT", "options": []string{"a", " a"}}, inputAt("options", "1"), "INVALID"},
		{"options are not blank", m{"object": "CONTACT", "slug": "x", "label": "X", "type": "SELECT", "options": []string{""}}, inputAt("options", "0"), "INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.tryCreateField(tt.input)
			if tt.code == "" {
				if got.CustomField == nil || got.CustomField.Slug != tt.input["slug"] {
					t.Fatalf("user errors %s, want none", describeErrors(got.UserErrors))
				}
				return
			}
			if got.CustomField != nil {
				t.Errorf("field created, want %s at %q", tt.code, tt.field)
			}
			checkUserError(t, got.UserErrors, tt.field, tt.code)
		})
	}
	var out struct {
		CustomFieldDefinitions []struct{ ID, Slug, Object string }
		Node                   *struct{ Slug string }
	}
	c.MustDo(`query($object: CustomFieldObject) { customFieldDefinitions(object: $object) { id slug object } }`, map[string]any{"object": "ACCOUNT"}, &out)
	if len(out.CustomFieldDefinitions) != 1 || out.CustomFieldDefinitions[0].Object != "ACCOUNT" {
		t.Errorf("account fields %+v, want the one account field", out.CustomFieldDefinitions)
	}
	c.MustDo(`{ customFieldDefinitions { id slug object } }`, nil, &out)
	if len(out.CustomFieldDefinitions) != 2 {
		t.Fatalf("all fields %+v, want 2", out.CustomFieldDefinitions)
	}
	c.MustDo(`query($id: ID!) { node(id: $id) { ... on CustomFieldDefinition { slug } } }`, map[string]any{"id": out.CustomFieldDefinitions[0].ID}, &out)
	if out.Node == nil || out.Node.Slug != "plan" {
		t.Errorf("node(id:) of a custom field = %+v, want plan", out.Node)
	}
	other := c.otherWorkspace()
	other.MustDo(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": out.CustomFieldDefinitions[0].ID}, &out)
	if out.Node != nil {
		t.Errorf("another workspace found the field with node(id:)")
	}
}

// TestCustomFieldValuesAreChecked sets values of each type on new
// contacts: valid ones come back normalized, wrong ones are user errors
// at the value's path and create nothing.
func TestCustomFieldValuesAreChecked(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	seedFields(c)
	tests := []struct {
		slug  string
		value any
		want  string // the stored JSON, or "" for INVALID
	}{
		{"note", "Likes tea", `"Likes tea"`},
		{"note", 5, ""},
		{"note", strings.Repeat("x", 10_001), ""},
		{"seats", 42.5, `42.5`},
		{"seats", "42", ""},
		{"seats", true, ""},
		{"beta", true, `true`},
		{"beta", "true", ""},
		{"renewal", "2026-11-23", `"2026-11-23"`},
		{"renewal", "2026-02-30", ""},
		{"renewal", "23/11/2026", ""},
		{"renewal", "2026-1-5", ""},
		{"plan", "pro", `"pro"`},
		{"plan", "platinum", ""},
		{"plan", []string{"pro"}, ""},
		{"langs", []string{"fr", "en", "fr"}, `["fr","en"]`},
		{"langs", []string{"en", "xx"}, ""},
		{"langs", "en", ""},
		{"site", "https://acme.com/team", `"https://acme.com/team"`},
		{"site", "ftp://acme.com", ""},
		{"site", "acme.com", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.slug, tt.value), func(t *testing.T) {
			t.Parallel()
			got := c.tryCreateContact(map[string]any{"name": "Ada", "customFields": []map[string]any{{"slug": tt.slug, "value": tt.value}}})
			if tt.want == "" {
				checkUserError(t, got.UserErrors, inputAt("customFields", "0", "value"), "INVALID")
				return
			}
			if got.Contact == nil {
				t.Fatalf("user errors %s, want none", describeErrors(got.UserErrors))
			}
			if values := c.fieldValues(got.Contact.ID); values[tt.slug] != tt.want || len(values) != 1 {
				t.Errorf("values %v, want %s: %s", values, tt.slug, tt.want)
			}
		})
	}
	t.Run("unknown slug", func(t *testing.T) {
		got := c.tryCreateContact(map[string]any{"name": "Ada", "customFields": []map[string]any{{"slug": "plan", "value": "pro"}, {"slug": "nope", "value": 1}}})
		checkUserError(t, got.UserErrors, inputAt("customFields", "1", "value"), "NOT_FOUND")
	})
	t.Run("an account field is unknown on contacts", func(t *testing.T) {
		c.createField("ACCOUNT", "tier", "TEXT")
		got := c.tryCreateContact(map[string]any{"name": "Ada", "customFields": []map[string]any{{"slug": "tier", "value": "gold"}}})
		checkUserError(t, got.UserErrors, inputAt("customFields", "0", "value"), "NOT_FOUND")
	})
}

// TestCustomFieldValuesChange: updates set and remove values and leave
// the others; upserts and accounts take them too.
func TestCustomFieldValuesChange(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	seedFields(c)
	id := c.CreateContact(map[string]any{"name": "Ada", "customFields": []map[string]any{{"slug": "plan", "value": "pro"}, {"slug": "seats", "value": 3}}}).ID
	c.mustUpdateContact(id, map[string]any{"customFields": []map[string]any{{"slug": "seats", "value": nil}, {"slug": "beta", "value": false}}})
	if got, want := fmt.Sprint(c.fieldValues(id)), fmt.Sprint(map[string]string{"beta": "false", "plan": `"pro"`}); got != want {
		t.Errorf("after update: %s, want %s", got, want)
	}
	var plan struct {
		Contact struct{ Plan json.RawMessage }
	}
	c.MustDo(contactFieldsDoc, map[string]any{"id": id}, &plan)
	if string(plan.Contact.Plan) != `"pro"` {
		t.Errorf("customField(slug: plan) = %s, want \"pro\"", plan.Contact.Plan)
	}
	got := c.tryUpdateContact(id, map[string]any{"customFields": []map[string]any{{"slug": "plan", "value": "gold"}}})
	checkUserError(t, got.UserErrors, inputAt("customFields", "0", "value"), "INVALID")

	var bulk struct {
		BulkUpsertContacts struct {
			Results []struct{ UserErrors []graphtest.UserError }
		}
	}
	c.MustDo(`mutation($inputs: [UpsertContactInput!]!) { bulkUpsertContacts(inputs: $inputs) { results { userErrors { field code message } } } }`,
		map[string]any{"inputs": []map[string]any{
			{"externalId": "u-1", "name": "U1", "customFields": []map[string]any{{"slug": "renewal", "value": "2027-01-01"}}},
			{"externalId": "u-2", "name": "U2", "customFields": []map[string]any{{"slug": "renewal", "value": "soon"}}},
		}}, &bulk)
	checkUserError(t, bulk.BulkUpsertContacts.Results[1].UserErrors, []string{"inputs", "1", "customFields", "0", "value"}, "INVALID")

	c.createField("ACCOUNT", "tier", "SELECT", "gold", "silver")
	var account struct {
		CreateAccount struct {
			Account *struct {
				ID           string
				CustomFields []struct{ Slug, Value string }
			}
			UserErrors []graphtest.UserError
		}
	}
	const createAccountDoc = `mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id customFields { slug value } } userErrors { field code message } } }`
	c.MustDo(createAccountDoc, map[string]any{"input": map[string]any{"name": "Acme", "customFields": []map[string]any{{"slug": "tier", "value": "bronze"}}}}, &account)
	checkUserError(t, account.CreateAccount.UserErrors, inputAt("customFields", "0", "value"), "INVALID")
	c.MustDo(createAccountDoc, map[string]any{"input": map[string]any{"name": "Acme", "customFields": []map[string]any{{"slug": "tier", "value": "gold"}}}}, &account)
	if a := account.CreateAccount.Account; a == nil || len(a.CustomFields) != 1 || a.CustomFields[0].Value != "gold" {
		t.Errorf("account %+v, want tier gold", a)
	}
}

// TestMergeGainsCustomFieldValues: the target of a merge keeps its values
// and gains those it lacks.
func TestMergeGainsCustomFieldValues(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	seedFields(c)
	target := c.CreateContact(map[string]any{"name": "A", "customFields": []map[string]any{{"slug": "plan", "value": "pro"}}}).ID
	source := c.CreateContact(map[string]any{"name": "B", "customFields": []map[string]any{{"slug": "plan", "value": "free"}, {"slug": "seats", "value": 7}}}).ID
	c.MustDo(`mutation($t: ID!, $s: [ID!]!) { mergeContacts(targetId: $t, sourceIds: $s) { userErrors { code } } }`, map[string]any{"t": target, "s": []string{source}}, nil)
	if got, want := fmt.Sprint(c.fieldValues(target)), fmt.Sprint(map[string]string{"plan": `"pro"`, "seats": "7"}); got != want {
		t.Errorf("merged values %s, want %s", got, want)
	}
}

// seedFieldValues gives three contacts values of the fields of seedFields.
func seedFieldValues(c *client) *filterFixture {
	c.T.Helper()
	seedFields(c)
	f := &filterFixture{ids: map[string]string{}, names: map[string]string{}}
	values := map[string][]map[string]any{
		"one": {{"slug": "plan", "value": "pro"}, {"slug": "seats", "value": 10}, {"slug": "renewal", "value": "2026-01-15"},
			{"slug": "note", "value": "Likes TEA"}, {"slug": "beta", "value": true}, {"slug": "langs", "value": []string{"en", "fr"}},
			{"slug": "site", "value": "https://one.example"}},
		"two": {{"slug": "plan", "value": "free"}, {"slug": "seats", "value": 2.5}, {"slug": "renewal", "value": "2026-06-01"},
			{"slug": "note", "value": "coffee"}, {"slug": "beta", "value": false}, {"slug": "langs", "value": []string{"de"}}},
		"three": nil,
	}
	for _, name := range []string{"one", "two", "three"} {
		id := c.CreateContact(map[string]any{"name": name, "customFields": values[name]}).ID
		f.ids[name], f.names[id] = id, name
	}
	return f
}

type cf = map[string]any

// TestCustomFieldFilters covers each operator on each type that it fits,
// the operators that do not fit, and isolation from a twin workspace with
// the same fields and values.
func TestCustomFieldFilters(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	f := seedFieldValues(c)
	seedFieldValues(c.otherWorkspace())
	all := []string{"one", "two", "three"}
	tests := []struct {
		name     string
		filters  []cf
		want     []string
		wantCode string
	}{
		{"SELECT equals", []cf{{"slug": "plan", "equals": "pro"}}, []string{"one"}, ""},
		{"SELECT in", []cf{{"slug": "plan", "in": []string{"free", "enterprise"}}}, []string{"two"}, ""},
		{"SELECT in empty", []cf{{"slug": "plan", "in": []string{}}}, nil, ""},
		{"SELECT notIn keeps the unset", []cf{{"slug": "plan", "notIn": []string{"pro"}}}, []string{"two", "three"}, ""},
		{"SELECT notIn empty", []cf{{"slug": "plan", "notIn": []string{}}}, all, ""},
		{"SELECT isSet", []cf{{"slug": "plan", "isSet": true}}, []string{"one", "two"}, ""},
		{"SELECT is not set", []cf{{"slug": "plan", "isSet": false}}, []string{"three"}, ""},
		{"NUMBER equals", []cf{{"slug": "seats", "equals": 10}}, []string{"one"}, ""},
		{"NUMBER equals compares numbers", []cf{{"slug": "seats", "equals": 10.0}}, []string{"one"}, ""},
		{"NUMBER in", []cf{{"slug": "seats", "in": []any{2.5, 99}}}, []string{"two"}, ""},
		{"NUMBER gt", []cf{{"slug": "seats", "gt": 5}}, []string{"one"}, ""},
		{"NUMBER lt", []cf{{"slug": "seats", "lt": 5}}, []string{"two"}, ""},
		{"NUMBER between", []cf{{"slug": "seats", "gt": 2, "lt": 3}}, []string{"two"}, ""},
		{"DATE equals", []cf{{"slug": "renewal", "equals": "2026-01-15"}}, []string{"one"}, ""},
		{"DATE gt", []cf{{"slug": "renewal", "gt": "2026-03-01"}}, []string{"two"}, ""},
		{"DATE lt", []cf{{"slug": "renewal", "lt": "2026-03-01"}}, []string{"one"}, ""},
		{"DATE notIn", []cf{{"slug": "renewal", "notIn": []string{"2026-06-01"}}}, []string{"one", "three"}, ""},
		{"TEXT contains ignores case", []cf{{"slug": "note", "contains": "tea"}}, []string{"one"}, ""},
		{"TEXT equals", []cf{{"slug": "note", "equals": "coffee"}}, []string{"two"}, ""},
		{"TEXT in", []cf{{"slug": "note", "in": []string{"coffee", "Likes TEA"}}}, []string{"one", "two"}, ""},
		{"BOOLEAN equals true", []cf{{"slug": "beta", "equals": true}}, []string{"one"}, ""},
		{"BOOLEAN equals false", []cf{{"slug": "beta", "equals": false}}, []string{"two"}, ""},
		{"BOOLEAN isSet", []cf{{"slug": "beta", "isSet": false}}, []string{"three"}, ""},
		{"MULTI_SELECT in has any", []cf{{"slug": "langs", "in": []string{"de", "fr"}}}, []string{"one", "two"}, ""},
		{"MULTI_SELECT in one", []cf{{"slug": "langs", "in": []string{"fr"}}}, []string{"one"}, ""},
		{"MULTI_SELECT notIn has none", []cf{{"slug": "langs", "notIn": []string{"en"}}}, []string{"two", "three"}, ""},
		{"MULTI_SELECT equals is the same set", []cf{{"slug": "langs", "equals": []string{"fr", "en", "fr"}}}, []string{"one"}, ""},
		{"MULTI_SELECT equals a subset is no match", []cf{{"slug": "langs", "equals": []string{"en"}}}, nil, ""},
		{"URL contains", []cf{{"slug": "site", "contains": "ONE."}}, []string{"one"}, ""},
		{"URL equals", []cf{{"slug": "site", "equals": "https://one.example"}}, []string{"one"}, ""},
		{"conditions combine", []cf{{"slug": "plan", "isSet": true}, {"slug": "seats", "lt": 100}, {"slug": "beta", "equals": false}}, []string{"two"}, ""},

		{"gt on TEXT", []cf{{"slug": "note", "gt": "a"}}, nil, "BAD_USER_INPUT"},
		{"contains on NUMBER", []cf{{"slug": "seats", "contains": "1"}}, nil, "BAD_USER_INPUT"},
		{"in on BOOLEAN", []cf{{"slug": "beta", "in": []bool{true}}}, nil, "BAD_USER_INPUT"},
		{"lt on SELECT", []cf{{"slug": "plan", "lt": "pro"}}, nil, "BAD_USER_INPUT"},
		{"contains on MULTI_SELECT", []cf{{"slug": "langs", "contains": "e"}}, nil, "BAD_USER_INPUT"},
		{"gt on DATE with a non-date", []cf{{"slug": "renewal", "gt": "yesterday"}}, nil, "BAD_USER_INPUT"},
		{"NUMBER equals a string", []cf{{"slug": "seats", "equals": "10"}}, nil, "BAD_USER_INPUT"},
		{"SELECT in a number", []cf{{"slug": "plan", "in": []any{1}}}, nil, "BAD_USER_INPUT"},
		{"MULTI_SELECT equals a string", []cf{{"slug": "langs", "equals": "en"}}, nil, "BAD_USER_INPUT"},
		{"unknown slug", []cf{{"slug": "nope", "isSet": true}}, nil, "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkFilter(t, c, f, "contacts", nil, filterCase{tt.name, m{"customFields": tt.filters}, tt.want, tt.wantCode})
		})
	}
	t.Run("in or and not", func(t *testing.T) {
		t.Parallel()
		filter := m{"or": []any{m{"customFields": []cf{{"slug": "plan", "equals": "free"}}}, m{"not": m{"customFields": []cf{{"slug": "plan", "isSet": true}}}}}}
		checkFilter(t, c, f, "contacts", nil, filterCase{"or", filter, []string{"two", "three"}, ""})
	})
}

// TestAccountCustomFieldFilter: accounts filter on their own fields.
func TestAccountCustomFieldFilter(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.createField("ACCOUNT", "arr", "NUMBER")
	f := &filterFixture{ids: map[string]string{}, names: map[string]string{}}
	for i, name := range []string{"small", "big"} {
		id := c.CreateAccount(map[string]any{"name": name, "customFields": []map[string]any{{"slug": "arr", "value": (i + 1) * 1000}}})
		f.ids[name], f.names[id] = id, name
	}
	checkFilter(t, c, f, "accounts", nil, filterCase{"gt", m{"customFields": []cf{{"slug": "arr", "gt": 1500}}}, []string{"big"}, ""})
	checkFilter(t, c, f, "contacts", nil, filterCase{"account field on contacts", m{"customFields": []cf{{"slug": "arr", "isSet": true}}}, nil, "BAD_USER_INPUT"})
}

// TestDeleteCustomFieldRemovesItsValues: a deleted field's values go with
// it; a new field of the same slug starts empty.
func TestDeleteCustomFieldRemovesItsValues(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	f := seedFieldValues(c)
	var fields struct{ CustomFieldDefinitions []struct{ ID, Slug string } }
	c.MustDo(`{ customFieldDefinitions(object: CONTACT) { id slug } }`, nil, &fields)
	var planID string
	for _, d := range fields.CustomFieldDefinitions {
		if d.Slug == "plan" {
			planID = d.ID
		}
	}
	before, untouched := c.contactStamp(f.ids["one"]), c.contactStamp(f.ids["three"])
	if got := c.tryDelete("deleteCustomField", planID); got.DeletedID == nil {
		t.Fatalf("deleteCustomField: %s", describeErrors(got.UserErrors))
	}
	if got := c.tryDelete("deleteCustomField", planID); len(got.UserErrors) == 0 {
		t.Errorf("deleting it again succeeded, want NOT_FOUND")
	}
	if values := c.fieldValues(f.ids["one"]); values["plan"] != "" || values["seats"] != "10" {
		t.Errorf("values after delete %v, want no plan and the rest", values)
	}
	if after := c.contactStamp(f.ids["one"]); after.Version != before.Version+1 || !after.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("a contact that lost its value: version %d, updatedAt %s; want %d and later than %s", after.Version, after.UpdatedAt, before.Version+1, before.UpdatedAt)
	}
	if after := c.contactStamp(f.ids["three"]); after != untouched {
		t.Errorf("a contact without the field changed: %+v, was %+v", after, untouched)
	}
	c.createField("CONTACT", "plan", "TEXT")
	checkFilter(t, c, f, "contacts", nil, filterCase{"new plan", m{"customFields": []cf{{"slug": "plan", "isSet": true}}}, nil, ""})
}

// TestUpdateCustomFieldOptions: labels change; options that no record has
// can be removed, those in use cannot.
func TestUpdateCustomFieldOptions(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	planID := c.createField("CONTACT", "plan", "SELECT", "free", "pro", "gold")
	langsID := c.createField("CONTACT", "langs", "MULTI_SELECT", "en", "fr")
	c.CreateContact(map[string]any{"name": "A", "customFields": []map[string]any{{"slug": "plan", "value": "pro"}, {"slug": "langs", "value": []string{"fr"}}}})
	update := func(id string, input map[string]any) fieldPayload {
		var out struct{ UpdateCustomField fieldPayload }
		c.MustDo(updateFieldDoc, map[string]any{"id": id, "input": input}, &out)
		return out.UpdateCustomField
	}
	if got := update(planID, map[string]any{"label": "Plan", "options": []string{"pro", "free", "platinum"}}); got.CustomField == nil ||
		got.CustomField.Label != "Plan" || fmt.Sprint(got.CustomField.Options) != "[pro free platinum]" {
		t.Errorf("update = %+v, want label Plan and options [pro free platinum]", got)
	}
	checkUserError(t, update(planID, map[string]any{"options": []string{"free"}}).UserErrors, inputAt("options"), "IN_USE")
	checkUserError(t, update(langsID, map[string]any{"options": []string{"en"}}).UserErrors, inputAt("options"), "IN_USE")
	checkUserError(t, update(planID, map[string]any{"label": ""}).UserErrors, inputAt("label"), "REQUIRED")
	checkUserError(t, update("custom_field_nope", map[string]any{"label": "x"}).UserErrors, []string{"id"}, "NOT_FOUND")
	other := c.otherWorkspace()
	var out struct{ UpdateCustomField fieldPayload }
	other.MustDo(updateFieldDoc, map[string]any{"id": planID, "input": map[string]any{"label": "Hacked"}}, &out)
	checkUserError(t, out.UpdateCustomField.UserErrors, []string{"id"}, "NOT_FOUND")
}

// TestCustomFieldsCostNoStatementPerContact: a page's custom field values
// come from the contacts' own rows and the definitions from one load.
func TestCustomFieldsCostNoStatementPerContact(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	seedFields(c)
	for i := range 30 {
		c.CreateContact(map[string]any{"name": fmt.Sprint("C", i), "customFields": []map[string]any{{"slug": "plan", "value": "pro"}, {"slug": "seats", "value": i}}})
	}
	const doc = `query($first: Int) { contacts(first: $first) {
		nodes { id plan: customField(slug: "plan") customFields { slug value definition { id label type options } } }
		edges { node { customFields { slug } } } } }`
	statements := map[int]int64{}
	for _, first := range []int{3, 30} {
		resp := c.Post(doc, map[string]any{"first": first})
		if len(resp.Errors) > 0 {
			t.Fatalf("page of %d: %+v", first, resp.Errors)
		}
		statements[first] = resp.Statements
	}
	if statements[3] != statements[30] || statements[30] > 3 {
		t.Errorf("statements for 3 and 30 contacts = %d and %d, want equal and at most 3", statements[3], statements[30])
	}
}
