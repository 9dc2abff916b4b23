package fastpath

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/graph/model"
)

// gqlgen resolves each field of each record on its own, with a field
// context, a marshaler and often a goroutine of its own: about 500
// allocations for a contact with its accounts, phones and portal role,
// which make most of a page's CPU time (half of it collecting the
// garbage) and most of its memory until the response is written. The
// lists of a connection, where that adds up, and the records that queries
// and mutations return (the entries) are rendered here instead: when
// every field selected on the records is served (see Field.Source), the
// value is resolved in one pass, each field for the whole list at once,
// and written as gqlgen would write it. Anything else (a field with
// arguments or a directive, @defer, a failed load, a value that gqlgen
// would report as an error) leaves the value to gqlgen.

// entries are the fields whose values are rendered here: lists of records
// and the records that queries and mutations return.
var entries = []string{
	"ContactConnection.nodes", "ContactConnection.edges", "AccountConnection.nodes",
	"Query.contact", "ContactPayload.contact", "Query.account",
}

// render renders the value res of the field f of type o, or returns false.
func (s *Schema) render(ctx context.Context, o *Object, f graphql.CollectedField, res any) (graphql.Marshaler, bool) {
	v := reflect.ValueOf(res)
	if !v.IsValid() {
		return nil, false
	}
	if v.Type() == o.Model {
		if v.IsNil() {
			return graphql.Null, true
		}
		records := reflect.MakeSlice(reflect.SliceOf(o.Model), 1, 1)
		records.Index(0).Set(v)
		// Its fields are rendered one after the other, and each of their
		// loads would wait in vain for others to batch with.
		s.preload(ctx, o, records, selectedNames(graphql.CollectFields(graphql.GetOperationContext(ctx), f.Selections, o.Implementors)))
		write, ok := o.prepare(ctx, f.Selections, records)
		if !ok {
			return nil, false
		}
		return rendered(func(b *bytes.Buffer) { write(b, 0) }), true
	}
	if v.Type() != reflect.SliceOf(o.Model) || hasNil(v) {
		return nil, false
	}
	write, ok := o.prepare(ctx, f.Selections, v)
	if !ok {
		return nil, false
	}
	return rendered(func(b *bytes.Buffer) { writeList(b, 0, v.Len(), write) }), true
}

// buffers are the buffers values are rendered in: the writers append to
// a bytes.Buffer rather than call an io.Writer, and the response's own
// buffer then grows once, to the value's size, rather than by doubling
// as the value is written.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer bounds the buffers kept for reuse: a rare huge value's
// buffer is left to the garbage collector.
const maxPooledBuffer = 4 << 20

// rendered returns the marshaler of the value that write renders.
func rendered(write func(*bytes.Buffer)) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		b := buffers.Get().(*bytes.Buffer)
		b.Reset()
		write(b)
		w.Write(b.Bytes())
		if b.Cap() <= maxPooledBuffer {
			buffers.Put(b)
		}
	})
}

// writeList writes the records from start to end as a JSON array.
func writeList(b *bytes.Buffer, start, end int, write func(*bytes.Buffer, int)) {
	b.WriteByte('[')
	for i := start; i < end; i++ {
		if i > start {
			b.WriteByte(',')
		}
		write(b, i)
	}
	b.WriteByte(']')
}

// prepare prepares the selection sel on records, a slice of o's values,
// and returns the writer of the record at i: its object, or null for a
// nil record.
func (o *Object) prepare(ctx context.Context, sel ast.SelectionSet, records reflect.Value) (func(*bytes.Buffer, int), bool) {
	if hasNil(records) {
		return o.prepareNullable(ctx, sel, records)
	}
	fields := graphql.CollectFields(graphql.GetOperationContext(ctx), sel, o.Implementors)
	if !o.renders(fields) {
		return nil, false
	}
	keys := make([][]byte, len(fields))
	values := make([]func(*bytes.Buffer, int), len(fields))
	for j, f := range fields {
		if f.Name == "__typename" {
			keys[j], values[j] = objectKey(f.Alias), constant(graphql.MarshalString(o.Name))
			continue
		}
		field := o.Fields[f.Name]
		if f.Alias == f.Name {
			keys[j] = field.key
		} else {
			keys[j] = objectKey(f.Alias)
		}
		var ok bool
		if values[j], ok = field.prepare(ctx, f, records); !ok {
			return nil, false
		}
	}
	return func(b *bytes.Buffer, i int) {
		b.WriteByte('{')
		for j, key := range keys {
			if j > 0 {
				b.WriteByte(',')
			}
			b.Write(key)
			values[j](b, i)
		}
		b.WriteByte('}')
	}, true
}

