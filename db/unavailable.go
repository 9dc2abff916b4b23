package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/contacts-api/contacts/ctxkey"
)

// IsUnavailable reports whether err says that PostgreSQL could not be
// reached or went away: a connection refused, reset or lost, a connect
// that failed or timed out, or the server shutting down (57P01 to 57P03,
// and the connection exceptions of class 08). Such a failure is the
// database's, not the request's: the same request may succeed once
// PostgreSQL is back.
func IsUnavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return false
	case errors.As(err, &connectErr),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF):
		return true
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08")
	}
	// pgx reports a connection it closed after a failure by text alone.
	return strings.Contains(err.Error(), "conn closed")
}

// commitsKey holds whether a COMMIT was sent under a context.
var commitsKey = ctxkey.New[*atomic.Bool]("db.commits")

// TrackCommits returns a context in which the store notes every COMMIT it
// sends (see CommitAttempted).
func TrackCommits(ctx context.Context) context.Context {
	return commitsKey.With(ctx, new(atomic.Bool))
}

// CommitAttempted reports whether the store sent a COMMIT under ctx (made
// by TrackCommits), whether or not it answered: a COMMIT whose answer was
// lost may have gone through, so the request may have written.
func CommitAttempted(ctx context.Context) bool {
	sent := commitsKey.Value(ctx)
	return sent != nil && sent.Load()
}

// noteCommit records in ctx that a COMMIT is about to be sent.
func noteCommit(ctx context.Context) {
	if sent := commitsKey.Value(ctx); sent != nil {
		sent.Store(true)
	}
}
