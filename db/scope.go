package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// A statement that runs outside the transactions of mutations, under
// row-level security, must name its workspace (or another policy setting)
// for its own duration only. An explicit transaction around it would cost
// two round trips (BEGIN with SET LOCAL, and ROLLBACK), more than a lookup
// by key itself. Instead, the pool's connections send such a statement in
// one round trip behind set_config(setting, value, is_local => true), the
// two as one batch of the extended protocol: PostgreSQL runs the
// statements of a batch, up to its Sync, in one implicit transaction, and
// a local setting ends with it, committed or not. So the setting holds
// for exactly that statement, a connection never carries it into another
// statement, and a statement sent without one sees no row and writes none.

// setConfigSQL sets a policy setting for the current transaction.
const setConfigSQL = "SELECT set_config($1, $2, true)"

// policyScope is the policy setting a statement runs under.
type policyScope struct{ setting, value string }

type policyScopeKey struct{}

// scopedConn runs each statement on the pool, in a transaction of its own
// that sets a policy setting first (see scopingConn). It is what
// statements outside a mutation's transaction run on under row-level
// security.
type scopedConn struct {
	pool  *sql.DB
	scope policyScope
}

func scoped(pool *bun.DB, setting, value string) scopedConn {
	return scopedConn{pool: pool.DB, scope: policyScope{setting, value}}
}

func (c scopedConn) with(ctx context.Context) context.Context {
	return context.WithValue(ctx, policyScopeKey{}, c.scope)
}

// QueryContext runs query with args as its parameters.
func (c scopedConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.pool.QueryContext(c.with(ctx), query, args...)
}

// ExecContext runs query with args as its parameters.
func (c scopedConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.pool.ExecContext(c.with(ctx), query, args...)
}

// QueryRowContext runs query with args as its parameters.
func (c scopedConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return c.pool.QueryRowContext(c.with(ctx), query, args...)
}

var _ bun.IConn = scopedConn{}

// scopingConnector makes the pool's connections scopingConns.
type scopingConnector struct{ driver.Connector }

func (c scopingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return scopingConn{conn.(*stdlibConn)}, nil
}

// stdlibConn names pgx's connection for embedding: embedded as
// *stdlib.Conn, its field would hide its method Conn.
type stdlibConn = stdlib.Conn

// scopingConn is pgx's database/sql connection, which sends a statement
// whose context carries a policyScope behind the set_config of its
// setting, in one round trip.
type scopingConn struct{ *stdlibConn }

func (c scopingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	mrr, scoped, err := c.sendIfScoped(ctx, query, args)
	if !scoped {
		return c.stdlibConn.QueryContext(ctx, query, args)
	}
	if err != nil {
		return nil, err
	}
	return newScopedRows(mrr, c.Conn().TypeMap()), nil
}

// rowDecoder decodes one row of a result: its raw values, by column,
// valid until the next row.
type rowDecoder func(fields []pgconn.FieldDescription, types *pgtype.Map, row [][]byte) error

