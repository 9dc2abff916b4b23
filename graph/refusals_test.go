package graph_test

import (
	"encoding/json"
	"errors"
	"reflect"
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
	ID      string `json:"id"`
	Version int    `json:"version"`
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
// which gives it first's.
func checkDuplicateExternalIDs[R any](t *testing.T, kind recordKind[R], first, duplicate, other, change map[string]any) {
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
}
