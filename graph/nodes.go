package graph

import (
	"context"
	"strings"

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
		return nodeOrNil(l.Contact.Load(ctx, id)())
	case strings.HasPrefix(id, db.AccountPrefix):
		return nodeOrNil(l.Account.Load(ctx, id)())
	case strings.HasPrefix(id, db.PhonePrefix):
		return nodeOrNil(l.Phone.Load(ctx, id)())
	case strings.HasPrefix(id, db.PortalRolePrefix):
		return nodeOrNil(l.PortalRole.Load(ctx, id)())
	}
	return nil, nil
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

// contactAccounts returns the contact's accounts, the primary one first.
func contactAccounts(ctx context.Context, c *db.Contact) ([]*db.Account, error) {
	l := loaders.For(ctx)
	ids, err := l.AccountIDsOf.Load(ctx, c.ID)()
	if err != nil {
		return nil, err
	}
	accounts, errs := l.Account.LoadMany(ctx, ids)()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	ordered := make([]*db.Account, 0, len(accounts))
	for _, a := range accounts {
		if a != nil && c.AccountID != nil && a.ID == *c.AccountID {
			ordered = append(ordered, a)
		}
	}
	for _, a := range accounts {
		if a != nil && (c.AccountID == nil || a.ID != *c.AccountID) {
			ordered = append(ordered, a)
		}
	}
	return ordered, nil
}

// accountContacts returns a page of the account's contacts.
func accountContacts(ctx context.Context, a *db.Account, args service.PageArgs) (*model.ContactConnection, error) {
	w, err := args.Window()
	if err != nil {
		return nil, err
	}
	l := loaders.For(ctx)
	contacts, err := l.ContactsOfAccount.Load(ctx, loaders.AccountPage{AccountID: a.ID, Window: w})()
	if err != nil {
		return nil, err
	}
	page := service.NewPage(contacts, w, func(ctx context.Context) (int, error) {
		return l.ContactCountOf.Load(ctx, a.ID)()
	})
	return &model.ContactConnection{Page: page}, nil
}

// deletePayload turns the result of a deletion into its payload.
func deletePayload(id string, userErrors []*service.UserError, err error) (*model.DeletePayload, error) {
	if err != nil || userErrors != nil {
		return &model.DeletePayload{UserErrors: userErrors}, err
	}
	return &model.DeletePayload{DeletedID: &id, UserErrors: []*service.UserError{}}, nil
}
