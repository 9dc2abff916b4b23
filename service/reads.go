package service

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
)

// Reads are the batch reads of one request, for the GraphQL loaders: each
// takes the keys that a request's resolvers asked for one by one and reads
// them in one statement, for the caller in ctx (its workspace, in the
// request's session: the read-write transaction of an idempotent request,
// so that it reads what it wrote). Each returns what it found in no
// order, or one result per key, in the order of the keys.
type Reads struct {
	store *db.Store
}

// Reads returns the service's batch reads.
func (s *Service) Reads() *Reads { return &Reads{store: s.store} }

// Ready reports whether the service can serve: its database answers.
func (s *Service) Ready(ctx context.Context) error { return s.store.Ping(ctx) }

// ofKind drops the ids that cannot name a record of the kind prefix
// stands for, so that they never reach the database; ok is false when
// none is left.
func ofKind(ids []string, prefix string) (kept []string, ok bool) {
	other := func(id string) bool { return !db.HasPrefix(id, prefix) }
	if !slices.ContainsFunc(ids, other) {
		// All of the kind, as a page's are: nothing to copy.
		return ids, len(ids) > 0
	}
	kept = slices.DeleteFunc(slices.Clone(ids), other)
	return kept, len(kept) > 0
}

// byIDs reads the caller's records of the kind prefix among ids.
func byIDs[V any](ctx context.Context, prefix string, ids []string, read func(context.Context, uuid.UUID, []string) ([]V, error)) ([]V, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	ids, ok := ofKind(ids, prefix)
	if !ok {
		return nil, nil
	}
	return read(ctx, ws, ids)
}

// lookup binds the lookup of records of model R by by, fetching cols, to
// store.
func lookup[R any](store *db.Store, by *db.Lookup, cols db.Columns) func(context.Context, uuid.UUID, []string) ([]*R, error) {
	return func(ctx context.Context, ws uuid.UUID, keys []string) ([]*R, error) {
		return db.ByKeys[R](ctx, store, ws, by, cols, keys)
	}
}

// inWorkspace reads by keys that are not ids (nothing to check of their
// form) for the caller's workspace.
func inWorkspace[V any](ctx context.Context, keys []string, read func(context.Context, uuid.UUID, []string) ([]V, error)) ([]V, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, ws, keys)
}

// Contacts returns cols of the caller's contacts among ids.
func (r *Reads) Contacts(ctx context.Context, ids []string, cols db.Columns) ([]*db.Contact, error) {
	return byIDs(ctx, db.ContactPrefix, ids, lookup[db.Contact](r.store, db.ByID, cols))
}

// ContactsByExternalIDs returns cols of the caller's contacts among
// externalIDs.
func (r *Reads) ContactsByExternalIDs(ctx context.Context, externalIDs []string, cols db.Columns) ([]*db.Contact, error) {
	return inWorkspace(ctx, externalIDs, lookup[db.Contact](r.store, db.ByExternalID, cols))
}

// Accounts returns cols of the caller's accounts among ids.
func (r *Reads) Accounts(ctx context.Context, ids []string, cols db.Columns) ([]*db.Account, error) {
	return byIDs(ctx, db.AccountPrefix, ids, lookup[db.Account](r.store, db.ByID, cols))
}

// AccountsByExternalIDs returns cols of the caller's accounts among
// externalIDs.
func (r *Reads) AccountsByExternalIDs(ctx context.Context, externalIDs []string, cols db.Columns) ([]*db.Account, error) {
	return inWorkspace(ctx, externalIDs, lookup[db.Account](r.store, db.ByExternalID, cols))
}

// Phones returns the caller's phones among ids.
func (r *Reads) Phones(ctx context.Context, ids []string) ([]*db.Phone, error) {
	return byIDs(ctx, db.PhonePrefix, ids, lookup[db.Phone](r.store, db.ByID, db.AllColumns))
}

// PhonesOfContacts returns cols of the phones of contactIDs, oldest first.
func (r *Reads) PhonesOfContacts(ctx context.Context, contactIDs []string, cols db.Columns) ([]*db.Phone, error) {
	return inWorkspace(ctx, contactIDs, lookup[db.Phone](r.store, db.PhonesByContact, cols))
}

// MembershipsOfContacts returns the account memberships of contactIDs,
// oldest first; see AccountsOfContacts for the order a contact's accounts
// show in.
func (r *Reads) MembershipsOfContacts(ctx context.Context, contactIDs []string) ([]*db.ContactAccount, error) {
	return inWorkspace(ctx, contactIDs, lookup[db.ContactAccount](r.store, db.MembershipsByContact, db.AllColumns))
}

// PortalRoles returns the caller's portal roles among ids.
func (r *Reads) PortalRoles(ctx context.Context, ids []string) ([]*db.PortalRole, error) {
	return byIDs(ctx, db.PortalRolePrefix, ids, r.store.PortalRolesByIDs)
}

// APIKeys returns the caller's API keys among ids. Reading a key takes
// the scope that manages them: with any other, it is FORBIDDEN, whichever
// field asks.
func (r *Reads) APIKeys(ctx context.Context, ids []string) ([]*db.APIKey, error) {
	if err := RequireScope(ctx, auth.ScopeKeysAdmin); err != nil {
		return nil, err
	}
	return byIDs(ctx, db.APIKeyPrefix, ids, r.store.APIKeysByIDs)
}

