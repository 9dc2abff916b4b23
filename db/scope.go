package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/ctxkey"
)

// A statement that runs outside the transactions of mutations, under
// row-level security, must name its workspace (or another policy setting).
// An explicit transaction around it would cost two round trips (BEGIN
// with SET LOCAL, and ROLLBACK), more than a lookup by key itself.
// Instead, the pool's connections send such a statement in one round trip
// behind the set_config of its setting, the two as one batch of the
// extended protocol: PostgreSQL runs the statements of a batch, up to its
// Sync, in one implicit transaction.
//
// The workspace stays in the connection's session (set_config with
// is_local false) after its statement, so that the next statement of the
// same workspace on that connection, most of them, is sent alone: the
// set_config was a third of what row-level security cost a lookup by key
// (6 of 10 µs of PostgreSQL's CPU, by pgbench). The connection keeps what
// its session holds (connSession), and before any other statement sets
// the workspace it needs, or clears it: a statement of another workspace
// sets its own in the same batch; one of another setting (an API key's
// hash, say) clears it for itself (is_local); and a statement that names
// no setting, or a transaction begun without one, is preceded by clearing
// it, so that it sees no workspace's rows. A session-level setting made in
// a batch whose statement fails is rolled back with it: after any failure
// the connection no longer knows its session's workspace, and sets or
// clears it again before the next statement.
//
// A pooler in transaction mode (PgBouncer's pool_mode = transaction) may
// give each transaction another server session, whose setting the
// connection cannot know. The first scoped statement of each connection
// reads pg_backend_pid() with it and compares it with the pid PostgreSQL
// gave at connect, which a pooler makes up: a connection that does not
// talk to a session of its own sets every statement's setting for that
// statement alone (is_local), as before.

// The statements that set the policy settings (see connSession.prelude).
const (
	// setConfigSQL sets a policy setting for the current transaction.
	setConfigSQL = "SELECT set_config($1, $2, true)"
	// checkSessionSQL does so in a connection's first scoped statement,
	// and tells whether the connection has a PostgreSQL session of its
	// own.
	checkSessionSQL = "SELECT set_config($1, $2, true), pg_backend_pid()"
	// clearingSetConfigSQL sets another setting than the workspace, for
	// the current transaction, in a session that holds a workspace.
	clearingSetConfigSQL = "SELECT set_config($1, $2, true), set_config('" + WorkspaceSetting + "', '', true)"
	// setSessionSQL sets the workspace of the session.
	setSessionSQL = "SELECT set_config('" + WorkspaceSetting + "', $1, false)"
	// clearSessionSQL clears the workspace of the session.
	clearSessionSQL = "SELECT set_config('" + WorkspaceSetting + "', '', false)"
)

// policyScope is the policy setting a statement runs under.
type policyScope struct{ setting, value string }

// policyScopeKey holds the policy setting of a statement's context.
var policyScopeKey = ctxkey.New[policyScope]("db.policyScope")

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
	return policyScopeKey.With(ctx, c.scope)
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
	sc := conn.(*stdlibConn)
	return &scopingConn{stdlibConn: sc, sess: connSession{known: true}, tracer: sc.Conn().Config().Tracer}, nil
}

// stdlibConn names pgx's connection for embedding: embedded as
// *stdlib.Conn, its field would hide its method Conn.
type stdlibConn = stdlib.Conn

// scopingConn is pgx's database/sql connection, which sends a statement
// whose context carries a policyScope behind the set_config of its
// setting, in one round trip, and keeps what its session holds.
type scopingConn struct {
	*stdlibConn
	sess connSession
	// tracer is the connection's (see rawConn).
	tracer pgx.QueryTracer
}

// connSession is what a connection knows of the workspace its PostgreSQL
// session holds between statements (see the top of this file).
type connSession struct {
	// checked: the connection's first scoped statement has told whether
	// it talks to a session of its own (own), where the workspace may
	// stay.
	checked, own bool
	// known: the session's workspace is workspace ("" for none). A
	// connection starts with none.
	known     bool
	workspace string
}

// prelude is the statement sent before another, in the same batch, to set
// or clear what that statement runs under.
type prelude struct {
	text   string // "" when none is needed
	params [][]byte
	// sets: the prelude changes the session's workspace to workspace,
	// which holds once the batch has ended without an error.
	sets      bool
	workspace string
}

