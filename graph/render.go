package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph/model"
)

// gqlgen resolves each field of each record on its own, with a field
// context, a marshaler and often a goroutine of its own: about 500
// allocations for a contact with its accounts, phones and portal role,
// which make most of a page's CPU time (half of it collecting the
// garbage) and most of its memory until the response is written. The
// lists of a connection, where that adds up, and the records that queries
// and mutations return are rendered here instead: when every field
// selected on the records is one of the record's own or one loaded for the
// whole list at once, the value is resolved in one pass and written as
// gqlgen would write it. Anything else (a field with arguments or a
// resolver of its own, @defer, a failed load, a value that gqlgen would
// report as an error) leaves the value to gqlgen.

// fieldKey names a field by its object and its name.
type fieldKey struct{ object, field string }

// renderer renders the value res of the field f, or returns false.
type renderer func(ctx context.Context, f graphql.CollectedField, res any) (graphql.Marshaler, bool)

// renderers are the fields whose values are rendered here.
var renderers = map[fieldKey]renderer{
	{"ContactConnection", "nodes"}: renderList(contactType),
	{"ContactConnection", "edges"}: renderList(contactEdgeType),
	{"AccountConnection", "nodes"}: renderList(accountType),
	{"Query", "contact"}:           renderRecord(contactType, preloadContact),
	{"ContactPayload", "contact"}:  renderRecord(contactType, preloadContact),
	{"Query", "account"}:           renderRecord(accountType, nil),
}

// renderFields is the field middleware that renders the values of
// renderers, or leaves them to gqlgen.
func renderFields(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	fc := graphql.GetFieldContext(ctx)
	render, ok := renderers[fieldKey{fc.Object, fc.Field.Name}]
	if !ok {
		return res, nil
	}
	if m, ok := render(ctx, fc.Field, res); ok {
		return m, nil
	}
	return res, nil
}

// renderRecord renders a record of type t, or null, once preload (when
// set) has loaded what its fields need.
func renderRecord[T comparable](t *objectType[T], preload func(context.Context, T)) renderer {
	return func(ctx context.Context, f graphql.CollectedField, res any) (graphql.Marshaler, bool) {
		record, ok := res.(T)
		if !ok {
			return nil, false
		}
		var zero T
		if preload != nil && record != zero {
			preload(ctx, record)
		}
		write, ok := t.prepare(ctx, f.Selections, []T{record})
		if !ok {
			return nil, false
		}
		return graphql.WriterFunc(func(w io.Writer) { write(w, 0) }), true
	}
}

// preloadContact loads at once what the query selects on a contact: its
// fields are rendered one after the other, and each of their loads would
// wait in vain for others to batch with.
func preloadContact(ctx context.Context, c *db.Contact) {
	preloadContacts(ctx, []*db.Contact{c}, selectedUnder(ctx))
}

// renderList renders a list of non-null records of type t.
func renderList[T comparable](t *objectType[T]) renderer {
	return func(ctx context.Context, f graphql.CollectedField, res any) (graphql.Marshaler, bool) {
		records, ok := res.([]T)
		if !ok || hasZero(records) {
			return nil, false
		}
		write, ok := t.prepare(ctx, f.Selections, records)
		if !ok {
			return nil, false
		}
		return graphql.WriterFunc(func(w io.Writer) {
			writeList(w, 0, len(records), write)
		}), true
	}
}

// writeList writes the records from start to end as a JSON array.
func writeList(w io.Writer, start, end int, write func(io.Writer, int)) {
	io.WriteString(w, "[")
	for i := start; i < end; i++ {
		if i > start {
			io.WriteString(w, ",")
		}
		write(w, i)
	}
	io.WriteString(w, "]")
}

// objectType is what rendering needs to know of a GraphQL object type.
type objectType[T comparable] struct {
	name string
	// implementors are the types whose fragments apply to it, as in the
	// generated code.
	implementors []string
	fields       map[string]fieldRenderer[T]
}