// CustomFields returns the caller's custom field definitions among ids.
func (r *Reads) CustomFields(ctx context.Context, ids []string) ([]*db.CustomFieldDefinition, error) {
	return byIDs(ctx, db.CustomFieldPrefix, ids, r.store.CustomFieldDefinitionsByIDs)
}

// CustomFieldsOf returns the caller's custom fields of each of objects,
// oldest first, in the order of objects.
func (r *Reads) CustomFieldsOf(ctx context.Context, objects []db.CustomFieldObject) ([][]*db.CustomFieldDefinition, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	defs, err := r.store.CustomFieldDefinitions(ctx, ws, "")
	if err != nil {
		return nil, err
	}
	byObject := make(map[db.CustomFieldObject][]*db.CustomFieldDefinition)
	for _, d := range defs {
		byObject[d.Object] = append(byObject[d.Object], d)
	}
	out := make([][]*db.CustomFieldDefinition, len(objects))
	for i, o := range objects {
		out[i] = byObject[o]
	}
	return out, nil
}

// AccountsOfContacts orders the accounts of each of contacts, given the
// ids of its memberships oldest first (in the order of contacts) and the
// accounts loaded by id: its primary account first, then the others in
// the order it joined them. A primary account that the contact is not a
// member of is left out, and so is an id not loaded. The lists share one
// array, each cut to its length: one allocation for a page's.
func AccountsOfContacts(contacts []*db.Contact, memberships [][]string, loaded map[string]*db.Account) [][]*db.Account {
	n := 0
	for _, m := range memberships {
		n += len(m)
	}
	all := make([]*db.Account, 0, n)
	out := make([][]*db.Account, len(contacts))
	for i, c := range contacts {
		start := len(all)
		if c.AccountID != nil && loaded[*c.AccountID] != nil && slices.Contains(memberships[i], *c.AccountID) {
			all = append(all, loaded[*c.AccountID])
		}
		for _, id := range memberships[i] {
			if a := loaded[id]; a != nil && (c.AccountID == nil || id != *c.AccountID) {
				all = append(all, a)
			}
		}
		out[i] = all[start:len(all):len(all)]
	}
	return out
}

// AccountPage asks for one page of an account's contacts.
type AccountPage struct {
	AccountID string
	List      *ListRequest
}

// accountKey is an account's part of a batch: its page or count is found
// by the account and the request's key, whatever request pointer asked.
type accountKey struct{ accountID, list string }

// byList groups the accounts of a batch by the key of their request, so
// that each distinct filter, order and window costs one statement. Equal
// requests of different pointers (one per parent list) meet here, so an
// account is listed once per group; reqs are the requests by key.
func byList(keys []AccountPage) (groups map[string][]string, reqs map[string]*ListRequest) {
	groups, reqs = make(map[string][]string), make(map[string]*ListRequest)
	for _, k := range keys {
		reqs[k.List.Key()] = k.List
		if ids := groups[k.List.Key()]; !slices.Contains(ids, k.AccountID) {
			groups[k.List.Key()] = append(ids, k.AccountID)
		}
	}
	return groups, reqs
}

// ofAccounts reads, for each distinct request among keys, the accounts'
// rows with read, and returns what each key's account and request found.
func ofAccounts[V any](ctx context.Context, keys []AccountPage, read func(ws uuid.UUID, req *ListRequest, accountIDs []string, found func(accountID string, v V)) error) ([]V, error) {
	ws, err := Workspace(ctx)
	if err != nil {
		return nil, err
	}
	groups, reqs := byList(keys)
	found := make(map[accountKey]V, len(keys))
	for list, accountIDs := range groups {
		err := read(ws, reqs[list], accountIDs, func(accountID string, v V) { found[accountKey{accountID, list}] = v })
		if err != nil {
			return nil, err
		}
	}
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = found[accountKey{k.AccountID, k.List.Key()}]
	}
	return out, nil
}

// ContactsOfAccounts returns the page of each key's account's contacts,
// in the order of keys: one statement per distinct request (in practice
// one).
func (r *Reads) ContactsOfAccounts(ctx context.Context, keys []AccountPage) ([][]*db.Contact, error) {
	pages := make(map[accountKey][]*db.Contact)
	return ofAccounts(ctx, keys, func(ws uuid.UUID, req *ListRequest, accountIDs []string, found func(string, []*db.Contact)) error {
		rows, err := r.store.ContactsOfAccounts(ctx, ws, accountIDs, req.Query)
		if err != nil {
			return err
		}
		for _, row := range rows {
			k := accountKey{row.AccountID, req.Key()}
			pages[k] = append(pages[k], &row.Contact)
			found(row.AccountID, pages[k])
		}
		return nil
	})
}

// ContactCounts returns how many contacts match each key's request in its
// account, in the order of keys: one statement per distinct filter.
func (r *Reads) ContactCounts(ctx context.Context, keys []AccountPage) ([]int, error) {
	return ofAccounts(ctx, keys, func(ws uuid.UUID, req *ListRequest, accountIDs []string, found func(string, int)) error {
		rows, err := r.store.CountContactsOfAccounts(ctx, ws, accountIDs, req.Query.Match)
		for _, c := range rows {
			found(c.AccountID, c.Count)
		}
		return err
	})
}