// renders reports whether o serves every one of fields, before any of
// them loads anything.
func (o *Object) renders(fields []graphql.CollectedField) bool {
	for _, f := range fields {
		if f.Name == "__typename" {
			continue
		}
		if of := o.Fields[f.Name]; of == nil || of.Source == Unserved || f.IsDeferred() {
			return false
		}
	}
	return true
}

// prepareNullable prepares records some of which are nil: the others
// alone, so that no field ever sees a nil record.
func (o *Object) prepareNullable(ctx context.Context, sel ast.SelectionSet, records reflect.Value) (func(*bytes.Buffer, int), bool) {
	at := make([]int, records.Len())
	n := 0
	for i := range records.Len() {
		at[i] = -1
		if !records.Index(i).IsNil() {
			at[i], n = n, n+1
		}
	}
	// Filled by index: reflect.Append would allocate for each record.
	present := reflect.MakeSlice(records.Type(), n, n)
	for i, j := range at {
		if j >= 0 {
			present.Index(j).Set(records.Index(i))
		}
	}
	write, ok := o.prepare(ctx, sel, present)
	return func(b *bytes.Buffer, i int) {
		if at[i] < 0 {
			b.WriteString("null")
		} else {
			write(b, at[i])
		}
	}, ok
}

// prepare prepares the field f for records and returns the writer of its
// value for the record at i, or false when gqlgen must resolve it.
func (field *Field) prepare(ctx context.Context, f graphql.CollectedField, records reflect.Value) (func(*bytes.Buffer, int), bool) {
	values, ok := field.values(ctx, records)
	if !ok {
		return nil, false
	}
	if field.Of == nil {
		return field.prepareLeaf(values, records.Len())
	}
	if field.Def.Type.Elem != nil {
		return field.prepareMany(ctx, f, values, records.Len())
	}
	children := reflect.MakeSlice(reflect.SliceOf(field.Of.Model), records.Len(), records.Len())
	for i := range records.Len() {
		children.Index(i).Set(values.at(i))
	}
	if field.Def.Type.NonNull && hasNil(children) {
		return nil, false
	}
	return field.Of.prepare(ctx, f.Selections, children)
}

// column is the values of a field for a list of records: those of the
// records' Go field index, or those its resolver returned, by record or
// in a list. (A struct rather than a function, so that a field's writer
// is its one allocation.)
type column struct {
	records  reflect.Value
	index    []int
	list     reflect.Value
	resolved []reflect.Value
}

// at returns the value of the record at i.
func (c column) at(i int) reflect.Value {
	switch {
	case c.index != nil:
		return c.records.Index(i).Elem().FieldByIndex(c.index)
	case c.resolved != nil:
		return c.resolved[i]
	}
	return c.list.Index(i)
}

// values returns the field's values for records, found for all of them
// at once, or false when its resolver failed.
func (field *Field) values(ctx context.Context, records reflect.Value) (column, bool) {
	switch field.Source {
	case Own:
		return column{records: records, index: field.Index}, true
	case Batch:
		list, ok := batchesKey.Value(ctx).found(field, records)
		if !ok {
			out := field.Resolver.Call([]reflect.Value{reflect.ValueOf(ctx), records})
			if !out[1].IsNil() {
				return column{}, false
			}
			list = out[0]
		}
		if list.Len() != records.Len() {
			return column{}, false
		}
		return column{list: list}, true
	case Resolved:
		resolved := make([]reflect.Value, records.Len())
		for i := range resolved {
			out := field.Resolver.Call([]reflect.Value{reflect.ValueOf(ctx), records.Index(i)})
			if !out[1].IsNil() {
				return column{}, false
			}
			resolved[i] = out[0]
		}
		return column{resolved: resolved}, true
	}
	return column{}, false
}

// prepareLeaf prepares a scalar or enum field of n records, unless a
// record's value is one that gqlgen would report as an error.
func (field *Field) prepareLeaf(values column, n int) (func(*bytes.Buffer, int), bool) {
	if field.Def.Type.NonNull {
		for i := range n {
			if !valid(values.at(i)) {
				return nil, false
			}
		}
	}
	return func(b *bytes.Buffer, i int) { field.write(b, values.at(i)) }, true
}

// prepareMany prepares a field whose value is a list of non-null records,
// for n records at once: the values of all the lists in one, for one pass
// of prepare. The list of record i runs from start[i] to start[i+1].
func (field *Field) prepareMany(ctx context.Context, f graphql.CollectedField, values column, n int) (func(*bytes.Buffer, int), bool) {
	start := make([]int, n+1)
	for i := range n {
		start[i+1] = start[i] + values.at(i).Len()
	}
	// Filled by index: reflect.AppendSlice would allocate for each list.
	all := reflect.MakeSlice(reflect.SliceOf(field.Of.Model), start[n], start[n])
	for i := range n {
		list := values.at(i)
		for j := range list.Len() {
			all.Index(start[i] + j).Set(list.Index(j))
		}
	}
	if hasNil(all) {
		return nil, false
	}
	write, ok := field.Of.prepare(ctx, f.Selections, all)
	if !ok {
		return nil, false
	}
	return func(b *bytes.Buffer, i int) { writeList(b, start[i], start[i+1], write) }, true
}