// prelude returns what to send before a statement of scope (nil: a
// statement that names no setting) on a connection whose session is sess
// (nil: one that keeps nothing, for which every setting is local), idle
// (outside a transaction block) or not.
func (sess *connSession) prelude(scope *policyScope, idle bool) prelude {
	holdsNone := sess == nil || sess.known && sess.workspace == ""
	local := func(text string) prelude {
		return prelude{text: text, params: [][]byte{[]byte(scope.setting), []byte(scope.value)}}
	}
	switch {
	case scope == nil:
		// In a transaction block, the SET LOCAL that began it rules
		// (beginScoped).
		if holdsNone || !idle {
			return prelude{}
		}
		return prelude{text: clearSessionSQL, sets: true}
	case scope.setting != WorkspaceSetting:
		if holdsNone {
			return local(setConfigSQL)
		}
		return local(clearingSetConfigSQL)
	case sess == nil || !idle || sess.checked && !sess.own:
		return local(setConfigSQL)
	case !sess.checked:
		// A connection that was never checked never set its session's
		// workspace.
		return local(checkSessionSQL)
	case sess.known && sess.workspace == scope.value:
		return prelude{}
	}
	return prelude{text: setSessionSQL, params: [][]byte{[]byte(scope.value)}, sets: true, workspace: scope.value}
}

// clearSession clears the session's workspace, when it may hold one,
// before a statement that names no setting is sent on its own.
func (c *scopingConn) clearSession(ctx context.Context) error {
	p := c.sess.prelude(nil, c.Conn().PgConn().TxStatus() == 'I')
	if p.text == "" {
		return nil
	}
	c.sess.known = false
	if _, err := c.Conn().PgConn().Exec(ctx, p.text).ReadAll(); err != nil {
		return err
	}
	c.sess.known, c.sess.workspace = true, ""
	return nil
}

// selfScopedKey marks the context of a statement that sets its own
// policy settings, such as the BEGIN with SET LOCAL of beginScoped:
// nothing needs clearing before it.
var selfScopedKey = ctxkey.New[bool]("db.selfScoped")

func (c *scopingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	results, scoped, err := c.sendIfScoped(ctx, query, args)
	if !scoped {
		if err := c.clearSession(ctx); err != nil {
			return nil, err
		}
		return c.stdlibConn.QueryContext(ctx, query, args)
	}
	if err != nil {
		return nil, err
	}
	return newScopedRows(results, c.Conn().TypeMap()), nil
}

// rowDecoder decodes one row of a result: its raw values, by column,
// valid until the next row.
type rowDecoder func(fields []pgconn.FieldDescription, types *pgtype.Map, row [][]byte) error

