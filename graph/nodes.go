package graph

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/contacts-api/contacts/auth"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph/loaders"
	"github.com/contacts-api/contacts/graph/model"
	"github.com/contacts-api/contacts/service"
)

// loadNode fetches any record by its global id; the prefix says which
// loader to use. An id of no known kind is simply not found.
func loadNode(ctx context.Context, id string) (db.Node, error) {
	l := loaders.For(ctx)
	switch {
	case strings.HasPrefix(id, db.ContactPrefix):
		return nodeOrNil(loadRoot(ctx, l.Contact, id))
	case strings.HasPrefix(id, db.AccountPrefix):
		return nodeOrNil(loadRoot(ctx, l.Account, id))
	case strings.HasPrefix(id, db.PhonePrefix):
		return nodeOrNil(loadRoot(ctx, l.Phone, id))
	case strings.HasPrefix(id, db.PortalRolePrefix):
		return nodeOrNil(loadRoot(ctx, l.PortalRole, id))
	case strings.HasPrefix(id, db.APIKeyPrefix):
		if err := service.RequireScope(ctx, auth.ScopeKeysAdmin); err != nil {
			return nil, err
		}
		return nodeOrNil(loadRoot(ctx, l.APIKey, id))
	case strings.HasPrefix(id, db.CustomFieldPrefix):
		return nodeOrNil(loadRoot(ctx, l.CustomField, id))
	}
	return nil, nil
}

// loadRoot loads the record that a root field asks for. gqlgen resolves
// the root fields of an operation at once, so the loader waits for the
// keys of the others to load them together; an operation of one root
// field has none to wait for.
func loadRoot[K comparable, V any](ctx context.Context, l *loaders.Loader[K, V], key K) (V, error) {
	oc := graphql.GetOperationContext(ctx)
	if len(graphql.CollectFields(oc, oc.Operation.SelectionSet, queryImplementors)) > 1 {
		return l.Load(ctx, key)()
	}
	return l.LoadNow(ctx, []K{key})[0]()
}

// nodeOrNil keeps a missing record a nil interface, which GraphQL shows as
// null, rather than an interface holding a nil pointer.
func nodeOrNil[T interface {
	*E
	db.Node
}, E any](v T, err error) (db.Node, error) {
	if v == nil || err != nil {
		return nil, err
	}
	return v, nil
}

// loadAll loads keys through a loader and returns the values in key
// order. Every key is queued before any result is awaited, so that the
// keys of a whole list of parents go to the database in one batch.
func loadAll[K comparable, V any](ctx context.Context, l *loaders.Loader[K, V], keys []K) ([]V, error) {
	return await(queue(ctx, l, keys))
}

// queue starts the loads of keys without waiting for them.
func queue[K comparable, V any](ctx context.Context, l *loaders.Loader[K, V], keys []K) []dataloader.Thunk[V] {
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, k := range keys {
		thunks[i] = l.Load(ctx, k)
	}
	return thunks
}

// await returns the values of thunks in order, with a BatchErrorList
// when any failed.
func await[V any](thunks []dataloader.Thunk[V]) ([]V, error) {
	values := make([]V, len(thunks))
	var errs graphql.BatchErrorList
	for i, thunk := range thunks {
		v, err := thunk()
		if err != nil {
			if errs == nil {
				errs = make(graphql.BatchErrorList, len(thunks))
			}
			errs[i] = err
		}
		values[i] = v
	}
	if errs != nil {
		return values, errs
	}
	return values, nil
}

// failed is the error of a batch resolver whose results are not those of
// one load (they combine loads, or are built from one): the first error
// the loads reported, for every parent. A BatchErrors would need one
// result per parent, and gqlgen reports a shorter list in place of the
// errors.
func failed(err error) error {
	var batch graphql.BatchErrors
	if errors.As(err, &batch) {
		for _, e := range batch.Errors() {
			if e != nil {
				return e
			}
		}
	}
	return err
}