// fieldRenderer prepares a selected field for a whole list of records: it
// loads what the field needs for all of them and returns the writer of its
// value for the record at i, or false when gqlgen must resolve the field.
type fieldRenderer[T any] func(ctx context.Context, f graphql.CollectedField, records []T) (write func(w io.Writer, i int), ok bool)

// prepare prepares the selection sel on records and returns the writer of
// the record at i: its object, or null for a nil record.
func (t *objectType[T]) prepare(ctx context.Context, sel ast.SelectionSet, records []T) (func(io.Writer, int), bool) {
	if hasZero(records) {
		return t.prepareNullable(ctx, sel, records)
	}
	fields := graphql.CollectFields(graphql.GetOperationContext(ctx), sel, t.implementors)
	if !t.renders(fields) {
		return nil, false
	}
	keys := make([][]byte, len(fields))
	values := make([]func(io.Writer, int), len(fields))
	for j, f := range fields {
		render := t.fields[f.Name]
		if f.Name == "__typename" {
			render = constant[T](graphql.MarshalString(t.name))
		}
		var ok bool
		if values[j], ok = render(ctx, f, records); !ok {
			return nil, false
		}
		keys[j] = objectKey(f.Alias)
	}
	return func(w io.Writer, i int) {
		io.WriteString(w, "{")
		for j, key := range keys {
			if j > 0 {
				io.WriteString(w, ",")
			}
			w.Write(key)
			values[j](w, i)
		}
		io.WriteString(w, "}")
	}, true
}

// renders reports whether t renders every one of fields, before any of
// them loads anything.
func (t *objectType[T]) renders(fields []graphql.CollectedField) bool {
	for _, f := range fields {
		_, known := t.fields[f.Name]
		if !known && f.Name != "__typename" || len(f.Arguments) > 0 || f.IsDeferred() {
			return false
		}
	}
	return true
}

// prepareNullable prepares records some of which are nil: the others
// alone, so that no field ever sees a nil record.
func (t *objectType[T]) prepareNullable(ctx context.Context, sel ast.SelectionSet, records []T) (func(io.Writer, int), bool) {
	var zero T
	var present []T
	at := make([]int, len(records))
	for i, r := range records {
		at[i] = len(present)
		if r == zero {
			at[i] = -1
		} else {
			present = append(present, r)
		}
	}
	write, ok := t.prepare(ctx, sel, present)
	return func(w io.Writer, i int) {
		if at[i] < 0 {
			graphql.Null.MarshalGQL(w)
		} else {
			write(w, at[i])
		}
	}, ok
}

// objectKey returns the key of a field in an object, its quoted alias and
// a colon.
func objectKey(alias string) []byte {
	var b bytes.Buffer
	writeString(&b, alias)
	b.WriteString(":")
	return b.Bytes()
}

func hasZero[T comparable](records []T) bool {
	var zero T
	for _, r := range records {
		if r == zero {
			return true
		}
	}
	return false
}

// constant renders a field whose value is the same for every record.
func constant[T any](m graphql.Marshaler) fieldRenderer[T] {
	return func(context.Context, graphql.CollectedField, []T) (func(io.Writer, int), bool) {
		return func(w io.Writer, _ int) { m.MarshalGQL(w) }, true
	}
}

// scalar renders a field of the record that write writes.
func scalar[T, V any](value func(T) V, write func(io.Writer, V)) fieldRenderer[T] {
	return func(_ context.Context, _ graphql.CollectedField, records []T) (func(io.Writer, int), bool) {
		return func(w io.Writer, i int) { write(w, value(records[i])) }, true
	}
}

// checked renders a non-null field like scalar, unless a record's value
// is one that gqlgen would report as an error (valid false).
func checked[T, V any](value func(T) V, valid func(V) bool, write func(io.Writer, V)) fieldRenderer[T] {
	plain := scalar(value, write)
	return func(ctx context.Context, f graphql.CollectedField, records []T) (func(io.Writer, int), bool) {
		for _, r := range records {
			if !valid(value(r)) {
				return nil, false
			}
		}
		return plain(ctx, f, records)
	}
}

