package graph_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// defaultedValues lists, as "Type.field(argument:)" or "Input.field", every
// argument and input field of the schema that has a default value.
func defaultedValues(s *ast.Schema) map[string]*ast.Type {
	found := map[string]*ast.Type{}
	for name, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		for _, f := range def.Fields {
			if def.Kind == ast.InputObject && f.DefaultValue != nil {
				found[name+"."+f.Name] = f.Type
			}
			for _, arg := range f.Arguments {
				if arg.DefaultValue != nil {
					found[name+"."+f.Name+"("+arg.Name+":)"] = arg.Type
				}
			}
		}
	}
	return found
}

// TestDefaultedValuesAreNonNull keeps an explicit null from reaching a
// resolver where the schema promises a default: a nullable argument with a
// default is null when a client sends null (the default applies only when
// it is absent), so the resolver would have to tell null from the default
// itself. Non-null with a default, an absent value is the default and a
// null one is an error naming the argument, before any resolver runs.
func TestDefaultedValuesAreNonNull(t *testing.T) {
	for where, typ := range defaultedValues(schema()) {
		if !typ.NonNull {
			t.Errorf("%s has a default but its type %s is nullable: make it %s!", where, typ, typ)
		}
	}
}

// TestExplicitNullForADefaultedValue sends null, as a literal and as a
// variable, to every argument and input field that has a default: the
// request is refused as the client's mistake, never INTERNAL (a resolver
// dereferenced the missing value and panicked).
func TestExplicitNullForADefaultedValue(t *testing.T) {
	t.Parallel()
	// Each document takes the value as $v, declared nullable, as a client
	// that forwards its own optional setting would.
	docs := map[string]string{
		"Mutation.bulkUpsertContacts(atomic:)":                `mutation($v: Boolean) { bulkUpsertContacts(inputs: [], atomic: $v) { results { index } } }`,
		"Mutation.bulkUpsertAccounts(atomic:)":                `mutation($v: Boolean) { bulkUpsertAccounts(inputs: [], atomic: $v) { results { index } } }`,
		"Mutation.moveContactToAccount(keepPreviousAccount:)": `mutation($v: Boolean) { moveContactToAccount(contactId: "x", accountId: "y", keepPreviousAccount: $v) { contact { id } } }`,
		"Mutation.upsertContactByEmail(phonesMode:)":          `mutation($v: PhonesMode) { upsertContactByEmail(email: "ada@example.com", input: {name: "Ada"}, phonesMode: $v) { action } }`,
		"UpsertContactInput.phonesMode":                       `mutation($v: PhonesMode) { upsertContact(input: {externalId: "ada", name: "Ada", phonesMode: $v}) { action } }`,
	}
	var missing []string
	for where := range defaultedValues(schema()) {
		if _, ok := docs[where]; !ok {
			missing = append(missing, where)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("no document sends null to %v: add one to this test", missing)
	}
	c := newClient(t)
	for where, doc := range docs {
		// A literal null is refused by validation, before anything runs.
		literal := "mutation" + strings.Replace(doc[strings.Index(doc, ")")+1:], "$v", "null", 1)
		resp := c.Post(literal, nil)
		if code := resp.Code(); code != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("%s, null as a literal: code %q, want GRAPHQL_VALIDATION_FAILED; body %s", where, code, resp.Body)
		}
		// A null variable in a position with a default is allowed by the
		// specification; gqlgen then passes the type's zero value, which
		// for every default here is the default itself (false, MERGE as
		// ""). What matters is that no resolver sees a nil and panics.
		resp = c.Post(doc, map[string]any{"v": nil})
		if code := resp.Code(); code == "INTERNAL" {
			t.Errorf("%s, null as a variable: INTERNAL, want the default or the client's mistake; body %s", where, resp.Body)
		}
	}
}