// indexByID maps the loaded records by id, skipping the missing ones.
func indexByID[T interface {
	*E
	db.Node
}, E any](records []T) map[string]T {
	byID := make(map[string]T, len(records))
	for _, r := range records {
		if r != nil {
			byID[r.NodeID()] = r
		}
	}
	return byID
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// primaryAccountIDs returns the ids of the contacts' primary accounts.
func primaryAccountIDs(contacts []*db.Contact) []string {
	var ids []string
	for _, c := range contacts {
		if c.AccountID != nil {
			ids = append(ids, *c.AccountID)
		}
	}
	return ids
}

func portalRoleID(c *db.Contact) string { return c.PortalRoleID }

// primaryAccounts returns each contact's primary account, or nil.
func primaryAccounts(ctx context.Context, contacts []*db.Contact) ([]*db.Account, error) {
	accounts, err := loadAll(ctx, loaders.For(ctx).Account, primaryAccountIDs(contacts))
	if err != nil {
		return nil, failed(err)
	}
	byID := indexByID(accounts)
	return mapSlice(contacts, func(c *db.Contact) *db.Account {
		if c.AccountID == nil {
			return nil
		}
		return byID[*c.AccountID]
	}), nil
}

// portalRoles returns each contact's portal role.
func portalRoles(ctx context.Context, contacts []*db.Contact) ([]*db.PortalRole, error) {
	return loadAll(ctx, loaders.For(ctx).PortalRole, mapSlice(contacts, portalRoleID))
}

// contactAccounts returns each contact's accounts, the primary one first.
func contactAccounts(ctx context.Context, contacts []*db.Contact) ([][]*db.Account, error) {
	l := loaders.For(ctx)
	memberships, err := loadAll(ctx, l.AccountIDsOf, mapSlice(contacts, (*db.Contact).NodeID))
	if err != nil {
		return nil, failed(err)
	}
	accounts, err := loadAll(ctx, l.Account, slices.Concat(memberships...))
	if err != nil {
		return nil, failed(err)
	}
	byID := indexByID(accounts)
	out := make([][]*db.Account, len(contacts))
	for i, c := range contacts {
		out[i] = primaryFirst(c, memberships[i], byID)
	}
	return out, nil
}

// primaryFirst orders a contact's accounts: the primary one, then the
// others in membership order.
func primaryFirst(c *db.Contact, ids []string, byID map[string]*db.Account) []*db.Account {
	ordered := make([]*db.Account, 0, len(ids))
	if c.AccountID != nil && byID[*c.AccountID] != nil && slices.Contains(ids, *c.AccountID) {
		ordered = append(ordered, byID[*c.AccountID])
	}
	for _, id := range ids {
		if a := byID[id]; a != nil && (c.AccountID == nil || id != *c.AccountID) {
			ordered = append(ordered, a)
		}
	}
	return ordered
}

// contactPhones returns each contact's phones, oldest first.
func contactPhones(ctx context.Context, contacts []*db.Contact) ([][]*db.Phone, error) {
	phones, err := loadAll(ctx, loaders.For(ctx).PhonesOfContact, mapSlice(contacts, (*db.Contact).NodeID))
	for i := range phones {
		if phones[i] == nil {
			phones[i] = []*db.Phone{}
		}
	}
	return phones, err
}

// accountContacts returns a page of each account's contacts, all through
// one batch of the loader.
func accountContacts(ctx context.Context, accounts []*db.Account, req *service.ListRequest) ([]*model.ContactConnection, error) {
	l := loaders.For(ctx)
	keys := mapSlice(accounts, func(a *db.Account) loaders.AccountPage {
		return loaders.AccountPage{AccountID: a.ID, List: req}
	})
	if selectedUnder(ctx)["totalCount"] {
		// The counts are read one connection at a time; queued together
		// now, they stay one statement however long that takes.
		queue(ctx, l.ContactCountOf, keys)
	}
	pages, err := loadAll(ctx, l.ContactsOfAccount, keys)
	if err != nil {
		return nil, failed(err)
	}
	out := make([]*model.ContactConnection, len(accounts))
	for i := range accounts {
		l.PrimeContacts(ctx, pages[i])
		page := service.NewPage(pages[i], req, func(ctx context.Context) (int, error) {
			return l.ContactCountOf.Load(ctx, keys[i])()
		})
		out[i] = &model.ContactConnection{Page: page}
	}
	return out, nil
}

// deletePayload turns the result of a deletion into its payload.
func deletePayload(id string, userErrors []*service.UserError, err error) (*model.DeletePayload, error) {
	if err != nil || userErrors != nil {
		return &model.DeletePayload{UserErrors: userErrors}, err
	}
	return &model.DeletePayload{DeletedID: &id, UserErrors: []*service.UserError{}}, nil
}

// writtenContacts returns the contacts a bulk upsert wrote.
func writtenContacts(results []*service.UpsertContactResult) []*db.Contact {
	var contacts []*db.Contact
	for _, r := range results {
		if r.Contact != nil {
			contacts = append(contacts, r.Contact)
		}
	}
	return contacts
}

// createAPIKeyPayload turns the result of createApiKey into its payload.
func createAPIKeyPayload(created *service.NewAPIKey, userErrors []*service.UserError) *model.CreateAPIKeyPayload {
	payload := &model.CreateAPIKeyPayload{UserErrors: userErrors}
	if created != nil {
		payload.APIKey, payload.Secret = created.Key, &created.Secret
	}
	return payload
}

// customFieldValues returns a record's custom field values in the order
// of the fields; the definitions load once per request and object.
func customFieldValues(ctx context.Context, object db.CustomFieldObject, values db.CustomFieldValues) ([]*model.CustomFieldValue, error) {
	defs, err := loaders.For(ctx).CustomFields.Load(ctx, object)()
	if err != nil {
		return nil, err
	}
	out := []*model.CustomFieldValue{}
	for _, d := range defs {
		if v, ok := values[d.Slug]; ok {
			out = append(out, &model.CustomFieldValue{Slug: d.Slug, Definition: d, Value: v})
		}
	}
	return out, nil
}
