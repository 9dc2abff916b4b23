// Package fastpath serves the hot reads of the GraphQL API without
// gqlgen's per-field machinery: it renders lists of records in one pass
// (render.go), fetches only the columns an operation reads
// (projection.go) and loads what a list's fields need before they are
// resolved (preload.go). What it knows of each field (how its value is
// found, which columns of its record it reads, which loads it needs) is
// derived once at start from the schema, the resolvers and the Bun models
// (Describe): a new field of a record needs nothing here.
package fastpath

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/db"
)

// Schema is what the fast path knows of the GraphQL schema: every object
// type reachable from the root resolvers, with the Go type of its values.
type Schema struct {
	Objects map[string]*Object
	ast     *ast.Schema
}

// Object is an object type of the schema.
type Object struct {
	Name string
	// Implementors are the types whose fragments apply to it: itself and
	// its interfaces, as in the generated code.
	Implementors []string
	// Model is the Go type of its values, a pointer to a struct.
	Model reflect.Type
	// Fields are its fields by name; Order the same, in schema order.
	Fields map[string]*Field
	Order  []*Field
	// Stored is whether Model is a Bun model, whose fields' Columns tell
	// what a read must fetch.
	Stored bool
}

// Source is how the value of a field is found.
type Source int

// The sources of a field's value.
const (
	// Unserved fields are left to gqlgen (see Field.Why).
	Unserved Source = iota
	// Own fields are a field of the record's Go struct.
	Own
	// Batch fields come from a batch resolver, for a list of records at
	// once.
	Batch
	// Resolved fields come from a resolver, one record at a time.
	Resolved
)

// Field is a field of an object type.
type Field struct {
	Name   string
	Def    *ast.FieldDefinition
	Source Source
	// Why says why an Unserved field is left to gqlgen.
	Why string
	// Index is the Go field of an Own field.
	Index []int
	// Resolver is the resolver method of a Batch or Resolved field.
	Resolver reflect.Value
	// Go is the Go type of the value of one record's field (also of an
	// Unserved field found by a method, for describing its type).
	Go reflect.Type
	// Of is the object type of the field's values, nil for a leaf.
	Of *Object
	// Columns are the columns of its record that the field reads, of a
	// Stored object; Projected is false when that is unknown, and then
	// an operation that selects it fetches its records whole.
	Columns   []string
	Projected bool
	// write writes a leaf's value, made once for every request.
	write func(*bytes.Buffer, reflect.Value)
	// key is the field's key in an object when it has no alias.
	key []byte
}

// readsDirective names the columns of its record that a field reads when
// the field is not a column of its own (see schema.graphqls).
const readsDirective = "reads"