func (c *scopingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	results, scoped, err := c.sendIfScoped(ctx, query, args)
	if !scoped {
		if !selfScopedKey.Value(ctx) {
			if err := c.clearSession(ctx); err != nil {
				return nil, err
			}
		}
		return c.stdlibConn.ExecContext(ctx, query, args)
	}
	if err != nil {
		return nil, err
	}
	tag, err := results.ResultReader().Close()
	if err := results.close(err); err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// errPrepareUnscoped refuses database/sql's prepared statements: their
// later runs would not go through the connection's scoping, and would run
// in whatever workspace its session holds. The hot reads are prepared
// through pgx (rawQuery), which scopes each run.
var errPrepareUnscoped = errors.New("db: statements are not prepared through database/sql on the API's connections (their runs would skip the workspace's scoping); send them with a context's scope")

// PrepareContext refuses (errPrepareUnscoped).
func (c *scopingConn) PrepareContext(context.Context, string) (driver.Stmt, error) {
	return nil, errPrepareUnscoped
}

// Prepare refuses (errPrepareUnscoped).
func (c *scopingConn) Prepare(string) (driver.Stmt, error) { return nil, errPrepareUnscoped }

// BeginTx begins a transaction in which the session holds no workspace:
// its statements name no setting but those they set with SET LOCAL.
func (c *scopingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.clearSession(ctx); err != nil {
		return nil, err
	}
	return c.stdlibConn.BeginTx(ctx, opts)
}

// sendIfScoped sends query as sendScoped does when ctx carries a
// policyScope; scoped is false when it does not.
func (c *scopingConn) sendIfScoped(ctx context.Context, query string, args []driver.NamedValue) (results *batchResults, scoped bool, err error) {
	scope, scoped := policyScopeKey.Lookup(ctx)
	if !scoped {
		return nil, false, nil
	}
	results, err = c.sendScoped(ctx, scope, query, args)
	return results, true, err
}

// sendScoped sends query behind what sets its scope, in one batch, and
// returns its results at query's; the statement is not prepared: its text
// is one that Bun wrote its arguments into. (The lookups, prepared, go
// through rawQuery.)
func (c *scopingConn) sendScoped(ctx context.Context, scope policyScope, query string, args []driver.NamedValue) (*batchResults, error) {
	return sendBatch(ctx, c.Conn(), &c.sess, &scope, query, false, namedValues(args))
}

// namedValues returns the values of database/sql's arguments.
func namedValues(args []driver.NamedValue) []any {
	values := make([]any, len(args))
	for i, a := range args {
		values[i] = a.Value
	}
	return values
}

// batchResults are the results of a batch, at its statement's.
type batchResults struct {
	*pgconn.MultiResultReader
	sess *connSession
	pre  prelude
}

// close reads the rest of the batch's results and returns err, or the
// error that reading met. A batch that ends without an error has made
// its prelude's change of the session's workspace.
func (r *batchResults) close(err error) error {
	err = closeWith(r.MultiResultReader, err)
	if err == nil && r.pre.sets {
		r.sess.known, r.sess.workspace = true, r.pre.workspace
	}
	return err
}

// sendBatch sends query with values as its parameters, prepared (once
// per connection) when prepare is set, as the kept lookups ask (at most
// maxLookupTexts texts, so that a connection keeps a bounded number of
// statements), with the columns of types binaryResult in binary (the
// others in text, as the simple protocol sends them), behind what sets
// scope (nil: what clears the session's workspace) on a connection whose
// session is sess (see connSession.prelude), in one batch (one round
// trip), and returns its results at query's.
func sendBatch(ctx context.Context, conn *pgx.Conn, sess *connSession, scope *policyScope, query string, prepare bool, values []any) (*batchResults, error) {
	var batch pgconn.Batch
	pre := sess.prelude(scope, conn.PgConn().TxStatus() == 'I')
	if pre.text != "" {
		sd, err := conn.Prepare(ctx, pre.text, pre.text)
		if err != nil {
			return nil, err
		}
		batch.ExecStatement(sd, pre.params, nil, nil)
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
	if pre.sets {
		// Until the batch has ended well, the session may hold either.
		sess.known = false
	}
	results := &batchResults{MultiResultReader: conn.PgConn().ExecBatch(ctx, &batch), sess: sess, pre: pre}
	if pre.text != "" {
		if !results.NextResult() {
			return nil, noResult(results.MultiResultReader, "set_config")
		}
		rr := results.ResultReader()
		if pre.text == checkSessionSQL && rr.NextRow() {
			pid, err := strconv.ParseUint(string(rr.Values()[1]), 10, 32)
			sess.checked, sess.own = true, err == nil && uint32(pid) == conn.PgConn().PID()
		}
		if _, err := rr.Close(); err != nil {
			return nil, results.close(err)
		}
	}
	if !results.NextResult() {
		return nil, noResult(results.MultiResultReader, strconv.Quote(query))
	}
	return results, nil
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
	results *batchResults
	rr      *pgconn.ResultReader
	types   *pgtype.Map
	columns []string
}

func newScopedRows(results *batchResults, types *pgtype.Map) *scopedRows {
	rr := results.ResultReader()
	fields := rr.FieldDescriptions()
	rows := &scopedRows{results: results, rr: rr, types: types, columns: make([]string, len(fields))}
	for i, f := range fields {
		rows.columns[i] = f.Name
	}
	return rows
}

func (r *scopedRows) Columns() []string { return r.columns }

func (r *scopedRows) Close() error {
	_, err := r.rr.Close()
	return r.results.close(err)
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
