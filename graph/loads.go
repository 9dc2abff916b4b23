package graph

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/contacts-api/contacts/ctxkey"
	"github.com/contacts-api/contacts/db"
	"github.com/contacts-api/contacts/graph/loaders"
	"github.com/contacts-api/contacts/graph/model"
	"github.com/contacts-api/contacts/service"
)

// The resolvers' loads: the records that root fields and the fields of
// records find through the request's loaders (graph/loaders), which read
// through the service's read API (service.Reads).

// loadNode fetches any record by its global id; the prefix says which
// loader to use. An id of no known kind is simply not found; an API key
// takes the scope the read API asks for it.
func loadNode(ctx context.Context, id string) (db.Node, error) {
	l := loaders.For(ctx)
	for _, kind := range []struct {
		prefix string
		load   func(context.Context, string) (db.Node, error)
	}{
		{db.ContactPrefix, nodeOf(l.Contact)},
		{db.AccountPrefix, nodeOf(l.Account)},
		{db.PhonePrefix, nodeOf(l.Phone)},
		{db.PortalRolePrefix, nodeOf(l.PortalRole)},
		{db.APIKeyPrefix, nodeOf(l.APIKey)},
		{db.CustomFieldPrefix, nodeOf(l.CustomField)},
	} {
		if strings.HasPrefix(id, kind.prefix) {
			return kind.load(ctx, id)
		}
	}
	return nil, nil
}

// nodeOf loads a node of one kind by id, through its loader. A missing
// record is a nil interface, which GraphQL shows as null, rather than an
// interface holding a nil pointer.
func nodeOf[T interface {
	*E
	db.Node
}, E any](l *loaders.Loader[string, T]) func(context.Context, string) (db.Node, error) {
	return func(ctx context.Context, id string) (db.Node, error) {
		v, err := loadRoot(ctx, l, id)
		if v == nil || err != nil {
			return nil, err
		}
		return v, nil
	}
}

// findOne looks up a record by exactly one of its id, through byID, and
// its external id, through byExternalID.
func findOne[V any](ctx context.Context, byID, byExternalID *loaders.Loader[string, V], id, externalID *string) (V, error) {
	if err := service.CheckOneOf(id, externalID); err != nil {
		var none V
		return none, err
	}
	if id != nil {
		return loadRoot(ctx, byID, *id)
	}
	return loadRoot(ctx, byExternalID, *externalID)
}

// loadRoot loads the record that a root field asks for. gqlgen resolves
// the root fields of a query at once, each in its goroutine; the first
// lookup to run fetches the keys of them all (rootLookups), one statement
// per loader, and the others then find theirs cached: a batch that waited
// for the others a while would miss those the scheduler starts late, on
// a busy server, and cost another statement.
func loadRoot[K comparable, V any](ctx context.Context, l *loaders.Loader[K, V], key K) (V, error) {
	if g := gatheringKey.Value(ctx); g != nil {
		noteKey(g, l, key)
		var none V
		return none, nil
	}
	if r := rootLookupsKey.Value(ctx); r != nil {
		r.once.Do(func() { r.fetch(ctx) })
	}
	return l.LoadNow(ctx, []K{key})[0]()
}

// rootLookups are the lookups of a query's root fields, fetched once.
type rootLookups struct{ once sync.Once }

// rootLookupsKey holds the root lookups of a query's context.
var rootLookupsKey = ctxkey.New[*rootLookups]("graph.rootLookups")

// withRootLookups makes the root lookups of a query fetched together (see
// loadRoot).
func withRootLookups(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if graphql.GetOperationContext(ctx).Operation.Operation == ast.Query {
		ctx = rootLookupsKey.With(ctx, &rootLookups{})
	}
	return next(ctx)
}

