package graph_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/contacts-api/contacts/graph/graphtest"
)

// recordKind is how the tests create, change, read back and count one
// kind of record (contacts, accounts) through its GraphQL documents, so
// that the rules every kind keeps alike are checked by one piece of code.
type recordKind[R any] struct {
	// name is the kind's root field of a query and the key of the record
	// in its payloads: "contact", "account".
	name string
	// createDoc and updateDoc are the create and update mutations (with
	// $input, and $id for update); byIDDoc reads a record by $id.
	createDoc, updateDoc, byIDDoc string
}

// contactKind is the kind of contact records.
var contactKind = recordKind[graphtest.ContactData]{name: "contact", createDoc: createContactDoc, updateDoc: updateContactDoc, byIDDoc: contactByIDDoc}

// accountKind is the kind of account records.
var accountKind = recordKind[accountData]{name: "account", createDoc: createAccountDoc, updateDoc: updateAccountDoc, byIDDoc: accountByIDDoc}

// recordHead is what every kind of record has.
type recordHead struct {
	ID         string  `json:"id"`
	ExternalID *string `json:"externalId"`
	Version    int     `json:"version"`
}

// write runs a create or update mutation and returns its payload's
// record (nil when it has none) with its head, and the user errors.
func (kind recordKind[R]) write(c *client, doc string, vars map[string]any) (*R, recordHead, []graphtest.UserError) {
	c.T.Helper()
	payload := rootField[map[string]json.RawMessage](c, doc, vars)
	var record *R
	var head recordHead
	var userErrors []graphtest.UserError
	// A record of null decodes as nil, and leaves head zero.
	if err := errors.Join(
		json.Unmarshal(payload[kind.name], &record),
		json.Unmarshal(payload[kind.name], &head),
		json.Unmarshal(payload["userErrors"], &userErrors),
	); err != nil {
		c.T.Fatalf("decode %s payload: %v\n%v", kind.name, err, payload)
	}
	return record, head, userErrors
}

// create runs the create mutation with input, as write does.
func (kind recordKind[R]) create(c *client, input map[string]any) (*R, recordHead, []graphtest.UserError) {
	c.T.Helper()
	return kind.write(c, kind.createDoc, map[string]any{"input": input})
}

// update runs the update mutation of record id with input, as write does.
func (kind recordKind[R]) update(c *client, id string, input map[string]any) (*R, recordHead, []graphtest.UserError) {
	c.T.Helper()
	return kind.write(c, kind.updateDoc, map[string]any{"id": id, "input": input})
}

// mustCreate creates a record that must be valid and returns it with its
// head.
func (kind recordKind[R]) mustCreate(c *client, input map[string]any) (*R, recordHead) {
	c.T.Helper()
	record, head, userErrors := kind.create(c, input)
	if len(userErrors) > 0 || record == nil {
		c.T.Fatalf("create %s(%v): user errors %s, want none", kind.name, input, describeErrors(userErrors))
	}
	return record, head
}

// byID reads a record back, nil when there is none.
func (kind recordKind[R]) byID(c *client, id string) *R {
	c.T.Helper()
	var out map[string]*R
	c.MustDo(kind.byIDDoc, map[string]any{"id": id}, &out)
	return out[kind.name]
}

// count returns how many records of the kind the workspace has.
func (kind recordKind[R]) count(c *client) int {
	c.T.Helper()
	var out map[string]struct{ TotalCount int }
	c.MustDo(`{ `+kind.name+`s { totalCount } }`, nil, &out)
	return out[kind.name+"s"].TotalCount
}

// acceptance is a valid input of a create, and what must hold of the
// record it makes.
type acceptance[R any] struct {
	name  string
	input map[string]any
	check func(t *testing.T, got *R)
}

// checkCreates runs each create of tests in a workspace of its own: it
// must make a record of version 1 of which the case's check holds, as it
// does of the record read back.
func checkCreates[R any](t *testing.T, kind recordKind[R], tests []acceptance[R]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			created, head := kind.mustCreate(c, tt.input)
			if head.Version != 1 {
				t.Errorf("version = %d, want 1", head.Version)
			}
			tt.check(t, created)
			readBack := kind.byID(c, head.ID)
			if readBack == nil {
				t.Fatalf("%s(id: %s) = null after create", kind.name, head.ID)
			}
			tt.check(t, readBack)
		})
	}
}

// refusal is an input that a create or an update must refuse with one
// user error.
type refusal struct {
	name      string
	input     map[string]any
	wantField []string
	wantCode  string
}

