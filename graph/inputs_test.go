package graph_test

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/text/unicode/norm"

	"github.com/contacts-api/contacts/graph"
	"github.com/contacts-api/contacts/graph/graphtest"
)

// nonTextScalars are the scalars whose inputs are not free text: parsed
// into numbers, booleans or instants, or (JSON) bounded by the rules of
// each field that takes one (metadata 16 KiB, custom field values by
// their type). Every other scalar, String and ID among them, needs a
// @maxLength on each input or on itself.
var nonTextScalars = []string{"Int", "Float", "Boolean", "Time", "JSON"}

// TestEveryTextInputHasAMaximum walks the schema the server runs on and
// fails on any argument or input field of a text scalar, or a list of
// them, without a @maxLength.
func TestEveryTextInputHasAMaximum(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	bounded := func(typ *ast.Type, directives ast.DirectiveList) bool {
		scalar := schema.Types[typ.Name()]
		return scalar.Kind != ast.Scalar || slices.Contains(nonTextScalars, scalar.Name) ||
			directives.ForName("maxLength") != nil || scalar.Directives.ForName("maxLength") != nil
	}
	checked := 0
	for _, def := range schema.Types {
		if strings.HasPrefix(def.Name, "__") {
			continue
		}
		for _, f := range def.Fields {
			if def.Kind == ast.InputObject {
				checked++
				if !bounded(f.Type, f.Directives) {
					t.Errorf("input field %s.%s (%s) has no @maxLength", def.Name, f.Name, f.Type)
				}
			}
			for _, a := range f.Arguments {
				if strings.HasPrefix(f.Name, "__") {
					continue // introspection: read, never stored
				}
				checked++
				if !bounded(a.Type, a.Directives) {
					t.Errorf("argument %s.%s(%s: %s) has no @maxLength", def.Name, f.Name, a.Name, a.Type)
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("checked %d inputs; the walk missed the schema", checked)
	}
}

// TestTextMaximaAreDocumented keeps the table of docs/security.md's
// "Text inputs" in step with the schema: every maximum of the schema is
// in it, and it has no other.
func TestTextMaximaAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "## Text inputs\n")
	section, _, _ = strings.Cut(section, "\n## ")
	documented := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) == 4 {
			n := strings.ReplaceAll(strings.TrimSuffix(strings.TrimSpace(cells[2]), " each"), ",", "")
			if _, err := strconv.Atoi(n); err == nil {
				documented[n] = true
			}
		}
	}
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	declared := map[string]bool{}
	note := func(directives ast.DirectiveList) {
		if d := directives.ForName("maxLength"); d != nil {
			declared[d.Arguments.ForName("chars").Value.Raw] = true
		}
	}
	for _, def := range schema.Types {
		note(def.Directives)
		for _, f := range def.Fields {
			note(f.Directives)
			for _, a := range f.Arguments {
				note(a.Directives)
			}
		}
	}
	if !maps.Equal(documented, declared) {
		t.Errorf("docs/security.md lists the maxima %v; the schema declares %v", slices.Sorted(maps.Keys(documented)), slices.Sorted(maps.Keys(declared)))
	}
}

// textCase sends value at one place of a document; wantField is where the
// refusal points.
type textCase struct {
	name      string
	doc       string
	vars      func(value string) map[string]any
	max       int
	wantField []string
}

var textCases = []textCase{
	{"createContact firstName", createContactDoc,
		func(v string) map[string]any { return m{"input": m{"firstName": v}} }, 127, inputAt("firstName")},
	{"createContact tag", createContactDoc,
		func(v string) map[string]any { return m{"input": m{"name": "Ada", "tags": []string{"vip", v}}} }, 64, inputAt("tags", "1")},
	{"upsertContact externalId", upsertContactDoc,
		func(v string) map[string]any { return m{"input": m{"externalId": v, "name": "Ada"}} }, 120, inputAt("externalId")},
	{"contacts search", listDocs["contacts"],
		func(v string) map[string]any { return m{"filter": m{"search": v}} }, 200, []string{"filter", "search"}},
	{"contacts tags filter", listDocs["contacts"],
		func(v string) map[string]any { return m{"filter": m{"or": []any{m{"tags": m{"hasAny": []string{v}}}}}} }, 64, []string{"filter", "or", "0", "tags", "hasAny", "0"}},
	{"contact by external id", `query($x: String) { contact(externalId: $x) { id } }`,
		func(v string) map[string]any { return m{"x": v} }, 120, []string{"externalId"}},
	{"node id (the ID scalar)", `query($id: ID!) { node(id: $id) { id } }`,
		func(v string) map[string]any { return m{"id": v} }, 64, []string{"id"}},
}