// fetch fetches the records that the query's root fields look up, in one
// batch per loader. It learns their keys from the lookups that the
// fields' resolvers call (loadNode, findOne), run on the fields' arguments
// in a context in which loadRoot only notes its key, so that which loader
// and key a field's arguments name is said in one place. (The arguments
// were checked before the operation ran: see inputs.go.)
func (*rootLookups) fetch(ctx context.Context) {
	oc, l := graphql.GetOperationContext(ctx), loaders.For(ctx)
	keys := rootKeys{}
	gather := gatheringKey.With(ctx, keys)
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, queryImplementors) {
		args := f.ArgumentMap(oc.Variables)
		switch f.Name {
		case "node":
			if id := stringArg(args, "id"); id != nil {
				_, _ = loadNode(gather, *id)
			}
		case "contact":
			_, _ = findOne(gather, l.Contact, l.ContactByExternal, stringArg(args, "id"), stringArg(args, "externalId"))
		case "account":
			_, _ = findOne(gather, l.Account, l.AccountByExternal, stringArg(args, "id"), stringArg(args, "externalId"))
		}
	}
	for _, p := range keys {
		p.fetch(ctx)
	}
}

// stringArg returns the string argument name of args, nil when absent.
func stringArg(args map[string]any, name string) *string {
	if s, ok := args[name].(string); ok {
		return &s
	}
	return nil
}

// gatheringKey holds the keys that the root lookups note while their
// keys are gathered (see rootLookups.fetch).
var gatheringKey = ctxkey.New[rootKeys]("graph.gathering")

// rootKeys are the keys that the root lookups of a query noted, by loader.
type rootKeys map[any]interface{ fetch(context.Context) }

// pendingKeys are the keys noted of one loader.
type pendingKeys[K comparable, V any] struct {
	loader *loaders.Loader[K, V]
	keys   []K
}

// fetch loads the keys into the loader's cache, in one batch.
func (p *pendingKeys[K, V]) fetch(ctx context.Context) { p.loader.LoadNow(ctx, p.keys) }

// noteKey notes key of l in g.
func noteKey[K comparable, V any](g rootKeys, l *loaders.Loader[K, V], key K) {
	p, _ := g[l].(*pendingKeys[K, V])
	if p == nil {
		p = &pendingKeys[K, V]{loader: l}
		g[l] = p
	}
	p.keys = append(p.keys, key)
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
	accounts, err := loaders.For(ctx).Account.LoadAll(ctx, primaryAccountIDs(contacts))
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
	return loaders.For(ctx).PortalRole.LoadAll(ctx, mapSlice(contacts, portalRoleID))
}

// contactAccounts returns each contact's accounts, in the order of
// service.AccountsOfContacts.
func contactAccounts(ctx context.Context, contacts []*db.Contact) ([][]*db.Account, error) {
	l := loaders.For(ctx)
	memberships, err := l.AccountIDsOf.LoadAll(ctx, mapSlice(contacts, (*db.Contact).NodeID))
	if err != nil {
		return nil, failed(err)
	}
	accounts, err := l.Account.LoadAll(ctx, slices.Concat(memberships...))
	if err != nil {
		return nil, failed(err)
	}
	return service.AccountsOfContacts(contacts, memberships, indexByID(accounts)), nil
}

// contactPhones returns each contact's phones, oldest first.
func contactPhones(ctx context.Context, contacts []*db.Contact) ([][]*db.Phone, error) {
	phones, err := loaders.For(ctx).PhonesOfContact.LoadAll(ctx, mapSlice(contacts, (*db.Contact).NodeID))
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
	keys := mapSlice(accounts, func(a *db.Account) service.AccountPage {
		return service.AccountPage{AccountID: a.ID, List: req}
	})
	if selectsTotalCount(ctx) {
		// The counts are read one connection at a time; queued together
		// now, they stay one statement however long that takes.
		l.ContactCountOf.Queue(ctx, keys)
	}
	pages, err := l.ContactsOfAccount.LoadAll(ctx, keys)
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

// selectsTotalCount reports whether the operation selects the total
// count of the connection being resolved.
func selectsTotalCount(ctx context.Context) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{"ContactConnection"}) {
		if f.Name == "totalCount" {
			return true
		}
	}
	return false
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
