package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// Store runs the service's queries, on the pool or inside a transaction.
// Every method takes the workspace it works in and never reads or writes
// another workspace's rows; the one exception, APIKeyByHash, is how an API
// key's caller learns its workspace.
type Store struct {
	idb bun.IDB
	// pool is nil when idb is a transaction, which is then scoped to ws.
	pool *bun.DB
	// models builds the texts of lookups and scans their rows (the pool's
	// handle, in a transaction's Store too).
	models *bun.DB
	ws     uuid.UUID
	// rowSecurity says whether queries name their workspace for
	// row-level security (see session.go and scope.go).
	rowSecurity bool
	// withoutEvents says that writes record no change events
	// (CHANGE_EVENTS=off).
	withoutEvents bool
}

// NewStore returns a Store that runs its queries on bdb, each naming its
// workspace for row-level security: in a mutation's transaction, or for
// the statement alone.
func NewStore(bdb *bun.DB) *Store {
	return &Store{idb: bdb, pool: bdb, models: bdb, rowSecurity: true}
}

// WithoutRowSecurity returns a Store whose reads run straight on the pool,
// naming no workspace, for a database role that bypasses row-level
// security (ROW_LEVEL_SECURITY=off).
func (s *Store) WithoutRowSecurity() *Store {
	c := *s
	c.rowSecurity = false
	return &c
}

// WithoutEvents returns a Store whose transactions record no change
// events (CHANGE_EVENTS=off): for a deployment that uses no webhooks,
// subscriptions, feed or history, and for measuring what events cost.
func (s *Store) WithoutEvents() *Store {
	c := *s
	c.withoutEvents = true
	return &c
}

// RecordsEvents says whether writes through s record change events.
func (s *Store) RecordsEvents() bool { return !s.withoutEvents }

// InTx runs fn with a Store bound to one transaction of workspace ws,
// committed when fn returns nil and rolled back otherwise. In a request
// that runs in one read-write transaction (InRequestTx), that transaction
// is the request's, under a savepoint: fn's writes are undone alone when
// it fails, and committed with the request.
func (s *Store) InTx(ctx context.Context, ws uuid.UUID, fn func(tx *Store) error) error {
	if s.pool == nil {
		return errors.New("InTx inside a transaction")
	}
	bound := func(tx bun.IDB) error {
		return fn(&Store{idb: tx, models: s.models, ws: ws, rowSecurity: s.rowSecurity, withoutEvents: s.withoutEvents})
	}
	if sess := sessionKey.Value(ctx); sess != nil && sess.pool == s.pool {
		if sess.ws != ws {
			return errWrongWorkspace
		}
		return sess.inSavepoint(ctx, bound)
	}
	return inScopedTx(ctx, s.pool, WorkspaceSetting, ws.String(), bound)
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.idb.QueryRowContext(ctx, "SELECT 1").Scan(new(int))
}

// UniqueViolation returns the name of the unique constraint that err
// violated, or "" when err is not a unique violation.
func UniqueViolation(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return pgErr.ConstraintName
	}
	return ""
}

// Names of the unique constraints that user input can violate.
const (
	ContactExternalIDKey = "contacts_external_id_key"
	AccountExternalIDKey = "accounts_external_id_key"
	PortalRoleSlugKey    = "portal_roles_workspace_id_slug_key"
	PhoneNumberKey       = "phones_contact_number_key"
)

// BuiltInPortalRoles are the roles every workspace starts with, by slug;
// the first one listed as default is the workspace's initial default.
var BuiltInPortalRoles = []struct{ Slug, Name string }{
	{"no_access", "No access"},
	{"member", "Member"},
	{"admin", "Admin"},
}

// DefaultPortalRoleSlug is the built-in role new workspaces give contacts.
const DefaultPortalRoleSlug = "member"

// EnsureWorkspace creates the workspace with its built-in portal roles
// unless it exists. It is safe to call concurrently.
func (s *Store) EnsureWorkspace(ctx context.Context, ws uuid.UUID) error {
	return s.InTx(ctx, ws, func(tx *Store) error {
		res, err := tx.idb.NewInsert().Model(&Workspace{ID: ws}).On("CONFLICT (id) DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("insert workspace: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		roles := make([]PortalRole, len(BuiltInPortalRoles))
		var defaultID string
		for i, r := range BuiltInPortalRoles {
			roles[i] = PortalRole{Key: Key{WorkspaceID: ws, ID: NewID(PortalRolePrefix)}, Slug: r.Slug, Name: r.Name, BuiltIn: true}
			if r.Slug == DefaultPortalRoleSlug {
				defaultID = roles[i].ID
			}
		}
		if _, err := tx.idb.NewInsert().Model(&roles).Exec(ctx); err != nil {
			return fmt.Errorf("insert built-in portal roles: %w", err)
		}
		_, err = tx.idb.NewUpdate().Model((*Workspace)(nil)).
			Set("default_portal_role_id = ?", defaultID).
			Where("id = ?", ws).Exec(ctx)
		if err != nil {
			return fmt.Errorf("set default portal role: %w", err)
		}
		return nil
	})
}