// TestTextMaximum: a value of the maximum length (in characters, here of
// two bytes each) is accepted; one character more is refused, as a user
// error of a mutation or BAD_USER_INPUT for any other argument, naming
// the value's path, and a refused mutation writes nothing.
func TestTextMaximum(t *testing.T) {
	t.Parallel()
	for _, tt := range textCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			atMax := c.Post(tt.doc, tt.vars(strings.Repeat("é", tt.max)))
			if len(atMax.Errors) > 0 || len(userErrorsIn(t, atMax)) > 0 {
				t.Fatalf("%d characters: errors %+v, user errors %+v; want it accepted", tt.max, atMax.Errors, userErrorsIn(t, atMax))
			}
			before := c.ContactCount()
			over := c.Post(tt.doc, tt.vars(strings.Repeat("é", tt.max+1)))
			checkValueRefused(t, over, tt.wantField, "TOO_LONG")
			if n := c.ContactCount(); n != before {
				t.Errorf("%d contacts after the refusal, want %d", n, before)
			}
		})
	}
}

// checkValueRefused checks that resp refused the value at field: a mutation
// with one user error of code and nothing else, any other operation with
// BAD_USER_INPUT naming field.
func checkValueRefused(t *testing.T, resp *graphtest.Response, field []string, code string) {
	t.Helper()
	if ues := userErrorsIn(t, resp); ues != nil {
		if len(resp.Errors) > 0 || len(ues) != 1 || ues[0].Code != code || !slices.Equal(ues[0].Field, field) {
			t.Errorf("errors %+v, user errors %+v; want one user error %s at %q", resp.Errors, ues, code, field)
		}
		return
	}
	if resp.Code() != "BAD_USER_INPUT" || len(resp.Errors) != 1 || !sameField(resp.Errors[0].Extensions["field"], field) {
		t.Errorf("status %d, errors %+v, data %s; want BAD_USER_INPUT at %q", resp.Status, resp.Errors, resp.Data, field)
	}
}

func sameField(got any, want []string) bool {
	list, _ := got.([]any)
	strs := make([]string, len(list))
	for i, v := range list {
		strs[i], _ = v.(string)
	}
	return slices.Equal(strs, want)
}

// userErrorsIn returns the user errors of a mutation response's one
// payload (of every result of a bulk one), or nil for a response without.
func userErrorsIn(t *testing.T, resp *graphtest.Response) []graphtest.UserError {
	t.Helper()
	var data map[string]struct {
		UserErrors []graphtest.UserError `json:"userErrors"`
		Results    []struct {
			UserErrors []graphtest.UserError `json:"userErrors"`
		} `json:"results"`
	}
	if json.Unmarshal(resp.Data, &data) != nil {
		return nil
	}
	var all []graphtest.UserError
	for _, payload := range data {
		all = append(all, payload.UserErrors...)
		for _, r := range payload.Results {
			all = append(all, r.UserErrors...)
		}
	}
	return all
}

