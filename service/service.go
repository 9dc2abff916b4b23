// Package service holds the rules of the contacts domain: input
// validation, defaults, tenancy and one transaction per mutation. The
// GraphQL resolvers call it; it calls the db package.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

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
	keyUse      *keyUse
	// eventRetention is how long events are kept (SetEventRetention).
	eventRetention time.Duration
	// webhooksAllowPrivate admits loopback http endpoints
	// (AllowPrivateWebhooks).
	webhooksAllowPrivate bool
}

// New returns a Service backed by store.
func New(store *db.Store) *Service {
	return &Service{store: store, keyUse: newKeyUse(store), eventRetention: DefaultEventRetention}
}

// Close stops the service's background work, the recording of API key
// use, and waits for the writes in flight, each bounded by its own
// timeout. Call it once the server takes no more requests, before the
// database is closed; the service still answers afterwards.
func (s *Service) Close() {
	s.keyUse.close()
}

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

// RequireScope returns a FORBIDDEN error unless the caller holds scope.
func RequireScope(ctx context.Context, scope string) error {
	if p := auth.FromContext(ctx); p == nil || !p.Can(scope) {
		return &Error{Code: CodeForbidden, Message: "This token lacks the scope " + scope + "."}
	}
	return nil
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

// txFunc is a mutation's work inside its transaction: it reports problems
// with the input in ps and returns the record it wrote.
type txFunc[T any] func(tx *db.Store, ws uuid.UUID, ps *problems) (T, error)

// mutate runs fn in one transaction of the caller's workspace. When fn
// reports user errors the transaction is rolled back and they are returned
// with a nil error: nothing of a refused mutation is written. Problems
// found before the service was called refuse it without a transaction.
func mutate[T any](ctx context.Context, s *Service, fn txFunc[T]) (T, []*UserError, error) {
	var result, zero T
	ws, err := Workspace(ctx)
	if err != nil {
		return zero, nil, err
	}
	ps := inputProblems(ctx, nil)
	if len(ps) > 0 {
		return zero, ps, nil
	}
	err = s.store.InTx(ctx, ws, func(tx *db.Store) error {
		var err error
		if result, err = fn(tx, ws, &ps); err != nil {
			return err
		}
		if len(ps) > 0 {
			return errRejected
		}
		return nil
	})
	switch {
	case len(ps) > 0 && (err == nil || errors.Is(err, errRejected)):
		return zero, ps, nil
	case err != nil:
		return zero, nil, err
	}
	return result, nil, nil
}

// oneByID returns the workspace's record with id, read with read (which
// reads the workspace's records among ids), or the zero R when there is
// none; ids of the wrong kind (their prefix is not prefix) never reach
// the database.
func oneByID[R any](ctx context.Context, ws uuid.UUID, id, prefix string, read func(context.Context, uuid.UUID, []string) ([]R, error)) (R, error) {
	var none R
	if !db.HasPrefix(id, prefix) {
		return none, nil
	}
	found, err := read(ctx, ws, []string{id})
	if err != nil || len(found) == 0 {
		return none, err
	}
	return found[0], nil
}

// deleteByID deletes the workspace's record with id, or reports NOT_FOUND
// at ["id"]; ids of the wrong kind never reach the database.
func deleteByID(ctx context.Context, s *Service, id, prefix string, del func(context.Context, *db.Store, uuid.UUID, string) (bool, error)) (string, []*UserError, error) {
	return mutate(ctx, s, func(tx *db.Store, ws uuid.UUID, ps *problems) (string, error) {
		deleted := false
		var err error
		if db.HasPrefix(id, prefix) {
			deleted, err = del(ctx, tx, ws, id)
		}
		if err == nil && !deleted {
			ps.add(path{"id"}, NotFound, "No record of this workspace has this id.")
		}
		return id, err
	})
}

// logPanic, deferred in a goroutine the service starts, logs a panic
// instead of letting it end the process.
func logPanic(ctx context.Context, task string) {
	if p := recover(); p != nil {
		slog.ErrorContext(ctx, "panic in background task", "task", task, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}
