package graph

import (
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/contacts-api/contacts/db"
)

// TestFieldColumnsKnowEveryField: a field that fieldColumns lacks makes
// every operation that selects it fetch its records whole.
func TestFieldColumnsKnowEveryField(t *testing.T) {
	for typ, fields := range fieldColumns {
		for _, f := range parsedSchema.Types[typ].Fields {
			if _, ok := fields[f.Name]; !ok && f.Name[0] != '_' {
				t.Errorf("%s.%s is missing from fieldColumns", typ, f.Name)
			}
		}
	}
}

func TestProjectionOfAnOperation(t *testing.T) {
	tests := []struct {
		name                      string
		query                     string
		contacts, accounts, phone db.Columns
	}{
		{"the bench's page", `{ contacts(first: 100) { nodes { id name email tags account { id name }
			accounts { id name } phones { id number type } portalRole { id slug } } } }`,
			db.Columns{"account_id", "email", "name", "portal_role_id", "tags"}, db.Columns{"name"}, db.Columns{"number", "type"}},
		{"fragments and interfaces", `query { node(id: "x") { id ... on Contact { ...Names } ... on Phone { contact { email } } } }
			fragment Names on Contact { firstName lastName accounts { domain } }`,
			db.Columns{"account_id", "email", "first_name", "last_name"}, db.Columns{"domain"}, db.Columns{}},
		{"no contact at all", `{ portalRoles { id } }`, db.Columns{}, db.Columns{}, db.Columns{}},
	}
	for _, tt := range tests {
		doc, errs := gqlparser.LoadQueryWithRules(parsedSchema, tt.query, rules.NewDefaultRules())
		if errs != nil {
			t.Fatalf("%s: %v", tt.name, errs)
		}
		p := projectionOf(&graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]})
		for _, got := range []struct {
			of         string
			have, want db.Columns
		}{{"contacts", p.Contacts, tt.contacts}, {"accounts", p.Accounts, tt.accounts}, {"phones", p.Phones, tt.phone}} {
			have := slices.Compact(slices.Sorted(slices.Values(got.have)))
			if !slices.Equal(have, got.want) {
				t.Errorf("%s: the columns of %s are %v, want %v", tt.name, got.of, have, got.want)
			}
		}
	}
}