// Describe derives the description of schema from the root resolvers
// (the generated ResolverRoot: a method per object type with resolvers,
// returning that type's resolver), their results' Go types and the Bun
// models behind them.
func Describe(schema *ast.Schema, resolvers any) (*Schema, error) {
	s := &Schema{Objects: map[string]*Object{}, ast: schema}
	root := reflect.ValueOf(resolvers)
	for _, op := range []*ast.Definition{schema.Query, schema.Mutation} {
		if op == nil {
			continue
		}
		r, ok := objectResolver(root, op.Name)
		if !ok {
			return nil, fmt.Errorf("fastpath: no resolver of %s", op.Name)
		}
		for _, f := range op.Fields {
			m, ok := method(r.Type(), f.Name)
			if !ok || m.Type.NumOut() == 0 {
				continue
			}
			if err := s.describe(root, f.Type, m.Type.Out(0)); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// describe describes the object type of values of GraphQL type t and Go
// type goType, and those reachable from it, unless it is known already.
func (s *Schema) describe(root reflect.Value, t *ast.Type, goType reflect.Type) error {
	def := s.ast.Types[t.Name()]
	model := element(goType)
	if def == nil || def.Kind != ast.Object || model.Kind() != reflect.Pointer || model.Elem().Kind() != reflect.Struct {
		return nil
	}
	if o, ok := s.Objects[def.Name]; ok {
		if o.Model != model {
			return fmt.Errorf("fastpath: %s is both %s and %s", def.Name, o.Model, model)
		}
		return nil
	}
	columns, keys, stored := db.ModelColumns(model)
	o := &Object{
		Name: def.Name, Implementors: append([]string{def.Name}, def.Interfaces...),
		Model: model, Fields: map[string]*Field{}, Stored: stored,
	}
	s.Objects[def.Name] = o
	r, hasResolver := objectResolver(root, def.Name)
	for _, fd := range def.Fields {
		f := &Field{Name: fd.Name, Def: fd, key: objectKey(fd.Name)}
		f.source(r, hasResolver, model)
		if stored {
			f.project(model, columns, keys)
		}
		o.Fields[fd.Name], o.Order = f, append(o.Order, f)
		if f.Go == nil {
			continue
		}
		if err := s.describe(root, fd.Type, f.Go); err != nil {
			return err
		}
	}
	for _, f := range o.Order {
		f.link(s)
	}
	return nil
}

// source finds how the value of f is found: by the object's resolver r
// (when it has one), a method of the model, or a field of its struct,
// in the order gqlgen binds them.
func (f *Field) source(r reflect.Value, hasResolver bool, model reflect.Type) {
	if hasResolver {
		if m, ok := method(r.Type(), f.Name); ok {
			f.resolved(r.Method(m.Index), model)
			return
		}
	}
	if m, ok := method(model, f.Name); ok {
		// Unserved, but the type of its values is described all the same:
		// a connection's edges are found only by their method.
		f.Why = "a method of the model"
		if m.Type.NumOut() > 0 {
			f.Go = m.Type.Out(0)
		}
		return
	}
	sf, ok := model.Elem().FieldByNameFunc(func(name string) bool { return strings.EqualFold(name, f.Name) })
	if !ok {
		f.Why = "no Go field or resolver"
		return
	}
	f.Source, f.Index, f.Go = Own, sf.Index, sf.Type
	f.servable()
}

// resolved makes f a field of resolver m: (ctx, records) for a batch
// resolver, (ctx, record) otherwise, either returning (value, error).
func (f *Field) resolved(m reflect.Value, model reflect.Type) {
	t := m.Type()
	if t.NumIn() != 2 || t.NumOut() != 2 {
		f.Why = "a resolver with arguments"
		return
	}
	f.Resolver = m
	switch t.In(1) {
	case reflect.SliceOf(model):
		f.Source, f.Go = Batch, t.Out(0).Elem()
	case model:
		f.Source, f.Go = Resolved, t.Out(0)
	default:
		f.Why = "a resolver of another type"
		return
	}
	f.servable()
}

// servable leaves to gqlgen a field that takes arguments or has a
// directive (which runs for each field), or whose leaf values the fast
// path cannot write.
func (f *Field) servable() {
	for _, d := range f.Def.Directives {
		if d.Name != readsDirective {
			f.Source, f.Why = Unserved, "the directive @"+d.Name
			return
		}
	}
	if len(f.Def.Arguments) > 0 {
		f.Source, f.Why = Unserved, "arguments"
	}
}

// link points f at the object type of its values, once described, and
// checks that a leaf's Go type can be written.
func (f *Field) link(s *Schema) {
	if f.Source == Unserved {
		return
	}
	if o, ok := s.Objects[f.Def.Type.Name()]; ok {
		f.Of = o
		return
	}
	if def := s.ast.Types[f.Def.Type.Name()]; def.Kind != ast.Scalar && def.Kind != ast.Enum {
		f.Source, f.Why = Unserved, "a value of an abstract type"
		return
	}
	var ok bool
	if f.write, ok = leafWriter(f.Def.Type, f.Go); !ok {
		f.Source, f.Why = Unserved, "a leaf of Go type "+f.Go.String()
	}
}

// project finds the columns that f reads of its record: those that its
// @reads names; else its own column (the key, which every read fetches,
// is none); else, by convention, the column of the model's Go field named
// for f or for f's id (account: AccountID).
func (f *Field) project(model reflect.Type, columns map[string]string, keys map[string]bool) {
	if d := f.Def.Directives.ForName(readsDirective); d != nil {
		for _, c := range d.Arguments.ForName("columns").Value.Children {
			f.Columns = append(f.Columns, c.Value.Raw)
		}
		f.Projected = true
		return
	}
	for _, name := range []string{f.Name, f.Name + "ID"} {
		sf, ok := model.Elem().FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, name) })
		if column, stored := columns[sf.Name]; ok && stored {
			if !keys[column] {
				f.Columns = []string{column}
			}
			f.Projected = true
			return
		}
	}
}

// objectResolver returns the resolver of object type name: the result of
// the root's method of that name.
func objectResolver(root reflect.Value, name string) (reflect.Value, bool) {
	m, ok := method(root.Type(), name)
	if !ok || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 {
		return reflect.Value{}, false
	}
	return root.Method(m.Index).Call(nil)[0], true
}

// method finds the method of t that gqlgen binds to a field or type
// called name: the same name, whatever its case (externalId: ExternalID).
func method(t reflect.Type, name string) (reflect.Method, bool) {
	for i := range t.NumMethod() {
		if m := t.Method(i); strings.EqualFold(m.Name, name) {
			return m, true
		}
	}
	return reflect.Method{}, false
}

// element returns the type of the items of t's lists: t without its
// slices.
func element(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		t = t.Elem()
	}
	return t
}
