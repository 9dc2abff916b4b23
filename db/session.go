package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/contacts-api/contacts/ctxkey"
)

// Row-level security is the database's own wall between workspaces, behind
// the workspace filter of every query: the policies of every tenant table
// (workspace_rows, db/migrations) let a statement see and write
// only the rows of the workspace named by the transaction's
// app.workspace_id setting. A mutation's transaction sets it with SET
// LOCAL as it begins; every other statement sets it for itself, in the
// same round trip, or finds it in its connection's session, left there by
// the connection's last statement of the same workspace (scope.go). A
// statement run otherwise sees no row and can write none.

// APIRole is the role the server's queries run as: it owns no table and
// does not bypass row-level security. The migrations create it.
const APIRole = "contacts_api"

// errWrongWorkspace is a bug: a query asked for a workspace other than
// the one its transaction is scoped to.
var errWrongWorkspace = errors.New("query for another workspace than its transaction's")

// The settings the policies read. Each lets a transaction see rows of
// one kind; a transaction that sets none sees nothing.
const (
	// WorkspaceSetting names the workspace whose rows a transaction sees.
	WorkspaceSetting = "app.workspace_id"
	// keyHashSetting holds the hex SHA-256 of the API key being
	// authenticated: its row alone is visible, whatever its workspace.
	keyHashSetting = "app.api_key_hash"
	// sweepSetting, "on", lets a transaction see and delete expired
	// idempotency keys of every workspace.
	sweepSetting = "app.sweep"
	// phoneCheckSetting, "on", lets a transaction read the phones of
	// every workspace, to check their numbers.
	phoneCheckSetting = "app.phone_check"
)

// scopedTx is a transaction on a connection of its own, begun together
// with the SET LOCAL of a policy setting: BEGIN and SET LOCAL go in one
// round trip, where database/sql's BeginTx would take two.
type scopedTx struct {
	bun.Conn
	open bool
}

// beginScoped takes a connection from the pool and begins a transaction
// on it with setting set to value.
func beginScoped(ctx context.Context, pool *bun.DB, setting, value string) (*scopedTx, error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	// Bun writes the value into the text as a quoted literal, so the
	// statements travel as one simple query. The connection's session may
	// hold the workspace of its last scoped statement (scope.go): SET
	// LOCAL overrides it for the transaction, or clears it.
	begin := "BEGIN; "
	if setting != WorkspaceSetting {
		begin += "SET LOCAL " + WorkspaceSetting + " = ''; "
	}
	if _, err := conn.ExecContext(selfScopedKey.With(ctx, true), begin+"SET LOCAL "+setting+" = ?", value); err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &scopedTx{Conn: conn, open: true}, nil
}

// end commits or rolls back the transaction and gives the connection back.
// A connection whose transaction could not end is discarded, not reused:
// the driver refuses to reset one that is still in a transaction.
func (tx *scopedTx) end(ctx context.Context, command string) error {
	if !tx.open {
		return nil
	}
	tx.open = false
	var later []func()
	defer func() {
		for _, f := range later {
			f()
		}
	}()
	defer tx.Close() // even when the statement panics (a bug in a query hook, say)
	if command == "COMMIT" {
		noteCommit(ctx)
		ctx = afterReleaseKey.With(ctx, &later)
	}
	_, err := tx.ExecContext(ctx, command)
	if err != nil {
		return fmt.Errorf("%s: %w", strings.ToLower(command), err)
	}
	return nil
}

// inScopedTx runs fn in a transaction with setting set to value, committed
// when fn returns nil and rolled back otherwise, a panic included.
func inScopedTx(ctx context.Context, pool *bun.DB, setting, value string, fn func(bun.IDB) error) (err error) {
	tx, err := beginScoped(ctx, pool, setting, value)
	if err != nil {
		return err
	}
	defer tx.end(context.WithoutCancel(ctx), "ROLLBACK")
	if err := fn(tx.Conn); err != nil {
		return err
	}
	return tx.end(ctx, "COMMIT")
}

// inScope runs fn with a handle whose statements each run with a policy
// setting set (see scope.go); without row-level security, the pool.
func (s *Store) inScope(setting, value string, fn func(bun.IConn) error) error {
	if !s.rowSecurity {
		return fn(s.idb)
	}
	return fn(scoped(s.pool, setting, value))
}

// inWorkspace runs fn with a handle whose statements see the rows of ws:
// the store's own transaction when it is one; else the request's
// read-write transaction that ctx carries (InRequestTx), so that the
// request reads what it wrote; else the pool, each statement scoped to ws
// (see scope.go).
func (s *Store) inWorkspace(ctx context.Context, ws uuid.UUID, fn func(bun.IConn) error) error {
	if s.pool == nil && ws != s.ws {
		return errWrongWorkspace
	}
	if s.pool == nil {
		return fn(s.idb)
	}
	if sess := sessionKey.Value(ctx); sess != nil && sess.pool == s.pool && sess.ws == ws {
		if ran, err := sess.run(func(conn bun.IDB) error { return fn(conn) }); ran {
			return err
		}
	}
	return s.inScope(WorkspaceSetting, ws.String(), fn)
}

