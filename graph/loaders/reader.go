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

// AccountPage asks for one page of an account's contacts.
type AccountPage struct {
	AccountID string
	Window    service.Window
}

// contactsOfAccounts loads pages of several accounts' contacts, one
// statement per distinct window (in practice one).
func (r reader) contactsOfAccounts(ctx context.Context, keys []AccountPage) []*dataloader.Result[[]*db.Contact] {
	ws, err := service.Workspace(ctx)
	if err != nil {
		return failAll[AccountPage, []*db.Contact](keys, err)
	}
	byWindow := make(map[service.Window][]string)
	for _, k := range keys {
		byWindow[k.Window] = append(byWindow[k.Window], k.AccountID)
	}
	pages := make(map[AccountPage][]*db.Contact, len(keys))
	for w, accountIDs := range byWindow {
		rows, err := r.store.ContactsOfAccounts(ctx, ws, accountIDs, w.AfterID, w.Limit+1)
		if err != nil {
			return failAll[AccountPage, []*db.Contact](keys, err)
		}
		for _, row := range rows {
			k := AccountPage{AccountID: row.AccountID, Window: w}
			pages[k] = append(pages[k], &row.Contact)
		}
	}
	results := make([]*dataloader.Result[[]*db.Contact], len(keys))
	for i, k := range keys {
		results[i] = &dataloader.Result[[]*db.Contact]{Data: pages[k]}
	}
	return results
}

// contactCounts counts the contacts of several accounts in one statement.
func (r reader) contactCounts(ctx context.Context, accountIDs []string) []*dataloader.Result[int] {
	ws, err := service.Workspace(ctx)
	if err != nil {
		return failAll[string, int](accountIDs, err)
	}
	counts, err := r.store.CountContactsOfAccounts(ctx, ws, accountIDs)
	if err != nil {
		return failAll[string, int](accountIDs, err)
	}
	byAccount := make(map[string]int, len(counts))
	for _, c := range counts {
		byAccount[c.AccountID] = c.Count
	}
	results := make([]*dataloader.Result[int], len(accountIDs))
	for i, id := range accountIDs {
		results[i] = &dataloader.Result[int]{Data: byAccount[id]}
	}
	return results
}