// TestNULIsRefusedEverywhere: PostgreSQL stores no NUL in text or jsonb.
// A NUL anywhere in a mutation's input (a name, a tag, a metadata key or
// value, a custom field value, an external id, an id) is an INVALID user
// error at its path, with nothing written and no INTERNAL error; in a
// bulk call only its own input fails. In a query's arguments (search,
// filters, cursors, ids) it is BAD_USER_INPUT.
func TestNULIsRefusedEverywhere(t *testing.T) {
	t.Parallel()
	const nul = "a\u0000b"
	tests := []struct {
		name      string
		doc       string
		vars      map[string]any
		wantField []string
		// wantWritten is how many contacts and accounts the call writes:
		// the other inputs of a bulk call that is not atomic.
		wantWritten int
	}{
		{"createContact name", createContactDoc, m{"input": m{"name": nul}}, inputAt("name"), 0},
		{"createContact description", createContactDoc, m{"input": m{"name": "Ada", "description": nul}}, inputAt("description"), 0},
		{"createContact tag", createContactDoc, m{"input": m{"name": "Ada", "tags": []string{"ok", nul}}}, inputAt("tags", "1"), 0},
		{"createContact metadata value", createContactDoc, m{"input": m{"name": "Ada", "metadata": m{"plan": []any{1, m{"x": nul}}}}}, inputAt("metadata", "plan", "1", "x"), 0},
		{"createContact metadata key", createContactDoc, m{"input": m{"name": "Ada", "metadata": m{"plan": m{nul: 1}}}}, inputAt("metadata", "plan"), 0},
		{"createContact custom field value", createContactDoc, m{"input": m{"name": "Ada", "customFields": []any{m{"slug": "note", "value": nul}}}}, inputAt("customFields", "0", "value"), 0},
		{"createContact email", createContactDoc, m{"input": m{"name": "Ada", "email": "ada\u0000@example.com"}}, inputAt("email"), 0},
		{"createContact accountIds", createContactDoc, m{"input": m{"name": "Ada", "accountIds": []string{"account_\u0000"}}}, inputAt("accountIds", "0"), 0},
		{"upsertContact externalId", upsertContactDoc, m{"input": m{"externalId": nul, "name": "Ada"}}, inputAt("externalId"), 0},
		{"upsertContact phone number", upsertContactDoc, m{"input": m{"externalId": "x", "name": "Ada", "phones": []any{m{"number": "+1415\u0000"}}}}, inputAt("phones", "0", "number"), 0},
		{"bulkUpsertContacts externalId", bulkUpsertDoc, m{"inputs": []any{m{"externalId": "ok", "name": "Ada"}, m{"externalId": nul, "name": "Bob"}}}, []string{"inputs", "1", "externalId"}, 1},
		{"bulkUpsertAccounts name", bulkUpsertAccountsDoc, m{"inputs": []any{m{"externalId": "x", "name": nul}, m{"externalId": "ok", "name": "Acme"}}}, []string{"inputs", "0", "name"}, 1},
		{"bulkUpsertContacts atomic", bulkUpsertDoc, m{"atomic": true, "inputs": []any{m{"externalId": "ok", "name": "Ada"}, m{"externalId": "b", "name": nul}}}, []string{"inputs", "1", "name"}, 0},
		{"deleteContacts id", deleteContactsDoc, m{"ids": []string{nul}}, []string{"ids", "0"}, 0},
		{"createAccount domain", `mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } ` + userErrorFields + ` } }`, m{"input": m{"name": "Acme", "domain": nul}}, inputAt("domain"), 0},
		{"contacts search", listDocs["contacts"], m{"filter": m{"search": nul}}, []string{"filter", "search"}, 0},
		{"contacts name filter", listDocs["contacts"], m{"filter": m{"name": m{"in": []string{"x", nul}}}}, []string{"filter", "name", "in", "1"}, 0},
		{"contacts custom field filter", listDocs["contacts"], m{"filter": m{"customFields": []any{m{"slug": "note", "equals": nul}}}}, []string{"filter", "customFields", "0", "equals"}, 0},
		{"contacts cursor", listDocs["contacts"], m{"after": nul}, []string{"after"}, 0},
		{"accounts cursor", listDocs["accounts"], m{"before": nul}, []string{"before"}, 0},
		{"contact by external id", `query($x: String) { contact(externalId: $x) { id } }`, m{"x": nul}, []string{"externalId"}, 0},
		{"a field's argument under a mutation", `mutation { createContact(input: {name: "Ada"}) { contact { customField(slug: "a\u0000") } } }`, nil, []string{"slug"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			c.createField("CONTACT", "note", "TEXT")
			resp := c.Post(tt.doc, tt.vars)
			checkValueRefused(t, resp, tt.wantField, "INVALID")
			if n := c.ContactCount() + c.AccountCount(); n != tt.wantWritten {
				t.Errorf("%d contacts and accounts after the refusal, want %d", n, tt.wantWritten)
			}
		})
	}
}