func (c scopingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	mrr, scoped, err := c.sendIfScoped(ctx, query, args)
	if !scoped {
		return c.stdlibConn.ExecContext(ctx, query, args)
	}
	if err != nil {
		return nil, err
	}
	tag, err := mrr.ResultReader().Close()
	if err := closeWith(mrr, err); err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// sendIfScoped sends query as sendScoped does when ctx carries a
// policyScope; scoped is false when it does not.
func (c scopingConn) sendIfScoped(ctx context.Context, query string, args []driver.NamedValue) (mrr *pgconn.MultiResultReader, scoped bool, err error) {
	scope, scoped := ctx.Value(policyScopeKey{}).(policyScope)
	if !scoped {
		return nil, false, nil
	}
	mrr, err = c.sendScoped(ctx, scope, query, args)
	return mrr, true, err
}

// sendScoped sends set_config and query in one batch, and returns its
// results at query's; the statement is not prepared: its text is one
// that Bun wrote its arguments into. (The lookups, prepared, go through
// rawQuery.)
func (c scopingConn) sendScoped(ctx context.Context, scope policyScope, query string, args []driver.NamedValue) (*pgconn.MultiResultReader, error) {
	return sendBatch(ctx, c.Conn(), &scope, query, false, namedValues(args))
}

// namedValues returns the values of database/sql's arguments.
func namedValues(args []driver.NamedValue) []any {
	values := make([]any, len(args))
	for i, a := range args {
		values[i] = a.Value
	}
	return values
}

// sendBatch sends query with values as its parameters, prepared (once
// per connection) when prepare is set, as the kept lookups ask (at most
// maxLookupTexts texts, so that a connection keeps a bounded number of
// statements), with the columns of types binaryResult in binary (the
// others in text, as the simple protocol sends them), behind the
// set_config of scope when it is not nil, in one batch (one round trip),
// and returns its results at query's.
func sendBatch(ctx context.Context, conn *pgx.Conn, scope *policyScope, query string, prepare bool, values []any) (*pgconn.MultiResultReader, error) {
	var batch pgconn.Batch
	if scope != nil {
		setConfig, err := conn.Prepare(ctx, setConfigSQL, setConfigSQL)
		if err != nil {
			return nil, err
		}
		batch.ExecStatement(setConfig, [][]byte{[]byte(scope.setting), []byte(scope.value)}, nil, nil)
	}
	if prepare {
		sd, err := conn.Prepare(ctx, query, query)
		if err != nil {
			return nil, err
		}
		params, formats, err := encodeParams(conn.TypeMap(), sd.ParamOIDs, values)
		if err != nil {
			return nil, err
		}
		batch.ExecStatement(sd, params, formats, binaryResults(sd.Fields))
	} else {
		oids := make([]uint32, len(values))
		for i, v := range values {
			t, ok := conn.TypeMap().TypeForValue(v)
			if !ok {
				return nil, fmt.Errorf("no PostgreSQL type for a %T", v)
			}
			oids[i] = t.OID
		}
		params, formats, err := encodeParams(conn.TypeMap(), oids, values)
		if err != nil {
			return nil, err
		}
		batch.ExecParams(query, params, oids, formats, nil)
	}
	mrr := conn.PgConn().ExecBatch(ctx, &batch)
	if scope != nil {
		if !mrr.NextResult() {
			return nil, noResult(mrr, "set_config")
		}
		if _, err := mrr.ResultReader().Close(); err != nil {
			return nil, closeWith(mrr, err)
		}
	}
	if !mrr.NextResult() {
		return nil, noResult(mrr, strconv.Quote(query))
	}
	return mrr, nil
}

// binaryResult are the types whose columns come in binary: reading their
// text costs a parse (a timestamp's most), and pgx's codecs give
// database/sql the same values from either format. Arrays and JSON stay
// text, which Bun reads.
var binaryResult = map[uint32]bool{
	pgtype.TimestamptzOID: true, pgtype.UUIDOID: true, pgtype.Int2OID: true,
	pgtype.Int4OID: true, pgtype.Int8OID: true, pgtype.BoolOID: true,
}

// binaryResults returns the result formats of a prepared statement's
// fields.
func binaryResults(fields []pgconn.FieldDescription) []int16 {
	formats := make([]int16, len(fields))
	for i, f := range fields {
		if binaryResult[f.DataTypeOID] {
			formats[i] = pgtype.BinaryFormatCode
		}
	}
	return formats
}

// encodeParams encodes values as parameters of types oids, each in its
// type's preferred format.
func encodeParams(types *pgtype.Map, oids []uint32, values []any) (params [][]byte, formats []int16, err error) {
	if len(oids) != len(values) {
		return nil, nil, fmt.Errorf("%d parameters for %d values", len(oids), len(values))
	}
	params, formats = make([][]byte, len(values)), make([]int16, len(values))
	for i, v := range values {
		if keys, ok := v.([]string); ok && oids[i] == pgtype.TextArrayOID {
			params[i], formats[i] = encodeTextArray(keys), pgtype.BinaryFormatCode
			continue
		}
		formats[i] = types.FormatCodeForOID(oids[i])
		if params[i], err = types.Encode(oids[i], formats[i], v, nil); err != nil {
			return nil, nil, fmt.Errorf("parameter %d: %w", i+1, err)
		}
	}
	return params, formats, nil
}

// encodeTextArray encodes keys as a text[] in binary, in one allocation:
// pgx's codec makes each element an interface value first, an allocation
// per key of a lookup.
func encodeTextArray(keys []string) []byte {
	size := 20
	for _, k := range keys {
		size += 4 + len(k)
	}
	b := make([]byte, 0, size)
	// Dimensions (none when empty), no NULL element, the elements' type.
	b = binary.BigEndian.AppendUint32(b, uint32(min(len(keys), 1)))
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, pgtype.TextOID)
	if len(keys) > 0 {
		// The one dimension's length and lower bound.
		b = binary.BigEndian.AppendUint32(b, uint32(len(keys)))
		b = binary.BigEndian.AppendUint32(b, 1)
	}
	for _, k := range keys {
		b = binary.BigEndian.AppendUint32(b, uint32(len(k)))
		b = append(b, k...)
	}
	return b
}

// noResult closes mrr, which gave no result for what, and returns why: the
// reader's error, such as a lost connection, when it has one.
func noResult(mrr *pgconn.MultiResultReader, what string) error {
	if err := mrr.Close(); err != nil {
		return fmt.Errorf("no result for %s: %w", what, err)
	}
	return fmt.Errorf("no result for %s", what)
}

// closeWith reads the rest of a batch's results and returns err, or the
// error that reading met.
func closeWith(mrr *pgconn.MultiResultReader, err error) error {
	if closeErr := mrr.Close(); err == nil {
		err = closeErr
	}
	return err
}

// scopedRows are the rows of a scoped statement, as database/sql reads
// them: each value as pgx's codec of its type gives it to database/sql.
type scopedRows struct {
	mrr     *pgconn.MultiResultReader
	rr      *pgconn.ResultReader
	types   *pgtype.Map
	columns []string
}

func newScopedRows(mrr *pgconn.MultiResultReader, types *pgtype.Map) *scopedRows {
	rr := mrr.ResultReader()
	fields := rr.FieldDescriptions()
	rows := &scopedRows{mrr: mrr, rr: rr, types: types, columns: make([]string, len(fields))}
	for i, f := range fields {
		rows.columns[i] = f.Name
	}
	return rows
}

func (r *scopedRows) Columns() []string { return r.columns }

func (r *scopedRows) Close() error {
	_, err := r.rr.Close()
	return closeWith(r.mrr, err)
}

func (r *scopedRows) Next(dest []driver.Value) error {
	if !r.rr.NextRow() {
		if _, err := r.rr.Close(); err != nil {
			return err
		}
		return io.EOF
	}
	fields := r.rr.FieldDescriptions()
	for i, raw := range r.rr.Values() {
		if raw == nil {
			dest[i] = nil
			continue
		}
		t, ok := r.types.TypeForOID(fields[i].DataTypeOID)
		if !ok {
			dest[i] = string(raw)
			continue
		}
		v, err := t.Codec.DecodeDatabaseSQLValue(r.types, fields[i].DataTypeOID, fields[i].Format, raw)
		if err != nil {
			return fmt.Errorf("column %s: %w", r.columns[i], err)
		}
		dest[i] = v
	}
	return nil
}