// one renders a field whose record loads for the whole list at once.
func one[T, C comparable](load func(context.Context, []T) ([]C, error), t *objectType[C], nonNull bool) fieldRenderer[T] {
	return func(ctx context.Context, f graphql.CollectedField, records []T) (func(io.Writer, int), bool) {
		values, err := load(ctx, records)
		if err != nil || nonNull && hasZero(values) {
			return nil, false
		}
		return t.prepare(ctx, f.Selections, values)
	}
}

// many renders a field whose lists of non-null records load for the
// whole list at once.
func many[T, C comparable](load func(context.Context, []T) ([][]C, error), t *objectType[C]) fieldRenderer[T] {
	return func(ctx context.Context, f graphql.CollectedField, records []T) (func(io.Writer, int), bool) {
		lists, err := load(ctx, records)
		if err != nil {
			return nil, false
		}
		// The values of all the lists in one, for one pass of prepare:
		// the list of record i runs from start[i] to start[i+1].
		start := make([]int, len(lists)+1)
		var values []C
		for i, l := range lists {
			values = append(values, l...)
			start[i+1] = len(values)
		}
		if hasZero(values) {
			return nil, false
		}
		write, ok := t.prepare(ctx, f.Selections, values)
		if !ok {
			return nil, false
		}
		return func(w io.Writer, i int) { writeList(w, start[i], start[i+1], write) }, true
	}
}

// Writers of the scalars, marshaled as the generated code marshals them.
// They call gqlgen's marshalers directly, which the compiler then inlines:
// through a function value, each string would cost an allocation.
func writeID(w io.Writer, s string)              { graphql.MarshalID(s).MarshalGQL(w) }
func writeString(w io.Writer, s string)          { graphql.MarshalString(s).MarshalGQL(w) }
func writeInt(w io.Writer, n int)                { graphql.MarshalInt(n).MarshalGQL(w) }
func writeBool(w io.Writer, b bool)              { graphql.MarshalBoolean(b).MarshalGQL(w) }
func writeTime(w io.Writer, t time.Time)         { graphql.MarshalTime(t).MarshalGQL(w) }
func writeJSON(w io.Writer, v json.RawMessage)   { model.MarshalJSON(v).MarshalGQL(w) }
func writePhoneType(w io.Writer, t db.PhoneType) { writeString(w, string(t)) }

func writeStrings(w io.Writer, values []string) {
	writeList(w, 0, len(values), func(w io.Writer, i int) { writeString(w, values[i]) })
}

// optional writes null for a nil value.
func optional[V any](write func(io.Writer, V)) func(io.Writer, *V) {
	return func(w io.Writer, v *V) {
		if v == nil {
			graphql.Null.MarshalGQL(w)
		} else {
			write(w, *v)
		}
	}
}

func isSet(t time.Time) bool        { return !t.IsZero() }
func isJSON(v json.RawMessage) bool { return v != nil }

func nonNullTime[T any](value func(T) time.Time) fieldRenderer[T] {
	return checked(value, isSet, writeTime)
}

