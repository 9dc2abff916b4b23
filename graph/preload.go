package graph

import (
	"context"
	"maps"
	"slices"

	"github.com/99designs/gqlgen/graphql"

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

// selectedOnContacts returns the names of the fields selected on the
// contacts of the connection being resolved, as nodes or as edges.
func selectedOnContacts(ctx context.Context) map[string]bool {
	fields := selectedUnder(ctx, "nodes")
	maps.Copy(fields, selectedUnder(ctx, "edges", "node"))
	return fields
}

// preloadContacts loads, in one batch per loader and before any of them
// is resolved, what a query selects on a list of contacts: their phones,
// portal roles, primary accounts and accounts. The resolvers of the
// contacts then find it in the loaders' caches, whether gqlgen resolves
// the contacts together (nodes) or one by one (edges, a bulk mutation's
// results), so a page costs the same statements whatever its size and
// however busy the server is. A failed load is cached with its error,
// which the field's resolver reports.
func preloadContacts(ctx context.Context, contacts []*db.Contact, fields map[string]bool) {
	l := loaders.For(ctx)
	ids := mapSlice(contacts, (*db.Contact).NodeID)
	if fields["phones"] {
		l.PhonesOfContact.LoadNow(ctx, ids)
	}
	if fields["portalRole"] {
		l.PortalRole.LoadNow(ctx, mapSlice(contacts, portalRoleID))
	}
	// Before the accounts: their members' accounts are then fetched only
	// when they are not some contact's primary account.
	if fields["account"] {
		l.Account.LoadNow(ctx, primaryAccountIDs(contacts))
	}
	if fields["accounts"] {
		memberships, _ := await(l.AccountIDsOf.LoadNow(ctx, ids))
		l.Account.LoadNow(ctx, slices.Concat(memberships...))
	}
}