// fieldRefusals are the refusals of the fields that every kind of record
// has, whose rules are one for every kind: each input is valid but for
// the field it names, and holds the rest of valid (the rest of a valid
// create; nil for an update, which leaves absent fields alone).
func fieldRefusals(valid map[string]any) []refusal {
	with := func(field string, value any) map[string]any {
		input := map[string]any{field: value}
		for k, v := range valid {
			if k != field {
				input[k] = v
			}
		}
		return input
	}
	return []refusal{
		{"an empty name is required", with("name", ""), inputAt("name"), "REQUIRED"},
		{"a blank name is required", with("name", " \t "), inputAt("name"), "REQUIRED"},
		{"a name over 255 characters is too long", with("name", strings.Repeat("n", 256)), inputAt("name"), "TOO_LONG"},
		{"an empty externalId is invalid", with("externalId", ""), inputAt("externalId"), "INVALID"},
		{"an externalId over 120 characters is too long", with("externalId", strings.Repeat("x", 121)), inputAt("externalId"), "TOO_LONG"},
		{"51 tags exceed the limit", with("tags", manyTags(51)), inputAt("tags"), "LIMIT_EXCEEDED"},
		{"an empty tag is invalid at its index", with("tags", []string{"a", ""}), inputAt("tags", "1"), "INVALID"},
		{"a blank tag is invalid at its index", with("tags", []string{"a", "b", " "}), inputAt("tags", "2"), "INVALID"},
		{"a tag over 64 characters is too long", with("tags", []string{strings.Repeat("t", 65)}), inputAt("tags", "0"), "TOO_LONG"},
		{"empty array metadata is invalid", with("metadata", []any{}), inputAt("metadata"), "INVALID"},
		{"array metadata is invalid", with("metadata", []any{1, "a"}), inputAt("metadata"), "INVALID"},
		{"string metadata is invalid", with("metadata", "pro"), inputAt("metadata"), "INVALID"},
		{"number metadata is invalid", with("metadata", 3.5), inputAt("metadata"), "INVALID"},
		{"metadata over 16 KiB is too long", with("metadata", bigObject(16<<10+1)), inputAt("metadata"), "TOO_LONG"},
	}
}

// checkRefusedCreates runs each create of tests in a workspace of its
// own: it must answer no record and the case's user error, and write
// nothing.
func checkRefusedCreates[R any](t *testing.T, kind recordKind[R], tests []refusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			got, _, userErrors := kind.create(c, tt.input)
			if got != nil {
				t.Errorf("%s = %+v, want null", kind.name, got)
			}
			checkUserError(t, userErrors, tt.wantField, tt.wantCode)
			if n := kind.count(c); n != 0 {
				t.Errorf("the workspace has %d %ss after a refused create, want 0", n, kind.name)
			}
		})
	}
}

// checkRefusedUpdates runs each update of tests on a record created from
// existing, in a workspace of its own: it must answer no record and the
// case's user error, and leave the record as it was.
func checkRefusedUpdates[R any](t *testing.T, kind recordKind[R], existing map[string]any, tests []refusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			_, head := kind.mustCreate(c, existing)
			before := kind.byID(c, head.ID)
			got, _, userErrors := kind.update(c, head.ID, tt.input)
			if got != nil {
				t.Errorf("%s = %+v, want null", kind.name, got)
			}
			checkUserError(t, userErrors, tt.wantField, tt.wantCode)
			if after := kind.byID(c, head.ID); !reflect.DeepEqual(after, before) {
				t.Errorf("%s after a refused update = %+v, want unchanged %+v", kind.name, after, before)
			}
		})
	}
}

// checkDuplicateExternalIDs checks that an external id is the key of
// one record of the kind in a workspace: creating duplicate, which has
// the externalId of first, is refused with ALREADY_EXISTS and writes
// nothing, and so is changing other, which has another one, with change,
// which gives it first's; a record of the other kind (made by
// createOther) or of another workspace may have first's.
func checkDuplicateExternalIDs[R any](t *testing.T, kind recordKind[R], first, duplicate, other, change map[string]any, createOther func(*client, map[string]any)) {
	t.Helper()
	t.Run("a duplicate on create already exists and writes nothing", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		kind.mustCreate(c, first)
		_, _, userErrors := kind.create(c, duplicate)
		checkUserError(t, userErrors, inputAt("externalId"), "ALREADY_EXISTS")
		if n := kind.count(c); n != 1 {
			t.Errorf("the workspace has %d %ss, want 1", n, kind.name)
		}
	})
	t.Run("a duplicate on update already exists and changes nothing", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		kind.mustCreate(c, first)
		_, head := kind.mustCreate(c, other)
		before := kind.byID(c, head.ID)
		_, _, userErrors := kind.update(c, head.ID, change)
		checkUserError(t, userErrors, inputAt("externalId"), "ALREADY_EXISTS")
		if after := kind.byID(c, head.ID); !reflect.DeepEqual(after, before) {
			t.Errorf("%s after a refused update = %+v, want unchanged %+v", kind.name, after, before)
		}
	})
	// first's externalId, as a created record reads it back.
	checkShared := func(t *testing.T, head recordHead) {
		if head.ExternalID == nil || *head.ExternalID != first["externalId"] {
			t.Errorf("externalId = %v, want %v", head.ExternalID, first["externalId"])
		}
	}
	t.Run("a record of the other kind may share one", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		createOther(c, first)
		_, head := kind.mustCreate(c, first)
		checkShared(t, head)
	})
	t.Run("two workspaces may use the same one", func(t *testing.T) {
		t.Parallel()
		c := newClient(t)
		kind.mustCreate(c, first)
		_, head := kind.mustCreate(c.otherWorkspace(), first)
		checkShared(t, head)
	})
}
