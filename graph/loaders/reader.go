package loaders

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/service"
)

// reader runs the batch queries that need more than one store call.
type reader struct {
	store *db.Store
}

// inWorkspace adapts a store query to the caller's workspace. When prefix
// is set, ids that cannot exist (wrong prefix or form) are dropped first.
func inWorkspace[V any](prefix string, query func(context.Context, uuid.UUID, []string) ([]V, error)) func(context.Context, []string) ([]V, error) {
	return func(ctx context.Context, ids []string) ([]V, error) {
		ws, err := service.Workspace(ctx)
		if err != nil {
			return nil, err
		}
		if prefix != "" {
			ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !db.HasPrefix(id, prefix) })
			if len(ids) == 0 {
				return nil, nil
			}
		}
		return query(ctx, ws, ids)
	}
}

// projected adapts a store query to the columns that the request's
// projection gives the records of the query (see Loaders.Projection).
func projected[V any](columns func(Projection) db.Columns, query func(context.Context, uuid.UUID, []string, db.Columns) ([]V, error)) func(context.Context, uuid.UUID, []string) ([]V, error) {
	return func(ctx context.Context, ws uuid.UUID, keys []string) ([]V, error) {
		return query(ctx, ws, keys, columns(For(ctx).Projection))
	}
}

// AccountPage asks for one page of an account's contacts.
type AccountPage struct {
	AccountID string
	List      *service.ListRequest
}

// accountKey is an account's part of a batch: its page or count is found
// by the account and the request's key, whatever request pointer asked.
type accountKey struct{ accountID, list string }

// byList groups the accounts of a batch by the key of their request, so
// that each distinct filter, order and window costs one statement. Equal
// requests of different pointers (one per parent list) meet here, so an
// account is listed once per group.
func byList(keys []AccountPage) map[string][]string {
	groups := make(map[string][]string)
	for _, k := range keys {
		if ids := groups[k.List.Key()]; !slices.Contains(ids, k.AccountID) {
			groups[k.List.Key()] = append(ids, k.AccountID)
		}
	}
	return groups
}

// firstOf returns the request of each key among keys.
func firstOf(keys []AccountPage) map[string]*service.ListRequest {
	reqs := make(map[string]*service.ListRequest)
	for _, k := range keys {
		reqs[k.List.Key()] = k.List
	}
	return reqs
}

// contactsOfAccounts loads pages of several accounts' contacts, one
// statement per distinct request (in practice one).
func (r reader) contactsOfAccounts(ctx context.Context, keys []AccountPage) []*dataloader.Result[[]*db.Contact] {
	ws, err := service.Workspace(ctx)
	if err != nil {
		return failAll[AccountPage, []*db.Contact](keys, err)
	}
	reqs := firstOf(keys)
	pages := make(map[accountKey][]*db.Contact, len(keys))
	for list, accountIDs := range byList(keys) {
		rows, err := r.store.ContactsOfAccounts(ctx, ws, accountIDs, reqs[list].Query)
		if err != nil {
			return failAll[AccountPage, []*db.Contact](keys, err)
		}
		for _, row := range rows {
			k := accountKey{row.AccountID, list}
			pages[k] = append(pages[k], &row.Contact)
		}
	}
	results := make([]*dataloader.Result[[]*db.Contact], len(keys))
	for i, k := range keys {
		results[i] = &dataloader.Result[[]*db.Contact]{Data: pages[accountKey{k.AccountID, k.List.Key()}]}
	}
	return results
}

// contactCounts counts the matching contacts of several accounts, one
// statement per distinct filter.
func (r reader) contactCounts(ctx context.Context, keys []AccountPage) []*dataloader.Result[int] {
	ws, err := service.Workspace(ctx)
	if err != nil {
		return failAll[AccountPage, int](keys, err)
	}
	reqs := firstOf(keys)
	counts := make(map[accountKey]int, len(keys))
	for list, accountIDs := range byList(keys) {
		rows, err := r.store.CountContactsOfAccounts(ctx, ws, accountIDs, reqs[list].Query.Match)
		if err != nil {
			return failAll[AccountPage, int](keys, err)
		}
		for _, c := range rows {
			counts[accountKey{c.AccountID, list}] = c.Count
		}
	}
	results := make([]*dataloader.Result[int], len(keys))
	for i, k := range keys {
		results[i] = &dataloader.Result[int]{Data: counts[accountKey{k.AccountID, k.List.Key()}]}
	}
	return results
}

// customFieldDefinitions loads the workspace's custom fields of each object.
func (r reader) customFieldDefinitions(ctx context.Context, objects []db.CustomFieldObject) []*dataloader.Result[[]*db.CustomFieldDefinition] {
	ws, err := service.Workspace(ctx)
	if err != nil {
		return failAll[db.CustomFieldObject, []*db.CustomFieldDefinition](objects, err)
	}
	defs, err := r.store.CustomFieldDefinitions(ctx, ws, "")
	if err != nil {
		return failAll[db.CustomFieldObject, []*db.CustomFieldDefinition](objects, err)
	}
	byObject := make(map[db.CustomFieldObject][]*db.CustomFieldDefinition)
	for _, d := range defs {
		byObject[d.Object] = append(byObject[d.Object], d)
	}
	results := make([]*dataloader.Result[[]*db.CustomFieldDefinition], len(objects))
	for i, o := range objects {
		results[i] = &dataloader.Result[[]*db.CustomFieldDefinition]{Data: byObject[o]}
	}
	return results
}
