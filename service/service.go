// Package service holds the rules of the contacts domain: input
// validation, defaults, tenancy and one transaction per mutation. The
// GraphQL resolvers call it; it calls the db package.
package service

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
)

// Service carries out the API's operations for the caller in the context.
type Service struct {
	store *db.Store
	// provisioned remembers the workspaces known to exist, so that
	// provisioning costs a statement once per workspace and process.
	provisioned sync.Map
}

// New returns a Service backed by store.
func New(store *db.Store) *Service {
	return &Service{store: store}
}

// Store returns the store behind the service, for the read paths that
// batch their own queries.
func (s *Service) Store() *db.Store { return s.store }

// errNoPrincipal guards against a code path that forgot authentication.
var errNoPrincipal = errors.New("no authenticated principal in context")

// Workspace returns the caller's workspace.
func Workspace(ctx context.Context) (uuid.UUID, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return uuid.Nil, errNoPrincipal
	}
	return p.WorkspaceID, nil
}

// Provision creates the workspace with its built-in portal roles on its
// first use.
func (s *Service) Provision(ctx context.Context, ws uuid.UUID) error {
	if _, ok := s.provisioned.Load(ws); ok {
		return nil
	}
	if err := s.store.EnsureWorkspace(ctx, ws); err != nil {
		return fmt.Errorf("provision workspace: %w", err)
	}
	s.provisioned.Store(ws, true)
	return nil
}

// inTx runs fn in one transaction of the caller's workspace. When fn
// reports user errors the transaction is rolled back and they are returned
// with a nil error.
func (s *Service) inTx(ctx context.Context, fn func(tx *db.Store, ws uuid.UUID, ps *problems) error) ([]*UserError, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	var ps problems
	err = s.store.InTx(ctx, func(tx *db.Store) error {
		if err := fn(tx, ws, &ps); err != nil {
			return err
		}
		if len(ps) > 0 {
			return errRejected
		}
		return nil
	})
	if len(ps) > 0 && (err == nil || errors.Is(err, errRejected)) {
		return ps, nil
	}
	return nil, err
}
