package db

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
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

// Lookup is a way of finding a model's records: by the values of one
// column, in an order. The lookups of the service are the variables
// below; ByKeys runs them.
type Lookup struct {
	key string
	// needed are the columns fetched whatever the projection asks for
	// (see Columns.apply).
	needed []string
	order  []string
}

var (
	// ByID finds records by their ids.
	ByID = &Lookup{key: "id", needed: []string{"workspace_id", "id"}}
	// ByExternalID finds records by their external ids.
	ByExternalID = &Lookup{key: "external_id", needed: []string{"workspace_id", "id", "external_id"}}
	// PhonesByContact finds the phones of contacts by the contacts' ids,
	// oldest first.
	PhonesByContact = &Lookup{key: "contact_id", needed: []string{"workspace_id", "id", "contact_id"}, order: []string{"p.id"}}
	// MembershipsByContact finds the account memberships of contacts by
	// the contacts' ids, oldest first.
	MembershipsByContact = &Lookup{key: "contact_id", order: []string{"ca.created_at", "ca.account_id"}}
)

// ByKeys returns cols of the records of model R of workspace ws that by
// finds among keys, in no order but by's, read off the connection (see
// rawQuery).
func ByKeys[R any](ctx context.Context, s *Store, ws uuid.UUID, by *Lookup, cols Columns, keys []string) ([]*R, error) {
	var records []*R
	text, kept := s.lookupText(&records, by, cols)
	// Only the kept texts are prepared, so that a client asking for ever
	// new sets of fields cannot fill the connections with statements.
	err := s.inWorkspace(ctx, ws, func(idb bun.IConn) error {
		countStatement(ctx)
		// As a pgtype.UUID, ws is sent as its 16 bytes; a uuid.UUID would
		// go through its text.
		return rawQuery(ctx, idb, text, kept, []any{pgtype.UUID{Bytes: ws, Valid: true}, keys}, scanInto(&records, s.models))
	})
	if err != nil {
		return nil, fmt.Errorf("%s by %s: %w", s.models.Table(reflect.TypeFor[R]()).Name, by.key, err)
	}
	return records, nil
}

// lookupTexts keeps the text of each lookup the server has run, by
// lookupKey, up to maxLookupTexts: Bun takes a dozen allocations to build
// one (about 3% of what a contact(id:) request allocates), and the kept
// ones are prepared on the connections that run them. The texts differ by
// model, way and the columns fetched: a few dozen in the server's use,
// but a client could ask for thousands of sets of fields; past the bound,
// texts are built every time and not prepared. The texts of pages and
// portal roles (selectRecords) are kept apart, in selectTexts, so that
// pages of ever new sizes and orders cannot take the lookups' places.
var (
	lookupTexts = &keptTexts{max: maxLookupTexts}
	selectTexts = &keptTexts{max: maxSelectTexts}
)

// maxLookupTexts and maxSelectTexts bound the texts kept, and so the
// statements prepared on each connection (see StatementCacheCapacity in
// Open).
const (
	maxLookupTexts = 128
	maxSelectTexts = 128
)

// keptTexts are texts kept by key, at most max of them.
type keptTexts struct {
	texts sync.Map
	count atomic.Int64
	max   int64
}

// load returns the text kept by key.
func (k *keptTexts) load(key any) (string, bool) {
	text, ok := k.texts.Load(key)
	if !ok {
		return "", false
	}
	return text.(string), true
}

// keep keeps text by key, unless max texts are kept already, and reports
// whether it is kept.
func (k *keptTexts) keep(key any, text string) bool {
	if _, ok := k.texts.Load(key); ok {
		return true
	}
	if k.count.Load() >= k.max {
		return false
	}
	if _, loaded := k.texts.LoadOrStore(key, text); !loaded {
		k.count.Add(1)
	}
	return true
}

type lookupKey struct {
	model reflect.Type
	by    *Lookup
	// all is cols == AllColumns, which differs from no columns.
	all bool
	// cols are the columns fetched, sorted.
	cols string
}

// lookupText returns the text of the lookup of dest's model by by, which
// fetches cols, and whether it is kept.
func (s *Store) lookupText(dest any, by *Lookup, cols Columns) (text string, kept bool) {
	key := lookupKey{model: reflect.TypeOf(dest), by: by, all: cols == nil}
	if cols != nil {
		key.cols = strings.Join(cols.with(by.needed...), ",")
	}
	if text, ok := lookupTexts.load(key); ok {
		return text, true
	}
	// Bun writes arguments in place of ?, and leaves $1 and $2 to the
	// driver.
	text = cols.apply(s.models.NewSelect().Model(dest), by.needed...).
		Where("?TableAlias.workspace_id = $1").Where("?TableAlias." + by.key + " = ANY($2)").
		Order(by.order...).String()
	return text, lookupTexts.keep(key, text)
}

// keepText keeps the text of a select that the server does not build
// once, such as a page's (see selectRecords), by itself: it reports
// whether the text is kept, and may be prepared.
func keepText(text string) bool {
	return selectTexts.keep(text, text)
}