// objectKey returns the key of a field in an object, its quoted alias and
// a colon.
func objectKey(alias string) []byte {
	var b bytes.Buffer
	graphql.MarshalString(alias).MarshalGQL(&b)
	b.WriteString(":")
	return b.Bytes()
}

// hasNil reports whether the slice of pointers records holds a nil one.
func hasNil(records reflect.Value) bool {
	for i := range records.Len() {
		if records.Index(i).IsNil() {
			return true
		}
	}
	return false
}

// constant writes a value that is the same for every record, marshaled
// once.
func constant(m graphql.Marshaler) func(*bytes.Buffer, int) {
	var value bytes.Buffer
	m.MarshalGQL(&value)
	return func(b *bytes.Buffer, _ int) { b.Write(value.Bytes()) }
}

// The Go types of leaves that gqlgen marshals other than by their kind.
var (
	timeType = reflect.TypeFor[time.Time]()
	jsonType = reflect.TypeFor[json.RawMessage]()
)

// valid reports whether v is a value of a non-null field that gqlgen
// writes rather than report as an error.
func valid(v reflect.Value) bool {
	switch {
	case v.Kind() == reflect.Pointer:
		return !v.IsNil()
	case v.Type() == jsonType:
		return !v.IsNil()
	case v.Type() == timeType:
		return !timeOf(v).IsZero()
	}
	return true
}

// timeOf returns the time v holds, without copying it to the heap when
// it is a field of a record.
func timeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *(*time.Time)(v.Addr().UnsafePointer())
	}
	return v.Interface().(time.Time)
}

// leafWriter returns the writer of the values of Go type goType of a
// field of GraphQL type t, which writes them as the generated code
// marshals them, or false when there is none.
func leafWriter(t *ast.Type, goType reflect.Type) (func(*bytes.Buffer, reflect.Value), bool) {
	if goType == nil {
		return nil, false
	}
	if t.Elem != nil {
		if goType.Kind() != reflect.Slice {
			return nil, false
		}
		item, ok := leafWriter(t.Elem, goType.Elem())
		return func(b *bytes.Buffer, v reflect.Value) {
			b.WriteByte('[')
			for i := range v.Len() {
				if i > 0 {
					b.WriteByte(',')
				}
				item(b, v.Index(i))
			}
			b.WriteByte(']')
		}, ok
	}
	if goType.Kind() == reflect.Pointer {
		elem, ok := leafWriter(t, goType.Elem())
		return func(b *bytes.Buffer, v reflect.Value) {
			if v.IsNil() {
				b.WriteString("null")
			} else {
				elem(b, v.Elem())
			}
		}, ok
	}
	switch {
	case goType == timeType:
		return func(b *bytes.Buffer, v reflect.Value) { writeTime(b, timeOf(v)) }, true
	case goType == jsonType:
		return func(b *bytes.Buffer, v reflect.Value) { model.MarshalJSON(v.Bytes()).MarshalGQL(b) }, true
	case goType.Kind() == reflect.String:
		// An ID is marshaled as a string (graphql.MarshalID).
		return func(b *bytes.Buffer, v reflect.Value) { writeString(b, v.String()) }, true
	case goType.Kind() == reflect.Int:
		return func(b *bytes.Buffer, v reflect.Value) { b.Write(strconv.AppendInt(b.AvailableBuffer(), v.Int(), 10)) }, true
	case goType.Kind() == reflect.Bool:
		return func(b *bytes.Buffer, v reflect.Value) { b.Write(strconv.AppendBool(b.AvailableBuffer(), v.Bool())) }, true
	}
	return nil, false
}

// writeString writes s as graphql.MarshalString does: the string itself
// between quotes unless it has a character to escape, which gqlgen's
// marshaler then escapes (every such character is a byte below 0x80, so
// looking at bytes finds them all).
func writeString(b *bytes.Buffer, s string) {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c == '\\' || c == '"' {
			graphql.MarshalString(s).MarshalGQL(b)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

// writeTime writes t as graphql.MarshalTime does, without its
// intermediate strings: null for the zero time, else its RFC 3339 text,
// which has nothing to escape, between quotes.
func writeTime(b *bytes.Buffer, t time.Time) {
	if t.IsZero() {
		b.WriteString("null")
		return
	}
	out := append(b.AvailableBuffer(), '"')
	out = append(t.AppendFormat(out, time.RFC3339Nano), '"')
	b.Write(out)
}
