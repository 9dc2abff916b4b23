package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Row-level security is the database's own wall between workspaces, behind
// the workspace filter of every query: the policies of every tenant table
// (migration 20261123400000_row_security) let a statement see and write
// only the rows of the workspace named by the transaction's
// app.workspace_id setting. A mutation's transaction sets it with SET
// LOCAL as it begins; every other statement sets it for itself, in the
// same round trip (scope.go). A statement run otherwise sees no row and
// can write none.

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
	// Bun writes the value into the text as a quoted literal, so the two
	// statements travel as one simple query.
	if _, err := conn.ExecContext(ctx, "BEGIN; SET LOCAL "+setting+" = ?", value); err != nil {
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
// the store's own transaction when it is one; else the pool, each
// statement scoped to ws (see scope.go).
func (s *Store) inWorkspace(ws uuid.UUID, fn func(bun.IConn) error) error {
	if s.pool == nil && ws != s.ws {
		return errWrongWorkspace
	}
	if s.pool == nil {
		return fn(s.idb)
	}
	return s.inScope(workspaceSetting, ws.String(), fn)
}

// statement is a Bun query that can run on a connection of our choosing.
type statement[Q any] interface {
	Conn(bun.IConn) Q
	Exec(ctx context.Context, dest ...any) (sql.Result, error)
}

// exec runs q in workspace ws (see inWorkspace).
func exec[Q statement[Q]](ctx context.Context, s *Store, ws uuid.UUID, q Q) error {
	return s.inWorkspace(ws, func(conn bun.IConn) error {
		_, err := q.Conn(conn).Exec(ctx)
		return err
	})
}
