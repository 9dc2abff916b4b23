package db

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"
)

// CheckRowSecurity lets the tests check a pool the way OpenAPI does.
var CheckRowSecurity = checkRowSecurity

// ScopedTo returns the handle whose statements each run on pool with the
// workspace ws set for themselves alone, as the Store's reads do under
// row-level security.
func ScopedTo(pool *bun.DB, ws uuid.UUID) bun.IConn {
	return scoped(pool, WorkspaceSetting, ws.String())
}

// IdempotencyLockID is the advisory lock key of an idempotency key.
var IdempotencyLockID = idempotencyLockID

// AccountsByIDText is the text of the lookup of accounts by id that a
// page's loader prepares.
func AccountsByIDText(s *Store) string {
	text, _ := s.lookupText(&[]*Account{}, ByID, Columns{"id", "name"})
	return text
}

// CancelOnServer is the context watcher of the pool's connections.
var CancelOnServer = cancelOnServer

// LookupCount runs query, which counts, on idb with values as its
// parameters, prepared, as the lookups send theirs (rawQuery).
func LookupCount(ctx context.Context, idb bun.IConn, query string, values ...any) (n int, err error) {
	err = rawQuery(ctx, idb, query, true, values, func(_ []pgconn.FieldDescription, _ *pgtype.Map, row [][]byte) (err error) {
		n, err = strconv.Atoi(string(row[0]))
		return err
	})
	return n, err
}

// PageText is the text of the page of ws's contacts that lq asks for, as
// a page without a filter is prepared: the workspace is $1, a cursor's
// values the next parameters.
func PageText(s *Store, ws uuid.UUID, lq ListQuery) string {
	return listSelect[Contact](s, ws, lq)(&statementParams{}).String()
}

// NewMigrator returns the migrator of the migrations in files, made as the
// server makes its own.
var NewMigrator = newMigrator

// ScopedToSetting returns the handle whose statements each run on pool
// with setting set to value for themselves alone.
func ScopedToSetting(pool *bun.DB, setting, value string) bun.IConn {
	return scoped(pool, setting, value)
}

// KeptSession returns what the pool connection conn keeps of its
// session (see connSession), and the workspace its session holds, read
// on pgx's connection, past what scopes the statements of conn.
func KeptSession(ctx context.Context, conn *sql.Conn) (kept string, known, own bool, held string, err error) {
	err = conn.Raw(func(dc any) error {
		c := dc.(*scopingConn)
		kept, known, own = c.sess.workspace, c.sess.known, c.sess.own
		return c.Conn().QueryRow(ctx, "SELECT coalesce(current_setting('app.workspace_id', true), '')").Scan(&held)
	})
	return kept, known, own, held, err
}

// RefreshStatistics asks refresh_statistics about the tables of written,
// as pool's statistics hook does after a COMMIT that brings a table's
// written rows to its threshold, and returns the tables still due after.
func RefreshStatistics(ctx context.Context, pool *bun.DB, written map[string]int64) (due []string) {
	s := &statistics{pool: pool.DB, written: written, threshold: map[string]int64{}}
	s.refresh(ctx)
	due, _ = s.due()
	return due
}
