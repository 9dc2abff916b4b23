package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"
)

// Lookups by keys are the statements the service runs most: a contact by
// id for each contact(id:), the accounts, memberships and phones of every
// page. Their texts repeat, so they run as prepared statements with the
// workspace and the keys as parameters: PostgreSQL parses each once per
// connection and plans it once (see planCacheMode), where a text Bun
// writes the arguments into is parsed and planned every time. Every other
// statement goes with the simple protocol (see Open). Bun's query hooks do
// not see lookups; countStatement counts them.

// lookup scans into dest the records of q, a query of a model, that belong
// to workspace ws and whose column key is among keys.
func (s *Store) lookup(ctx context.Context, ws uuid.UUID, q *bun.SelectQuery, key string, keys []string, dest any) error {
	// Bun writes arguments in place of ?, and leaves $1 and $2 to the
	// driver.
	text := q.Where("?TableAlias.workspace_id = $1").Where("?TableAlias." + key + " = ANY($2)").String()
	return s.inWorkspace(ctx, ws, func(idb bun.IDB) error {
		querier, err := driverQuerier(idb)
		if err != nil {
			return err
		}
		countStatement(ctx)
		// As a pgtype.UUID, ws is sent as its 16 bytes; a uuid.UUID would
		// go through its text.
		rows, err := querier.QueryContext(ctx, text, pgx.QueryExecModeCacheStatement, pgtype.UUID{Bytes: ws, Valid: true}, keys)
		if err != nil {
			return err
		}
		return q.DB().ScanRows(ctx, rows, dest)
	})
}

// querier runs a statement with its arguments as parameters.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// driverQuerier returns the database/sql handle under idb, whose queries
// pass their arguments to the driver; Bun's would write them into the
// text.
func driverQuerier(idb bun.IDB) (querier, error) {
	switch h := idb.(type) {
	case *bun.DB:
		return h.DB, nil
	case bun.Conn:
		return h.Conn, nil
	case bun.Tx:
		return h.Tx, nil
	}
	return nil, fmt.Errorf("lookup on a %T", idb)
}
