package service

import (
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/contacts-api/contacts/db"
)

// decomposed is Amélie with the é as e and a combining acute accent;
// composed is the same name in form C, with the one character é.
const (
	decomposed = "Ame\u0301lie"
	composed   = "Am\u00e9lie"
)

// TestTextIsStoredInFormC: names and free text are stored in Unicode
// form C, whichever form they were sent in.
func TestTextIsStoredInFormC(t *testing.T) {
	t.Parallel()
	s := func(v string) graphql.Omittable[*string] { return graphql.OmittableOf(&v) }
	tests := []struct {
		name  string
		apply func(t *testing.T) string
		want  string // composed when empty
	}{
		{"a contact's name", contactText(UpdateContactInput{Name: s(decomposed)}, func(c *db.Contact) *string { return &c.Name }), ""},
		{"a contact's first name", contactText(UpdateContactInput{FirstName: s(decomposed)}, func(c *db.Contact) *string { return c.FirstName }), ""},
		{"a contact's last name", contactText(UpdateContactInput{Name: s("x"), LastName: s(decomposed)}, func(c *db.Contact) *string { return c.LastName }), ""},
		{"a name made of first and last name", contactText(UpdateContactInput{FirstName: s(decomposed), LastName: s(decomposed)}, func(c *db.Contact) *string { return &c.Name }), composed + " " + composed},
		{"a contact's description", contactText(UpdateContactInput{Name: s("x"), Description: s(decomposed)}, func(c *db.Contact) *string { return c.Description }), ""},
		{"a tag", func(t *testing.T) string {
			return normalizeTags(&problems{}, at, []string{" " + decomposed + " "})[0]
		}, ""},
		{"an account's name", func(t *testing.T) string {
			a := &db.Account{}
			applyAccountFields(a, UpdateAccountInput{Name: s(decomposed)}, true, nil, at, &problems{})
			return a.Name
		}, ""},
		{"an option of a custom field", func(t *testing.T) string {
			return checkOptions(&problems{}, db.FieldSelect, []string{decomposed})[0]
		}, ""},
		{"a TEXT custom field value", func(t *testing.T) string {
			return fieldString(t, &db.CustomFieldDefinition{Type: db.FieldText}, decomposed)
		}, ""},
		{"a SELECT value written in another form than its option", func(t *testing.T) string {
			return fieldString(t, &db.CustomFieldDefinition{Type: db.FieldSelect, Options: []string{composed}}, decomposed)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := tt.want
			if want == "" {
				want = composed
			}
			if got := tt.apply(t); got != want {
				t.Errorf("stored %+q, want %+q", got, want)
			}
		})
	}
}

// contactText returns the text that field picks out of a new contact
// made of in.
func contactText(in UpdateContactInput, field func(*db.Contact) *string) func(*testing.T) string {
	return func(t *testing.T) string {
		c := &db.Contact{}
		applyContactFields(c, in, true, at, &problems{})
		if v := field(c); v != nil {
			return *v
		}
		t.Fatal("the field was not set")
		return ""
	}
}

// fieldString returns the stored form of a custom field's string value.
func fieldString(t *testing.T, d *db.CustomFieldDefinition, value string) string {
	t.Helper()
	raw, _ := json.Marshal(value)
	out, problem := normalizeFieldValue(d, raw)
	var s string
	if problem != "" || json.Unmarshal(out, &s) != nil {
		t.Fatalf("value %+q: problem %q, stored %s", value, problem, out)
	}
	return s
}
