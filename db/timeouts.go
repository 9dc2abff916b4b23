package db

import (
	"context"
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

// cancelSettle is how long a cancel request may still take, after
// PostgreSQL has received it, to reach the statement's backend: no new
// statement goes on the connection before, which it could cancel instead.
// (pgx's own handler waits as long.)
const cancelSettle = 100 * time.Millisecond

// cancelOnServer makes a statement whose context ends stop in PostgreSQL
// before the call returns: it sends PostgreSQL a cancel request, and
// another every cancelSettle until the statement's error comes back or
// cancelDeadline passes. (pgx's default drops the connection at once and
// sends the cancel request in the background, which a process that exits
// right after, at the end of a drain, may never send: its statement would
// go on waiting in PostgreSQL, for a lock say. pgx's cancelling handler
// sends one request, which PostgreSQL ignores when it reaches the backend
// before the backend has read the statement, as happens on a busy
// machine: the statement then waits all the same.)
func cancelOnServer(conn *pgconn.PgConn) ctxwatch.Handler {
	return &cancellingHandler{conn: conn}
}

// cancellingHandler is cancelOnServer's handler of a connection.
type cancellingHandler struct {
	conn *pgconn.PgConn
	stop context.CancelFunc
	done chan struct{}
}

// HandleCancel starts sending the cancel requests.
func (h *cancellingHandler) HandleCancel(context.Context) {
	deadline := time.Now().Add(cancelDeadline)
	h.conn.Conn().SetDeadline(deadline)
	ctx, stop := context.WithDeadline(context.Background(), deadline)
	h.stop, h.done = stop, make(chan struct{})
	go func() {
		defer close(h.done)
		for ctx.Err() == nil {
			_ = h.conn.CancelRequest(ctx) // failed: the next one, or the deadline
			time.Sleep(cancelSettle)
		}
	}()
}

// HandleUnwatchAfterCancel stops the cancel requests once the statement
// has returned, and waits until the last one can cancel nothing else.
func (h *cancellingHandler) HandleUnwatchAfterCancel() {
	h.stop()
	<-h.done
	h.conn.Conn().SetDeadline(time.Time{})
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
