package db

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// The hot reads (the lookups by keys) read their rows straight off pgx's
// connection into the models, rather than through database/sql and Bun's
// scanner: those turn every value into a driver.Value first (a uuid into
// its text, a timestamp into an interface, each found by a map lookup of
// its type), then find each column's field and set it by reflection, and
// make each record by reflection. Here each result's columns are matched
// to the model's fields once (from Bun's table of the model, so the
// models' bun tags stay the one description), and each row's values are
// decoded into the fields in place; the records are made in blocks.

// rawQuery runs query with values as its parameters (prepared when
// prepare is set) on the connection of idb, the handle of a Store (see
// inWorkspace), and calls each with every row of its result (see
// queryOn).
func rawQuery(ctx context.Context, idb bun.IConn, query string, prepare bool, values []any, each rowDecoder) error {
	run := func(scope *policyScope) func(rawConn) error {
		return func(conn rawConn) error {
			return queryOn(ctx, conn, scope, query, prepare, values, each)
		}
	}
	switch h := idb.(type) {
	case scopedConn:
		return onPoolConn(ctx, h.pool, run(&h.scope))
	case *bun.DB:
		return onPoolConn(ctx, h.DB, run(nil))
	case bun.Conn:
		return onConn(h.Conn, run(nil))
	}
	return fmt.Errorf("raw query on a %T", idb)
}

// rawConn is pgx's connection under a connection of the pool, with what
// it keeps of its session and its tracer.
type rawConn struct {
	*pgx.Conn
	sess *connSession
	// tracer is the connection's, read once: pgx's Config copies the
	// whole configuration to show it.
	tracer pgx.QueryTracer
}

// queryOn runs query with values as its parameters (prepared when
// prepare is set) on conn behind what sets scope (see sendBatch), and
// calls each with every row of its result: the raw values, by column,
// valid until the next row.
func queryOn(ctx context.Context, conn rawConn, scope *policyScope, query string, prepare bool, values []any, each rowDecoder) (err error) {
	// pgx's tracer sees the statement, as it sees those that pgx sends.
	if conn.tracer != nil {
		ctx := conn.tracer.TraceQueryStart(ctx, conn.Conn, pgx.TraceQueryStartData{SQL: query, Args: values})
		defer func() { conn.tracer.TraceQueryEnd(ctx, conn.Conn, pgx.TraceQueryEndData{Err: err}) }()
	}
	results, err := sendBatch(ctx, conn.Conn, conn.sess, scope, query, prepare, values)
	if err != nil {
		return err
	}
	rr := results.ResultReader()
	fields := rr.FieldDescriptions()
	for rr.NextRow() {
		if err := each(fields, conn.TypeMap(), rr.Values()); err != nil {
			_, _ = rr.Close()
			return results.close(err)
		}
	}
	_, err = rr.Close()
	return results.close(err)
}

// onPoolConn runs fn on a connection of pool.
func onPoolConn(ctx context.Context, pool *sql.DB, fn func(rawConn) error) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return onConn(conn, fn)
}

// onConn runs fn on pgx's connection under conn.
func onConn(conn *sql.Conn, fn func(rawConn) error) error {
	return conn.Raw(func(dc any) error {
		// Every pool's connections are scopingConns (Open).
		c, ok := dc.(*scopingConn)
		if !ok {
			return fmt.Errorf("raw query on a driver connection %T", dc)
		}
		return fn(rawConn{c.Conn(), &c.sess, c.tracer})
	})
}

// scanInto returns the function that rawQuery calls with each row: it
// decodes the row into a new record of model T and appends it to *dest.
func scanInto[T any](dest *[]*T, models *bun.DB) rowDecoder {
	var cols []columnScan
	var block []T
	var texts textArena
	return func(fields []pgconn.FieldDescription, types *pgtype.Map, row [][]byte) error {
		if cols == nil {
			var err error
			if cols, err = planColumns(models.Table(reflect.TypeFor[T]()), fields, types); err != nil {
				return err
			}
		}
		// Records are made a block at a time, each twice the last (a lookup
		// of one record makes one): one allocation for many.
		if len(block) == cap(block) {
			block = make([]T, 0, min(max(2*cap(block), 1), 256))
		}
		block = block[:len(block)+1]
		rec := &block[len(block)-1]
		base := unsafe.Pointer(rec)
		for i, c := range cols {
			if err := c.scan(unsafe.Add(base, c.offset), row[i], &texts); err != nil {
				return fmt.Errorf("column %s: %w", fields[i].Name, err)
			}
		}
		*dest = append(*dest, rec)
		return nil
	}
}

