package db

import (
	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// CheckRowSecurity lets the tests check a pool the way OpenAPI does.
var CheckRowSecurity = checkRowSecurity

// ScopedTo returns the handle whose statements each run on pool with the
// workspace ws set for themselves alone, as the Store's reads do under
// row-level security.
func ScopedTo(pool *bun.DB, ws uuid.UUID) bun.IConn {
	return scoped(pool, workspaceSetting, ws.String())
}

// IdempotencyLockID is the advisory lock key of an idempotency key.
var IdempotencyLockID = idempotencyLockID

// AccountsByIDText is the text of the lookup of accounts by id that a
// page's loader prepares.
func AccountsByIDText(s *Store) string {
	text, _ := s.lookupText(&[]*Account{}, &byID, Columns{"id", "name"})
	return text
}
