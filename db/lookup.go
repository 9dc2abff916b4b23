package db

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/uptrace/bun"
)

// Lookups by keys are the statements the service runs most: a contact by
// id for each contact(id:), the accounts, memberships and phones of every
// page. Their texts repeat, so they run as prepared statements with the
// workspace and the keys as parameters: PostgreSQL parses each once per
// connection and plans it once (see plan_cache_mode in Open), where a text
// Bun writes the arguments into is parsed and planned every time; and the
// server builds each text once (see lookupTexts). Every other statement
// goes with the simple protocol (see Open). Bun's query hooks do not see
// lookups; countStatement counts them.

// lookupBy is a way of finding a model's records: by the values of column
// key, in order.
type lookupBy struct {
	key string
	// needed are the columns fetched whatever the projection asks for
	// (see Columns.apply).
	needed []string
	order  []string
}

var (
	byID                 = lookupBy{key: "id", needed: []string{"workspace_id", "id"}}
	byExternalID         = lookupBy{key: "external_id", needed: []string{"workspace_id", "id", "external_id"}}
	phonesByContact      = lookupBy{key: "contact_id", needed: []string{"workspace_id", "id", "contact_id"}, order: []string{"p.id"}}
	membershipsByContact = lookupBy{key: "contact_id", order: []string{"ca.created_at", "ca.account_id"}}
)

// lookup scans into dest, a pointer to a slice of a model, cols of the
// records of workspace ws that by finds among keys.
func (s *Store) lookup(ctx context.Context, ws uuid.UUID, dest any, by *lookupBy, cols Columns, keys []string) error {
	text, kept := s.lookupText(dest, by, cols)
	// Only the kept texts are prepared, so that a client asking for ever
	// new sets of fields cannot fill the connections with statements.
	mode := pgx.QueryExecModeExec
	if kept {
		mode = pgx.QueryExecModeCacheStatement
	}
	return s.inWorkspace(ctx, ws, func(idb bun.IConn) error {
		querier, err := driverQuerier(idb)
		if err != nil {
			return err
		}
		countStatement(ctx)
		// As a pgtype.UUID, ws is sent as its 16 bytes; a uuid.UUID would
		// go through its text.
		rows, err := querier.QueryContext(ctx, text, mode, pgtype.UUID{Bytes: ws, Valid: true}, keys)
		if err != nil {
			return err
		}
		return s.models.ScanRows(ctx, rows, dest)
	})
}

// lookupTexts keeps the text of each lookup the server has run, by
// lookupKey, up to maxLookupTexts: Bun takes a dozen allocations to build
// one (about 3% of what a contact(id:) request allocates), and the kept
// ones are prepared on the connections that run them. The texts differ by
// model, way and the columns fetched: a few dozen in the server's use,
// but a client could ask for thousands of sets of fields; past the bound,
// texts are built every time and not prepared.
var (
	lookupTexts     sync.Map
	lookupTextCount atomic.Int64
)

// maxLookupTexts bounds the texts kept, and so the statements prepared on
// each connection (see StatementCacheCapacity in Open).
const maxLookupTexts = 128

type lookupKey struct {
	model reflect.Type
	by    *lookupBy
	// all is cols == AllColumns, which differs from no columns.
	all bool
	// cols are the columns fetched, sorted.
	cols string
}

// lookupText returns the text of the lookup of dest's model by by, which
// fetches cols, and whether it is kept.
func (s *Store) lookupText(dest any, by *lookupBy, cols Columns) (text string, kept bool) {
	key := lookupKey{model: reflect.TypeOf(dest), by: by, all: cols == nil}
	if cols != nil {
		key.cols = strings.Join(cols.with(by.needed...), ",")
	}
	if text, ok := lookupTexts.Load(key); ok {
		return text.(string), true
	}
	// Bun writes arguments in place of ?, and leaves $1 and $2 to the
	// driver.
	text = cols.apply(s.models.NewSelect().Model(dest), by.needed...).
		Where("?TableAlias.workspace_id = $1").Where("?TableAlias." + by.key + " = ANY($2)").
		Order(by.order...).String()
	if lookupTextCount.Load() >= maxLookupTexts {
		return text, false
	}
	if _, loaded := lookupTexts.LoadOrStore(key, text); !loaded {
		lookupTextCount.Add(1)
	}
	return text, true
}

// querier runs a statement with its arguments as parameters.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// driverQuerier returns the database/sql handle under idb, whose queries
// pass their arguments to the driver; Bun's would write them into the
// text. A Store's handle is the pool, the connection of a transaction, or
// the pool scoped to a workspace, which passes them already.
func driverQuerier(idb bun.IConn) (querier, error) {
	switch h := idb.(type) {
	case *bun.DB:
		return h.DB, nil
	case bun.Conn:
		return h.Conn, nil
	case scopedConn:
		return h, nil
	}
	return nil, fmt.Errorf("lookup on a %T", idb)
}