// columnScan decodes one column of a result into a field of a record.
type columnScan struct {
	// offset is the field's offset in the record.
	offset uintptr
	typ    reflect.Type
	kind   scanKind
	// plan is pgx's decoding of the column into the field, for the other
	// kinds.
	plan pgtype.ScanPlan
}

// scanKind is how a column is decoded: the texts that make most of a
// page's values directly, anything else by pgx's plan for the field's
// type.
type scanKind int

const (
	byPlan scanKind = iota
	text
	optionalTextKind
	rawBytes
	uuidKind
	textArray
)

// planColumns matches the columns of a result to the fields of table's
// model.
func planColumns(table *schema.Table, fields []pgconn.FieldDescription, types *pgtype.Map) ([]columnScan, error) {
	cols := make([]columnScan, len(fields))
	for i, f := range fields {
		field := table.LookupField(f.Name)
		if field == nil {
			return nil, fmt.Errorf("%s has no field for column %s", table.TypeName, f.Name)
		}
		offset, err := offsetOf(table.Type, field.Index)
		if err != nil {
			return nil, err
		}
		c := columnScan{offset: offset, typ: field.StructField.Type}
		textual := f.Format == pgtype.TextFormatCode
		switch {
		case textual && c.typ.Kind() == reflect.String:
			c.kind = text
		case textual && c.typ.Kind() == reflect.Pointer && c.typ.Elem().Kind() == reflect.String:
			c.kind = optionalTextKind
		case textual && c.typ.Kind() == reflect.Slice && c.typ.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(c.typ).Implements(scannerType):
			c.kind = rawBytes
		case f.DataTypeOID == pgtype.UUIDOID && c.typ == uuidType:
			c.kind = uuidKind
		case textual && f.DataTypeOID == pgtype.TextArrayOID && c.typ == stringsType:
			c.kind = textArray
			// for the arrays scanTextArray leaves (with bounds, say)
			c.plan = types.PlanScan(f.DataTypeOID, f.Format, reflect.New(c.typ).Interface())
		default:
			c.plan = types.PlanScan(f.DataTypeOID, f.Format, reflect.New(c.typ).Interface())
		}
		cols[i] = c
	}
	return cols, nil
}

var scannerType = reflect.TypeFor[sql.Scanner]()

// offsetOf returns the offset of the field at index in a struct of type
// typ, through embedded structs (not pointers: a record is one block).
func offsetOf(typ reflect.Type, index []int) (uintptr, error) {
	var offset uintptr
	for _, i := range index {
		if typ.Kind() != reflect.Struct {
			return 0, fmt.Errorf("field index %v of %s passes a %s", index, typ, typ.Kind())
		}
		f := typ.Field(i)
		offset += f.Offset
		typ = f.Type
	}
	return offset, nil
}

// scan decodes raw, the column's value (nil for NULL), into the field at
// p, its texts into texts.
func (c columnScan) scan(p unsafe.Pointer, raw []byte, texts *textArena) error {
	switch c.kind {
	case text:
		// A string kind of whatever name has a string's layout.
		*(*string)(p) = texts.string(raw)
		return nil
	case optionalTextKind:
		if raw == nil {
			*(**string)(p) = nil
		} else {
			*(**string)(p) = texts.optional(raw)
		}
		return nil
	case rawBytes:
		if raw == nil {
			*(*[]byte)(p) = nil
		} else {
			*(*[]byte)(p) = texts.bytes(raw)
		}
		return nil
	case uuidKind:
		return scanUUID((*uuid.UUID)(p), raw)
	case textArray:
		if scanTextArray((*[]string)(p), raw, texts) {
			return nil
		}
	}
	if raw == nil && c.typ.Kind() != reflect.Pointer && c.typ.Kind() != reflect.Slice && c.typ.Kind() != reflect.Map {
		// A NULL in a field that cannot hold one, as Bun leaves it: the
		// zero value.
		reflect.NewAt(c.typ, p).Elem().SetZero()
		return nil
	}
	return c.plan.Scan(raw, reflect.NewAt(c.typ, p).Interface())
}

// The types of fields that columnScan decodes itself: pgx's plans would
// go through sql.Scanner, a uuid through its text (three allocations), and
// parse an array's text into a list of its own first (two per element).
var (
	uuidType    = reflect.TypeFor[uuid.UUID]()
	stringsType = reflect.TypeFor[[]string]()
)