// statement is a Bun query that can run on a connection of our choosing.
type statement[Q any] interface {
	Conn(bun.IConn) Q
	Exec(ctx context.Context, dest ...any) (sql.Result, error)
}

// exec runs q in workspace ws (see inWorkspace).
func exec[Q statement[Q]](ctx context.Context, s *Store, ws uuid.UUID, q Q) error {
	return s.inWorkspace(ctx, ws, func(conn bun.IConn) error {
		_, err := q.Conn(conn).Exec(ctx)
		return err
	})
}

// session is the one read-write transaction of a request that must commit
// its writes together with its response (InRequestTx): the request's
// reads and mutations all run in it, on one connection, begun by its
// first statement and shared by the request's goroutines.
type session struct {
	pool *bun.DB
	ws   uuid.UUID
	// life is the request's context: the transaction ends with it.
	life context.Context

	mu    sync.Mutex
	tx    *scopedTx // nil until the first statement begins it
	ended bool
	// broken is why the transaction was rolled back before its end: what
	// the request wrote is lost, so every later statement fails rather
	// than run in another transaction.
	broken error
}

// sessionKey holds the session of a request's context.
var sessionKey = ctxkey.New[*session]("db.session")

// InRequestTx runs fn with a context in which the store's queries for ws
// all run in one read-write transaction, on one connection: the reads, so
// that the request reads what it wrote, and each InTx, which becomes a
// savepoint of it. The transaction commits when fn returns nil; it rolls
// back when fn fails or panics, or when one of its statements failed
// outside a savepoint, and then nothing the request wrote stays.
func (s *Store) InRequestTx(ctx context.Context, ws uuid.UUID, fn func(context.Context) error) error {
	if s.pool == nil {
		return errors.New("InRequestTx inside a transaction")
	}
	sess := &session{pool: s.pool, ws: ws, life: ctx}
	defer sess.end()
	if err := fn(sessionKey.With(ctx, sess)); err != nil {
		return err
	}
	return sess.commit(ctx)
}

// run runs fn in the session's transaction; ran is false when the
// session has ended. A failed statement rolls the transaction back, which
// PostgreSQL would refuse to go on with.
func (sess *session) run(fn func(bun.IDB) error) (ran bool, err error) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.ended {
		return false, nil
	}
	conn, err := sess.conn()
	if err != nil {
		return true, err
	}
	if err := fn(conn); err != nil {
		sess.abort(err)
		return true, err
	}
	return true, nil
}

// conn returns the connection of the session's transaction, beginning it
// when none is open, unless it was lost.
func (sess *session) conn() (bun.IDB, error) {
	if sess.broken != nil {
		return nil, sess.broken
	}
	if sess.tx == nil {
		tx, err := beginScoped(sess.life, sess.pool, WorkspaceSetting, sess.ws.String())
		if err != nil {
			sess.abort(err)
			return nil, err
		}
		sess.tx = tx
	}
	return sess.tx.Conn, nil
}

// abort rolls back the transaction after err: the request's writes are
// lost, and the session fails from then on.
func (sess *session) abort(err error) {
	sess.rollback()
	sess.broken = fmt.Errorf("the request's transaction failed: %w", err)
}

func (sess *session) rollback() {
	if sess.tx != nil {
		sess.tx.end(context.WithoutCancel(sess.life), "ROLLBACK")
		sess.tx = nil
	}
}

func (sess *session) end() {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	sess.rollback()
	sess.ended = true
}

// commit commits the session's transaction. It does so even when the
// request's context has ended (the client left): the request's work is
// done, and its retry will find the response.
func (sess *session) commit(ctx context.Context) error {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.broken != nil || sess.tx == nil {
		return sess.broken
	}
	tx := sess.tx
	sess.tx = nil
	return tx.end(context.WithoutCancel(ctx), "COMMIT")
}

// inSavepoint runs fn in the session's transaction, under a savepoint:
// when fn fails its writes alone are undone, and the request goes on. A
// panic in fn rolls back the whole transaction.
func (sess *session) inSavepoint(ctx context.Context, fn func(bun.IDB) error) error {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.ended {
		return errors.New("mutation after the end of the request's transaction")
	}
	conn, err := sess.conn()
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "SAVEPOINT mutation"); err != nil {
		sess.abort(err)
		return err
	}
	panicked := true
	defer func() {
		if panicked {
			sess.abort(errors.New("panic in a mutation"))
		}
	}()
	err = fn(conn)
	panicked = false
	end := "RELEASE SAVEPOINT mutation"
	if err != nil {
		end = "ROLLBACK TO SAVEPOINT mutation; " + end
	}
	if _, endErr := conn.ExecContext(ctx, end); endErr != nil {
		sess.abort(endErr)
		return errors.Join(err, endErr)
	}
	return err
}
