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
)

// Row-level security is the database's own wall between workspaces, behind
// the workspace filter of every query: the policies of every tenant table
// (migration 20261123400000_row_security) let a statement see and write
// only the rows of the workspace named by the transaction's
// app.workspace_id setting. The Store sets it with SET LOCAL at the start of
// every transaction it runs for a workspace; a statement run otherwise sees
// no row and can write none.

// APIRole is the role the server's queries run as: it owns no table and
// does not bypass row-level security. The migrations create it.
const APIRole = "contacts_api"

// errWrongWorkspace is a bug: a query asked for a workspace other than
// the one its transaction is scoped to.
var errWrongWorkspace = errors.New("query for another workspace than its transaction's")

// The settings the policies read. Each lets a transaction see rows of
// one kind; a transaction that sets none sees nothing.
const (
	// workspaceSetting names the workspace whose rows a transaction sees.
	workspaceSetting = "app.workspace_id"
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

// TxStatements is how many statements a transaction adds to those it
// runs: BEGIN, sent together with its SET LOCAL, and COMMIT or ROLLBACK.
const TxStatements = 2

// scopedTx is a transaction on a connection of its own, begun together
// with the SET LOCAL of a policy setting: BEGIN and SET LOCAL go in one
// round trip, where database/sql's BeginTx would take two.
type scopedTx struct {
	bun.Conn
	open bool
}

// beginScoped takes a connection from the pool and begins a transaction
// on it (begin is BEGIN or BEGIN READ ONLY) with setting set to value.
func beginScoped(ctx context.Context, pool *bun.DB, begin, setting, value string) (*scopedTx, error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	// Bun writes the value into the text as a quoted literal, so the two
	// statements travel as one simple query.
	if _, err := conn.ExecContext(ctx, begin+"; SET LOCAL "+setting+" = ?", value); err != nil {
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
	_, err := tx.ExecContext(ctx, command)
	tx.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", strings.ToLower(command), err)
	}
	return nil
}

// inScopedTx runs fn in a transaction with setting set to value, committed
// when fn returns nil and rolled back otherwise, a panic included.
func inScopedTx(ctx context.Context, pool *bun.DB, setting, value string, fn func(bun.IDB) error) (err error) {
	tx, err := beginScoped(ctx, pool, "BEGIN", setting, value)
	if err != nil {
		return err
	}
	defer tx.end(context.WithoutCancel(ctx), "ROLLBACK")
	if err := fn(tx.Conn); err != nil {
		return err
	}
	return tx.end(ctx, "COMMIT")
}

// inTxWith runs fn in a transaction of its own with a policy setting set;
// without row-level security, straight on the pool.
func (s *Store) inTxWith(ctx context.Context, setting, value string, fn func(bun.IDB) error) error {
	if !s.rowSecurity {
		return fn(s.idb)
	}
	return inScopedTx(ctx, s.pool, setting, value, fn)
}

// inWorkspace runs fn with a handle whose statements see the rows of ws:
// the store's own transaction when it is one; else the request session
// that ctx carries; else a transaction of its own. Only one fn at a time
// uses a session: its transaction is one connection.
func (s *Store) inWorkspace(ctx context.Context, ws uuid.UUID, fn func(bun.IDB) error) error {
	switch {
	case s.pool == nil:
		if ws != s.ws {
			return errWrongWorkspace
		}
		return fn(s.idb)
	case !s.rowSecurity:
		return fn(s.idb)
	}
	if sess := sessionOf(ctx); sess != nil && sess.pool == s.pool && sess.ws == ws {
		if ran, err := sess.run(ctx, fn); ran {
			return err
		}
	}
	return s.inTxWith(ctx, workspaceSetting, ws.String(), fn)
}

// statement is a Bun query that can run on a connection of our choosing.
type statement[Q any] interface {
	Conn(bun.IConn) Q
	Exec(ctx context.Context, dest ...any) (sql.Result, error)
}

// exec runs q in workspace ws (see inWorkspace).
func exec[Q statement[Q]](ctx context.Context, s *Store, ws uuid.UUID, q Q) error {
	return s.inWorkspace(ctx, ws, func(idb bun.IDB) error {
		_, err := q.Conn(idb).Exec(ctx)
		return err
	})
}

// session is one request's read-only transaction, begun by its first query
// and shared by the request's goroutines, so that the workspace is set once
// per request rather than once per query.
type session struct {
	pool *bun.DB
	ws   uuid.UUID
	// life is the request's context: the transaction ends with it.
	life context.Context

	mu    sync.Mutex
	tx    *scopedTx // nil until the next query begins one
	ended bool
}

type sessionKey struct{}

func sessionOf(ctx context.Context) *session {
	sess, _ := ctx.Value(sessionKey{}).(*session)
	return sess
}

// WithSession returns a context in which the store's queries for ws share
// one read-only transaction, and the function that ends it. A mutation
// (InTx) commits the session's transaction first; the next query begins
// another. Without row-level security there is no session to share.
func (s *Store) WithSession(ctx context.Context, ws uuid.UUID) (context.Context, func()) {
	if !s.rowSecurity || s.pool == nil {
		return ctx, func() {}
	}
	sess := &session{pool: s.pool, ws: ws, life: ctx}
	return context.WithValue(ctx, sessionKey{}, sess), sess.end
}

// ReleaseSession ends the transaction of ctx's session, if it has one
// open, so that the request holds no connection while it does other work.
// The session's next query begins another.
func ReleaseSession(ctx context.Context) {
	if sess := sessionOf(ctx); sess != nil {
		sess.mu.Lock()
		defer sess.mu.Unlock()
		sess.finish()
	}
}

// run runs fn in the session's transaction, beginning it when none is
// open; ran is false when the session has ended. A failed query ends the
// transaction, which PostgreSQL would refuse to go on with.
func (sess *session) run(ctx context.Context, fn func(bun.IDB) error) (ran bool, err error) {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if sess.ended {
		return false, nil
	}
	if sess.tx == nil {
		if err := sess.begin(ctx); err != nil {
			return true, err
		}
	}
	if err := fn(sess.tx.Conn); err != nil {
		sess.finish()
		return true, err
	}
	return true, nil
}

func (sess *session) begin(ctx context.Context) error {
	tx, err := beginScoped(sess.life, sess.pool, "BEGIN READ ONLY", workspaceSetting, sess.ws.String())
	if err != nil {
		return err
	}
	sess.tx = tx
	return nil
}

// finish ends the open transaction. It only read: rolling back costs the
// same as committing, and a failure leaves nothing to undo.
func (sess *session) finish() {
	if sess.tx != nil {
		sess.tx.end(context.WithoutCancel(sess.life), "ROLLBACK")
		sess.tx = nil
	}
}

func (sess *session) end() {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	sess.finish()
	sess.ended = true
}