// scanUUID decodes a uuid column, in either format, into *dst; NULL is
// the zero uuid, as Bun reads it.
func scanUUID(dst *uuid.UUID, raw []byte) error {
	switch {
	case raw == nil:
		*dst = uuid.UUID{}
	case len(raw) == len(dst):
		copy(dst[:], raw)
	default:
		id, err := uuid.ParseBytes(raw)
		if err != nil {
			return err
		}
		*dst = id
	}
	return nil
}

// scanTextArray decodes the text of a one-dimensional text[] into *dst,
// its elements into texts, or returns false when it is not one (an array
// with bounds, or of more dimensions). NULL is nil and a NULL element the
// empty string, as Bun reads them.
func scanTextArray(dst *[]string, raw []byte, texts *textArena) bool {
	if raw == nil {
		*dst = nil
		return true
	}
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return false
	}
	body := raw[1 : len(raw)-1]
	n := 0
	if len(body) > 0 {
		n = 1 + bytes.Count(body, []byte{','}) // at least the elements' number
	}
	elems := texts.list(n)
	// Unquoted, the elements are no longer than the body: room for it
	// holds them all.
	all := texts.room(len(body))
	for len(body) > 0 {
		start := len(all)
		if body[0] == '"' {
			i := 1
			for ; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				all = append(all, body[i])
			}
			if i == len(body) {
				return false
			}
			body = body[i+1:]
		} else {
			i := bytes.IndexByte(body, ',')
			if i < 0 {
				i = len(body)
			}
			elem := body[:i]
			if len(elem) == 0 || elem[0] == '{' {
				return false
			}
			if string(elem) != "NULL" {
				all = append(all, elem...)
			}
			body = body[i:]
		}
		elems = append(elems, unsafe.String(unsafe.SliceData(all[start:]), len(all)-start))
		if len(body) > 0 {
			if body[0] != ',' {
				return false
			}
			body = body[1:]
		}
	}
	texts.used(len(all))
	*dst = texts.listed(len(elems))
	return true
}

// textArena holds the texts that the rows of a result decode into, in
// blocks: the strings of a page's hundred records take a few allocations
// instead of one each. A block lives as long as any of its texts, which
// belong to the same records.
type textArena struct {
	block []byte
	// optionals holds the strings that optional texts point at, made in
	// blocks too.
	optionals []string
	// lists holds the elements of arrays, in blocks too.
	lists []string
}

// The sizes of the blocks of lists, unless a list is longer.
const firstListBlock, maxListBlock = 16, 1024

// list returns an empty list with room for n strings at the end of the
// current block of lists, or of a new one; listed then takes what was
// appended to it.
func (a *textArena) list(n int) []string {
	if a.lists == nil || cap(a.lists)-len(a.lists) < n {
		a.lists = make([]string, 0, max(n, min(2*cap(a.lists), maxListBlock), firstListBlock))
	}
	return a.lists[len(a.lists):len(a.lists)]
}

// listed takes the first n strings of the room that list gave from the
// block, and returns them as a list that appending to cannot write over
// the lists after it.
func (a *textArena) listed(n int) []string {
	l := a.lists[len(a.lists) : len(a.lists)+n : len(a.lists)+n]
	a.lists = a.lists[:len(a.lists)+n]
	return l
}

// The sizes of blocks, unless a text is longer: each twice the last,
// from a small one for a lookup of one record.
const firstTextBlock, maxTextBlock = 256, 8192

// room returns an empty slice with room for n bytes at the end of the
// current block, or of a new one; used then takes what was written there.
func (a *textArena) room(n int) []byte {
	if cap(a.block)-len(a.block) < n {
		a.block = make([]byte, 0, max(n, min(2*cap(a.block), maxTextBlock), firstTextBlock))
	}
	return a.block[len(a.block):len(a.block)]
}

// used takes the first n bytes of the room from the block: nothing is
// written over them again.
func (a *textArena) used(n int) { a.block = a.block[:len(a.block)+n] }

// string returns raw as a string held by the arena.
func (a *textArena) string(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	b := a.bytes(raw)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// optional returns a pointer to raw as a string held by the arena.
func (a *textArena) optional(raw []byte) *string {
	if len(a.optionals) == cap(a.optionals) {
		a.optionals = make([]string, 0, min(max(2*cap(a.optionals), 4), 256))
	}
	a.optionals = append(a.optionals, a.string(raw))
	return &a.optionals[len(a.optionals)-1]
}

// bytes returns a copy of raw held by the arena, which appending to
// cannot write over the texts after it.
func (a *textArena) bytes(raw []byte) []byte {
	b := append(a.room(len(raw)), raw...)
	a.used(len(raw))
	return b[:len(b):len(b)]
}