// TestInvalidUTF8IsRefused: a GET request's document is not JSON, so
// bytes that are not UTF-8 reach the arguments as they are; they are
// refused like NUL.
func TestInvalidUTF8IsRefused(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	rec := graphtest.RecordRequest(c.Handler, graphtest.GetGraphQL("{ contacts(filter: {search: \"a\xffb\"}) { totalCount } }", c.Token, ""))
	resp := graphtest.DecodeResponse(t, rec)
	if resp.Code() != "BAD_USER_INPUT" || !sameField(resp.Errors[0].Extensions["field"], []string{"filter", "search"}) {
		t.Fatalf("status %d, errors %+v; want BAD_USER_INPUT at filter.search", rec.Code, resp.Errors)
	}
}

// TestUnicodeForms: what looks the same is stored the same. Names are
// stored in form C; an email's domain in its canonical IDNA form, so that
// its punycode twin, its capitals and the angstrom sign for Å give the
// same address, which filters find however they spell it; identifiers
// refuse zero-width and control characters.
func TestUnicodeForms(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	stored := []struct{ name, email, wantEmail string }{
		{"Ame\u0301lie", "ada@xn--bcher-kva.de", "ada@bücher.de"},
		{"Am\u00e9lie", "ada@BÜCHER.de", "ada@bücher.de"},
		{"\u212Bsa", "asa@\u212Bland.se", "asa@åland.se"},
		{"\u00C5sa", "asa@\u00C5land.se", "asa@åland.se"},
	}
	for _, s := range stored {
		got := c.CreateContact(m{"name": s.name, "email": s.email})
		var email string
		if got.Email != nil {
			email = *got.Email
		}
		if email != s.wantEmail || got.Name != norm.NFC.String(s.name) {
			t.Errorf("created %+q <%+q>: stored %+q <%+q>, want %+q <%+q>", s.name, s.email, got.Name, email, norm.NFC.String(s.name), s.wantEmail)
		}
	}
	filters := []struct {
		name   string
		filter m
		want   int
	}{
		{"email by its punycode twin", m{"email": m{"equals": "ADA@xn--bcher-kva.de"}}, 2},
		{"email by its Unicode form", m{"email": m{"in": []string{"ada@bücher.de"}}}, 2},
		{"email with the angstrom sign", m{"email": m{"equals": "asa@\u212Bland.se"}}, 2},
		{"name in another form", m{"name": m{"equals": "Ame\u0301lie"}}, 2},
		{"search in another form", m{"search": "\u212Bsa"}, 2},
	}
	for _, f := range filters {
		if got := c.list("contacts", m{"filter": f.filter}); got.TotalCount != f.want {
			t.Errorf("%s: %d contacts, want %d", f.name, got.TotalCount, f.want)
		}
	}
	refused := []struct {
		name  string
		doc   string
		input m
		at    []string
	}{
		{"an external id with a zero-width space", createContactDoc, m{"name": "Ada", "externalId": "crm\u200b1"}, inputAt("externalId")},
		{"an upsert key with a byte order mark", upsertContactDoc, m{"name": "Ada", "externalId": "\ufeffcrm1"}, inputAt("externalId")},
		{"an email with a zero-width joiner", createContactDoc, m{"name": "Ada", "email": "a\u200dda@example.com"}, inputAt("email")},
		{"an account external id with a control character", `mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } ` + userErrorFields + ` } }`, m{"name": "Acme", "externalId": "acme\u0007"}, inputAt("externalId")},
	}
	for _, r := range refused {
		checkValueRefused(t, c.Post(r.doc, m{"input": r.input}), r.at, "INVALID")
	}
	if n := c.ContactCount(); n != len(stored) {
		t.Errorf("%d contacts, want the %d created", n, len(stored))
	}
}