// The types whose lists are rendered, with the fields rendered; the others
// are left to gqlgen.
var (
	contactType = &objectType[*db.Contact]{
		name: "Contact", implementors: contactImplementors,
		fields: map[string]fieldRenderer[*db.Contact]{
			"id":                scalar(func(c *db.Contact) string { return c.ID }, writeID),
			"externalId":        scalar(func(c *db.Contact) *string { return c.ExternalID }, optional(writeString)),
			"name":              scalar(func(c *db.Contact) string { return c.Name }, writeString),
			"firstName":         scalar(func(c *db.Contact) *string { return c.FirstName }, optional(writeString)),
			"lastName":          scalar(func(c *db.Contact) *string { return c.LastName }, optional(writeString)),
			"email":             scalar(func(c *db.Contact) *string { return c.Email }, optional(writeString)),
			"avatarUrl":         scalar(func(c *db.Contact) *string { return c.AvatarURL }, optional(writeString)),
			"description":       scalar(func(c *db.Contact) *string { return c.Description }, optional(writeString)),
			"tags":              scalar(func(c *db.Contact) []string { return c.Tags }, writeStrings),
			"metadata":          checked(func(c *db.Contact) json.RawMessage { return c.Metadata }, isJSON, writeJSON),
			"mergedExternalIds": scalar(func(c *db.Contact) []string { return c.MergedExternalIDs }, writeStrings),
			"version":           scalar(func(c *db.Contact) int { return c.Version }, writeInt),
			"account":           one(primaryAccounts, accountType, false),
			"accounts":          many(contactAccounts, accountType),
			"phones":            many(contactPhones, phoneType),
			"portalRole":        one(portalRoles, portalRoleType, true),
			"createdAt":         nonNullTime(func(c *db.Contact) time.Time { return c.CreatedAt }),
			"updatedAt":         nonNullTime(func(c *db.Contact) time.Time { return c.UpdatedAt }),
		},
	}
	contactEdgeType = &objectType[*model.ContactEdge]{
		name: "ContactEdge", implementors: contactEdgeImplementors,
		fields: map[string]fieldRenderer[*model.ContactEdge]{
			"cursor": scalar(func(e *model.ContactEdge) string { return e.Cursor }, writeString),
			"node":   one(edgeNodes, contactType, true),
		},
	}
	accountType = &objectType[*db.Account]{
		name: "Account", implementors: accountImplementors,
		fields: map[string]fieldRenderer[*db.Account]{
			"id":         scalar(func(a *db.Account) string { return a.ID }, writeID),
			"externalId": scalar(func(a *db.Account) *string { return a.ExternalID }, optional(writeString)),
			"name":       scalar(func(a *db.Account) string { return a.Name }, writeString),
			"domain":     scalar(func(a *db.Account) *string { return a.Domain }, optional(writeString)),
			"tags":       scalar(func(a *db.Account) []string { return a.Tags }, writeStrings),
			"metadata":   checked(func(a *db.Account) json.RawMessage { return a.Metadata }, isJSON, writeJSON),
			"version":    scalar(func(a *db.Account) int { return a.Version }, writeInt),
			"createdAt":  nonNullTime(func(a *db.Account) time.Time { return a.CreatedAt }),
			"updatedAt":  nonNullTime(func(a *db.Account) time.Time { return a.UpdatedAt }),
		},
	}
	phoneType = &objectType[*db.Phone]{
		name: "Phone", implementors: phoneImplementors,
		fields: map[string]fieldRenderer[*db.Phone]{
			"id":            scalar(func(p *db.Phone) string { return p.ID }, writeID),
			"number":        scalar(func(p *db.Phone) string { return p.Number }, writeString),
			"type":          scalar(func(p *db.Phone) *db.PhoneType { return p.Type }, optional(writePhoneType)),
			"countryCode":   scalar(phoneCountryCode, optional(writeInt)),
			"region":        scalar(phoneRegion, optional(writeString)),
			"national":      scalar(phoneNational, writeString),
			"international": scalar(phoneInternational, writeString),
			"createdAt":     nonNullTime(func(p *db.Phone) time.Time { return p.CreatedAt }),
			"updatedAt":     nonNullTime(func(p *db.Phone) time.Time { return p.UpdatedAt }),
		},
	}
	portalRoleType = &objectType[*db.PortalRole]{
		name: "PortalRole", implementors: portalRoleImplementors,
		fields: map[string]fieldRenderer[*db.PortalRole]{
			"id":        scalar(func(r *db.PortalRole) string { return r.ID }, writeID),
			"slug":      scalar(func(r *db.PortalRole) string { return r.Slug }, writeString),
			"name":      scalar(func(r *db.PortalRole) string { return r.Name }, writeString),
			"builtIn":   scalar(func(r *db.PortalRole) bool { return r.BuiltIn }, writeBool),
			"isDefault": scalar(func(r *db.PortalRole) bool { return r.IsDefault }, writeBool),
		},
	}
)

// edgeNodes returns the contact of each edge.
func edgeNodes(_ context.Context, edges []*model.ContactEdge) ([]*db.Contact, error) {
	return mapSlice(edges, func(e *model.ContactEdge) *db.Contact { return e.Node }), nil
}
