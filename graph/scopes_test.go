package graph

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/auth"
)

// TestEveryRootFieldHasAScope: the scope rule read from the schema's
// @scope gives every query and mutation a scope there is (or none, which
// only @scope(name: "") grants), and the default of its type unless
// @scope says otherwise.
func TestEveryRootFieldHasAScope(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	scopes, err := scopesOf(schema)
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []struct {
		def      *ast.Definition
		fallback string
	}{{schema.Query, auth.ScopeRead}, {schema.Mutation, auth.ScopeWrite}} {
		for _, f := range root.def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			scope, ok := scopes[f]
			switch {
			case !ok:
				t.Errorf("%s.%s has no scope", root.def.Name, f.Name)
			case scope != "" && !slices.Contains(auth.Scopes, scope):
				t.Errorf("%s.%s needs %q, which is not one of %v", root.def.Name, f.Name, scope, auth.Scopes)
			case f.Directives.ForName(scopeDirective) == nil && scope != root.fallback:
				t.Errorf("%s.%s has no @scope but needs %q; want %q", root.def.Name, f.Name, scope, root.fallback)
			}
		}
	}
	for field, want := range map[string]string{
		"viewer": "", "apiKeys": auth.ScopeKeysAdmin, "contacts": auth.ScopeRead,
	} {
		if got := scopes[schema.Query.Fields.ForName(field)]; got != want {
			t.Errorf("Query.%s needs %q; want %q", field, got, want)
		}
	}
}

// TestScopeMustNameAScope: a @scope naming a scope that tokens cannot
// carry is refused at start, rather than locking the field for everyone.
func TestScopeMustNameAScope(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Input: `
		directive @scope(name: String!) on FIELD_DEFINITION
		type Query { contacts: Int @scope(name: "contacts:admin") }`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scopesOf(schema); err == nil || !strings.Contains(err.Error(), "contacts:admin") {
		t.Errorf("scopesOf = %v; want an error naming contacts:admin", err)
	}
}
