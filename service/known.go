package service

import (
	"cmp"
	"context"
	"slices"

	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/db"
)

// Known is what a committed write read or wrote in its transaction that
// its answer may show: the accounts and portal roles its inputs named,
// and every phone of the contacts it created. A request's loaders take it
// (graph/loaders), so that the answer to a write reads none of it again
// after the commit: a contact created with its account and phones costs
// three statements fewer, each with its own set_config under row-level
// security.
type Known struct {
	// Accounts and PortalRoles are those the write looked up, as its
	// transaction read them.
	Accounts    []*db.Account
	PortalRoles []*db.PortalRole
	// PhonesOf are the phones of each contact the write created, all of
	// them, in the order reads return them: by id. MembersOf are the
	// accounts of each, in the order reads return them: by id, since
	// they joined at once.
	PhonesOf  map[string][]*db.Phone
	MembersOf map[string][]string
}

// knownKey holds the taker of what a context's writes know (see WithKnown).
var knownKey = ctxkey.New[func(Known)]("service.known")

// WithKnown returns a context in which every write, once committed,
// hands take what it knows.
func WithKnown(ctx context.Context, take func(Known)) context.Context {
	return knownKey.With(ctx, take)
}

// tellKnown hands k to the taker of ctx, if it has one.
func tellKnown(ctx context.Context, k Known) {
	if take, ok := knownKey.Lookup(ctx); ok {
		take(k)
	}
}

// knowCreated notes the phones and accounts of a contact the batch
// created.
func (k *Known) knowCreated(contactID string, phones []*db.Phone, accountIDs []string) {
	if k.PhonesOf == nil {
		k.PhonesOf, k.MembersOf = make(map[string][]*db.Phone), make(map[string][]string)
	}
	k.PhonesOf[contactID] = slices.SortedFunc(slices.Values(phones), func(a, b *db.Phone) int { return cmp.Compare(a.ID, b.ID) })
	k.MembersOf[contactID] = slices.Sorted(slices.Values(accountIDs))
}
