package graph

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph/loaders"
)

// typesOnPaths are the types whose fragments may appear on the paths that
// preloading follows.
var typesOnPaths = []string{
	"ContactConnection", "ContactEdge", "Contact", "Node",
	"BulkUpsertContactsPayload", "BulkUpsertContactResult",
}

// selectedUnder returns the names of the fields selected at the end of
// path below the field being resolved, such as the fields of each node of
// a connection's edges for ("edges", "node").
func selectedUnder(ctx context.Context, path ...string) map[string]bool {
	opCtx := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, typesOnPaths)
	for _, name := range path {
		var next []graphql.CollectedField
		for _, f := range fields {
			if f.Name == name {
				next = append(next, graphql.CollectFields(opCtx, f.Selections, typesOnPaths)...)
			}
		}
		fields = next
	}
	names := make(map[string]bool, len(fields))
	for _, f := range fields {
		names[f.Name] = true
	}
	return names
}

// preloadContacts queues, in one batch per loader, the loads of the fields
// that a query selects on a list of contacts that gqlgen resolves one by
// one (a connection's edges, a bulk mutation's results). The resolvers
// then find the loads under way, and a page costs the same statements
// whatever its size. It does not wait for the loads.
func preloadContacts(ctx context.Context, contacts []*db.Contact, fields map[string]bool) {
	if len(contacts) < 2 {
		return
	}
	l := loaders.For(ctx)
	ids := mapSlice(contacts, (*db.Contact).NodeID)
	if fields["phones"] {
		queue(ctx, l.PhonesOfContact, ids)
	}
	if fields["portalRole"] {
		queue(ctx, l.PortalRole, mapSlice(contacts, func(c *db.Contact) string { return c.PortalRoleID }))
	}
	if fields["account"] || fields["accounts"] {
		var primary []string
		for _, c := range contacts {
			if c.AccountID != nil {
				primary = append(primary, *c.AccountID)
			}
		}
		queue(ctx, l.Account, primary)
	}
	if fields["accounts"] {
		memberships := queue(ctx, l.AccountIDsOf, ids)
		go func() {
			defer logPanic(ctx, "preload accounts")
			var accountIDs []string
			for _, thunk := range memberships {
				ids, _ := thunk()
				accountIDs = append(accountIDs, ids...)
			}
			queue(ctx, l.Account, accountIDs)
		}()
	}
}

// queue starts the loads of keys without waiting for them.
func queue[K comparable, V any](ctx context.Context, l *dataloader.Loader[K, V], keys []K) []dataloader.Thunk[V] {
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, k := range keys {
		thunks[i] = l.Load(ctx, k)
	}
	return thunks
}

// logPanic, deferred in a goroutine the handler starts, logs a panic with
// the request's id instead of letting it end the process.
func logPanic(ctx context.Context, task string) {
	if p := recover(); p != nil {
		slog.ErrorContext(ctx, "panic in background task", "request_id", RequestID(ctx), "task", task, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}
