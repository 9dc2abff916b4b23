package db

import (
	"maps"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Timeouts bound how long PostgreSQL lets a statement of the pool run and
// a transaction of the pool wait for its next statement, so that a stuck
// query or a transaction forgotten by a bug cannot hold locks and
// connections for long. A zero field leaves the server's own setting.
type Timeouts struct {
	// Statement cancels a statement that runs longer
	// (statement_timeout); waiting for a lock counts.
	Statement time.Duration
	// IdleInTransaction ends the session of a transaction that waits
	// longer for its next statement (idle_in_transaction_session_timeout).
	IdleInTransaction time.Duration
}

// DefaultTimeouts are the server's: far above what a request's statement
// takes, or the pause between two statements of its transaction.
var DefaultTimeouts = Timeouts{Statement: 5 * time.Second, IdleInTransaction: 10 * time.Second}

// cancelDeadline bounds how long a statement whose context ended waits
// for PostgreSQL to confirm its cancellation; then its connection is
// dropped.
const cancelDeadline = 500 * time.Millisecond

// cancelOnServer makes a statement whose context ends stop in PostgreSQL
// before the call returns: it sends PostgreSQL a cancel request and waits
// for the statement's error. (pgx's default drops the connection at once
// and sends the cancel request in the background, which a process that
// exits right after, at the end of a drain, may never send: its statement
// would go on waiting in PostgreSQL, for a lock say.)
func cancelOnServer(conn *pgconn.PgConn) ctxwatch.Handler {
	return &pgconn.CancelRequestContextWatcherHandler{Conn: conn, DeadlineDelay: cancelDeadline}
}

// Option changes how Open connects.
type Option func(*pgx.ConnConfig)

// WithTimeouts sets t on every connection as it starts, so that no
// connection of the pool runs without them.
func WithTimeouts(t Timeouts) Option {
	return func(cfg *pgx.ConnConfig) { maps.Copy(cfg.RuntimeParams, t.runtimeParams()) }
}

// runtimeParams returns t as the session settings of a connection's
// start-up message.
func (t Timeouts) runtimeParams() map[string]string {
	params := map[string]string{}
	if t.Statement > 0 {
		params["statement_timeout"] = milliseconds(t.Statement)
	}
	if t.IdleInTransaction > 0 {
		params["idle_in_transaction_session_timeout"] = milliseconds(t.IdleInTransaction)
	}
	return params
}

// milliseconds writes d as PostgreSQL reads a time setting, in whole
// milliseconds; a positive d never becomes 0, which would mean no limit.
func milliseconds(d time.Duration) string {
	return strconv.FormatInt(max(d.Milliseconds(), 1), 10) + "ms"
}
