package fastpath_test

import (
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/fastpath"
)

// describe describes the server's schema and resolvers.
func describe(t *testing.T) *fastpath.Schema {
	t.Helper()
	resolvers := &graph.Resolver{}
	s, err := fastpath.Describe(graph.NewExecutableSchema(graph.Config{Resolvers: resolvers}).Schema(), resolvers)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEveryRecordFieldIsServed: every field of the records that pages and
// lookups return is rendered by the fast path and read from known
// columns, so that a new field is served fast with nothing to add here.
// A field with arguments is the exception by design: gqlgen resolves it.
func TestEveryRecordFieldIsServed(t *testing.T) {
	s := describe(t)
	for _, name := range []string{"Contact", "Account", "Phone"} {
		o := s.Objects[name]
		if o == nil || !o.Stored {
			t.Fatalf("%s is not described as a stored record: %+v", name, o)
		}
		for _, f := range o.Order {
			if len(f.Def.Arguments) > 0 {
				continue
			}
			if f.Source == fastpath.Unserved {
				t.Errorf("%s.%s is left to gqlgen (%s); give the model a Go field of that name, or the resolver a method", name, f.Name, f.Why)
			}
			if !f.Projected {
				t.Errorf("%s.%s reads unknown columns, so selecting it fetches whole records; name them with @reads", name, f.Name)
			}
		}
	}
}

// TestSecretFieldsAreNotServed: the fast path writes the fields it serves
// past the field middleware that notes the secrets a response shows, so
// it must never serve a @secret field (the secret would be kept for an
// Idempotency-Key).
func TestSecretFieldsAreNotServed(t *testing.T) {
	s := describe(t)
	secrets := 0
	for _, def := range graph.NewExecutableSchema(graph.Config{}).Schema().Types {
		for _, fd := range def.Fields {
			if fd.Directives.ForName("secret") == nil {
				continue
			}
			secrets++
			if o := s.Objects[def.Name]; o != nil && o.Fields[fd.Name].Source != fastpath.Unserved {
				t.Errorf("%s.%s is @secret and served by the fast path; leave it to gqlgen", def.Name, fd.Name)
			}
		}
	}
	if secrets == 0 {
		t.Error("no field of the schema is @secret; want CreateApiKeyPayload.secret")
	}
}

func TestProjectionOfAnOperation(t *testing.T) {
	s := describe(t)
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
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
			db.Columns{"account_id", "email", "first_name", "last_name"}, db.Columns{"domain"}, db.Columns{"contact_id"}},
		{"no contact at all", `{ portalRoles { id } }`, db.Columns{}, db.Columns{}, db.Columns{}},
	}
	for _, tt := range tests {
		doc, errs := gqlparser.LoadQueryWithRules(schema, tt.query, rules.NewDefaultRules())
		if errs != nil {
			t.Fatalf("%s: %v", tt.name, errs)
		}
		p := s.Projection(&graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]})
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
