package fastpath

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/graph/loaders"
)

// Preload loads, in one batch per loader and before any of them is
// resolved, what the operation selects on records, a list of records that
// the field being resolved returns at the end of each of paths (such as
// "nodes" and "edges.node" of a connection): the values of their batch
// fields. The resolvers of the records then find them in the loaders'
// caches, whether gqlgen resolves the records together (nodes) or one by
// one (edges, a bulk mutation's results), so a page costs the same
// statements whatever its size and however busy the server is. A failed
// load is cached with its error, which the field's resolver reports.
// Without the fast path (Install), Preload does nothing.
func Preload(ctx context.Context, records any, paths ...string) {
	s := schemaKey.Value(ctx)
	if s == nil {
		return
	}
	names := map[string]bool{}
	var o *Object
	for _, path := range paths {
		var fields []graphql.CollectedField
		o, fields = s.selectedAt(ctx, strings.Split(path, "."))
		for n := range selectedNames(fields) {
			names[n] = true
		}
	}
	if o != nil {
		s.preload(ctx, o, reflect.ValueOf(records), names)
	}
}

// preload runs the batch fields of o among names for records, a slice of
// o's values, with their loads at once. It runs them in the schema's
// order: a contact's account before its accounts, whose members' accounts
// are then fetched only when they are not some contact's primary account.
func (s *Schema) preload(ctx context.Context, o *Object, records reflect.Value, names map[string]bool) {
	var args []reflect.Value
	for _, f := range o.Order {
		if !names[f.Name] || f.Source != Batch {
			continue
		}
		if args == nil {
			args = []reflect.Value{reflect.ValueOf(loaders.Now(ctx)), records}
		}
		out := f.Resolver.Call(args)
		if out[1].IsNil() {
			batchesKey.Value(ctx).keep(f, records, out[0])
		}
	}
}

// batches are the values that the batch fields of an operation found for
// lists of records ahead of rendering (preload), so that rendering the
// same list takes them rather than run the resolvers again: each would
// find its loads cached, but still look up every key and build its
// values anew.
type batches struct {
	mu     sync.Mutex
	values map[batchKey]batch
}

// batch is what a batch field found for a list of records; the list is
// kept with it, so that no other list takes its address while the
// operation runs.
type batch struct{ records, values reflect.Value }

// batchesKey holds the batches of an operation of the fast path; outside
// one, its nil batches keep nothing.
var batchesKey = ctxkey.New[*batches]("fastpath.batches")

// batchKey is a batch field's run for one list of records: the list's
// array and length.
type batchKey struct {
	field   *Field
	records unsafe.Pointer
	n       int
}

// keep keeps the values that field found for records.
func (b *batches) keep(field *Field, records, values reflect.Value) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.values == nil {
		b.values = make(map[batchKey]batch)
	}
	b.values[batchKey{field, records.UnsafePointer(), records.Len()}] = batch{records, values}
}

// found returns the values that field found for records, when kept.
func (b *batches) found(field *Field, records reflect.Value) (reflect.Value, bool) {
	if b == nil {
		return reflect.Value{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	found, ok := b.values[batchKey{field, records.UnsafePointer(), records.Len()}]
	return found.values, ok
}

// selectedAt returns the object type at the end of path below the field
// being resolved, and the fields selected on it.
func (s *Schema) selectedAt(ctx context.Context, path []string) (*Object, []graphql.CollectedField) {
	oc := graphql.GetOperationContext(ctx)
	typ := s.ast.Types[graphql.GetFieldContext(ctx).Field.Definition.Type.Name()]
	fields := graphql.CollectFieldsCtx(ctx, implementors(typ))
	for _, name := range path {
		typ = s.ast.Types[typ.Fields.ForName(name).Type.Name()]
		var next []graphql.CollectedField
		for _, f := range fields {
			if f.Name == name {
				next = append(next, graphql.CollectFields(oc, f.Selections, implementors(typ))...)
			}
		}
		fields = next
	}
	return s.Objects[typ.Name], fields
}

// implementors returns the types whose fragments apply to def.
func implementors(def *ast.Definition) []string {
	return append([]string{def.Name}, def.Interfaces...)
}

// selectedNames returns the names of fields.
func selectedNames(fields []graphql.CollectedField) map[string]bool {
	names := make(map[string]bool, len(fields))
	for _, f := range fields {
		names[f.Name] = true
	}
	return names
}
